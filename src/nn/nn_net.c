/*
 * nn_net.c - layers and networks: shapes, parameters, forward, backward.
 *
 * A layer reads the outputs of one or two earlier layers (absolute indices,
 * -1 = network input) and writes its own output; backward adds into the
 * deltas of its inputs, so a value used twice (a skip connection) gets the sum
 * of both gradients.  Heavy arithmetic goes through net->be (nn.h); the glue
 * here is elementwise and in a fixed order, so the reference path stays
 * bit-exact.
 */
#include "nn/nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --------------------------------------------------------------- helpers */

static int mul_ok(size_t a, size_t b, size_t *out) {
    if (a && b > SIZE_MAX / a) return 0;
    *out = a * b;
    return 1;
}

static int grow(float **p, size_t *cap, size_t n) {
    if (n <= *cap && *p) return MC_OK;
    if (n > SIZE_MAX / sizeof(float)) return MC_ERR_NOMEM;
    float *q = realloc(*p, (n ? n : 1) * sizeof(float));
    if (!q) return MC_ERR_NOMEM;
    *p = q;
    *cap = n;
    return MC_OK;
}

/* scratch space (shared by layers; one layer call at a time) */
static float *scratch(mc_nn_net *net, size_t n) {
    if (grow(&net->ws.p, &net->ws.cap, n)) return NULL;
    return net->ws.p;
}

