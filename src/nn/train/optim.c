/*
 * optim.c - optimisers (SGD with momentum, Adam with L2 weight decay as in
 * PyTorch's Adam) and learning-rate schedules (constant, linear decay); the
 * defaults are with the model (src/nn/model.c: mc_nn_opt_default).
 * Training only: may use libm.
 */
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
