/*
 * layer_norm.c - the normalisation layers: instnorm (per sample and
 * channel over h w), layernorm (per sample over c h w, per-channel gamma and
 * beta), and U-GAT-IT's iln and adailn: y = gamma (rho x_in + (1 - rho) x_ln)
 * + beta with a learnable rho per channel clipped to [0, 1] after each
 * optimiser step; adailn takes gamma and beta from a second input of 2c
 * values per sample ([gamma | beta]).  Statistics are the backend's
 * (norm_fwd / norm_bwd); the affine mix is elementwise C in a fixed order.
 */
#include "nn/layer.h"

#include <string.h>

static int norm_check(const mc_nn_spec *s, int here, mc_err *err) {
    const char *tn = mc_nn_type_name(s->type);
    if (!(s->eps > 0 && s->eps < 1))
        return mc_err_set(err, MC_ERR_FORMAT, "layer %d (%s): eps %g not in (0,1)", here, tn, (double)s->eps);
    if ((s->type == MC_NN_ILN || s->type == MC_NN_ADAILN) && !(s->alpha >= 0 && s->alpha <= 1))
        return mc_err_set(err, MC_ERR_FORMAT, "layer %d (%s): rho %g not in [0,1]", here, tn, (double)s->alpha);
    return MC_OK;
}

/* ------------------------------------------------- instance / layer norm */

/* instance norm: groups (n, c) of h*w; layer norm: groups n of c*h*w.
 * aux = xhat, aux2 = istd; affine: y = gamma[c] xhat + beta[c]. */
static int norm_forward(mc_nn_layer *l, mc_nn_net *net) {
    const int inst = l->s.type == MC_NN_INSTNORM;
    const size_t groups = inst ? (size_t)net->n * l->c : net->n, len = inst ? mc_nn_plane(l) : mc_nn_per_sample(l);
    net->be->norm_fwd(groups, len, l->s.eps, mc_nn_in_data(net, l->s.in[0]), l->aux, l->aux2);
    const size_t pl = mc_nn_plane(l), tot = net->n * mc_nn_per_sample(l);
    if (l->nparam) {
        for (size_t g = 0; g < (size_t)net->n * l->c; g++) {
            const size_t c = g % l->c;
            const float ga = l->p[0].w[c], be = l->p[1].w[c];
            const float *xh = l->aux + g * pl;
            float *o = l->out + g * pl;
            for (size_t i = 0; i < pl; i++) o[i] = xh[i] * ga + be;
        }
    } else {
        memcpy(l->out, l->aux, tot * sizeof(float));
    }
    return MC_OK;
}

static int norm_backward(mc_nn_layer *l, mc_nn_net *net) {
    const int inst = l->s.type == MC_NN_INSTNORM;
    const size_t groups = inst ? (size_t)net->n * l->c : net->n, len = inst ? mc_nn_plane(l) : mc_nn_per_sample(l);
    const size_t pl = mc_nn_plane(l), tot = net->n * mc_nn_per_sample(l);
    float *dxh = l->delta;
    if (l->nparam) {
        dxh = mc_nn_net_scratch(net, tot);
        if (!dxh) return MC_ERR_NOMEM;
        for (size_t c = 0; c < l->c; c++) {
            double sg = 0, sb = 0;
            for (size_t n = 0; n < net->n; n++) {
                const size_t o = (n * l->c + c) * pl;
                for (size_t i = 0; i < pl; i++) {
                    sg += (double)l->delta[o + i] * l->aux[o + i];
                    sb += l->delta[o + i];
                    dxh[o + i] = l->delta[o + i] * l->p[0].w[c];
                }
            }
            l->p[0].g[c] += (float)sg;
            l->p[1].g[c] += (float)sb;
        }
    }
    float *dx = mc_nn_in_delta(net, l->s.in[0]);
    if (dx) net->be->norm_bwd(groups, len, l->aux, l->aux2, dxh, dx);
    return MC_OK;
}

static int norm_init(mc_nn_layer *l, uint64_t *seed) {
    (void)seed;
    int rc = MC_OK;
    if (l->s.flags & MC_NN_F_AFFINE) {
        rc = mc_nn_param_add(l, "gamma", l->c, 1, 1, 1, 0, 0, 1.0f, NULL);
        if (!rc) rc = mc_nn_param_add(l, "beta", l->c, 1, 1, 1, 0, 0, 0.0f, NULL);
    }
    l->forward = norm_forward;
    l->backward = norm_backward;
    return rc;
}

static void norm_scratch(const mc_nn_layer *l, uint32_t n, size_t tot, size_t *aux, size_t *aux2, size_t *arg) {
    (void)arg;
    *aux = tot;
    *aux2 = l->s.type == MC_NN_INSTNORM ? (size_t)n * l->c : n;
}

/* --------------------------------------------------------- ILN / AdaILN */

/* x_in (instance), x_ln (layer) normalised; aux = [x_in | x_ln],
 * aux2 = [istd_in (n c) | istd_ln (n)].  ILN: p = rho, gamma, beta;
 * AdaILN: p = rho, gamma/beta from in[1]. */
