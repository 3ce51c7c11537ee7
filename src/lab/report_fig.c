/* report_fig.c - the figures of `medcrypt report` (cairo PNG): image
 * strips, line charts and bar charts; histograms and scatter plots come from
 * mc_plot_histograms / mc_plot_scatter. */
#define _POSIX_C_SOURCE 200809L
#include "lab/report.h"
#include "metrics/plot_util.h"

#include <cairo.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RP_PI 3.14159265358979323846

static void fig_path(rp_ctx *c, const char *name, char *p, size_t cap) { rp_fmt(p, cap, "%s/fig/%s", c->dir, name); }

static int finish(rp_ctx *c, cairo_surface_t *sf, cairo_t *cr, const char *name, mc_err *err) {
    char p[1024];
    fig_path(c, name, p, sizeof p);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    if (st == CAIRO_STATUS_SUCCESS) st = cairo_surface_write_to_png(sf, p);
    cairo_surface_destroy(sf);
    c->plots_used = 1;
    if (st == CAIRO_STATUS_WRITE_ERROR) return mc_err_set(err, MC_ERR_IO, "fig/%s: cannot write", name);
    if (st != CAIRO_STATUS_SUCCESS)
        return mc_err_set(err, MC_ERR_INTERNAL, "fig/%s: cairo: %s", name, cairo_status_to_string(st));
    return MC_OK;
}

/* text no wider than maxw (smaller font if needed) */
static void text_fit(cairo_t *cr, double x, double y, const char *s, double ax, double ay, double size, double maxw) {
    cairo_text_extents_t te;
    cairo_set_font_size(cr, size);
    cairo_text_extents(cr, s, &te);
    if (te.width > maxw && te.width > 0) cairo_set_font_size(cr, size * maxw / te.width);
    mc_cairo_text_at(cr, x, y, s, ax, ay);
    cairo_set_font_size(cr, size);
}

static void title(cairo_t *cr, double x, double y, const char *s, double maxw) {
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_source_rgb(cr, 0, 0, 0);
    text_fit(cr, x, y, s, 0.5, 0, 15, maxw);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
}

/* ------------------------------------------------------------- strips */

/* An RGB24 surface of plane z of img (levels; 16-bit windowed to min..max). */
/* the display window of plane z: 8-bit 0..255, 16-bit min..max */
static void window(const mc_image *img, uint32_t z, uint32_t *lo, uint32_t *hi) {
    size_t plane = (size_t)img->width * img->height * img->channels, base = (size_t)z * plane;
    *lo = UINT32_MAX, *hi = 0;
    for (size_t i = 0; i < plane; i++) {
        uint32_t v = mc_level(img, base + i);
        if (v < *lo) *lo = v;
        if (v > *hi) *hi = v;
    }
    if (img->bits == 8) *lo = 0, *hi = 255;
}

/* An RGB24 surface of plane z of img (levels in the window lo..hi). */
static cairo_surface_t *image_surface(const mc_image *img, uint32_t z, uint32_t lo, uint32_t hi, char *note,
                                      size_t ncap) {
    uint32_t w = img->width, h = img->height;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)w, (int)h);
    if (cairo_surface_status(s)) return s;
    size_t plane = (size_t)w * h * img->channels, base = (size_t)z * plane;
    double span = hi > lo ? (double)(hi - lo) : 1;
    if (note) {
        if (img->bits == 16)
            rp_fmt(note, ncap, "16-bit, shown %u..%u", lo, hi);
        else
            note[0] = 0;
    }
    cairo_surface_flush(s);
    unsigned char *d = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (uint32_t y = 0; y < h; y++) {
        uint32_t *row = (uint32_t *)(void *)(d + (size_t)y * (size_t)stride);
        for (uint32_t x = 0; x < w; x++) {
            uint32_t px[3];
            for (unsigned ch = 0; ch < 3; ch++) {
                unsigned cc = img->channels == 3 ? ch : 0;
                uint32_t v = mc_level(img, base + ((size_t)y * w + x) * img->channels + cc);
                double f = ((double)v - lo) / span * 255.0 + 0.5;
                px[ch] = f < 0 ? 0 : f > 255 ? 255 : (uint32_t)f;
            }
            row[x] = (px[0] << 16) | (px[1] << 8) | px[2];
        }
    }
    cairo_surface_mark_dirty(s);
    return s;
}

