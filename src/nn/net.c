/*
 * net.c - network assembly: the list of layers, their shapes and buffers,
 * and the forward and backward passes over them.
 *
 * A layer reads the outputs of one or two earlier layers (absolute indices,
 * -1 = network input) and writes its own output; backward adds into the
 * deltas of its inputs, so a value used twice (a skip connection) gets the sum
 * of both gradients.  What a layer is and computes lives in its family's file
 * (layer_*.c, through mc_nn_layer_ops_of); this file only validates, shapes,
 * allocates and sequences.
 */
#include "nn/layer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------- layer table */

static const mc_nn_layer_ops *const k_ops[MC_NN_TYPE_MAX + 1] = {
    [MC_NN_CONV] = &mc_nn_ops_conv,         [MC_NN_UPSAMPLE] = &mc_nn_ops_upsample,
    [MC_NN_LINEAR] = &mc_nn_ops_linear,     [MC_NN_RELU] = &mc_nn_ops_relu,
    [MC_NN_LEAKY] = &mc_nn_ops_leaky,       [MC_NN_SIGMOID] = &mc_nn_ops_sigmoid,
    [MC_NN_TANH] = &mc_nn_ops_tanh,         [MC_NN_INSTNORM] = &mc_nn_ops_instnorm,
    [MC_NN_LAYERNORM] = &mc_nn_ops_layernorm, [MC_NN_ILN] = &mc_nn_ops_iln,
    [MC_NN_ADAILN] = &mc_nn_ops_adailn,     [MC_NN_GAP] = &mc_nn_ops_gap,
    [MC_NN_GMP] = &mc_nn_ops_gmp,           [MC_NN_ADD] = &mc_nn_ops_add,
    [MC_NN_CONCAT] = &mc_nn_ops_concat,     [MC_NN_MUL] = &mc_nn_ops_mul,
    [MC_NN_CHANATT] = &mc_nn_ops_chanatt,   [MC_NN_DECONV] = &mc_nn_ops_deconv,
};

const mc_nn_layer_ops *mc_nn_layer_ops_of(uint32_t type) { return type <= MC_NN_TYPE_MAX ? k_ops[type] : NULL; }

const char *mc_nn_type_name(uint32_t t) {
    const mc_nn_layer_ops *o = mc_nn_layer_ops_of(t);
    return o ? o->name : "?";
}

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

