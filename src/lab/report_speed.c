/* report_speed.c - every registered scheme's encryption and decryption
 * speed against `aead` and memcpy, measured in the same process on the
 * 8-bit phantom (hardened profile: what one would use). */
#define _POSIX_C_SOURCE 200809L
#include "lab/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAXS 32
#define MAXREPS 7

static double memcpy_seconds(size_t n, int reps) {
    uint8_t *a = malloc(n), *b = malloc(n);
    if (!a || !b) {
        free(a);
        free(b);
        return NAN;
    }
    memset(a, 0x5a, n);
    double t[64];
    unsigned sink = 0;
    if (reps > 64) reps = 64;
    for (int k = 0; k < reps; k++) {
        double t0 = rp_now();
        for (int j = 0; j < 10; j++) {
            memcpy(b, a, n);
            a[j] ^= b[n - 1 - (size_t)j];
        }
        t[k] = (rp_now() - t0) / 10;
        sink += b[k];
    }
    free(a);
    free(b);
    return rp_median(t, reps) + (sink == 0xFFFFFFFFu ? 1 : 0);
}

int rp_section_speed(rp_ctx *c, mc_err *err) {
    rp_h(c, "<section id=\"speed\"><h2>Speed against aead and memcpy</h2>\n");
    rp_img p;
    int rc = rp_img_phantom(c, c->quick ? 128 : c->psize, 8, &p, err);
    if (rc) return rc;
    int reps = c->quick ? 1 : 5;
    size_t ns = 0;
    const char *name[MAXS];
    double enc[MAXS], dec[MAXS];
    double mb = (double)p.img->nbytes / 1e6;
    for (size_t i = 0; i < mc_scheme_count() && ns < MAXS; i++) {
        const mc_scheme *s = mc_scheme_at(i);
        char why[400];
        if (!(s->profiles & MC_PROFILES_HARDENED) || !(s->bits & MC_BITS_8)) continue;
        if (!rp_scheme_ready(c, s->name, why, sizeof why)) {
            rp_h(c, "<p class=\"note\">");
            rp_esc(c, why);
            rp_h(c, "</p>\n");
            continue;
        }
        rp_log(c, "speed: %s", s->name);
        double te[MAXREPS], td[MAXREPS];
        int ok = 1;
        for (int k = 0; k < reps && ok; k++) {
            mc_image *x = NULL, *y = NULL;
            mc_err e = {0};
            double t0 = rp_now();
            ok = !rp_encrypt(c, p.img, s->name, MC_PROFILE_HARDENED, NULL, 0, NULL, &x, &e);
            double t1 = rp_now();
            ok = ok && !rp_decrypt(x, c->key, &y, &e);
            double t2 = rp_now();
            te[k] = t1 - t0, td[k] = t2 - t1;
            if (!ok) rp_problem(c, s->name, &e);
            mc_image_free(x);
            mc_image_free(y);
        }
        if (!ok) continue;
        name[ns] = s->name;
        enc[ns] = mb / rp_median(te, reps);
        dec[ns] = mb / rp_median(td, reps);
        ns++;
    }
    double mcpy = mb / memcpy_seconds(p.img->nbytes, c->quick ? 5 : 51);
    double aead_e = NAN;
    for (size_t i = 0; i < ns; i++)
        if (!strcmp(name[i], "aead")) aead_e = enc[i];
    rp_h(c,
         "<p>Hardened profile on %s (%.2f MB of pixels), median of %d runs of <code>mc_encrypt</code> / "
         "<code>mc_decrypt</code> in this process (the MAC, nonce and key derivation included; the neural "
         "schemes' model loading included), and memcpy of the same bytes (cache-warm: the pixels of one image fit in "
         "the caches). Ratios are measured in the same run; "
         "the absolute figures depend on a machine that may be shared (%s). <code>make bench</code> has the "
         "pinned benchmarks.</p>\n",
         p.name, mb, reps, c->cpu);
    rp_table t;
    rp_table_open(c, &t, "speed.md", "speed-table",
                  "scheme|encrypt MB/s|decrypt MB/s|encrypt time / aead's|encrypt time / memcpy's");
    const char *bn[MAXS + 1];
    double bv[MAXS + 1];
    for (size_t i = 0; i < ns; i++) {
        rp_table_row(&t, "%s|%.2f|%.2f|%.1f|%.0f", name[i], enc[i], dec[i], aead_e / enc[i], mcpy / enc[i]);
        bn[i] = name[i], bv[i] = enc[i];
    }
    rp_table_row(&t, "memcpy|%.0f|%.0f|%.3f|1", mcpy, mcpy, aead_e / mcpy);
    rp_table_close(&t);
    bn[ns] = "memcpy", bv[ns] = mcpy;
    char ttl[160];
    rp_fmt(ttl, sizeof ttl, "encryption speed, hardened profile, %s (median of %d)", p.name, reps);
    mc_err e = {0};
    if (rp_fig_bars(c, "speed.png", ttl, "MB/s of pixels (log scale)", bn, bv, ns + 1, 1, &e))
        rp_problem(c, "speed", &e);
    else
        rp_figure(c, "speed.png", ttl,
                  "Encryption throughput of every scheme beside aead (XChaCha20-Poly1305, green) and memcpy (grey), "
                  "log scale: the papers' constructions cost from a few times to thousands of times what the "
                  "secure reference costs.");
    rp_img_free(&p);
    rp_h(c, "</section>\n");
    return MC_OK;
}
