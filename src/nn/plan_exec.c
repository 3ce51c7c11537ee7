/*
 * plan_exec.c - the steps of an inference plan (plan.c) that do more than
 * call a layer's forward:
 *
 *   a convolution with its fused chain: the tiled kernel hands each output
 *   row (all channels, in the thread's cache) to epi_row, which applies the
 *   chain's layers in order - activation, residual add or multiply with the
 *   other operand's row, a one-channel mask times another tensor's
 *   channels - and stores the last one's row; each operation is the
 *   layer's own (the same float operation on the same operands in the same
 *   order), so the bits are mc_nn_forward's;
 *
 *   channel attention: the pooling of each channel and the scaling on the
 *   threads (each channel's sums are still one chain in the reference
 *   order), the small gate in between on the caller.
 */
#include "core/cpu.h"
#include "nn/plan.h"

#include <string.h>

/* ------------------------------------------------------ row operations */

typedef struct plan_rowops {
    void (*relu)(const float *s, float *d, size_t n);
    void (*leaky)(float alpha, const float *s, float *d, size_t n);
    void (*add)(const float *a, const float *b, float *d, size_t n);
    void (*mul)(const float *a, const float *b, float *d, size_t n);
    void (*scale)(const float *a, float v, float *d, size_t n);
} plan_rowops;

#define PR_SFX base
#define PR_ATTR
#include "nn/plan_rows.h"
#undef PR_SFX
#undef PR_ATTR
#if defined(__x86_64__) && (defined(__clang__) || __GNUC__ >= 6)
#define PR_SFX avx2
#define PR_ATTR __attribute__((target("avx2")))
#include "nn/plan_rows.h"
#undef PR_SFX
#undef PR_ATTR
#define PR_SFX avx512
#define PR_ATTR __attribute__((target("avx512f")))
#include "nn/plan_rows.h"
#undef PR_SFX
#undef PR_ATTR
#endif

static const plan_rowops *rowops(void) {
#if defined(__x86_64__) && (defined(__clang__) || __GNUC__ >= 6)
    if (mc_cpu_has(MC_CPU_AVX512F)) return &rowops_avx512;
    if (mc_cpu_has(MC_CPU_AVX2)) return &rowops_avx2;
#endif
    return &rowops_base;
}

typedef struct epi_ctx {
    const mc_nn_plan *p;
    const plan_step *st;
    const plan_rowops *ops;
    uint32_t oc, ow;
} epi_ctx;

/* rows kept of each plane of layer i's value: its ring, or all of them */
static uint32_t rows_of(const mc_nn_plan *p, int i) {
    if (i < 0) return p->net->h;
    const uint32_t r = p->ring[i], h = p->net->layers[i].h;
    return r && r < h ? r : h;
}

/* row y of channel 0 of image n of layer i's value (c channels, w wide); channel stride in *cs */
static float *row_at(const mc_nn_plan *p, int i, uint32_t n, uint32_t c, uint32_t w, uint32_t y, size_t *cs) {
    const uint32_t rows = rows_of(p, i);
    float *base = i < 0 ? (float *)p->net->input : p->net->layers[i].out;
    *cs = (size_t)rows * w;
    return base + ((size_t)n * c * rows + y % rows) * w;
}

/* d = act(s), one row of ow values */
static void row_act(const plan_rowops *ops, const plan_ep *e, const float *s, float *d, uint32_t ow) {
    if (e->act == MC_NN_ACT_RELU) ops->relu(s, d, ow);
    else if (e->act == MC_NN_ACT_LEAKY) ops->leaky(e->alpha, s, d, ow);
    else mc_nn_ref_act_fwd(e->act, e->alpha, s, d, ow); /* sigmoid, tanh: nn_math.c picks the width */
}

static void epi_row(void *ctx, uint32_t n, uint32_t oy, float *row, int t) {
    const epi_ctx *c = ctx;
    const mc_nn_plan *p = c->p;
    const mc_nn_net *net = p->net;
    const plan_step *st = c->st;
    const uint32_t ow = c->ow;
    float *spare = (float *)((uint8_t *)p->thread_ws[t] + p->conv_ws_bytes);
    float *spare2 = spare + p->row_floats;
    /* the current value: ch channels of one row, channel stride ow */
    float *cur = row;
    uint32_t ch = c->oc;
    if (!st->nep) { /* no chain: store the row */
        size_t cs;
        float *dst = row_at(p, st->out_layer, n, ch, ow, oy, &cs);
        for (uint32_t q = 0; q < ch; q++) memcpy(dst + q * cs, row + (size_t)q * ow, ow * sizeof *row);
        return;
    }
    for (int k = 0; k < st->nep; k++) {
        const plan_ep *e = &st->ep[k];
        const mc_nn_layer *el = &net->layers[e->layer];
        const int last = k == st->nep - 1;
        /* where this op's result goes: the output value's row, or a row of scratch */
        float *dst;
        size_t dstride;
        if (last) {
            dst = row_at(p, e->layer, n, el->c, ow, oy, &dstride);
        } else {
            dst = e->kind == EP_MULB ? (cur == spare ? spare2 : spare) : cur;
            dstride = ow;
        }
        size_t pl = 0;
        const float *orow = e->other >= 0 || e->other == MC_NN_IN_NET ? row_at(p, e->other, n, el->c, ow, oy, &pl) : NULL;
        switch (e->kind) {
        case EP_ACT:
            for (uint32_t q = 0; q < ch; q++) row_act(c->ops, e, cur + (size_t)q * ow, dst + q * dstride, ow);
            break;
        case EP_ADD:
        case EP_MUL: {
            void (*f)(const float *, const float *, float *, size_t) = e->kind == EP_ADD ? c->ops->add : c->ops->mul;
            for (uint32_t q = 0; q < ch; q++) {
                const float *a = cur + (size_t)q * ow, *b = orow + q * pl;
                if (e->other_first) f(b, a, dst + q * dstride, ow);
                else f(a, b, dst + q * dstride, ow);
            }
            break;
        }
        case EP_MULB: /* cur: the one-channel mask; other's channels times it */
            for (uint32_t q = 0; q < el->c; q++) c->ops->mul(orow + q * pl, cur, dst + q * dstride, ow);
            ch = el->c;
            break;
        }
        cur = dst;
    }
}

