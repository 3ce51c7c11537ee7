/* plot.c - histogram and adjacent-pixel scatter plots as PNG files (cairo). */
#include "metrics/mx.h"
#include "metrics/plot_util.h"

#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <errno.h>
#include <stdio.h>

#define PANEL_W 560
#define PANEL_H 400
#define SC_SIZE 330 /* scatter panel side */
#define M_LEFT 78
#define M_RIGHT 20
#define M_TOP 40
#define M_BOTTOM 56

/* Frame, ticks and labels of a plot area (x0, y0, w, h) for data ranges
 * [0, xmax] x [0, ymax]; x ticks at level values. */
static void axes(cairo_t *cr, double x0, double y0, double w, double h, double xmax, double ymax,
                 const char *xlabel, const char *ylabel, const char *title, int xlevels) {
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, x0 + 0.5, y0 + 0.5, w, h);
    cairo_stroke(cr);
    cairo_set_font_size(cr, 11);
    char buf[64];
    /* x ticks: quarters of the level range */
    for (int i = 0; i <= 4; i++) {
        double v = xlevels ? (i == 4 ? xmax : (xmax + 1) / 4 * i) : xmax / 4 * i;
        double px = x0 + w * v / xmax;
        cairo_move_to(cr, px + 0.5, y0 + h);
        cairo_line_to(cr, px + 0.5, y0 + h + 5);
        cairo_stroke(cr);
        snprintf(buf, sizeof buf, "%.0f", v);
        mc_cairo_text_at(cr, px, y0 + h + 8, buf, 0.5, 0);
    }
    double st = mc_cairo_nice_step(ymax, 5);
    for (double v = 0; v <= ymax * (1 + 1e-9); v += st) {
        double py = y0 + h - h * v / ymax;
        cairo_move_to(cr, x0 - 5, py + 0.5);
        cairo_line_to(cr, x0, py + 0.5);
        cairo_stroke(cr);
        if (st >= 1) snprintf(buf, sizeof buf, "%.0f", v);
        else snprintf(buf, sizeof buf, "%g", v);
        mc_cairo_text_at(cr, x0 - 8, py, buf, 1, 0.5);
    }
    cairo_set_font_size(cr, 12);
    mc_cairo_text_at(cr, x0 + w / 2, y0 + h + 28, xlabel, 0.5, 0);
    cairo_save(cr);
    cairo_move_to(cr, 0, 0);
    cairo_translate(cr, x0 - 62, y0 + h / 2);
    cairo_rotate(cr, -1.5707963267948966); /* -pi/2 */
    mc_cairo_text_at(cr, 0, 0, ylabel, 0.5, 0.5);
    cairo_restore(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_text_extents_t te;
    double fs = 13;
    cairo_set_font_size(cr, fs);
    cairo_text_extents(cr, title, &te);
    if (te.width > w + 24) fs = fs * (w + 24) / te.width; /* long titles: smaller, never clipped */
    cairo_set_font_size(cr, fs);
    mc_cairo_text_at(cr, x0 + w / 2, y0 - 12, title, 0.5, 1);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
}

static int finish(cairo_surface_t *sf, cairo_t *cr, const char *path, mc_err *err) {
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    if (st == CAIRO_STATUS_SUCCESS) st = cairo_surface_write_to_png(sf, path);
    cairo_surface_destroy(sf);
    if (st == CAIRO_STATUS_WRITE_ERROR)
        return mc_err_set(err, MC_ERR_IO, "%s: cannot write the plot", mc_basename(path));
    if (st != CAIRO_STATUS_SUCCESS)
        return mc_err_set(err, MC_ERR_INTERNAL, "plot %s: cairo: %s", mc_basename(path), cairo_status_to_string(st));
    return MC_OK;
}

