/*
 * layer.h - what the engine's layer families share (private to src/nn).
 *
 * A layer family is one file, layer_FAMILY.c, that defines one
 * mc_nn_layer_ops per layer type it implements: the rules of its spec, its
 * output shape, its parameters (and forward / backward / update function
 * pointers), and the scratch it keeps for backward.  Network assembly
 * (net.c) knows layer types only through this table (mc_nn_layer_ops_of), so
 * a new layer is a new ops record in its family's file and one line in the
 * table.  Arithmetic goes through net->be (nn.h) or is elementwise C in a
 * fixed order (the reference path stays bit-exact).
 */
#ifndef MC_NN_LAYER_H
#define MC_NN_LAYER_H

#include "nn/nn.h"

#include <stddef.h>
#include <stdint.h>

typedef struct mc_nn_layer_ops {
    uint32_t type;
    const char *name;
    int inputs; /* 1 or 2 */
    /* rules of the spec beyond the common ones (inputs, flags, finite
     * values); NULL: none.  here: the layer's index, for messages. */
    int (*check)(const mc_nn_spec *s, int here, mc_err *err);
    /* output shape (l->c, h, w) from the input shapes already in l (ic, ih,
     * iw, ic2, ih2, iw2; c, h, w preset to ic, ih, iw); NULL: same as in[0] */
    int (*shape)(mc_nn_layer *l, int idx, mc_err *err);
    /* parameters (from the seeded generator) and function pointers */
    int (*init)(mc_nn_layer *l, uint64_t *seed);
    /* floats of aux and aux2 and uint32 of arg the layer keeps for a batch
     * of n (tot = n * c * h * w); NULL: none */
    void (*scratch)(const mc_nn_layer *l, uint32_t n, size_t tot, size_t *aux, size_t *aux2, size_t *arg);
} mc_nn_layer_ops;

/* The ops of a layer type; NULL if unknown. */
const mc_nn_layer_ops *mc_nn_layer_ops_of(uint32_t type);

extern const mc_nn_layer_ops mc_nn_ops_conv, mc_nn_ops_deconv, mc_nn_ops_linear, mc_nn_ops_relu, mc_nn_ops_leaky,
    mc_nn_ops_sigmoid, mc_nn_ops_tanh, mc_nn_ops_instnorm, mc_nn_ops_layernorm, mc_nn_ops_iln, mc_nn_ops_adailn,
    mc_nn_ops_gap, mc_nn_ops_gmp, mc_nn_ops_upsample, mc_nn_ops_add, mc_nn_ops_concat, mc_nn_ops_mul,
    mc_nn_ops_chanatt;

/* ------------------------------------------------------------- helpers */

/* output of layer index i (-1: the network input) and its gradient */
static inline const float *mc_nn_in_data(const mc_nn_net *net, int32_t i) {
    return i == MC_NN_IN_NET ? net->input : net->layers[i].out;
}
static inline float *mc_nn_in_delta(mc_nn_net *net, int32_t i) {
    return i == MC_NN_IN_NET ? net->input_delta : net->layers[i].delta;
}
static inline size_t mc_nn_plane(const mc_nn_layer *l) { return (size_t)l->h * l->w; }
static inline size_t mc_nn_per_sample(const mc_nn_layer *l) { return (size_t)l->c * l->h * l->w; }
static inline size_t mc_nn_in_per_sample(const mc_nn_layer *l) { return (size_t)l->ic * l->ih * l->iw; }

/* Scratch space of the network (grown on demand, one layer call at a time);
 * NULL when out of memory. */
float *mc_nn_net_scratch(mc_nn_net *net, size_t n);
/* Append a learnable tensor to l: dims d0..d3, values uniform in [lo, hi)
 * from seed when seed && hi > lo, else `fill`. */
int mc_nn_param_add(mc_nn_layer *l, const char *name, uint32_t d0, uint32_t d1, uint32_t d2, uint32_t d3, float lo,
                    float hi, float fill, uint64_t *seed);
/* He-uniform bound sqrt(6 / fan_in) */
float mc_nn_he_bound(size_t fan_in);
/* The convolution of a conv layer for batch n (deconv: of its gradient). */
mc_nn_conv_shape mc_nn_layer_conv_shape(const mc_nn_layer *l, uint32_t n);
/* A forward convolution through the network's backend, on its workers when
 * the backend can use them (nn_workers.c). */
int mc_nn_net_conv_fwd(mc_nn_net *net, const mc_nn_conv_shape *s, const float *x, const float *w, const float *b,
                       float *y);

/* Channel attention's gate (layer_attention.c): from the pooled values in
 * l->aux (n c averages, then n c maxima) the n c scales sigmoid(FC2 relu FC1
 * avg + FC2 relu FC1 max), at mc_nn_chanatt_scale(l, n). */
int mc_nn_chanatt_gate(mc_nn_layer *l, mc_nn_net *net);
const float *mc_nn_chanatt_scale(const mc_nn_layer *l, uint32_t n);

/* Spectral normalisation (sn.c) of the weight p[0] of a conv or linear
 * layer: vectors created with the parameters, W / sigma before forward, the
 * weight gradient through the normalisation after backward. */
int mc_nn_sn_init(mc_nn_layer *l, uint64_t *seed);
void mc_nn_sn_weight(mc_nn_layer *l);        /* l->sn_w = W / sigma */
void mc_nn_sn_backward(mc_nn_layer *l);      /* p[0].g += d/dW from the gradient in l->aux */
void mc_nn_sn_update(mc_nn_layer *l, mc_nn_net *net); /* one power iteration (update hook) */

#endif
