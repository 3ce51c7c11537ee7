/*
 * loss.c - training losses: MSE, L1, BCE with logits, LSGAN (MSE against a
 * constant).  Training only: may use libm.
 */
#include "nn/nn.h"

#include <math.h>
#include <string.h>

double mc_nn_loss_eval(mc_nn_loss type, const float *p, const float *t, float c, size_t n, float *grad,
                       float scale) {
    if (n == 0) return 0;
    double sum = 0;
    const double inv = 1.0 / (double)n;
    for (size_t i = 0; i < n; i++) {
        const double x = p[i], y = t ? t[i] : c;
        double l, g;
        switch (type) {
        case MC_NN_LOSS_L1:
            l = fabs(x - y);
            g = x > y ? 1.0 : (x < y ? -1.0 : 0.0);
            break;
        case MC_NN_LOSS_BCE: {
            /* max(x,0) - x y + log(1 + exp(-|x|)); d/dx = sigmoid(x) - y */
            l = (x > 0 ? x : 0) - x * y + log1p(exp(-fabs(x)));
            double s = x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
            g = s - y;
            break;
        }
        case MC_NN_LOSS_MSE:
        case MC_NN_LOSS_LSGAN:
        default:
            l = (x - y) * (x - y);
            g = 2.0 * (x - y);
            break;
        }
        sum += l;
        if (grad) grad[i] = (float)(g * inv * scale);
    }
    return sum * inv;
}

int mc_nn_loss_parse(const char *s, mc_nn_loss *out) {
    static const char *names[] = {"mse", "l1", "bce", "lsgan"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, names[i])) {
            *out = (mc_nn_loss)i;
            return MC_OK;
        }
    return MC_ERR_ARG;
}