int rp_fig_strip(rp_ctx *c, const char *name, const mc_image *const *imgs, const char *const *labels, size_t n,
                 unsigned cell, int nearest, unsigned winmask, const char *ttl, mc_err *err) {
    if (n < 1 || n > 12) return mc_err_set(err, MC_ERR_ARG, "strip: 1 to 12 images");
    const int pad = 12, top = ttl ? 34 : 8, lab = 44;
    int W = (int)n * ((int)cell + pad) + pad, H = top + (int)cell + lab;
    cairo_surface_t *sf;
    cairo_t *cr = mc_cairo_start(W, H, &sf);
    if (ttl) title(cr, W / 2.0, 10, ttl, W - 20);
    for (size_t k = 0; k < n; k++) {
        const mc_image *im = imgs[k];
        double x0 = pad + (double)k * (cell + pad), y0 = top;
        char note[64] = "";
        if (im) {
            uint32_t lo, hi;
            const mc_image *w0 = (winmask >> k) & 1 && imgs[0] && imgs[0]->bits == im->bits ? imgs[0] : im;
            window(w0, w0->depth / 2, &lo, &hi);
            cairo_surface_t *is = image_surface(im, im->depth / 2, lo, hi, note, sizeof note);
            double s = fmin((double)cell / im->width, (double)cell / im->height);
            double ox = x0 + (cell - s * im->width) / 2, oy = y0 + (cell - s * im->height) / 2;
            cairo_save(cr);
            cairo_translate(cr, ox, oy);
            cairo_scale(cr, s, s);
            cairo_set_source_surface(cr, is, 0, 0);
            cairo_pattern_set_filter(cairo_get_source(cr), nearest ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD);
            cairo_paint(cr);
            cairo_restore(cr);
            cairo_surface_destroy(is);
            cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
            cairo_set_line_width(cr, 1);
            cairo_rectangle(cr, ox - 0.5, oy - 0.5, s * im->width + 1, s * im->height + 1);
            cairo_stroke(cr);
        }
        cairo_set_source_rgb(cr, 0, 0, 0);
        text_fit(cr, x0 + cell / 2.0, y0 + cell + 6, labels && labels[k] ? labels[k] : "", 0.5, 0, 13, cell + pad - 2);
        if (note[0] || (im && im->depth > 1)) {
            char l2[128];
            rp_fmt(l2, sizeof l2, "%s%s%s", note, note[0] && im->depth > 1 ? ", " : "",
                   im->depth > 1 ? "middle slice" : "");
            cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
            text_fit(cr, x0 + cell / 2.0, y0 + cell + 24, l2, 0.5, 0, 11, cell + pad - 2);
        }
    }
    return finish(c, sf, cr, name, err);
}

/* ------------------------------------------------------------- charts */

static const double k_colors[][3] = {{0.12, 0.38, 0.70}, {0.85, 0.37, 0.01}, {0.20, 0.60, 0.20}, {0.60, 0.20, 0.60},
                                     {0.70, 0.10, 0.10}, {0.30, 0.30, 0.30}, {0.00, 0.60, 0.60}, {0.55, 0.45, 0.10}};
#define NCOLORS (sizeof k_colors / sizeof k_colors[0])

static void tick_label(char *buf, size_t cap, double v, double step) {
    if (step >= 1 || v == 0)
        rp_fmt(buf, cap, "%.0f", v);
    else
        rp_fmt(buf, cap, "%.*f", (int)ceil(-log10(step)), v);
}

