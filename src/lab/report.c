/* report.c - mc_report_write: `medcrypt report`, every claim of the four
 * papers beside ours as a static site (index.html + fig/ + tables/).  The
 * sections live in report_{atres,tpe,kedi,edgnet,classical,speed}.c; the
 * claims in report_claims.c; docs/report.md describes the page. */
#define _POSIX_C_SOURCE 200809L
#include "lab/report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char k_css[] =
    "body{font-family:sans-serif;margin:0 auto;max-width:1280px;padding:0 18px 40px;color:#111;line-height:1.4}"
    "h1{margin-bottom:0.2em}h2{border-bottom:2px solid #345;padding-bottom:4px;margin-top:2.2em}"
    "nav ul{columns:2;padding-left:1.2em}"
    "table{border-collapse:collapse;margin:0.8em 0;font-size:13px}"
    "th,td{border:1px solid #bbb;padding:3px 6px;vertical-align:top;text-align:left}"
    "th{background:#e8edf3}td.paper,td.ours{font-weight:bold;white-space:nowrap}"
    "table.claims{table-layout:fixed;width:100%}table.claims td{overflow-wrap:anywhere}"
    "table.claims td.paper,table.claims td.ours{white-space:normal}"
    "code{font-size:12px;background:#f3f3f3}"
    "tr.st-measured td.ours{background:#e3f3e3}tr.st-standin td.ours{background:#eef3ff}"
    "tr.st-notrepro td.ours{background:#f4f4f4}tr.st-pending td.ours{background:#fff4d6}"
    "tr.st-skipped td.ours{background:#f0e8f8}"
    "tr.st-unset td.ours{background:#fdd}tr.supp td.id{font-style:italic}"
    "span.status{font-weight:bold}span.method{color:#555}"
    "figure{margin:1em 0}figure img{max-width:100%;border:1px solid #ccc}"
    "figcaption{font-size:13px;color:#333;max-width:900px}"
    "p.problem{background:#fdd;padding:4px 8px}p.note{color:#444;font-size:14px}"
    "pre{background:#f3f3f3;padding:8px;overflow-x:auto;font-size:12px}";

static const struct {
    const char *id, *title;
} k_papers[] = {{"at-resnet-cm", "AT-ResNet-CM (Li and Peng 2023)"},
                {"tpe-h2mwd", "TPE-H2MWD (Chai et al. 2023)"},
                {"deep-kedi", "Deep-KEDI (ZZ-GAN, 2024)"},
                {"edg-net", "EDG-Net (Chen et al. 2025)"}};
#define NPAPERS (sizeof k_papers / sizeof k_papers[0])

static void machine(rp_ctx *c) {
    rp_fmt(c->cpu, sizeof c->cpu, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    if (f) {
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "model name", 10)) {
                const char *p = strchr(line, ':');
                if (p) rp_fmt(c->cpu, sizeof c->cpu, "%s", p + 2);
                c->cpu[strcspn(c->cpu, "\n")] = 0;
                break;
            }
        fclose(f);
    }
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(c->date, sizeof c->date, "%Y-%m-%d", &tm);
}

static int mkdir_in(const char *dir, const char *sub, mc_err *err) {
    char p[1024];
    rp_fmt(p, sizeof p, "%s/%s", dir, sub);
    if (mkdir(p, 0755) && errno != EEXIST) return mc_err_set(err, MC_ERR_IO, "%s: %s", p, strerror(errno));
    return MC_OK;
}

static int write_key(rp_ctx *c, mc_err *err) {
    char p[1024];
    rp_fmt(p, sizeof p, "%s/demo.key", c->dir);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return mc_err_set(err, MC_ERR_IO, "demo.key: %s", strerror(errno));
    char line[128] = "medcrypt-key-v1 raw ";
    size_t o = strlen(line);
    for (int i = 0; i < MC_KEY_BYTES; i++, o += 2) rp_fmt(line + o, sizeof line - o, "%02x", c->keyb[i]);
    line[o++] = '\n';
    ssize_t w = write(fd, line, o);
    if (close(fd) || w != (ssize_t)o) return mc_err_set(err, MC_ERR_IO, "demo.key: cannot write");
    return MC_OK;
}

