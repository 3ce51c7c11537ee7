/*
 * nn_optim.c - losses (MSE, L1, BCE with logits, LSGAN), optimisers (SGD with
 * momentum, Adam with L2 weight decay as in PyTorch's Adam), learning-rate
 * schedules (constant, linear decay).  Training only: these may use libm.
 */
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>
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

void mc_nn_opt_default(mc_nn_opt *o, mc_nn_opt_type type, float lr) {
    memset(o, 0, sizeof *o);
    o->type = type;
    o->lr = lr;
    o->beta1 = 0.9f;
    o->beta2 = 0.999f;
    o->eps = 1e-8f;
    o->momentum = 0.9f;
    o->sched = MC_NN_SCHED_CONST;
}

float mc_nn_opt_lr(const mc_nn_opt *o) {
    if (o->sched == MC_NN_SCHED_LINEAR && o->decay_end > o->decay_start && o->t >= o->decay_start) {
        if (o->t >= o->decay_end) return 0.0f;
        double f = 1.0 - (double)(o->t - o->decay_start) / (double)(o->decay_end - o->decay_start);
        return (float)(o->lr * f);
    }
    return o->lr;
}

int mc_nn_opt_step(mc_nn_opt *o, mc_nn_net *net, mc_err *err) {
    const double lr = mc_nn_opt_lr(o);
    o->t++;
    /* Adam bias corrections 1 - beta^t */
    const double bc1 = 1.0 - pow((double)o->beta1, (double)o->t), bc2 = 1.0 - pow((double)o->beta2, (double)o->t);
    for (size_t i = 0; i < net->nlayers; i++) {
        mc_nn_layer *l = &net->layers[i];
        for (size_t k = 0; k < l->nparam; k++) {
            mc_nn_param *p = &l->p[k];
            if (!p->m) {
                p->m = calloc(p->len, sizeof(float));
                if (!p->m) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
            }
            if (o->type == MC_NN_ADAM && !p->v) {
                p->v = calloc(p->len, sizeof(float));
                if (!p->v) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
            }
            const float wd = p->no_decay ? 0.0f : o->weight_decay;
            for (size_t j = 0; j < p->len; j++) {
                const float g = p->g[j] + wd * p->w[j];
                if (o->type == MC_NN_ADAM) {
                    p->m[j] = o->beta1 * p->m[j] + (1.0f - o->beta1) * g;
                    p->v[j] = o->beta2 * p->v[j] + (1.0f - o->beta2) * g * g;
                    const double mh = p->m[j] / bc1, vh = p->v[j] / bc2;
                    p->w[j] -= (float)(lr * mh / (sqrt(vh) + o->eps));
                } else {
                    p->m[j] = o->momentum * p->m[j] + g;
                    p->w[j] -= (float)(lr * p->m[j]);
                }
            }
        }
        if (l->update) l->update(l, net);
    }
    return MC_OK;
}