uint64_t mc_nn_rand(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

float mc_nn_randu(uint64_t *s) { return (float)(mc_nn_rand(s) >> 40) * (1.0f / 16777216.0f); }

float mc_nn_randn(uint64_t *s) { /* Irwin-Hall: sum of 12 uniforms - 6 (no libm) */
    double a = 0;
    for (int i = 0; i < 12; i++) a += (double)(mc_nn_rand(s) >> 11) * (1.0 / 9007199254740992.0);
    return (float)(a - 6.0);
}

const char *mc_nn_type_name(uint32_t t) {
    static const char *names[] = {"?",        "conv",      "upsample", "linear",  "relu",   "leaky",
                                  "sigmoid",  "tanh",      "instnorm", "layernorm", "iln",  "adailn",
                                  "gap",      "gmp",       "add",      "concat",  "mul",    "chanatt"};
    return t <= MC_NN_TYPE_MAX ? names[t] : "?";
}

static int two_inputs(uint32_t t) {
    return t == MC_NN_ADD || t == MC_NN_CONCAT || t == MC_NN_MUL || t == MC_NN_ADAILN;
}

/* output of layer index i (-1: input) */
static const float *in_data(const mc_nn_net *net, int32_t i) {
    return i == MC_NN_IN_NET ? net->input : net->layers[i].out;
}
static float *in_delta(mc_nn_net *net, int32_t i) {
    return i == MC_NN_IN_NET ? net->input_delta : net->layers[i].delta;
}
static void in_shape(const mc_nn_net *net, int32_t i, uint32_t *c, uint32_t *h, uint32_t *w) {
    if (i == MC_NN_IN_NET) {
        *c = net->in_c;
        *h = net->h;
        *w = net->w;
    } else {
        *c = net->layers[i].c;
        *h = net->layers[i].h;
        *w = net->layers[i].w;
    }
}

static mc_nn_conv_shape conv_shape(const mc_nn_layer *l, uint32_t n) {
    mc_nn_conv_shape s = {n,      l->ic, l->ih, l->iw, l->c, l->h, l->w, l->s.k, l->s.stride, l->s.pad,
                          (mc_nn_pad)l->s.pad_mode};
    return s;
}

/* ------------------------------------------------------- spec validation */

static int finitef(float x) { return x == x && x - x == 0.0f; }

int mc_nn_spec_check(const mc_nn_net *net, const mc_nn_spec *s, mc_err *err) {
    const int32_t here = (int32_t)net->nlayers;
    if (s->type < 1 || s->type > MC_NN_TYPE_MAX)
        return mc_err_set(err, MC_ERR_FORMAT, "layer %d: unknown type %u", here, s->type);
    const char *tn = mc_nn_type_name(s->type);
    if (s->in[0] < MC_NN_IN_NET || s->in[0] >= here)
        return mc_err_set(err, MC_ERR_FORMAT, "layer %d (%s): input %d out of range", here, tn, s->in[0]);
    if (two_inputs(s->type)) {
        if (s->in[1] < MC_NN_IN_NET || s->in[1] >= here)
            return mc_err_set(err, MC_ERR_FORMAT, "layer %d (%s): second input %d out of range", here, tn, s->in[1]);
    } else if (s->in[1] != MC_NN_IN_NONE) {
        return mc_err_set(err, MC_ERR_FORMAT, "layer %d (%s): unexpected second input", here, tn);
    }
    if (s->flags & ~(MC_NN_F_BIAS | MC_NN_F_SN | MC_NN_F_AFFINE))
        return mc_err_set(err, MC_ERR_FORMAT, "layer %d (%s): unknown flags 0x%x", here, tn, s->flags);
    if (!finitef(s->alpha) || !finitef(s->eps))
        return mc_err_set(err, MC_ERR_FORMAT, "layer %d (%s): non-finite hyperparameter", here, tn);
    switch (s->type) {
    case MC_NN_CONV:
        if (s->k < 1 || s->k > MC_NN_MAX_KERNEL || s->stride < 1 || s->stride > 16 || s->pad > MC_NN_MAX_KERNEL ||
            s->pad_mode > MC_NN_PAD_REFLECT)
            return mc_err_set(err, MC_ERR_FORMAT, "layer %d (conv): bad kernel %u, stride %u, pad %u, mode %u", here,
                              s->k, s->stride, s->pad, s->pad_mode);
        /* fall through */
    case MC_NN_LINEAR:
        if (s->out_c < 1 || s->out_c > MC_NN_MAX_CHANNELS)
            return mc_err_set(err, MC_ERR_FORMAT, "layer %d (%s): bad output size %u", here, tn, s->out_c);
        if (s->flags & MC_NN_F_AFFINE) return mc_err_set(err, MC_ERR_FORMAT, "layer %d (%s): bad flags", here, tn);
        break;
    case MC_NN_UPSAMPLE:
        if (s->factor < 1 || s->factor > 16)
            return mc_err_set(err, MC_ERR_FORMAT, "layer %d (upsample): bad factor %u", here, s->factor);
        break;
    case MC_NN_LEAKY:
        if (!(s->alpha >= 0 && s->alpha < 1))
            return mc_err_set(err, MC_ERR_FORMAT, "layer %d (leaky): slope %g not in [0,1)", here, (double)s->alpha);
        break;
    case MC_NN_INSTNORM:
    case MC_NN_LAYERNORM:
    case MC_NN_ILN:
    case MC_NN_ADAILN:
        if (!(s->eps > 0 && s->eps < 1))
            return mc_err_set(err, MC_ERR_FORMAT, "layer %d (%s): eps %g not in (0,1)", here, tn, (double)s->eps);
        if ((s->type == MC_NN_ILN || s->type == MC_NN_ADAILN) && !(s->alpha >= 0 && s->alpha <= 1))
            return mc_err_set(err, MC_ERR_FORMAT, "layer %d (%s): rho %g not in [0,1]", here, tn, (double)s->alpha);
        break;
    case MC_NN_CHANATT:
        if (s->factor < 1 || s->factor > MC_NN_MAX_CHANNELS)
            return mc_err_set(err, MC_ERR_FORMAT, "layer %d (chanatt): bad reduction %u", here, s->factor);
        break;
    default: break;
    }
    return MC_OK;
}

/* Output shape of layer l given the current shapes of its inputs. */
static int layer_shape(mc_nn_net *net, mc_nn_layer *l, mc_err *err) {
    const mc_nn_spec *s = &l->s;
    const char *tn = mc_nn_type_name(s->type);
    int idx = (int)(l - net->layers);
    in_shape(net, s->in[0], &l->ic, &l->ih, &l->iw);
    if (two_inputs(s->type)) in_shape(net, s->in[1], &l->ic2, &l->ih2, &l->iw2);
    l->c = l->ic;
    l->h = l->ih;
    l->w = l->iw;
    switch (s->type) {
    case MC_NN_CONV: {
        uint64_t eh = (uint64_t)l->ih + 2u * s->pad, ew = (uint64_t)l->iw + 2u * s->pad;
        if (eh < s->k || ew < s->k)
            return mc_err_set(err, MC_ERR_ARG, "layer %d (conv): input %ux%u smaller than kernel %u", idx, l->iw, l->ih,
                              s->k);
        if (s->pad_mode == MC_NN_PAD_REFLECT && (s->pad >= l->ih || s->pad >= l->iw))
            return mc_err_set(err, MC_ERR_ARG, "layer %d (conv): reflection pad %u needs input > %u", idx, s->pad,
                              s->pad);
        if ((uint64_t)l->ic * s->k * s->k > INT32_MAX)
            return mc_err_set(err, MC_ERR_LIMITS, "layer %d (conv): too many inputs", idx);
        l->c = s->out_c;
        l->h = (uint32_t)((eh - s->k) / s->stride + 1);
        l->w = (uint32_t)((ew - s->k) / s->stride + 1);
        break;
    }
    case MC_NN_UPSAMPLE:
        if ((uint64_t)l->ih * s->factor > UINT32_MAX / 2 || (uint64_t)l->iw * s->factor > UINT32_MAX / 2)
            return mc_err_set(err, MC_ERR_LIMITS, "layer %d (upsample): too large", idx);
        l->h = l->ih * s->factor;
        l->w = l->iw * s->factor;
        break;
    case MC_NN_LINEAR:
        if (l->nparam && (uint64_t)l->ic * l->ih * l->iw != l->p[0].dims[1])
            return mc_err_set(err, MC_ERR_ARG, "layer %d (linear): %llu inputs, weights expect %u", idx,
                              (unsigned long long)l->ic * l->ih * l->iw, l->p[0].dims[1]);
        l->c = s->out_c;
        l->h = l->w = 1;
        break;
    case MC_NN_GAP:
    case MC_NN_GMP: l->h = l->w = 1; break;
    case MC_NN_ADD:
        if (l->ic != l->ic2 || l->ih != l->ih2 || l->iw != l->iw2)
            return mc_err_set(err, MC_ERR_ARG, "layer %d (add): shapes %ux%ux%u and %ux%ux%u differ", idx, l->ic, l->ih,
                              l->iw, l->ic2, l->ih2, l->iw2);
        break;
    case MC_NN_CONCAT:
        if (l->ih != l->ih2 || l->iw != l->iw2)
            return mc_err_set(err, MC_ERR_ARG, "layer %d (concat): sizes differ", idx);
        if ((uint64_t)l->ic + l->ic2 > MC_NN_MAX_CHANNELS)
            return mc_err_set(err, MC_ERR_LIMITS, "layer %d (concat): too many channels", idx);
        l->c = l->ic + l->ic2;
        break;
    case MC_NN_MUL:
        if (!((l->ic2 == l->ic && l->ih2 == l->ih && l->iw2 == l->iw) ||
              (l->ic2 == l->ic && l->ih2 == 1 && l->iw2 == 1) || (l->ic2 == 1 && l->ih2 == l->ih && l->iw2 == l->iw)))
            return mc_err_set(err, MC_ERR_ARG, "layer %d (mul): cannot broadcast %ux%ux%u to %ux%ux%u", idx, l->ic2,
                              l->ih2, l->iw2, l->ic, l->ih, l->iw);
        break;
    case MC_NN_ADAILN:
        if ((uint64_t)l->ic2 * l->ih2 * l->iw2 != 2ull * l->ic)
            return mc_err_set(err, MC_ERR_ARG, "layer %d (adailn): gamma/beta input has %llu values, want %llu", idx,
                              (unsigned long long)l->ic2 * l->ih2 * l->iw2, 2ull * l->ic);
        break;
    default: break;
    }
    if ((uint64_t)l->h * l->w > INT32_MAX)
        return mc_err_set(err, MC_ERR_LIMITS, "layer %d (%s): plane too large", idx, tn);
    return MC_OK;
}

/* ------------------------------------------------------------ parameters */

static int add_param(mc_nn_net *net, mc_nn_layer *l, const char *name, uint32_t d0, uint32_t d1, uint32_t d2,
                     uint32_t d3, float lo, float hi, float fill, uint64_t *seed) {
    if (l->nparam >= MC_NN_MAX_PARAMS) return MC_ERR_INTERNAL;
    mc_nn_param *p = &l->p[l->nparam];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->dims[0] = d0;
    p->dims[1] = d1;
    p->dims[2] = d2;
    p->dims[3] = d3;
    size_t n = 1;
    for (int i = 0; i < 4; i++)
        if (!mul_ok(n, p->dims[i], &n)) return MC_ERR_LIMITS;
    if (n > ((size_t)1 << 30) || (net->param_limited && n > net->param_budget)) return MC_ERR_LIMITS;
    if (net->param_limited) net->param_budget -= n;
    p->len = n;
    p->w = malloc(n * sizeof(float));
    p->g = calloc(n, sizeof(float));
    if (!p->w || !p->g) {
        free(p->w);
        free(p->g);
        return MC_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) p->w[i] = seed && hi > lo ? lo + (hi - lo) * mc_nn_randu(seed) : fill;
    l->nparam++;
    return MC_OK;
}

static float he_bound(size_t fan_in) { return (float)sqrt(6.0 / (double)(fan_in ? fan_in : 1)); }

static void vec_normalize(float *v, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)v[i] * v[i];
    double inv = 1.0 / (sqrt(s) + 1e-12);
    for (size_t i = 0; i < n; i++) v[i] = (float)(v[i] * inv);
}