static int iln_forward(mc_nn_layer *l, mc_nn_net *net) {
    const size_t pl = mc_nn_plane(l), ps = mc_nn_per_sample(l), tot = net->n * ps;
    const float *x = mc_nn_in_data(net, l->s.in[0]);
    net->be->norm_fwd((size_t)net->n * l->c, pl, l->s.eps, x, l->aux, l->aux2);
    net->be->norm_fwd(net->n, ps, l->s.eps, x, l->aux + tot, l->aux2 + (size_t)net->n * l->c);
    const float *gb = l->s.type == MC_NN_ADAILN ? mc_nn_in_data(net, l->s.in[1]) : NULL;
    for (size_t n = 0; n < net->n; n++)
        for (size_t c = 0; c < l->c; c++) {
            const float rho = l->p[0].w[c];
            const float g = gb ? gb[n * 2 * l->c + c] : l->p[1].w[c];
            const float b = gb ? gb[n * 2 * l->c + l->c + c] : l->p[2].w[c];
            const size_t o = (n * l->c + c) * pl;
            const float *xi = l->aux + o, *xl = l->aux + tot + o;
            float *y = l->out + o;
            for (size_t i = 0; i < pl; i++) y[i] = g * (rho * xi[i] + (1.0f - rho) * xl[i]) + b;
        }
    return MC_OK;
}

static int iln_backward(mc_nn_layer *l, mc_nn_net *net) {
    const size_t pl = mc_nn_plane(l), ps = mc_nn_per_sample(l), tot = net->n * ps;
    const int ada = l->s.type == MC_NN_ADAILN;
    const float *gb = ada ? mc_nn_in_data(net, l->s.in[1]) : NULL;
    float *dgb = ada ? mc_nn_in_delta(net, l->s.in[1]) : NULL;
    float *d_in = mc_nn_net_scratch(net, 2 * tot);
    if (!d_in) return MC_ERR_NOMEM;
    float *d_ln = d_in + tot;
    for (size_t c = 0; c < l->c; c++) {
        const float rho = l->p[0].w[c];
        double srho = 0, sg = 0, sb = 0;
        for (size_t n = 0; n < net->n; n++) {
            const float g = gb ? gb[n * 2 * l->c + c] : l->p[1].w[c];
            const size_t o = (n * l->c + c) * pl;
            double sgn = 0, sbn = 0;
            for (size_t i = 0; i < pl; i++) {
                const float dy = l->delta[o + i], xi = l->aux[o + i], xl = l->aux[tot + o + i];
                const float dout = dy * g;
                srho += (double)dout * (xi - xl);
                sgn += (double)dy * (rho * xi + (1.0f - rho) * xl);
                sbn += dy;
                d_in[o + i] = dout * rho;
                d_ln[o + i] = dout * (1.0f - rho);
            }
            if (dgb) {
                dgb[n * 2 * l->c + c] += (float)sgn;
                dgb[n * 2 * l->c + l->c + c] += (float)sbn;
            }
            sg += sgn;
            sb += sbn;
        }
        l->p[0].g[c] += (float)srho;
        if (!ada) {
            l->p[1].g[c] += (float)sg;
            l->p[2].g[c] += (float)sb;
        }
    }
    float *dx = mc_nn_in_delta(net, l->s.in[0]);
    if (dx) {
        net->be->norm_bwd((size_t)net->n * l->c, pl, l->aux, l->aux2, d_in, dx);
        net->be->norm_bwd(net->n, ps, l->aux + tot, l->aux2 + (size_t)net->n * l->c, d_ln, dx);
    }
    return MC_OK;
}

static void clip_rho(mc_nn_layer *l, mc_nn_net *net) {
    (void)net;
    for (size_t c = 0; c < l->p[0].len; c++) {
        if (l->p[0].w[c] < 0) l->p[0].w[c] = 0;
        if (l->p[0].w[c] > 1) l->p[0].w[c] = 1;
    }
}

static int adailn_shape(mc_nn_layer *l, int idx, mc_err *err) {
    if ((uint64_t)l->ic2 * l->ih2 * l->iw2 != 2ull * l->ic)
        return mc_err_set(err, MC_ERR_ARG, "layer %d (adailn): gamma/beta input has %llu values, want %llu", idx,
                          (unsigned long long)l->ic2 * l->ih2 * l->iw2, 2ull * l->ic);
    return MC_OK;
}

static int iln_init(mc_nn_layer *l, uint64_t *seed) {
    (void)seed;
    const int iln = l->s.type == MC_NN_ILN;
    int rc = mc_nn_param_add(l, "rho", l->c, 1, 1, 1, 0, 0, l->s.alpha, NULL);
    if (!rc) l->p[0].clip01 = 1, l->p[0].no_decay = 1;
    if (!rc && iln) rc = mc_nn_param_add(l, "gamma", l->c, 1, 1, 1, 0, 0, 1.0f, NULL);
    if (!rc && iln) rc = mc_nn_param_add(l, "beta", l->c, 1, 1, 1, 0, 0, 0.0f, NULL);
    l->forward = iln_forward;
    l->backward = iln_backward;
    l->update = clip_rho;
    return rc;
}

static void iln_scratch(const mc_nn_layer *l, uint32_t n, size_t tot, size_t *aux, size_t *aux2, size_t *arg) {
    (void)arg;
    *aux = 2 * tot;
    *aux2 = (size_t)n * l->c + n;
}

const mc_nn_layer_ops mc_nn_ops_instnorm = {MC_NN_INSTNORM, "instnorm", 1, norm_check, NULL, norm_init, norm_scratch};
const mc_nn_layer_ops mc_nn_ops_layernorm = {MC_NN_LAYERNORM, "layernorm", 1, norm_check, NULL, norm_init,
                                             norm_scratch};
const mc_nn_layer_ops mc_nn_ops_iln = {MC_NN_ILN, "iln", 1, norm_check, NULL, iln_init, iln_scratch};
const mc_nn_layer_ops mc_nn_ops_adailn = {MC_NN_ADAILN, "adailn", 2, norm_check, adailn_shape, iln_init, iln_scratch};
