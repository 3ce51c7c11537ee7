/* report_util.c - images, encryption helpers, timing and number formatting
 * for `medcrypt report`. */
#define _POSIX_C_SOURCE 200809L
#include "lab/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int rp_img_sample(rp_ctx *c, const char *rel, rp_img *out) {
    memset(out, 0, sizeof *out);
    if (!c->o->samples) return 0;
    rp_fmt(out->path, sizeof out->path, "%s/%s", c->o->samples, rel);
    struct stat st;
    if (stat(out->path, &st) || !S_ISREG(st.st_mode)) {
        rp_log(c, "sample %s missing (scripts/fetch-samples.sh): its rows use the phantoms", rel);
        out->path[0] = 0;
        return 0;
    }
    mc_err err = {0};
    if (mc_image_read(out->path, NULL, &out->img, &err)) {
        rp_log(c, "sample %s: %s", rel, err.msg);
        out->path[0] = 0;
        out->img = NULL;
        return 0;
    }
    const char *b = strrchr(rel, '/');
    rp_fmt(out->name, sizeof out->name, "%s", b ? b + 1 : rel);
    return 1;
}

int rp_img_phantom(rp_ctx *c, unsigned size, unsigned bits, rp_img *out, mc_err *err) {
    (void)c;
    memset(out, 0, sizeof *out);
    int rc = mc_phantom(&out->img, size, 1, bits, err);
    if (rc) return rc;
    rp_fmt(out->name, sizeof out->name, "phantom%u-%u", size, bits);
    rp_fmt(out->path, sizeof out->path, "phantom%u-%u.%s", size, bits, bits == 8 ? "png" : "dcm");
    rp_fmt(out->make, sizeof out->make, "medcrypt phantom --size %u --bits %u -o %s", size, bits, out->path);
    return MC_OK;
}

void rp_img_free(rp_img *im) {
    mc_image_free(im->img);
    im->img = NULL;
}

int rp_clone(const mc_image *s, mc_image **out, mc_err *err) {
    mc_image *d = NULL;
    int rc = mc_image_new(&d, s->width, s->height, s->depth, s->channels, s->bits, s->is_signed, NULL, err);
    if (rc) return rc;
    memcpy(d->pixels, s->pixels, s->nbytes);
    d->bits_stored = s->bits_stored;
    memcpy(d->spacing, s->spacing, sizeof d->spacing);
    d->format = s->format;
    d->has_meta = s->has_meta;
    d->meta = s->meta;
    if (s->aux_len && (rc = mc_image_set_aux(d, s->aux, s->aux_len, err))) {
        mc_image_free(d);
        return rc;
    }
    *out = d;
    return MC_OK;
}

int rp_encrypt(rp_ctx *c, const mc_image *plain, const char *scheme, mc_profile prof, const char *const *params,
               size_t np, const mc_key *k, mc_image **out, mc_err *err) {
    mc_image *x = NULL;
    int rc = rp_clone(plain, &x, err);
    if (rc) return rc;
    x->has_meta = 0;
    mc_meta_clear(&x->meta);
    if ((rc = mc_encrypt(x, scheme, prof, params, np, k ? k : c->key, NULL, err))) {
        mc_image_free(x);
        return rc;
    }
    *out = x;
    return MC_OK;
}

int rp_decrypt(const mc_image *cipher, const mc_key *k, mc_image **out, mc_err *err) {
    mc_image *x = NULL;
    int rc = rp_clone(cipher, &x, err);
    if (rc) return rc;
    const mc_opts o = {.flags = MC_DECRYPT_UNAUTHENTICATED};
    if ((rc = mc_decrypt(x, k, &o, err))) {
        mc_image_free(x);
        return rc;
    }
    *out = x;
    return MC_OK;
}

void rp_trip_free(rp_trip *t) {
    mc_image_free(t->cp), mc_image_free(t->dp), mc_image_free(t->ch);
    t->cp = t->dp = t->ch = NULL;
}

int rp_trip_run(rp_ctx *c, const mc_image *plain, const char *scheme, rp_trip *t, mc_err *err) {
    memset(t, 0, sizeof *t);
    mc_image *dh = NULL;
    int rc = rp_encrypt(c, plain, scheme, MC_PROFILE_PAPER, NULL, 0, NULL, &t->cp, err);
    if (!rc) rc = rp_decrypt(t->cp, c->key, &t->dp, err);
    if (!rc) rc = mc_mse_psnr(plain, t->dp, MC_ALL, MC_ALL, &t->mse, &t->psnr, err);
    if (!rc) rc = mc_ssim(plain, t->dp, MC_ALL, MC_ALL, &t->ssim, err);
    double t0 = rp_now();
    if (!rc) rc = rp_encrypt(c, plain, scheme, MC_PROFILE_HARDENED, NULL, 0, NULL, &t->ch, err);
    if (!rc) rc = rp_decrypt(t->ch, c->key, &dh, err);
    t->secs = rp_now() - t0;
    if (!rc) {
        t->exact = !memcmp(dh->pixels, plain->pixels, plain->nbytes);
        t->aux = t->ch->aux_len;
    }
    mc_image_free(dh);
    if (rc) rp_trip_free(t);
    return rc;
}