/* W viewed as (rows, cols): one power iteration v = W^T u / |.|, u = W v / |.| */
static void sn_power(mc_nn_layer *l) {
    const float *w = l->p[0].w;
    const size_t rows = l->p[0].dims[0], cols = l->p[0].len / rows;
    for (size_t j = 0; j < cols; j++) {
        double a = 0;
        for (size_t i = 0; i < rows; i++) a += (double)w[i * cols + j] * l->sn_u[i];
        l->sn_v[j] = (float)a;
    }
    vec_normalize(l->sn_v, cols);
    for (size_t i = 0; i < rows; i++) {
        double a = 0;
        for (size_t j = 0; j < cols; j++) a += (double)w[i * cols + j] * l->sn_v[j];
        l->sn_u[i] = (float)a;
    }
    vec_normalize(l->sn_u, rows);
}

void mc_nn_sn_iterate(mc_nn_net *net, int iters) {
    for (size_t i = 0; i < net->nlayers; i++)
        if (net->layers[i].sn_u)
            for (int k = 0; k < iters; k++) sn_power(&net->layers[i]);
}

/* Wsn = W / sigma, sigma = u^T W v (u, v constants of the power iteration) */
static int sn_weight(mc_nn_layer *l) {
    const float *w = l->p[0].w;
    const size_t rows = l->p[0].dims[0], cols = l->p[0].len / rows;
    double sg = 0;
    for (size_t i = 0; i < rows; i++) {
        double a = 0;
        for (size_t j = 0; j < cols; j++) a += (double)w[i * cols + j] * l->sn_v[j];
        sg += a * l->sn_u[i];
    }
    if (!(sg > 1e-12)) sg = 1e-12;
    l->sn_sigma = (float)sg;
    for (size_t i = 0; i < l->p[0].len; i++) l->sn_w[i] = (float)(w[i] / sg);
    return MC_OK;
}

/* dW += (G - (G . Wsn) u v^T) / sigma; G in l->aux */
static void sn_backward(mc_nn_layer *l) {
    const size_t rows = l->p[0].dims[0], cols = l->p[0].len / rows;
    const float *g = l->aux;
    double dot = 0;
    for (size_t i = 0; i < l->p[0].len; i++) dot += (double)g[i] * l->sn_w[i];
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            l->p[0].g[i * cols + j] +=
                (float)(((double)g[i * cols + j] - dot * l->sn_u[i] * l->sn_v[j]) / (double)l->sn_sigma);
}

/* ------------------------------------------------------------- forwards */

static size_t plane(const mc_nn_layer *l) { return (size_t)l->h * l->w; }
static size_t per_sample(const mc_nn_layer *l) { return (size_t)l->c * l->h * l->w; }
static size_t in_per_sample(const mc_nn_layer *l) { return (size_t)l->ic * l->ih * l->iw; }

static int conv_forward(mc_nn_layer *l, mc_nn_net *net) {
    mc_nn_conv_shape s = conv_shape(l, net->n);
    const float *w = l->p[0].w;
    if (l->sn_u) {
        sn_weight(l);
        w = l->sn_w;
    }
    size_t need = net->be->conv_ws(&s);
    float *ws = need ? scratch(net, need) : NULL;
    if (need && !ws) return MC_ERR_NOMEM;
    return net->be->conv_fwd(&s, in_data(net, l->s.in[0]), w, l->nparam > 1 ? l->p[1].w : NULL, l->out, ws);
}

static int conv_backward(mc_nn_layer *l, mc_nn_net *net) {
    mc_nn_conv_shape s = conv_shape(l, net->n);
    size_t need = net->be->conv_ws(&s);
    float *ws = need ? scratch(net, need) : NULL;
    if (need && !ws) return MC_ERR_NOMEM;
    const float *w = l->sn_u ? l->sn_w : l->p[0].w;
    float *dw = l->p[0].g;
    if (l->sn_u) {
        memset(l->aux, 0, l->p[0].len * sizeof(float));
        dw = l->aux;
    }
    int rc = net->be->conv_bwd(&s, in_data(net, l->s.in[0]), w, l->delta, in_delta(net, l->s.in[0]), dw,
                               l->nparam > 1 ? l->p[1].g : NULL, ws);
    if (!rc && l->sn_u) sn_backward(l);
    return rc;
}

static int linear_forward(mc_nn_layer *l, mc_nn_net *net) {
    const float *w = l->p[0].w;
    if (l->sn_u) {
        sn_weight(l);
        w = l->sn_w;
    }
    net->be->linear_fwd(net->n, in_per_sample(l), l->c, in_data(net, l->s.in[0]), w,
                        l->nparam > 1 ? l->p[1].w : NULL, l->out);
    return MC_OK;
}

static int linear_backward(mc_nn_layer *l, mc_nn_net *net) {
    const float *w = l->sn_u ? l->sn_w : l->p[0].w;
    float *dw = l->p[0].g;
    if (l->sn_u) {
        memset(l->aux, 0, l->p[0].len * sizeof(float));
        dw = l->aux;
    }
    net->be->linear_bwd(net->n, in_per_sample(l), l->c, in_data(net, l->s.in[0]), w, l->delta,
                        in_delta(net, l->s.in[0]), dw, l->nparam > 1 ? l->p[1].g : NULL);
    if (l->sn_u) sn_backward(l);
    return MC_OK;
}