int mc_plot_histograms(const char *path, const mc_image *const *imgs, const char *const *labels, size_t n,
                       mc_err *err) {
    if (!path || n < 1 || n > 8) return mc_err_set(err, MC_ERR_ARG, "plot: 1 to 8 images");
    cairo_surface_t *sf;
    cairo_t *cr = mc_cairo_start(PANEL_W * (int)n, PANEL_H, &sf);
    for (size_t k = 0; k < n; k++) {
        const mc_image *img = imgs[k];
        size_t nb = (size_t)1 << img->bits;
        uint64_t *hist = malloc(nb * sizeof *hist), bins[256] = {0};
        if (!hist) {
            cairo_destroy(cr);
            cairo_surface_destroy(sf);
            return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        }
        if (mc_histogram(img, MC_ALL, MC_ALL, hist, NULL)) {
            free(hist);
            cairo_destroy(cr);
            cairo_surface_destroy(sf);
            return mc_err_set(err, MC_ERR_ARG, "plot: bad image");
        }
        unsigned shift = img->bits - 8;
        for (size_t i = 0; i < nb; i++) bins[i >> shift] += hist[i];
        free(hist);
        uint64_t mx = 1;
        for (int i = 0; i < 256; i++)
            if (bins[i] > mx) mx = bins[i];
        double ymax = (double)mx * 1.05;
        double x0 = (double)PANEL_W * (double)k + M_LEFT, y0 = M_TOP, w = PANEL_W - M_LEFT - M_RIGHT,
               h = PANEL_H - M_TOP - M_BOTTOM;
        cairo_set_source_rgb(cr, 0.20, 0.35, 0.65);
        for (int i = 0; i < 256; i++) {
            double bh = h * (double)bins[i] / ymax;
            cairo_rectangle(cr, x0 + w * i / 256.0, y0 + h - bh, w / 256.0 + 0.15, bh);
        }
        cairo_fill(cr);
        char title[160], xl[64];
        snprintf(title, sizeof title, "%s: histogram", labels && labels[k] ? labels[k] : "image");
        snprintf(xl, sizeof xl, "%s%s", img->is_signed ? (img->bits == 8 ? "level = value + 128" : "level = value + 32768")
                                                       : "pixel value",
                 img->bits == 8 ? "" : " (16-bit, bins of 256)");
        axes(cr, x0, y0, w, h, (double)(nb - 1), ymax, xl, "count", title, 1);
    }
    return finish(sf, cr, path, err);
}

int mc_plot_scatter(const char *path, const mc_image *const *imgs, const char *const *labels, size_t n,
                    size_t pairs, uint64_t seed, mc_err *err) {
    if (!path || n < 1 || n > 8) return mc_err_set(err, MC_ERR_ARG, "plot: 1 to 8 images");
    if (pairs == 0) pairs = MC_CORR_PAIRS_DEFAULT;
    static const char *const dname[] = {"horizontal", "vertical", "diagonal", "anti-diagonal"};
    int pw = SC_SIZE + M_LEFT + M_RIGHT, ph = SC_SIZE + M_TOP + M_BOTTOM;
    uint32_t *a = malloc(pairs * sizeof *a), *b = malloc(pairs * sizeof *b);
    if (!a || !b) {
        free(a);
        free(b);
        return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    }
    cairo_surface_t *sf;
    cairo_t *cr = mc_cairo_start(pw * MC_NDIRS, ph * (int)n, &sf);
    int rc = MC_OK;
    for (size_t k = 0; k < n && !rc; k++) {
        const mc_image *img = imgs[k];
        double F = (double)((1u << img->bits) - 1);
        for (int d = 0; d < MC_NDIRS; d++) {
            double x0 = (double)pw * d + M_LEFT, y0 = (double)ph * (double)k + M_TOP, s = SC_SIZE;
            char title[200];
            if (mc_corr_sample(img, MC_ALL, MC_ALL, (mc_dir)d, pairs, seed, a, b)) {
                snprintf(title, sizeof title, "%s: %s (no pairs)", labels && labels[k] ? labels[k] : "image", dname[d]);
                axes(cr, x0, y0, s, s, F, F, "pixel value at (x, y)", "neighbour's value", title, 1);
                continue;
            }
            double r = mc_pearson_u32(a, b, pairs);
            cairo_set_source_rgba(cr, 0.15, 0.30, 0.70, 0.55);
            for (size_t i = 0; i < pairs; i++) {
                double px = x0 + s * a[i] / F, py = y0 + s - s * b[i] / F;
                cairo_rectangle(cr, px - 0.9, py - 0.9, 1.8, 1.8);
            }
            cairo_fill(cr);
            snprintf(title, sizeof title, "%s: %s, r = %.4f", labels && labels[k] ? labels[k] : "image", dname[d], r);
            axes(cr, x0, y0, s, s, F, F, "pixel value at (x, y)", "neighbour's value", title, 1);
        }
    }
    free(a);
    free(b);
    return finish(sf, cr, path, err);
}

void mc_plot_cleanup(void) {
    cairo_debug_reset_static_data();
    FcFini();
}