double rp_entropy8(const mc_image *img) {
    double h = NAN, hh = NAN;
    if (mc_entropy(img, MC_ALL, MC_ALL, &h, &hh)) return NAN;
    return img->bits == 8 ? h : hh;
}

void rp_fmt(char *buf, size_t cap, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
}

double rp_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double rp_median(double *v, int n) {
    if (n < 1) return NAN;
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

const char *rp_num(double v, int prec, char *buf, size_t cap) {
    if (isinf(v))
        rp_fmt(buf, cap, "%sinf", v < 0 ? "-" : "");
    else if (isnan(v))
        rp_fmt(buf, cap, "n/a");
    else
        rp_fmt(buf, cap, "%.*f", prec, v);
    return buf;
}

const char *rp_q(const char *path, char *buf, size_t cap) {
    int plain = 1;
    for (const char *p = path; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+,=:", *p)) plain = 0;
    if (plain && *path) {
        rp_fmt(buf, cap, "%s", path);
        return buf;
    }
    size_t o = 0;
    if (cap < 3) return "''";
    buf[o++] = '\'';
    for (const char *p = path; *p && o + 5 < cap; p++) {
        if (*p == '\'') {
            memcpy(buf + o, "'\\''", 4);
            o += 4;
        } else
            buf[o++] = *p;
    }
    buf[o++] = '\'';
    buf[o] = 0;
    return buf;
}

/* the file extension of a path ("nii.gz" for .nii.gz), "png" when none */
static const char *ext_of(const char *path) {
    size_t n = strlen(path);
    if (n > 7 && !strcmp(path + n - 7, ".nii.gz")) return "nii.gz";
    const char *d = strrchr(path, '.'), *s = strrchr(path, '/');
    return d && (!s || d > s) ? d + 1 : "png";
}

void rp_cmd_plain(char *buf, size_t cap, const rp_img *im) {
    char q[600];
    rp_fmt(buf, cap, "%s%smedcrypt analyze %s --json", im->make, im->make[0] ? " && " : "",
           rp_q(im->path, q, sizeof q));
}

void rp_cmd_cipher(char *buf, size_t cap, const rp_img *im, const char *scheme, const char *prof, const char *param,
                   int decrypt) {
    char q[600], pp[96] = "";
    const char *e = ext_of(im->path);
    if (param && *param) rp_fmt(pp, sizeof pp, " --param %s", param);
    rp_q(im->path, q, sizeof q);
    if (decrypt)
        rp_fmt(buf, cap,
               "%s%smedcrypt encrypt -s %s --profile %s%s -k demo.key %s -o c.%s && medcrypt decrypt --profile %s "
               "-k demo.key c.%s -o d.%s && medcrypt analyze d.%s %s --json",
               im->make, im->make[0] ? " && " : "", scheme, prof, pp, q, e, prof, e, e, e, q);
    else
        rp_fmt(buf, cap,
               "%s%smedcrypt encrypt -s %s --profile %s%s -k demo.key %s -o c.%s && medcrypt analyze c.%s --json",
               im->make, im->make[0] ? " && " : "", scheme, prof, pp, q, e, e);
}

double rp_uniform_entropy(double n) { return 8.0 - 255.0 / (2.0 * n * 0.6931471805599453); }

double rp_corr_sigma(const mc_image *img) {
    double pairs = (double)(img->width - 1) * img->height * img->depth * img->channels;
    return pairs > 0 ? 1.0 / sqrt(pairs) : NAN;
}

int rp_scheme_ready(rp_ctx *c, const char *scheme, char *why, size_t cap) {
    if (!mc_scheme_find(scheme)) {
        rp_fmt(why, cap, "the scheme %s is not built in this medcrypt", scheme);
        return 0;
    }
    mc_image *z = NULL, *x = NULL;
    mc_err err = {0};
    int rc = mc_image_new(&z, 64, 64, 1, 1, 8, 0, NULL, &err);
    if (!rc) rc = rp_encrypt(c, z, scheme, MC_PROFILE_HARDENED, NULL, 0, NULL, &x, &err);
    mc_image_free(z);
    mc_image_free(x);
    if (rc) {
        rp_fmt(why, cap, "the scheme %s cannot run in this build: %s", scheme, err.msg);
        rp_log(c, "%s", why);
        return 0;
    }
    return 1;
}
