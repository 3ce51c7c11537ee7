/* report_html.c - the HTML writer of `medcrypt report`: escaping, figures,
 * problems, claim results and the per-paper claims tables. */
#define _POSIX_C_SOURCE 200809L
#include "lab/report.h"

#include <stdlib.h>
#include <string.h>

void rp_log(rp_ctx *c, const char *fmt, ...) {
    if (!c->o->log) return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    c->o->log(c->o->ud, line);
}

void rp_h(rp_ctx *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfprintf(c->html, fmt, ap);
    va_end(ap);
}

void rp_esc(rp_ctx *c, const char *s) {
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", c->html); break;
        case '>': fputs("&gt;", c->html); break;
        case '&': fputs("&amp;", c->html); break;
        case '"': fputs("&quot;", c->html); break;
        default: fputc(*s, c->html);
        }
    }
}

void rp_escf(rp_ctx *c, const char *fmt, ...) {
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    rp_esc(c, buf);
}

void rp_figure(rp_ctx *c, const char *name, const char *alt, const char *caption) {
    c->nfig++;
    rp_h(c, "<figure><a href=\"fig/%s\"><img src=\"fig/%s\" alt=\"", name, name);
    rp_esc(c, alt);
    rp_h(c, "\"></a><figcaption>Figure %d. ", c->nfig);
    rp_esc(c, caption);
    rp_h(c, "</figcaption></figure>\n");
}

void rp_problem(rp_ctx *c, const char *what, const mc_err *err) {
    rp_log(c, "problem: %s: %s", what, err && err->msg[0] ? err->msg : "failed");
    rp_h(c, "<p class=\"problem\">Not computed: ");
    rp_esc(c, what);
    rp_h(c, ": ");
    rp_esc(c, err && err->msg[0] ? err->msg : "failed");
    rp_h(c, "</p>\n");
}

static void cells(rp_ctx *c, FILE *md, const char *line, const char *tag) {
    if (md) fputs("|", md);
    rp_h(c, "<tr><%s>", tag);
    for (const char *p = line; *p; p++) {
        if (*p == '|') {
            rp_h(c, "</%s><%s>", tag, tag);
            if (md) fputs(" |", md);
            continue;
        }
        if (md) {
            if (p == line || p[-1] == '|') fputc(' ', md);
            fputc(*p, md);
        }
        char one[2] = {*p, 0};
        rp_esc(c, one);
    }
    rp_h(c, "</%s></tr>\n", tag);
    if (md) fputs(" |\n", md);
}

void rp_table_open(rp_ctx *c, rp_table *t, const char *md_name, const char *id, const char *head) {
    t->c = c;
    t->md = NULL;
    if (md_name) {
        char p[1024];
        rp_fmt(p, sizeof p, "%s/tables/%s", c->dir, md_name);
        if (!(t->md = fopen(p, "w"))) rp_log(c, "cannot write tables/%s", md_name);
    }
    rp_h(c, "<table class=\"repro\" id=\"%s\"><thead>", id);
    cells(c, t->md, head, "th");
    rp_h(c, "</thead><tbody>\n");
    if (t->md) {
        fputs("|", t->md);
        for (const char *p = head; *p; p++)
            if (*p == '|') fputs("---|", t->md);
        fputs("---|\n", t->md);
    }
}

void rp_table_row(rp_table *t, const char *fmt, ...) {
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    cells(t->c, t->md, line, "td");
}

void rp_table_close(rp_table *t) {
    rp_h(t->c, "</tbody></table>\n");
    if (t->md && fclose(t->md)) rp_log(t->c, "cannot write a table file");
    t->md = NULL;
}

rp_result *rp_claim(rp_ctx *c, const char *id) {
    for (size_t i = 0; i < c->nres; i++)
        if (!strcmp(mc_claim_at(i)->id, id)) return &c->res[i];
    rp_log(c, "internal: unknown claim %s", id);
    return NULL;
}

const char *rp_paper_value(const char *id) {
    for (size_t i = 0; i < mc_claim_count(); i++)
        if (!strcmp(mc_claim_at(i)->id, id)) return mc_claim_at(i)->paper_value;
    return "";
}

void rp_set(rp_ctx *c, const char *id, rp_status st, const char *images, const char *command, const char *verdict,
            const char *ours_fmt, ...) {
    rp_result *r = rp_claim(c, id);
    if (!r) return;
    r->status = st;
    r->ours[0] = 0;
    if (ours_fmt) {
        va_list ap;
        va_start(ap, ours_fmt);
        vsnprintf(r->ours, sizeof r->ours, ours_fmt, ap);
        va_end(ap);
    }
    rp_fmt(r->images, sizeof r->images, "%s", images ? images : "");
    rp_fmt(r->command, sizeof r->command, "%s", command ? command : "");
    rp_fmt(r->verdict, sizeof r->verdict, "%s", verdict ? verdict : "");
}