static void json_str(FILE *f, const char *s) {
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static const char *status_json(rp_status s) {
    switch (s) {
    case RP_MEASURED: return "measured";
    case RP_STANDIN: return "stand-in";
    case RP_NOTREPRO: return "not-reproducible";
    case RP_PENDING: return "pending";
    case RP_SKIPPED: return "not-run";
    default: return "not-computed";
    }
}

static int write_json(rp_ctx *c, mc_err *err) {
    char p[1024];
    rp_fmt(p, sizeof p, "%s/claims.json", c->dir);
    FILE *f = fopen(p, "w");
    if (!f) return mc_err_set(err, MC_ERR_IO, "claims.json: %s", strerror(errno));
    fprintf(f, "{\"date\": \"%s\", \"quick\": %s, \"claims\": [\n", c->date, c->quick ? "true" : "false");
    for (size_t i = 0; i < c->nres; i++) {
        const mc_claim *m = mc_claim_at(i);
        const rp_result *r = &c->res[i];
        fprintf(f, "%s{\"id\": \"%s\", \"paper\": \"%s\", \"counted\": %s, \"where\": ", i ? ",\n" : "", m->id,
                m->paper, m->counted ? "true" : "false");
        json_str(f, m->where);
        fprintf(f, ", \"quantity\": ");
        json_str(f, m->quantity);
        fprintf(f, ", \"paper_value\": ");
        json_str(f, m->paper_value);
        fprintf(f, ", \"status\": \"%s\", \"ours\": ", status_json(r->status));
        json_str(f, r->ours);
        fprintf(f, ", \"images\": ");
        json_str(f, r->images);
        fprintf(f, ", \"command\": ");
        json_str(f, r->command);
        fprintf(f, ", \"reading\": ");
        json_str(f, r->status == RP_NOTREPRO ? m->method : r->verdict);
        fprintf(f, "}");
    }
    fprintf(f, "\n]}\n");
    if (fclose(f)) return mc_err_set(err, MC_ERR_IO, "claims.json: cannot write");
    return MC_OK;
}

static void overview(rp_ctx *c, const char *cmd) {
    rp_h(c, "<h1>medcrypt: the papers' claims beside ours</h1>\n<p>Generated %s on ", c->date);
    rp_esc(c, c->cpu);
    rp_h(c, " (%ld online CPUs) by <code>", sysconf(_SC_NPROCESSORS_ONLN));
    rp_esc(c, cmd);
    rp_h(c,
         "</code>%s, medcrypt %s. Every number below was computed by this run; rerun the command to "
         "reproduce it.</p>\n",
         c->quick ? " (<b>--quick</b>: small phantoms and few repetitions, for the tests; run without it for the "
                    "figures to quote)"
                  : "",
         mc_version_string());
    rp_h(c, "<nav><ul>");
    for (size_t p = 0; p < NPAPERS; p++) rp_h(c, "<li><a href=\"#%s\">%s</a></li>", k_papers[p].id, k_papers[p].title);
    rp_h(c, "<li><a href=\"#classical\">Classical ciphers and attacks</a></li><li><a href=\"#speed\">Speed against "
            "aead and memcpy</a></li><li><a href=\"#about\">How this page is made</a></li></ul></nav>\n");
    size_t counted = 0;
    for (size_t i = 0; i < c->nres; i++) counted += (size_t)mc_claim_at(i)->counted;
    rp_h(c,
         "<h2 id=\"overview\">Overview</h2>\n<p>The four papers state %zu numeric claims in their text. Each "
         "has a row in its paper's section: our value, the images, the command, or the reason it cannot be "
         "reproduced. <i>Stand-in</i>: a property of the paper's own images (not available), measured on ours. "
         "<i>Pending</i>: the scheme is not built in this medcrypt. <i>Not run</i>: the image it needs was not given "
         "(<code>--samples</code>) or <code>--quick</code> left it out. Rows in italics (S..) are supplementary "
         "statements, not counted.</p>\n",
         counted);
    rp_h(c,
         "<table id=\"summary\"><thead><tr><th>paper</th><th>claims</th><th>measured</th><th>stand-in</th>"
         "<th>not reproducible</th><th>pending</th><th>not run</th><th>supplementary rows</th></tr></thead><tbody>\n");
    size_t tot[7] = {0};
    for (size_t p = 0; p < NPAPERS; p++) {
        size_t n[7] = {0};
        for (size_t i = 0; i < c->nres; i++) {
            const mc_claim *m = mc_claim_at(i);
            if (strcmp(m->paper, k_papers[p].id)) continue;
            if (!m->counted) {
                n[6]++;
                continue;
            }
            n[0]++;
            rp_status s = c->res[i].status;
            n[s == RP_MEASURED ? 1 : s == RP_STANDIN ? 2 : s == RP_PENDING ? 4 : s == RP_SKIPPED ? 5 : 3]++;
        }
        rp_h(c, "<tr><td><a href=\"#%s\">%s</a></td>", k_papers[p].id, k_papers[p].title);
        for (int k = 0; k < 7; k++) {
            rp_h(c, "<td>%zu</td>", n[k]);
            tot[k] += n[k];
        }
        rp_h(c, "</tr>\n");
    }
    rp_h(c, "<tr><th>all</th>");
    for (int k = 0; k < 7; k++) rp_h(c, "<th>%zu</th>", tot[k]);
    rp_h(c, "</tr></tbody></table>\n");
    rp_h(c, "<p class=\"note\">Keys: every <code>paper</code>-profile row uses the fixed, public demo key "
            "<code>demo.key</code> (bytes 00 01 .. 1f, written next to this page), so those rows are the same on "
            "every machine; <code>hardened</code> rows draw a fresh nonce per image and vary. Never use the demo "
            "key for data.</p>\n");
}

static void about(rp_ctx *c) {
    rp_h(c, "<h2 id=\"about\">How this page is made</h2>\n<p>One process, <code>medcrypt report</code> "
            "(<code>mc_report_write</code> in libmedcrypt_lab, src/lab/report*.c), runs every reproduction "
            "through the public API (<code>mc_encrypt</code>, <code>mc_decrypt</code>, the metrics of "
            "<code>medcrypt analyze</code>), draws the figures with cairo and writes this static page: no "
            "JavaScript, no external resource. <code>claims.json</code> holds every row; <code>tables/</code> "
            "the reproduction tables as markdown (the docs quote them). The claims and how each is reproduced: "
            "src/lab/report_claims.c. Timings are wall-clock medians of this run on a machine that may be "
            "shared: ratios measured in the same run are the figures to compare.</p>\n");
}

int mc_report_write(const char *out_dir, const mc_report_opts *o, mc_err *err) {
    mc_report_opts def = {0};
    if (!o) o = &def;
    struct stat st;
    if (!out_dir || stat(out_dir, &st) || !S_ISDIR(st.st_mode))
        return mc_err_set(err, MC_ERR_ARG, "report: %s is not a directory", out_dir ? out_dir : "(null)");
    rp_ctx c = {.o = o, .dir = out_dir, .quick = o->quick, .psize = o->quick ? 128 : 512};
    int rc;
    if ((rc = mkdir_in(out_dir, "fig", err)) || (rc = mkdir_in(out_dir, "tables", err))) return rc;
    machine(&c);
    c.nres = mc_claim_count();
    c.res = calloc(c.nres, sizeof *c.res);
    char *body = NULL;
    size_t bodylen = 0;
    c.html = open_memstream(&body, &bodylen);
    if (!c.res || !c.html) {
        free(c.res);
        if (c.html) fclose(c.html);
        free(body);
        return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < MC_KEY_BYTES; i++) c.keyb[i] = (uint8_t)i;
    uint8_t k2[MC_KEY_BYTES];
    memcpy(k2, c.keyb, sizeof k2);
    k2[MC_KEY_BYTES - 1] ^= 1;
    rc = mc_key_from_bytes(&c.key, c.keyb, err);
    if (!rc) rc = mc_key_from_bytes(&c.key2, k2, err);
    if (!rc) rc = write_key(&c, err);
    int (*const sections[])(rp_ctx *, mc_err *) = {rp_section_atres,  rp_section_tpe,       rp_section_kedi,
                                                   rp_section_edgnet, rp_section_classical, rp_section_speed};
    for (size_t s = 0; !rc && s < sizeof sections / sizeof sections[0]; s++) rc = sections[s](&c, err);
    if (!rc) about(&c);
    for (size_t i = 0; i < c.nres; i++) /* what no section set: not reproducible, or a failure shown as such */
        if (c.res[i].status == RP_UNSET && !mc_claim_at(i)->reproducible) c.res[i].status = RP_NOTREPRO;
    fclose(c.html);
    c.html = NULL;
    if (!rc) rc = write_json(&c, err);
    if (!rc) {
        char p[1024];
        rp_fmt(p, sizeof p, "%s/index.html", out_dir);
        FILE *f = fopen(p, "w");
        if (!f)
            rc = mc_err_set(err, MC_ERR_IO, "index.html: %s", strerror(errno));
        else {
            c.html = f;
            rp_h(&c,
                 "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>medcrypt report: the "
                 "papers' claims beside ours</title>\n<meta name=\"viewport\" content=\"width=device-width\">"
                 "<style>%s</style></head>\n<body>\n",
                 k_css);
            overview(&c, o->command ? o->command : "medcrypt report OUT_DIR");
            fwrite(body, 1, bodylen, f);
            rp_h(&c, "</body></html>\n");
            if (fclose(f)) rc = mc_err_set(err, MC_ERR_IO, "index.html: cannot write");
            c.html = NULL;
        }
    }
    free(body);
    free(c.res);
    mc_key_free(c.key);
    mc_key_free(c.key2);
    return rc;
}