static mc_nn_act act_of(uint32_t t) {
    switch (t) {
    case MC_NN_LEAKY: return MC_NN_ACT_LEAKY;
    case MC_NN_SIGMOID: return MC_NN_ACT_SIGMOID;
    case MC_NN_TANH: return MC_NN_ACT_TANH;
    default: return MC_NN_ACT_RELU;
    }
}

static int act_forward(mc_nn_layer *l, mc_nn_net *net) {
    net->be->act_fwd(act_of(l->s.type), l->s.alpha, in_data(net, l->s.in[0]), l->out, net->n * per_sample(l));
    return MC_OK;
}

static int act_backward(mc_nn_layer *l, mc_nn_net *net) {
    float *dx = in_delta(net, l->s.in[0]);
    if (dx)
        net->be->act_bwd(act_of(l->s.type), l->s.alpha, in_data(net, l->s.in[0]), l->out, l->delta, dx,
                         net->n * per_sample(l));
    return MC_OK;
}

static int upsample_forward(mc_nn_layer *l, mc_nn_net *net) {
    net->be->upsample_fwd((size_t)net->n * l->c, l->ih, l->iw, l->s.factor, in_data(net, l->s.in[0]), l->out);
    return MC_OK;
}

static int upsample_backward(mc_nn_layer *l, mc_nn_net *net) {
    float *dx = in_delta(net, l->s.in[0]);
    if (dx) net->be->upsample_bwd((size_t)net->n * l->c, l->ih, l->iw, l->s.factor, l->delta, dx);
    return MC_OK;
}

/* instance norm: groups (n, c) of h*w; layer norm: groups n of c*h*w.
 * aux = xhat, aux2 = istd; affine: y = gamma[c] xhat + beta[c]. */