int rp_fig_lines(rp_ctx *c, const char *name, const char *ttl, const char *xlabel, const char *ylabel,
                 const rp_series *s, size_t ns, int xlog2, mc_err *err) {
    const int W = 760, H = 460, L = 84, R = 24, T = 44, B = 62;
    double pw = W - L - R, ph = H - T - B;
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (size_t k = 0; k < ns; k++)
        for (size_t i = 0; i < s[k].n; i++) {
            double x = xlog2 ? log2(s[k].x[i]) : s[k].x[i], y = s[k].y[i];
            if (!isfinite(x) || !isfinite(y)) continue;
            xmin = fmin(xmin, x), xmax = fmax(xmax, x), ymin = fmin(ymin, y), ymax = fmax(ymax, y);
        }
    if (!(xmax >= xmin) || !(ymax >= ymin)) return mc_err_set(err, MC_ERR_ARG, "fig/%s: no data", name);
    if (xmax == xmin) xmin -= 1, xmax += 1;
    double ystep = mc_cairo_nice_step(ymax - ymin > 0 ? ymax - ymin : fabs(ymax) + 1, 5);
    double y0 = floor(ymin / ystep) * ystep, y1 = ceil(ymax / ystep) * ystep;
    if (y1 == y0) y1 = y0 + ystep;
    cairo_surface_t *sf;
    cairo_t *cr = mc_cairo_start(W, H, &sf);
    title(cr, L + pw / 2, 12, ttl, W - 20);
#define PX(x) (L + pw * (((xlog2 ? log2(x) : (x)) - xmin) / (xmax - xmin)))
#define PY(y) (T + ph - ph * (((y)-y0) / (y1 - y0)))
    cairo_set_line_width(cr, 1);
    cairo_set_font_size(cr, 12);
    char buf[64];
    /* grid and y ticks */
    for (double v = y0; v <= y1 + ystep * 1e-9; v += ystep) {
        double py = PY(v);
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        cairo_move_to(cr, L, py + 0.5);
        cairo_line_to(cr, L + pw, py + 0.5);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        tick_label(buf, sizeof buf, v, ystep);
        mc_cairo_text_at(cr, L - 8, py, buf, 1, 0.5);
    }
    /* x ticks at the data's x values (first series) */
    if (ns)
        for (size_t i = 0; i < s[0].n; i++) {
            double px = PX(s[0].x[i]);
            cairo_set_source_rgb(cr, 0, 0, 0);
            cairo_move_to(cr, px + 0.5, T + ph);
            cairo_line_to(cr, px + 0.5, T + ph + 5);
            cairo_stroke(cr);
            rp_fmt(buf, sizeof buf, "%g", s[0].x[i]);
            mc_cairo_text_at(cr, px, T + ph + 8, buf, 0.5, 0);
        }
    cairo_rectangle(cr, L + 0.5, T + 0.5, pw, ph);
    cairo_stroke(cr);
    cairo_set_font_size(cr, 13);
    mc_cairo_text_at(cr, L + pw / 2, T + ph + 30, xlabel, 0.5, 0);
    cairo_save(cr);
    cairo_translate(cr, 22, T + ph / 2);
    cairo_rotate(cr, -RP_PI / 2);
    mc_cairo_text_at(cr, 0, 0, ylabel, 0.5, 0.5);
    cairo_restore(cr);
    for (size_t k = 0; k < ns; k++) {
        const double *col = k_colors[k % NCOLORS];
        cairo_set_source_rgb(cr, col[0], col[1], col[2]);
        cairo_set_line_width(cr, 2.2);
        int pen = 0;
        for (size_t i = 0; i < s[k].n; i++) {
            if (!isfinite(s[k].y[i])) {
                pen = 0;
                continue;
            }
            double px = PX(s[k].x[i]), py = PY(s[k].y[i]);
            if (pen)
                cairo_line_to(cr, px, py);
            else
                cairo_move_to(cr, px, py);
            pen = 1;
        }
        cairo_stroke(cr);
        for (size_t i = 0; i < s[k].n; i++) {
            if (!isfinite(s[k].y[i])) continue;
            cairo_arc(cr, PX(s[k].x[i]), PY(s[k].y[i]), 3.5, 0, 2 * RP_PI);
            cairo_fill(cr);
        }
        /* legend, top left inside the plot */
        double ly = T + 16 + 20.0 * (double)k;
        cairo_rectangle(cr, L + 12, ly - 5, 22, 4);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_set_font_size(cr, 13);
        mc_cairo_text_at(cr, L + 42, ly - 3, s[k].name, 0, 0.5);
    }
#undef PX
#undef PY
    return finish(c, sf, cr, name, err);
}

int rp_fig_bars(rp_ctx *c, const char *name, const char *ttl, const char *xlabel, const char *const *names,
                const double *v, size_t n, int logx, mc_err *err) {
    if (n < 1) return mc_err_set(err, MC_ERR_ARG, "fig/%s: no data", name);
    const int L = 190, R = 110, T = 44, B = 60, bh = 22, gap = 8;
    int W = 860, H = T + B + (int)n * (bh + gap);
    double pw = W - L - R;
    double vmin = INFINITY, vmax = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] > 0 && isfinite(v[i])) vmin = fmin(vmin, v[i]), vmax = fmax(vmax, v[i]);
    if (!(vmax > 0)) return mc_err_set(err, MC_ERR_ARG, "fig/%s: no positive value", name);
    double a, b;
    if (logx) {
        a = floor(log10(vmin)), b = ceil(log10(vmax));
        if (b <= a) b = a + 1;
    } else
        a = 0, b = vmax * 1.05;
    cairo_surface_t *sf;
    cairo_t *cr = mc_cairo_start(W, H, &sf);
    title(cr, W / 2.0, 12, ttl, W - 20);
