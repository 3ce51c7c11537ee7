/* phantom.c - the modified Shepp-Logan head phantom (Toft's contrast-enhanced
 * variant; 3D ellipsoids after Kak & Slaney), always available without any
 * package.  Intensities v in [0, 1]; 16-bit: signed CT-like values
 * round(-1000 + 2000 v) (air -1000, skull +1000); 8-bit: round(255 v). */
#include "core/internal.h"

#include <math.h>

typedef struct ell {
    double A, a, b, c, x0, y0, z0, phi_deg;
} ell;

static const ell k_sl[10] = {
    {1.0, .6900, .920, .810, 0, 0, 0, 0},        {-.8, .6624, .874, .780, 0, -.0184, 0, 0},
    {-.2, .1100, .310, .220, .22, 0, 0, -18},    {-.2, .1600, .410, .280, -.22, 0, 0, 18},
    {.1, .2100, .250, .410, 0, .35, -.15, 0},    {.1, .0460, .046, .050, 0, .1, .25, 0},
    {.1, .0460, .046, .050, 0, -.1, .25, 0},     {.1, .0460, .023, .050, -.08, -.605, 0, 0},
    {.1, .0230, .023, .020, 0, -.606, 0, 0},     {.1, .0230, .046, .020, .06, -.605, 0, 0},
};

int mc_phantom(mc_image **out, uint32_t size, uint32_t slices, unsigned bits, mc_err *err) {
    *out = NULL;
    if (size < 8 || size > 16384 || slices < 1 || slices > 4096)
        return mc_err_set(err, MC_ERR_ARG, "phantom size must be 8..16384 and slices 1..4096");
    if (bits != 8 && bits != 16) return mc_err_set(err, MC_ERR_ARG, "phantom bits must be 8 or 16");
    int rc = mc_image_new(out, size, size, slices, 1, bits, bits == 16, NULL, err);
    if (rc) return rc;
    mc_image *img = *out;
    img->spacing[0] = img->spacing[1] = 256.0 / size;
    img->spacing[2] = slices > 1 ? 256.0 / slices : 1.0;
    double cs[10], sn[10];
    for (int e = 0; e < 10; e++) {
        double r = k_sl[e].phi_deg * 3.14159265358979323846 / 180.0;
        cs[e] = cos(r);
        sn[e] = sin(r);
    }
    for (uint32_t z = 0; z < slices; z++) {
        /* a 2D phantom is the z = 0 section; a volume spans z in (-1, 1) */
        double zc = slices > 1 ? (2.0 * z + 1.0) / slices - 1.0 : 0.0;
        for (uint32_t y = 0; y < size; y++) {
            double yc = 1.0 - (2.0 * y + 1.0) / size; /* image rows go down */
            for (uint32_t x = 0; x < size; x++) {
                double xc = (2.0 * x + 1.0) / size - 1.0, v = 0;
                for (int e = 0; e < 10; e++) {
                    const ell *p = &k_sl[e];
                    double dx = xc - p->x0, dy = yc - p->y0, dz = zc - p->z0;
                    double u = dx * cs[e] + dy * sn[e], w = -dx * sn[e] + dy * cs[e];
                    double q = u * u / (p->a * p->a) + w * w / (p->b * p->b) + dz * dz / (p->c * p->c);
                    if (q <= 1.0) v += p->A;
                }
                if (v < 0) v = 0;
                if (v > 1) v = 1;
                size_t i = ((size_t)z * size + y) * size + x;
                if (bits == 8) ((uint8_t *)img->pixels)[i] = (uint8_t)lround(255.0 * v);
                else ((uint16_t *)img->pixels)[i] = (uint16_t)(int16_t)lround(-1000.0 + 2000.0 * v);
            }
        }
    }
    return MC_OK;
}