static int norm_forward(mc_nn_layer *l, mc_nn_net *net) {
    const int inst = l->s.type == MC_NN_INSTNORM;
    const size_t groups = inst ? (size_t)net->n * l->c : net->n, len = inst ? plane(l) : per_sample(l);
    net->be->norm_fwd(groups, len, l->s.eps, in_data(net, l->s.in[0]), l->aux, l->aux2);
    const size_t pl = plane(l), tot = net->n * per_sample(l);
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
    const size_t groups = inst ? (size_t)net->n * l->c : net->n, len = inst ? plane(l) : per_sample(l);
    const size_t pl = plane(l), tot = net->n * per_sample(l);
    float *dxh = l->delta;
    if (l->nparam) {
        dxh = scratch(net, tot);
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
    float *dx = in_delta(net, l->s.in[0]);
    if (dx) net->be->norm_bwd(groups, len, l->aux, l->aux2, dxh, dx);
    return MC_OK;
}

/* ILN / AdaILN: x_in (instance), x_ln (layer) normalised; rho per channel;
 * y = gamma (rho x_in + (1 - rho) x_ln) + beta.  aux = [x_in | x_ln],
 * aux2 = [istd_in (n c) | istd_ln (n)].  ILN: p = rho, gamma, beta;
 * AdaILN: p = rho, gamma/beta from in[1]. */
static int iln_forward(mc_nn_layer *l, mc_nn_net *net) {
    const size_t pl = plane(l), ps = per_sample(l), tot = net->n * ps;
    const float *x = in_data(net, l->s.in[0]);
    net->be->norm_fwd((size_t)net->n * l->c, pl, l->s.eps, x, l->aux, l->aux2);
    net->be->norm_fwd(net->n, ps, l->s.eps, x, l->aux + tot, l->aux2 + (size_t)net->n * l->c);
    const float *gb = l->s.type == MC_NN_ADAILN ? in_data(net, l->s.in[1]) : NULL;
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
    const size_t pl = plane(l), ps = per_sample(l), tot = net->n * ps;
    const int ada = l->s.type == MC_NN_ADAILN;
    const float *gb = ada ? in_data(net, l->s.in[1]) : NULL;
    float *dgb = ada ? in_delta(net, l->s.in[1]) : NULL;
    float *d_in = scratch(net, 2 * tot);
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
    float *dx = in_delta(net, l->s.in[0]);
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

static void sn_update(mc_nn_layer *l, mc_nn_net *net) {
    (void)net;
    sn_power(l);
}

static int pool_forward(mc_nn_layer *l, mc_nn_net *net) {
    const size_t groups = (size_t)net->n * l->c, len = (size_t)l->ih * l->iw;
    if (l->s.type == MC_NN_GAP)
        net->be->gap_fwd(groups, len, in_data(net, l->s.in[0]), l->out);
    else
        net->be->gmp_fwd(groups, len, in_data(net, l->s.in[0]), l->out, l->arg);
    return MC_OK;
}

static int pool_backward(mc_nn_layer *l, mc_nn_net *net) {
    const size_t groups = (size_t)net->n * l->c, len = (size_t)l->ih * l->iw;
    float *dx = in_delta(net, l->s.in[0]);
    if (!dx) return MC_OK;
    for (size_t g = 0; g < groups; g++) {
        if (l->s.type == MC_NN_GAP) {
            const float d = l->delta[g] / (float)len;
            for (size_t i = 0; i < len; i++) dx[g * len + i] += d;
        } else {
            dx[g * len + l->arg[g]] += l->delta[g];
        }
    }
    return MC_OK;
}

static int add_forward(mc_nn_layer *l, mc_nn_net *net) {
    const float *a = in_data(net, l->s.in[0]), *b = in_data(net, l->s.in[1]);
    const size_t tot = net->n * per_sample(l);
    float *o = l->out; /* a local: through l, every store could move l->out (no strict aliasing) */
    for (size_t i = 0; i < tot; i++) o[i] = a[i] + b[i];
    return MC_OK;
}

static int add_backward(mc_nn_layer *l, mc_nn_net *net) {
    const size_t tot = net->n * per_sample(l);
    for (int k = 0; k < 2; k++) {
        float *d = in_delta(net, l->s.in[k]);
        if (d)
            for (size_t i = 0; i < tot; i++) d[i] += l->delta[i];
    }
    return MC_OK;
}

static int concat_forward(mc_nn_layer *l, mc_nn_net *net) {
    const size_t pl = plane(l), s0 = (size_t)l->ic * pl, s1 = (size_t)l->ic2 * pl;
    const float *a = in_data(net, l->s.in[0]), *b = in_data(net, l->s.in[1]);
    for (size_t n = 0; n < net->n; n++) {
        memcpy(l->out + n * (s0 + s1), a + n * s0, s0 * sizeof(float));
        memcpy(l->out + n * (s0 + s1) + s0, b + n * s1, s1 * sizeof(float));
    }
    return MC_OK;
}

static int concat_backward(mc_nn_layer *l, mc_nn_net *net) {
    const size_t pl = plane(l), s0 = (size_t)l->ic * pl, s1 = (size_t)l->ic2 * pl;
    float *da = in_delta(net, l->s.in[0]), *db = in_delta(net, l->s.in[1]);
    for (size_t n = 0; n < net->n; n++) {
        const float *d = l->delta + n * (s0 + s1);
        if (da)
            for (size_t i = 0; i < s0; i++) da[n * s0 + i] += d[i];
        if (db)
            for (size_t i = 0; i < s1; i++) db[n * s1 + i] += d[s0 + i];
    }
    return MC_OK;
}

/* index into in[1] for element (c, i) of a sample */
static inline size_t bcast(const mc_nn_layer *l, size_t c, size_t i) {
    if (l->ih2 == 1 && l->iw2 == 1 && !(l->ih == 1 && l->iw == 1)) return c;
    if (l->ic2 == 1 && l->ic != 1) return i;
    return c * plane(l) + i;
}

static int mul_forward(mc_nn_layer *l, mc_nn_net *net) {
    const float *a = in_data(net, l->s.in[0]), *b = in_data(net, l->s.in[1]);
    const size_t pl = plane(l), s0 = per_sample(l), s1 = (size_t)l->ic2 * l->ih2 * l->iw2;
    /* bcast(l, c, i) = c * cs + i * is */
    const size_t cs = bcast(l, 1, 0), is = pl > 1 ? bcast(l, 0, 1) : 0;
    for (size_t n = 0; n < net->n; n++)
        for (size_t c = 0; c < l->c; c++) {
            const float *ar = a + n * s0 + c * pl, *br = b + n * s1 + c * cs;
            float *o = l->out + n * s0 + c * pl;
            if (is)
                for (size_t i = 0; i < pl; i++) o[i] = ar[i] * br[i];
            else
                for (size_t i = 0; i < pl; i++) o[i] = ar[i] * br[0];
        }
    return MC_OK;
}

static int mul_backward(mc_nn_layer *l, mc_nn_net *net) {
    const float *a = in_data(net, l->s.in[0]), *b = in_data(net, l->s.in[1]);
    float *da = in_delta(net, l->s.in[0]), *db = in_delta(net, l->s.in[1]);
    const size_t pl = plane(l), s0 = per_sample(l), s1 = (size_t)l->ic2 * l->ih2 * l->iw2;
    for (size_t n = 0; n < net->n; n++)
        for (size_t c = 0; c < l->c; c++)
            for (size_t i = 0; i < pl; i++) {
                const size_t o = n * s0 + c * pl + i, ob = n * s1 + bcast(l, c, i);
                if (da) da[o] += l->delta[o] * b[ob];
                if (db) db[ob] += l->delta[o] * a[o];
            }
    return MC_OK;
}

/* Channel attention (CBAM / AT-ResNet-CM): params W1 (hid, c), b1, W2 (c, hid), b2.
 * aux per batch: avg (n c) | max (n c) | za (n hid) | zm (n hid) | s (n c) */
static uint32_t ca_hid(const mc_nn_layer *l) {
    uint32_t h = l->ic / l->s.factor;
    return h ? h : 1;
}

static int chanatt_forward(mc_nn_layer *l, mc_nn_net *net) {
    const size_t N = net->n, C = l->c, H = ca_hid(l), pl = plane(l);
    const float *x = in_data(net, l->s.in[0]);
    float *avg = l->aux, *mx = avg + N * C, *za = mx + N * C, *zm = za + N * H, *sg = zm + N * H;
    float *t = scratch(net, 2 * N * H + 2 * N * C);
    if (!t) return MC_ERR_NOMEM;
    float *ha = t, *hm = t + N * H, *oa = hm + N * H, *om = oa + N * C;
    net->be->gap_fwd(N * C, pl, x, avg);
    net->be->gmp_fwd(N * C, pl, x, mx, l->arg);
    net->be->linear_fwd(N, C, H, avg, l->p[0].w, l->p[1].w, za);
    net->be->linear_fwd(N, C, H, mx, l->p[0].w, l->p[1].w, zm);
    net->be->act_fwd(MC_NN_ACT_RELU, 0, za, ha, N * H);
    net->be->act_fwd(MC_NN_ACT_RELU, 0, zm, hm, N * H);
    net->be->linear_fwd(N, H, C, ha, l->p[2].w, l->p[3].w, oa);
    net->be->linear_fwd(N, H, C, hm, l->p[2].w, l->p[3].w, om);
    for (size_t i = 0; i < N * C; i++) oa[i] = oa[i] + om[i];
    net->be->act_fwd(MC_NN_ACT_SIGMOID, 0, oa, sg, N * C);
    for (size_t g = 0; g < N * C; g++) {
        const float sv = sg[g], *xg = x + g * pl;
        float *o = l->out + g * pl;
        for (size_t i = 0; i < pl; i++) o[i] = xg[i] * sv;
    }
    return MC_OK;
}

static int chanatt_backward(mc_nn_layer *l, mc_nn_net *net) {
    const size_t N = net->n, C = l->c, H = ca_hid(l), pl = plane(l);
    const float *x = in_data(net, l->s.in[0]);
    float *dx = in_delta(net, l->s.in[0]);
    const float *avg = l->aux, *mx = avg + N * C, *za = mx + N * C, *zm = za + N * H, *sg = zm + N * H;
    float *t = scratch(net, 6 * N * H + 4 * N * C);
    if (!t) return MC_ERR_NOMEM;
    memset(t, 0, (6 * N * H + 4 * N * C) * sizeof(float));
    float *ha = t, *hm = ha + N * H, *dha = hm + N * H, *dhm = dha + N * H, *dza = dhm + N * H, *dzm = dza + N * H;
    float *ds = dzm + N * H, *dz = ds + N * C, *davg = dz + N * C, *dmx = davg + N * C;
    net->be->act_fwd(MC_NN_ACT_RELU, 0, za, ha, N * H);
    net->be->act_fwd(MC_NN_ACT_RELU, 0, zm, hm, N * H);
    for (size_t g = 0; g < N * C; g++) {
        double a = 0;
        for (size_t i = 0; i < pl; i++) {
            a += (double)l->delta[g * pl + i] * x[g * pl + i];
            if (dx) dx[g * pl + i] += l->delta[g * pl + i] * sg[g];
        }
        ds[g] = (float)a;
    }
    net->be->act_bwd(MC_NN_ACT_SIGMOID, 0, NULL, sg, ds, dz, N * C);
    net->be->linear_bwd(N, H, C, ha, l->p[2].w, dz, dha, l->p[2].g, l->p[3].g);
    net->be->linear_bwd(N, H, C, hm, l->p[2].w, dz, dhm, l->p[2].g, l->p[3].g);
    net->be->act_bwd(MC_NN_ACT_RELU, 0, za, ha, dha, dza, N * H);
    net->be->act_bwd(MC_NN_ACT_RELU, 0, zm, hm, dhm, dzm, N * H);
    net->be->linear_bwd(N, C, H, avg, l->p[0].w, dza, davg, l->p[0].g, l->p[1].g);
    net->be->linear_bwd(N, C, H, mx, l->p[0].w, dzm, dmx, l->p[0].g, l->p[1].g);
    if (dx)
        for (size_t g = 0; g < N * C; g++) {
            const float d = davg[g] / (float)pl;
            for (size_t i = 0; i < pl; i++) dx[g * pl + i] += d;
            dx[g * pl + l->arg[g]] += dmx[g];
        }
    return MC_OK;
}

/* -------------------------------------------------------------- building */

int mc_nn_net_new(mc_nn_net **out, const char *name, uint32_t in_c, uint32_t h, uint32_t w, mc_err *err) {
    *out = NULL;
    if (in_c < 1 || in_c > MC_NN_MAX_CHANNELS || h < 1 || w < 1 || h > 65535 || w > 65535)
        return mc_err_set(err, MC_ERR_ARG, "network: bad input shape %ux%ux%u", in_c, h, w);
    mc_nn_net *net = calloc(1, sizeof *net);
    if (!net) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    snprintf(net->name, sizeof net->name, "%s", name ? name : "net");
    net->in_c = in_c;
    net->build_h = net->h = h;
    net->build_w = net->w = w;
    net->be = &mc_nn_backend_ref;
    *out = net;
    return MC_OK;
}

static void layer_free_buffers(mc_nn_layer *l) {
    free(l->out);
    free(l->delta);
    free(l->aux);
    free(l->aux2);
    free(l->arg);
    l->out = l->delta = l->aux = l->aux2 = NULL;
    l->arg = NULL;
    l->aux_len = l->aux2_len = l->arg_len = 0;
}

void mc_nn_net_free(mc_nn_net *net) {
    if (!net) return;
    for (size_t i = 0; i < net->nlayers; i++) {
        mc_nn_layer *l = &net->layers[i];
        layer_free_buffers(l);
        for (size_t k = 0; k < l->nparam; k++) {
            free(l->p[k].w);
            free(l->p[k].g);
            free(l->p[k].m);
            free(l->p[k].v);
        }
        free(l->sn_u);
        free(l->sn_v);
        free(l->sn_w);
    }
    free(net->layers);
    free(net->input_delta);
    free(net->ws.p);
    free(net);
}

/* allocate out/delta/aux for the current n, h, w (shapes already set) */
static int layer_alloc(mc_nn_net *net, mc_nn_layer *l) {
    size_t tot, nc;
    layer_free_buffers(l);
    if (!mul_ok(net->n, per_sample(l), &tot) || tot > ((size_t)1 << 34) / sizeof(float)) return MC_ERR_LIMITS;
    nc = (size_t)net->n * l->c;
    size_t aux = 0, aux2 = 0, arg = 0;
    switch (l->s.type) {
    case MC_NN_INSTNORM: aux = tot, aux2 = nc; break;
    case MC_NN_LAYERNORM: aux = tot, aux2 = net->n; break;
    case MC_NN_ILN:
    case MC_NN_ADAILN: aux = 2 * tot, aux2 = nc + net->n; break;
    case MC_NN_GMP: arg = nc; break;
    case MC_NN_CHANATT: aux = 3 * nc + 2 * (size_t)net->n * ca_hid(l), arg = nc; break;
    case MC_NN_CONV:
    case MC_NN_LINEAR:
        if (l->s.flags & MC_NN_F_SN) aux = l->p[0].len;
        break;
    default: break;
    }
    l->out = malloc((tot ? tot : 1) * sizeof(float));
    if (net->training) l->delta = malloc((tot ? tot : 1) * sizeof(float));
    if (aux) l->aux = malloc(aux * sizeof(float));
    if (aux2) l->aux2 = malloc(aux2 * sizeof(float));
    if (arg) l->arg = calloc(arg, sizeof(uint32_t));
    l->aux_len = aux;
    l->aux2_len = aux2;
    l->arg_len = arg;
    if (!l->out || (net->training && !l->delta) || (aux && !l->aux) || (aux2 && !l->aux2) || (arg && !l->arg))
        return MC_ERR_NOMEM;
    return MC_OK;
}

static int net_realloc(mc_nn_net *net, mc_err *err) {
    for (size_t i = 0; i < net->nlayers; i++) {
        int rc = layer_shape(net, &net->layers[i], err);
        if (rc) return rc;
        rc = layer_alloc(net, &net->layers[i]);
        if (rc) return mc_err_set(err, rc, "network: cannot allocate layer %zu for batch %u at %ux%u", i, net->n, net->w,
                                  net->h);
    }
    free(net->input_delta);
    net->input_delta = NULL;
    if (net->training && net->want_input_delta) {
        size_t t;
        if (!mul_ok((size_t)net->n * net->in_c, (size_t)net->h * net->w, &t))
            return mc_err_set(err, MC_ERR_LIMITS, "input too large");
        net->input_delta = malloc((t ? t : 1) * sizeof(float));
        if (!net->input_delta) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    }
    return MC_OK;
}

int mc_nn_add(mc_nn_net *net, const mc_nn_spec *s, uint64_t *seed, int *idx, mc_err *err) {
    int rc = mc_nn_spec_check(net, s, err);
    if (rc) return rc;
    if (net->nlayers >= MC_NN_MAX_LAYERS) return mc_err_set(err, MC_ERR_LIMITS, "network: too many layers");
    if (net->nlayers == net->cap) {
        size_t cap = net->cap ? 2 * net->cap : 16;
        mc_nn_layer *nl = realloc(net->layers, cap * sizeof *nl);
        if (!nl) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        net->layers = nl;
        net->cap = cap;
    }
    mc_nn_layer *l = &net->layers[net->nlayers];
    memset(l, 0, sizeof *l);
    l->s = *s;
    net->nlayers++;
    /* shapes at the declared size */
    uint32_t sh = net->h, sw = net->w;
    net->h = net->build_h;
    net->w = net->build_w;
    /* shapes of earlier layers may belong to another size: recompute them */
    for (size_t i = 0; i + 1 < net->nlayers && !rc; i++) rc = layer_shape(net, &net->layers[i], err);
    if (!rc) rc = layer_shape(net, l, err);
    net->h = sh;
    net->w = sw;
    if (rc) {
        net->nlayers--;
        return rc;
    }
    const uint32_t t = s->type;
    uint64_t dummy = 1;
    uint64_t *sd = seed ? seed : &dummy;
    if (t == MC_NN_CONV) {
        size_t fan = (size_t)l->ic * s->k * s->k;
        float b = he_bound(fan);
        rc = add_param(net, l, "weight", s->out_c, l->ic, s->k, s->k, -b, b, 0, sd);
        if (!rc && (s->flags & MC_NN_F_BIAS)) rc = add_param(net, l, "bias", s->out_c, 1, 1, 1, 0, 0, 0, NULL);
        l->forward = conv_forward;
        l->backward = conv_backward;
    } else if (t == MC_NN_LINEAR) {
        uint64_t fan = (uint64_t)l->ic * l->ih * l->iw;
        if (fan > ((uint64_t)1 << 30)) rc = MC_ERR_LIMITS;
        float b = he_bound((size_t)fan);
        if (!rc) rc = add_param(net, l, "weight", s->out_c, (uint32_t)fan, 1, 1, -b, b, 0, sd);
        if (!rc && (s->flags & MC_NN_F_BIAS)) rc = add_param(net, l, "bias", s->out_c, 1, 1, 1, 0, 0, 0, NULL);
        l->forward = linear_forward;
        l->backward = linear_backward;
    } else if (t == MC_NN_UPSAMPLE) {
        l->forward = upsample_forward;
        l->backward = upsample_backward;
    } else if (t == MC_NN_RELU || t == MC_NN_LEAKY || t == MC_NN_SIGMOID || t == MC_NN_TANH) {
        l->forward = act_forward;
        l->backward = act_backward;
    } else if (t == MC_NN_INSTNORM || t == MC_NN_LAYERNORM) {
        if (s->flags & MC_NN_F_AFFINE) {
            rc = add_param(net, l, "gamma", l->c, 1, 1, 1, 0, 0, 1.0f, NULL);
            if (!rc) rc = add_param(net, l, "beta", l->c, 1, 1, 1, 0, 0, 0.0f, NULL);
        }
        l->forward = norm_forward;
        l->backward = norm_backward;
    } else if (t == MC_NN_ILN || t == MC_NN_ADAILN) {
        rc = add_param(net, l, "rho", l->c, 1, 1, 1, 0, 0, s->alpha, NULL);
        if (!rc) l->p[0].clip01 = 1, l->p[0].no_decay = 1;
        if (!rc && t == MC_NN_ILN) rc = add_param(net, l, "gamma", l->c, 1, 1, 1, 0, 0, 1.0f, NULL);
        if (!rc && t == MC_NN_ILN) rc = add_param(net, l, "beta", l->c, 1, 1, 1, 0, 0, 0.0f, NULL);
        l->forward = iln_forward;
        l->backward = iln_backward;
        l->update = clip_rho;
    } else if (t == MC_NN_GAP || t == MC_NN_GMP) {
        l->forward = pool_forward;
        l->backward = pool_backward;
    } else if (t == MC_NN_ADD) {
        l->forward = add_forward;
        l->backward = add_backward;
    } else if (t == MC_NN_CONCAT) {
        l->forward = concat_forward;
        l->backward = concat_backward;
    } else if (t == MC_NN_MUL) {
        l->forward = mul_forward;
        l->backward = mul_backward;
    } else if (t == MC_NN_CHANATT) {
        uint32_t hid = ca_hid(l);
        float b1 = he_bound(l->c), b2 = he_bound(hid);
        rc = add_param(net, l, "fc1", hid, l->c, 1, 1, -b1, b1, 0, sd);
        if (!rc) rc = add_param(net, l, "fc1_bias", hid, 1, 1, 1, 0, 0, 0, NULL);
        if (!rc) rc = add_param(net, l, "fc2", l->c, hid, 1, 1, -b2, b2, 0, sd);
        if (!rc) rc = add_param(net, l, "fc2_bias", l->c, 1, 1, 1, 0, 0, 0, NULL);
        l->forward = chanatt_forward;
        l->backward = chanatt_backward;
    }
    if (!rc && (s->flags & MC_NN_F_SN) && (t == MC_NN_CONV || t == MC_NN_LINEAR)) {
        size_t rows = l->p[0].dims[0], cols = l->p[0].len / rows;
        l->sn_u = malloc(rows * sizeof(float));
        l->sn_v = malloc(cols * sizeof(float));
        l->sn_w = malloc(l->p[0].len * sizeof(float));
        if (!l->sn_u || !l->sn_v || !l->sn_w) {
            rc = MC_ERR_NOMEM;
        } else {
            for (size_t i = 0; i < rows; i++) l->sn_u[i] = mc_nn_randu(sd) - 0.5f;
            vec_normalize(l->sn_u, rows);
            for (int k = 0; k < 20; k++) sn_power(l);
            l->update = sn_update;
        }
    }
    if (rc) {
        for (size_t k = 0; k < l->nparam; k++) free(l->p[k].w), free(l->p[k].g);
        free(l->sn_u), free(l->sn_v), free(l->sn_w);
        net->nlayers--;
        return mc_err_set(err, rc, "layer %zu (%s): cannot create parameters", net->nlayers, mc_nn_type_name(t));
    }
    /* activations are allocated by mc_nn_net_resize; force it */
    net->n = 0;
    if (idx) *idx = (int)net->nlayers - 1;
    return MC_OK;
}

int mc_nn_conv(mc_nn_net *net, int in, uint32_t out_c, uint32_t k, uint32_t stride, uint32_t pad, mc_nn_pad pm,
               uint32_t flags, uint64_t *seed, mc_err *err) {
    mc_nn_spec s = {MC_NN_CONV, {in, MC_NN_IN_NONE}, out_c, k, stride, pad, (uint32_t)pm, flags, 0, 0, 0};
    int idx, rc = mc_nn_add(net, &s, seed, &idx, err);
    return rc ? rc : idx;
}

int mc_nn_layer1(mc_nn_net *net, mc_nn_type t, int in, float alpha, mc_err *err) {
    mc_nn_spec s = {(uint32_t)t, {in, MC_NN_IN_NONE}, 0, 0, 0, 0, 0, 0, 0, alpha, 1e-5f};
    if (t == MC_NN_UPSAMPLE || t == MC_NN_CHANATT) s.factor = (uint32_t)alpha, s.alpha = 0;
    if (t == MC_NN_INSTNORM || t == MC_NN_LAYERNORM) s.flags = alpha > 0 ? MC_NN_F_AFFINE : 0, s.alpha = 0;
    int idx, rc = mc_nn_add(net, &s, NULL, &idx, err);
    return rc ? rc : idx;
}

int mc_nn_layer2(mc_nn_net *net, mc_nn_type t, int in0, int in1, mc_err *err) {
    mc_nn_spec s = {(uint32_t)t, {in0, in1}, 0, 0, 0, 0, 0, 0, 0, t == MC_NN_ADAILN ? 0.9f : 0.0f, 1e-5f};
    int idx, rc = mc_nn_add(net, &s, NULL, &idx, err);
    return rc ? rc : idx;
}

int mc_nn_spatial_attention(mc_nn_net *net, int in, uint32_t hid, uint64_t *seed, mc_err *err) {
    int a = mc_nn_conv(net, in, hid, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, seed, err);
    if (a < 0) return a;
    if ((a = mc_nn_layer1(net, MC_NN_RELU, a, 0, err)) < 0) return a;
    if ((a = mc_nn_conv(net, a, 1, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, seed, err)) < 0) return a;
    if ((a = mc_nn_layer1(net, MC_NN_SIGMOID, a, 0, err)) < 0) return a;
    return mc_nn_layer2(net, MC_NN_MUL, in, a, err);
}

int mc_nn_resblock(mc_nn_net *net, int in, uint32_t c, int relu_after, uint64_t *seed, mc_err *err) {
    int a = mc_nn_conv(net, in, c, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, seed, err);
    if (a < 0) return a;
    if ((a = mc_nn_layer1(net, MC_NN_RELU, a, 0, err)) < 0) return a;
    if ((a = mc_nn_conv(net, a, c, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, seed, err)) < 0) return a;
    if ((a = mc_nn_layer2(net, MC_NN_ADD, a, in, err)) < 0) return a;
    if (relu_after) a = mc_nn_layer1(net, MC_NN_RELU, a, 0, err);
    return a;
}

/* ------------------------------------------------------------- running */

int mc_nn_net_resize(mc_nn_net *net, uint32_t n, uint32_t h, uint32_t w, mc_err *err) {
    if (n < 1 || h < 1 || w < 1 || n > 65535 || h > 65535 || w > 65535)
        return mc_err_set(err, MC_ERR_ARG, "network: bad batch %u or size %ux%u", n, w, h);
    if (net->nlayers == 0) return mc_err_set(err, MC_ERR_ARG, "network %s has no layers", net->name);
    if (n == net->n && h == net->h && w == net->w) return MC_OK;
    net->n = n;
    net->h = h;
    net->w = w;
    int rc = net_realloc(net, err);
    if (rc) net->n = 0; /* force a retry */
    return rc;
}

int mc_nn_set_training(mc_nn_net *net, int training, int want_input_delta, mc_err *err) {
    if (net->training == !!training && net->want_input_delta == !!want_input_delta) return MC_OK;
    net->training = !!training;
    net->want_input_delta = !!want_input_delta;
    if (net->n == 0) return MC_OK;
    int rc = net_realloc(net, err);
    if (rc) net->n = 0;
    return rc;
}

int mc_nn_forward(mc_nn_net *net, const float *x, mc_err *err) {
    if (net->n == 0) return mc_err_set(err, MC_ERR_ARG, "network %s: call mc_nn_net_resize first", net->name);
    net->input = x;
    for (size_t i = 0; i < net->nlayers; i++) {
        int rc = net->layers[i].forward(&net->layers[i], net);
        if (rc) return mc_err_set(err, rc, "layer %zu (%s): forward failed", i, mc_nn_type_name(net->layers[i].s.type));
    }
    return MC_OK;
}

int mc_nn_backward(mc_nn_net *net, const float *dy, mc_err *err) {
    if (!net->training || net->n == 0 || !net->input)
        return mc_err_set(err, MC_ERR_ARG, "network %s: backward needs training mode and a forward pass", net->name);
    for (size_t i = 0; i < net->nlayers; i++)
        memset(net->layers[i].delta, 0, (size_t)net->n * per_sample(&net->layers[i]) * sizeof(float));
    if (net->input_delta)
        memset(net->input_delta, 0, (size_t)net->n * net->in_c * net->h * net->w * sizeof(float));
    mc_nn_layer *last = &net->layers[net->nlayers - 1];
    memcpy(last->delta, dy, (size_t)net->n * per_sample(last) * sizeof(float));
    for (size_t i = net->nlayers; i-- > 0;) {
        int rc = net->layers[i].backward(&net->layers[i], net);
        if (rc)
            return mc_err_set(err, rc, "layer %zu (%s): backward failed", i, mc_nn_type_name(net->layers[i].s.type));
    }
    return MC_OK;
}

void mc_nn_zero_grad(mc_nn_net *net) {
    for (size_t i = 0; i < net->nlayers; i++)
        for (size_t k = 0; k < net->layers[i].nparam; k++)
            memset(net->layers[i].p[k].g, 0, net->layers[i].p[k].len * sizeof(float));
}

const mc_nn_layer *mc_nn_output(const mc_nn_net *net) {
    return net->nlayers ? &net->layers[net->nlayers - 1] : NULL;
}

size_t mc_nn_output_len(const mc_nn_net *net) {
    const mc_nn_layer *l = mc_nn_output(net);
    return l ? (size_t)net->n * per_sample(l) : 0;
}

size_t mc_nn_param_count(const mc_nn_net *net) {
    size_t n = 0;
    for (size_t i = 0; i < net->nlayers; i++)
        for (size_t k = 0; k < net->layers[i].nparam; k++) n += net->layers[i].p[k].len;
    return n;
}