#define BX(x) (L + pw * ((logx ? log10(x) : (x)) - a) / (b - a))
    double ph = (double)n * (bh + gap);
    cairo_set_line_width(cr, 1);
    cairo_set_font_size(cr, 12);
    char buf[64];
    if (logx) {
        for (double e = a; e <= b + 1e-9; e += 1) {
            double px = L + pw * (e - a) / (b - a);
            cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
            cairo_move_to(cr, px + 0.5, T);
            cairo_line_to(cr, px + 0.5, T + ph);
            cairo_stroke(cr);
            cairo_set_source_rgb(cr, 0, 0, 0);
            rp_fmt(buf, sizeof buf, "%g", pow(10, e));
            mc_cairo_text_at(cr, px, T + ph + 8, buf, 0.5, 0);
        }
    } else {
        double st = mc_cairo_nice_step(b, 5);
        for (double x = 0; x <= b; x += st) {
            double px = BX(x);
            cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
            cairo_move_to(cr, px + 0.5, T);
            cairo_line_to(cr, px + 0.5, T + ph);
            cairo_stroke(cr);
            cairo_set_source_rgb(cr, 0, 0, 0);
            tick_label(buf, sizeof buf, x, st);
            mc_cairo_text_at(cr, px, T + ph + 8, buf, 0.5, 0);
        }
    }
    for (size_t i = 0; i < n; i++) {
        double y = T + gap / 2.0 + (double)i * (bh + gap);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_set_font_size(cr, 13);
        text_fit(cr, L - 10, y + bh / 2.0, names[i], 1, 0.5, 13, L - 14);
        if (!(v[i] > 0) || !isfinite(v[i])) {
            mc_cairo_text_at(cr, L + 6, y + bh / 2.0, "n/a", 0, 0.5);
            continue;
        }
        const double *col = k_colors[0];
        if (strstr(names[i], "memcpy"))
            col = k_colors[5];
        else if (!strncmp(names[i], "aead", 4))
            col = k_colors[2];
        cairo_set_source_rgb(cr, col[0], col[1], col[2]);
        double x1 = BX(v[i]), x0 = logx ? L : BX(0);
        cairo_rectangle(cr, x0, y, fmax(x1 - x0, 1), bh);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        rp_fmt(buf, sizeof buf, v[i] >= 100 ? "%.0f" : v[i] >= 1 ? "%.1f" : "%.3f", v[i]);
        cairo_set_font_size(cr, 12);
        mc_cairo_text_at(cr, x1 + 6, y + bh / 2.0, buf, 0, 0.5);
    }
#undef BX
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_rectangle(cr, L + 0.5, T + 0.5, pw, ph);
    cairo_stroke(cr);
    cairo_set_font_size(cr, 13);
    mc_cairo_text_at(cr, L + pw / 2, T + ph + 30, xlabel, 0.5, 0);
    return finish(c, sf, cr, name, err);
}

int rp_fig_hist(rp_ctx *c, const char *name, const mc_image *const *imgs, const char *const *labels, size_t n,
                mc_err *err) {
    char p[1024];
    fig_path(c, name, p, sizeof p);
    c->plots_used = 1;
    return mc_plot_histograms(p, imgs, labels, n, err);
}

int rp_fig_scatter(rp_ctx *c, const char *name, const mc_image *const *imgs, const char *const *labels, size_t n,
                   mc_err *err) {
    char p[1024];
    fig_path(c, name, p, sizeof p);
    c->plots_used = 1;
    return mc_plot_scatter(p, imgs, labels, n, c->quick ? 2000 : MC_CORR_PAIRS_DEFAULT, 1, err);
}

void rp_figs_scheme(rp_ctx *c, const char *prefix, const char *name, const mc_image *plain, mc_image *const fig[3],
                    const char *ttl, const char *dec_label, const char *strip_cap, const char *hist_cap,
                    const char *scatter_cap) {
    const mc_image *row[4] = {plain, fig[0], fig[1], fig[2]};
    const char *lab[4] = {"plain", "cipher (paper)", dec_label, "cipher (hardened)"};
    char f[128], l0[96], l1[96];
    mc_err e = {0};
    rp_fmt(f, sizeof f, "%s-strip.png", prefix);
    if (rp_fig_strip(c, f, row, lab, 4, 220, 0, 1u << 2, ttl, &e))
        rp_problem(c, f, &e);
    else
        rp_figure(c, f, ttl, strip_cap);
    rp_fmt(l0, sizeof l0, "%s plain", name);
    rp_fmt(l1, sizeof l1, "%s cipher (paper)", name);
    const mc_image *two[2] = {plain, fig[0]};
    const char *labs[2] = {l0, l1};
    rp_fmt(f, sizeof f, "%s-hist.png", prefix);
    if (hist_cap && rp_fig_hist(c, f, two, labs, 2, &e))
        rp_problem(c, f, &e);
    else if (hist_cap)
        rp_figure(c, f, "histograms", hist_cap);
    rp_fmt(f, sizeof f, "%s-scatter.png", prefix);
    if (scatter_cap && rp_fig_scatter(c, f, two, labs, 2, &e))
        rp_problem(c, f, &e);
    else if (scatter_cap)
        rp_figure(c, f, "adjacent-pixel scatter", scatter_cap);
}
