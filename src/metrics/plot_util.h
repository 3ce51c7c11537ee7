/* plot_util.h - cairo helpers shared by the plots of src/metrics/plot.c and
 * the figures of `medcrypt report` (src/lab/report_fig.c).  Not installed. */
#ifndef MC_PLOT_UTIL_H
#define MC_PLOT_UTIL_H
#include <cairo.h>
#include <math.h>

/* A white RGB24 surface of w x h and its context, sans-serif selected. */
static inline cairo_t *mc_cairo_start(int w, int h, cairo_surface_t **sf) {
    *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(*sf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    return cr;
}

/* Text with its anchor at (ax, ay) of its box (0 left/top .. 1 right/bottom). */
static inline void mc_cairo_text_at(cairo_t *cr, double x, double y, const char *s, double ax, double ay) {
    cairo_text_extents_t te;
    cairo_text_extents(cr, s, &te);
    cairo_move_to(cr, x - te.width * ax - te.x_bearing, y - te.height * ay - te.y_bearing);
    cairo_show_text(cr, s);
}

/* "Nice" tick step for a span: 1, 2 or 5 times a power of ten, about nticks ticks. */
static inline double mc_cairo_nice_step(double span, int nticks) {
    if (span <= 0) return 1;
    double raw = span / nticks, p = pow(10, floor(log10(raw))), f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}
#endif