/* the run of a conv step; rows: every row goes through the epilogue */
static mc_nn_conv_run conv_run(mc_nn_plan *p, const plan_step *st, const mc_nn_conv_shape *s, epi_ctx *c, int rows) {
    mc_nn_net *net = p->net;
    mc_nn_layer *l = &net->layers[st->layer];
    const int hook = rows || st->nep;
    const uint32_t xr = rows_of(p, l->s.in[0]);
    mc_nn_conv_run r = {s,
                        mc_nn_in_data(net, l->s.in[0]),
                        l->sn_u ? l->sn_w : l->p[0].w,
                        l->nparam > 1 ? l->p[1].w : NULL,
                        hook ? NULL : l->out,
                        mc_nn_ref_best_isa(),
                        0,
                        hook ? epi_row : NULL,
                        c,
                        p->thread_ws,
                        xr < s->ih ? xr : 0};
    return r;
}

int mc_nn_plan_conv(mc_nn_plan *p, const plan_step *st) {
    mc_nn_layer *l = &p->net->layers[st->layer];
    const mc_nn_conv_shape s = mc_nn_layer_conv_shape(l, p->net->n);
    epi_ctx c = {p, st, rowops(), l->c, l->w};
    const mc_nn_conv_run r = conv_run(p, st, &s, &c, 0);
    return mc_nn_ref_conv_exec(&r, p->wk);
}

int mc_nn_plan_conv_rows(mc_nn_plan *p, const plan_step *st, uint32_t n, uint32_t oy0, uint32_t oy1) {
    mc_nn_layer *l = &p->net->layers[st->layer];
    const mc_nn_conv_shape s = mc_nn_layer_conv_shape(l, p->net->n);
    epi_ctx c = {p, st, rowops(), l->c, l->w};
    const mc_nn_conv_run r = conv_run(p, st, &s, &c, 1);
    return mc_nn_ref_conv_rows(&r, n, oy0, oy1);
}

/* ------------------------------------------------------ channel attention */

typedef struct ca_ctx {
    const float *x;
    float *avg, *mx, *out;
    uint32_t *arg;
    const float *scale;
    size_t pl, groups;
    const plan_rowops *ops;
} ca_ctx;

#define CA_GROUPS 8 /* channels per pooling task: 8 interleaved sums (nn_ref.c) */

static void ca_pool(void *ctx, size_t task, int t) {
    (void)t;
    const ca_ctx *c = ctx;
    const size_t g = task * CA_GROUPS, ng = c->groups - g < CA_GROUPS ? c->groups - g : CA_GROUPS;
    mc_nn_ref_gap_fwd(ng, c->pl, c->x + g * c->pl, c->avg + g);
    mc_nn_ref_gmp_fwd(ng, c->pl, c->x + g * c->pl, c->mx + g, c->arg + g);
}

static void ca_scale(void *ctx, size_t g, int t) {
    (void)t;
    const ca_ctx *c = ctx;
    c->ops->scale(c->x + g * c->pl, c->scale[g], c->out + g * c->pl, c->pl);
}

int mc_nn_plan_chanatt(mc_nn_plan *p, const plan_step *st) {
    mc_nn_net *net = p->net;
    mc_nn_layer *l = &net->layers[st->layer];
    const size_t groups = (size_t)net->n * l->c;
    ca_ctx c = {mc_nn_in_data(net, l->s.in[0]), l->aux, l->aux + groups, l->out, l->arg,
                NULL, mc_nn_plane(l), groups, rowops()};
    mc_nn_workers_run(p->wk, (groups + CA_GROUPS - 1) / CA_GROUPS, 0, ca_pool, &c);
    int rc = mc_nn_chanatt_gate(l, net);
    if (rc) return rc;
    c.scale = mc_nn_chanatt_scale(l, net->n);
    mc_nn_workers_run(p->wk, groups, 0, ca_scale, &c);
    return MC_OK;
}