float *mc_nn_net_scratch(mc_nn_net *net, size_t n) {
    if (grow(&net->ws.p, &net->ws.cap, n)) return NULL;
    return net->ws.p;
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

int mc_nn_param_add(mc_nn_layer *l, const char *name, uint32_t d0, uint32_t d1, uint32_t d2, uint32_t d3, float lo,
                    float hi, float fill, uint64_t *seed) {
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
    if (n > ((size_t)1 << 30)) return MC_ERR_LIMITS;
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

float mc_nn_he_bound(size_t fan_in) { return (float)sqrt(6.0 / (double)(fan_in ? fan_in : 1)); }

/* ------------------------------------------------------- spec validation */

static int finitef(float x) { return x == x && x - x == 0.0f; }

int mc_nn_spec_check(const mc_nn_net *net, const mc_nn_spec *s, mc_err *err) {
    const int32_t here = (int32_t)net->nlayers;
    const mc_nn_layer_ops *ops = s->type >= 1 ? mc_nn_layer_ops_of(s->type) : NULL;
    if (!ops) return mc_err_set(err, MC_ERR_FORMAT, "layer %d: unknown type %u", here, s->type);
    const char *tn = ops->name;
    if (s->in[0] < MC_NN_IN_NET || s->in[0] >= here)
        return mc_err_set(err, MC_ERR_FORMAT, "layer %d (%s): input %d out of range", here, tn, s->in[0]);
    if (ops->inputs == 2) {
        if (s->in[1] < MC_NN_IN_NET || s->in[1] >= here)
            return mc_err_set(err, MC_ERR_FORMAT, "layer %d (%s): second input %d out of range", here, tn, s->in[1]);
    } else if (s->in[1] != MC_NN_IN_NONE) {
        return mc_err_set(err, MC_ERR_FORMAT, "layer %d (%s): unexpected second input", here, tn);
    }
    if (s->flags & ~(MC_NN_F_BIAS | MC_NN_F_SN | MC_NN_F_AFFINE))
        return mc_err_set(err, MC_ERR_FORMAT, "layer %d (%s): unknown flags 0x%x", here, tn, s->flags);
    if (!finitef(s->alpha) || !finitef(s->eps))
        return mc_err_set(err, MC_ERR_FORMAT, "layer %d (%s): non-finite hyperparameter", here, tn);
    return ops->check ? ops->check(s, here, err) : MC_OK;
}

/* Output shape of layer l given the current shapes of its inputs. */
static int layer_shape(mc_nn_net *net, mc_nn_layer *l, mc_err *err) {
    const mc_nn_layer_ops *ops = mc_nn_layer_ops_of(l->s.type);
    int idx = (int)(l - net->layers);
    in_shape(net, l->s.in[0], &l->ic, &l->ih, &l->iw);
    if (ops->inputs == 2) in_shape(net, l->s.in[1], &l->ic2, &l->ih2, &l->iw2);
    l->c = l->ic;
    l->h = l->ih;
    l->w = l->iw;
    int rc = ops->shape ? ops->shape(l, idx, err) : MC_OK;
    if (rc) return rc;
    if ((uint64_t)l->h * l->w > INT32_MAX)
        return mc_err_set(err, MC_ERR_LIMITS, "layer %d (%s): plane too large", idx, ops->name);
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

static void layer_free(mc_nn_layer *l) {
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

void mc_nn_net_free(mc_nn_net *net) {
    if (!net) return;
    for (size_t i = 0; i < net->nlayers; i++) layer_free(&net->layers[i]);
    free(net->layers);
    free(net->input_delta);
    free(net->ws.p);
    if (net->own_workers) mc_nn_workers_free(net->workers);
    free(net);
}

/* allocate out/delta/aux for the current n, h, w (shapes already set) */
static int layer_alloc(mc_nn_net *net, mc_nn_layer *l) {
    size_t tot;
    layer_free_buffers(l);
    if (!mul_ok(net->n, mc_nn_per_sample(l), &tot) || tot > ((size_t)1 << 34) / sizeof(float)) return MC_ERR_LIMITS;
    size_t aux = 0, aux2 = 0, arg = 0;
    const mc_nn_layer_ops *ops = mc_nn_layer_ops_of(l->s.type);
    if (ops->scratch) ops->scratch(l, net->n, tot, &aux, &aux2, &arg);
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

int mc_nn_net_reshape(mc_nn_net *net, uint32_t h, uint32_t w, mc_err *err) {
    if (h < 1 || w < 1 || h > 65535 || w > 65535)
        return mc_err_set(err, MC_ERR_ARG, "network: bad size %ux%u", w, h);
    const uint32_t sh = net->h, sw = net->w;
    net->h = h;
    net->w = w;
    int rc = MC_OK;
    for (size_t i = 0; i < net->nlayers && !rc; i++) rc = layer_shape(net, &net->layers[i], err);
    if (rc) {
        net->h = sh;
        net->w = sw;
        for (size_t i = 0; i < net->nlayers; i++) (void)layer_shape(net, &net->layers[i], NULL);
    }
    return rc;
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
    rc = mc_nn_layer_ops_of(t)->init(l, sd);
    if (!rc && (s->flags & MC_NN_F_SN) && (t == MC_NN_CONV || t == MC_NN_LINEAR || t == MC_NN_DECONV))
        rc = mc_nn_sn_init(l, sd);
    if (rc) {
        layer_free(l);
        net->nlayers--;
        return mc_err_set(err, rc, "layer %zu (%s): cannot create parameters", net->nlayers, mc_nn_type_name(t));
    }
    /* activations are allocated by mc_nn_net_resize; force it */
    net->n = 0;
    if (idx) *idx = (int)net->nlayers - 1;
    return MC_OK;
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

void mc_nn_net_set_workers(mc_nn_net *net, mc_nn_workers *wk) {
    if (net->own_workers) mc_nn_workers_free(net->workers);
    net->workers = wk;
    net->own_workers = 0;
    net->single_thread = wk == NULL;
}

int mc_nn_net_conv_fwd(mc_nn_net *net, const mc_nn_conv_shape *s, const float *x, const float *w, const float *b,
                       float *y) {
    if (net->be->conv_fwd_mt) {
        if (!net->workers && !net->single_thread && mc_nn_default_threads() > 1) {
            /* the network's own threads, made once; none if that fails */
            if (mc_nn_workers_new(&net->workers, 0, NULL)) net->single_thread = 1;
            else net->own_workers = 1;
        }
        return net->be->conv_fwd_mt(s, x, w, b, y, net->workers);
    }
    size_t need = net->be->conv_ws(s);
    float *ws = need ? mc_nn_net_scratch(net, need) : NULL;
    if (need && !ws) return MC_ERR_NOMEM;
    return net->be->conv_fwd(s, x, w, b, y, ws);
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
        memset(net->layers[i].delta, 0, (size_t)net->n * mc_nn_per_sample(&net->layers[i]) * sizeof(float));
    if (net->input_delta)
        memset(net->input_delta, 0, (size_t)net->n * net->in_c * net->h * net->w * sizeof(float));
    mc_nn_layer *last = &net->layers[net->nlayers - 1];
    memcpy(last->delta, dy, (size_t)net->n * mc_nn_per_sample(last) * sizeof(float));
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
    return l ? (size_t)net->n * mc_nn_per_sample(l) : 0;
}

size_t mc_nn_param_count(const mc_nn_net *net) {
    size_t n = 0;
    for (size_t i = 0; i < net->nlayers; i++)
        for (size_t k = 0; k < net->layers[i].nparam; k++) n += net->layers[i].p[k].len;
    return n;
}