void rp_skip(rp_ctx *c, const char *id, const char *why) {
    rp_result *r = rp_claim(c, id);
    if (!r) return;
    r->status = RP_SKIPPED;
    rp_fmt(r->verdict, sizeof r->verdict, "%s", why);
}

void rp_pending(rp_ctx *c, const char *paper, const char *why) {
    for (size_t i = 0; i < c->nres; i++) {
        const mc_claim *m = mc_claim_at(i);
        if (strcmp(m->paper, paper) || c->res[i].status != RP_UNSET) continue;
        if (!m->reproducible) {
            c->res[i].status = RP_NOTREPRO;
            continue;
        }
        c->res[i].status = RP_PENDING;
        rp_fmt(c->res[i].verdict, sizeof c->res[i].verdict, "%s", why);
    }
}

static const char *status_name(rp_status s) {
    switch (s) {
    case RP_MEASURED: return "measured";
    case RP_STANDIN: return "stand-in image";
    case RP_NOTREPRO: return "not reproducible";
    case RP_PENDING: return "pending";
    case RP_SKIPPED: return "not run";
    default: return "not computed";
    }
}

static const char *status_class(rp_status s) {
    switch (s) {
    case RP_MEASURED: return "st-measured";
    case RP_STANDIN: return "st-standin";
    case RP_NOTREPRO: return "st-notrepro";
    case RP_PENDING: return "st-pending";
    case RP_SKIPPED: return "st-skipped";
    default: return "st-unset";
    }
}

void rp_claims_table(rp_ctx *c, const char *paper) {
    rp_h(c,
         "<table class=\"claims\" id=\"claims-%s\">\n<colgroup><col style=\"width:3.5%%\"><col style=\"width:7%%\">"
         "<col style=\"width:13%%\"><col style=\"width:7%%\"><col style=\"width:9%%\"><col style=\"width:9%%\">"
         "<col style=\"width:25%%\"><col "
         "style=\"width:26.5%%\"></colgroup>\n<thead><tr><th>id</th><th>where</th><th>quantity</th>"
         "<th>paper</th><th>ours</th><th>images</th><th>command</th><th>status and reading</th></tr></thead>\n"
         "<tbody>\n",
         paper);
    for (size_t i = 0; i < c->nres; i++) {
        const mc_claim *m = mc_claim_at(i);
        if (strcmp(m->paper, paper)) continue;
        const rp_result *r = &c->res[i];
        rp_status st = r->status;
        if (st == RP_UNSET && !m->reproducible) st = RP_NOTREPRO;
        rp_h(c, "<tr id=\"claim-%s\" class=\"%s%s\"><td class=\"id\">%s</td><td>", m->id, status_class(st),
             m->counted ? "" : " supp", m->id);
        rp_esc(c, m->where);
        rp_h(c, "</td><td>");
        rp_esc(c, m->quantity);
        rp_h(c, "</td><td class=\"paper\">");
        rp_esc(c, m->paper_value);
        rp_h(c, "</td><td class=\"ours\">");
        rp_esc(c, st == RP_NOTREPRO  ? "-"
                  : st == RP_PENDING ? "pending"
                  : st == RP_SKIPPED ? "not run"
                  : r->ours[0]       ? r->ours
                                     : "?");
        rp_h(c, "</td><td>");
        rp_esc(c, r->images[0] ? r->images : "-");
        rp_h(c, "</td><td>");
        if (r->command[0]) {
            rp_h(c, "<code>");
            rp_esc(c, r->command);
            rp_h(c, "</code>");
        } else
            rp_h(c, "-");
        rp_h(c, "</td><td><span class=\"status\">%s</span>", status_name(st));
        const char *why = st == RP_NOTREPRO ? m->method : r->verdict;
        if (st == RP_NOTREPRO && !strncmp(why, "not reproducible: ", 18)) why += 18;
        if (why && *why) {
            rp_h(c, ": ");
            rp_esc(c, why);
        }
        if (st == RP_MEASURED || st == RP_STANDIN) {
            rp_h(c, " <span class=\"method\">(");
            rp_esc(c, strncmp(m->method, "stand-in: ", 10) ? m->method : m->method + 10);
            rp_h(c, ")</span>");
        }
        rp_h(c, "</td></tr>\n");
    }
    rp_h(c, "</tbody></table>\n");
}

void rp_section_unready(rp_ctx *c, const char *paper, const char *why) {
    rp_pending(c, paper, why);
    rp_h(c, "<p class=\"note\">");
    rp_esc(c, why);
    rp_h(c, ": its rows are pending (never a number we did not compute).</p>\n");
    rp_claims_table(c, paper);
    rp_h(c, "</section>\n");
}
