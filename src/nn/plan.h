/*
 * plan.h - the inference plan's pieces (private to src/nn): the plan
 * (plan.c: analysis, memory, the run loop) and its step executors
 * (plan_exec.c: a convolution with its fused epilogue, channel attention).
 */
#ifndef MC_NN_PLAN_H
#define MC_NN_PLAN_H

#include "nn/layer.h"
#include "nn/ref.h"

#define MC_NN_PLAN_MAX_EP 8

/* An elementwise successor fused into a convolution's output pass. */
typedef enum plan_ep_kind {
    EP_ACT = 0,  /* v = act(v) */
    EP_ADD = 1,  /* v = other + v or v + other (the layer's operand order) */
    EP_MUL = 2,  /* the same with * */
    EP_MULB = 3  /* v (1 channel) is a mask: v' = other[c] * v for other's channels */
} plan_ep_kind;

typedef struct plan_ep {
    plan_ep_kind kind;
    mc_nn_act act;
    float alpha;
    int32_t other;   /* layer index of the other operand (MC_NN_IN_NET: the input) */
    int other_first; /* other is the layer's in[0] */
    int layer;       /* the layer this op computes */
} plan_ep;

typedef enum plan_step_kind { STEP_CONV = 0, STEP_CHANATT = 1, STEP_LAYER = 2 } plan_step_kind;

typedef struct plan_step {
    plan_step_kind kind;
    int layer;      /* the conv, chanatt or generic layer */
    int out_layer;  /* the layer whose output the step leaves (last of the chain) */
    int nep;
    plan_ep ep[MC_NN_PLAN_MAX_EP];
    int seg;        /* the sliding segment the step belongs to, -1: none */
    uint32_t lead;  /* in a segment: rows this step runs ahead of the segment's last */
} plan_step;

/* A run of stride-1 convolution steps executed band by band (plan.c). */
typedef struct plan_seg {
    size_t first, last; /* steps */
} plan_seg;

/* A buffer of the arena: byte offset and capacity. */
typedef struct plan_buf {
    size_t off, cap;
} plan_buf;

typedef struct plan_arena {
    int refs;
    uint8_t *p;
    size_t cap;
    int mapped; /* mmap'ed (else aligned_alloc) */
} plan_arena;

struct mc_nn_plan {
    mc_nn_net *net;
    mc_nn_workers *wk;
    plan_arena *arena;
    uint32_t n, h, w;          /* the largest run */
    size_t nsteps;
    plan_step *steps;
    /* per layer: buffer index of its output (-1: not materialised), of its
     * generic step's aux, aux2, arg (-1: none) */
    int *out_buf, *aux_buf, *aux2_buf, *arg_buf;
    /* per layer: rows kept of each output plane when it is a ring (only read
     * inside its segment; row y at y mod rows), 0: the whole plane */
    uint32_t *ring;
    size_t nsegs;
    plan_seg *segs;
    uint32_t band;                   /* rows per band step of a segment */
    size_t nbufs;
    plan_buf *bufs;
    size_t thread_off, thread_bytes; /* per-thread workspaces after the buffers */
    size_t conv_ws_bytes;            /* the convolution's part of a thread's workspace */
    size_t row_floats;               /* each of the epilogue's two rows */
    int threads;
    void **thread_ws;                /* per run: arena + thread_off + t * thread_bytes */
    const mc_nn_backend *saved_be;
};

/* Executors (plan_exec.c).  A conv step over all its rows on the workers,
 * or over rows [oy0, oy1) of image n on the calling thread (segments). */
int mc_nn_plan_conv(mc_nn_plan *p, const plan_step *st);
int mc_nn_plan_conv_rows(mc_nn_plan *p, const plan_step *st, uint32_t n, uint32_t oy0, uint32_t oy1);
int mc_nn_plan_chanatt(mc_nn_plan *p, const plan_step *st);

#endif
