/*
 * ref.h - internals of the reference convolution shared by its files
 * (nn_ref_conv.c: the forward kernel; nn_ref_convgrad.c: gradients and the
 * transposed convolution) and by inference plans (plan*.c).  Private to
 * src/nn.
 */
#ifndef MC_NN_REF_H
#define MC_NN_REF_H

#include "nn/nn.h"

/* Index of input coordinate i (may be out of range) under the padding mode;
 * -1 for a zero-padded position.  Reflection needs pad < n (checked by the
 * layer). */
static inline long mc_nn_pad_index(long i, long n, mc_nn_pad pm) {
    if (i >= 0 && i < n) return i;
    if (pm == MC_NN_PAD_ZERO) return -1;
    if (i < 0) i = -i;
    if (i >= n) i = 2 * n - 2 - i;
    return (i >= 0 && i < n) ? i : -1;
}

/* The best kernel set this process may use (cpu.h, MEDCRYPT_CPU); whether
 * set isa is usable. */
int mc_nn_ref_best_isa(void);
int mc_nn_ref_isa_ok(int isa);

/* For output column ox and kernel column kx: input column, -1 = zero
 * (k * ow entries, malloc'ed). */
long *mc_nn_ref_column_map(const mc_nn_conv_shape *s);
/* A pool of `threads` threads for one call (0: mc_nn_default_threads());
 * NULL for one thread or when none can be made. */
mc_nn_workers *mc_nn_ref_call_workers(int threads);

/* The contract's loop as written (one thread). */
int mc_nn_ref_conv_plain(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y);

/* What a tiled run hands each finished output row to when it has a hook:
 * row = the oc channels of output row oy of image n, ow floats each, one
 * after the other (channel stride ow), in thread t's scratch; the hook may
 * change it in place. */
typedef void (*mc_nn_row_hook)(void *ctx, uint32_t n, uint32_t oy, float *row, int t);

/* One forward convolution on the tiled kernels. */
typedef struct mc_nn_conv_run {
    const mc_nn_conv_shape *s;
    const float *x, *w, *b; /* w finite (else: mc_nn_ref_conv_plain) */
    float *y;               /* NULL when hook is set */
    int isa;                /* a usable kernel set (mc_nn_ref_isa_ok) */
    int threads;            /* at most this many (0: the pool's, one for small convolutions) */
    mc_nn_row_hook hook;    /* NULL: rows are stored into y */
    void *hook_ctx;
    void *const *thread_ws; /* mc_nn_ref_conv_thread_bytes(s, hook) each; NULL: allocated for the call */
} mc_nn_conv_run;

/* Bytes of one thread's workspace for any run of s (on any thread count). */
size_t mc_nn_ref_conv_thread_bytes(const mc_nn_conv_shape *s, int with_hook);
/* MC_OK, MC_ERR_NOMEM (workspace), MC_ERR_UNSUPPORTED (kernel set). */
int mc_nn_ref_conv_exec(const mc_nn_conv_run *r, mc_nn_workers *wk);
/* The tiled forward with kernel set isa on up to `threads` of wk's threads
 * (0: all, one for small convolutions); non-finite weights and shapes no
 * layer has: the plain loop. */
int mc_nn_ref_conv_tiled(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y, int isa,
                         mc_nn_workers *wk, int threads);

#endif
