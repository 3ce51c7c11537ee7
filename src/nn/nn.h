/*
 * nn.h - medcrypt's neural engine (library-internal API, mc_nn_ prefix).
 *
 * Tensors are NCHW float32.  A network is a list of layers (Darknet style):
 * each layer has forward / backward / update function pointers and reads one
 * or two earlier outputs by absolute index (-1 = the network input), which
 * gives residual adds, concatenations and attention masks without a general
 * graph.  Layers do no arithmetic of their own: every kernel goes through a
 * backend table (mc_nn_backend).  Two backends exist:
 *   "ref"   C (GNU vector extensions, the engine's own threads over bands of
 *           output rows: nn_workers.c), a fixed summation order per output,
 *           own exp/tanh/sigmoid: vectors and threads only compute different
 *           outputs side by side, so it is bit-identical on every compiler,
 *           flag set, thread count and machine.  Encryption and decryption
 *           use it.
 *   "fast"  im2col + OpenBLAS sgemm, OpenMP over the batch; the reference
 *           kernels for everything but convolution and linear layers.  Checked
 *           against "ref" within a tolerance by the tests (ggml style).
 * docs/nn.md describes the design; a CUDA backend would be a third table.
 *
 * Where things live: libmedcrypt holds what inference needs (the files of src/nn:
 * layers one family per file, network assembly, the reference kernels,
 * threads, model loading, the networks the schemes build); the lab library
 * holds training (src/nn/train/: the fast backend, losses, optimisers,
 * architectures' training steps and registry, the loop, data sets, model
 * saving).  The sections below say which.
 *
 * Conventions: functions return MC_OK or a negative mc_status and fill an
 * optional mc_err.  No global mutable state.  See docs/nn.md.
 */
#ifndef MC_NN_H
#define MC_NN_H

#include "medcrypt.h"

#include <stddef.h>
#include <stdint.h>

/* --------------------------------------------------------------- limits */
#define MC_NN_MAX_LAYERS 4096u
#define MC_NN_MAX_CHANNELS 65536u
#define MC_NN_MAX_KERNEL 31u
#define MC_NN_MAX_PARAMS 8u      /* learnable tensors per layer */
#define MC_NN_MAX_NETS 8u        /* networks per model */
#define MC_NN_NAME_MAX 32u

/* ---------------------------------------------------------------- math */
/* Deterministic transcendental functions: only IEEE-754 +, -, *, / on
 * doubles (correctly rounded, so identical on every conforming build with
 * -ffp-contract=off), rounded once to float. */
float mc_nn_expf(float x);
float mc_nn_tanhf(float x);
float mc_nn_sigmoidf(float x);
/* y[i] = mc_nn_sigmoidf(x[i]) / mc_nn_tanhf(x[i]), the same bits, several at a time */
void mc_nn_sigmoidf_n(const float *x, float *y, size_t n);
void mc_nn_tanhf_n(const float *x, float *y, size_t n);

/* ------------------------------------------------------------- kernels */
typedef enum mc_nn_pad { MC_NN_PAD_ZERO = 0, MC_NN_PAD_REFLECT = 1 } mc_nn_pad;

/* One convolution: x (n, ic, ih, iw) * w (oc, ic, k, k) + b -> y (n, oc, oh, ow). */
typedef struct mc_nn_conv_shape {
    uint32_t n, ic, ih, iw, oc, oh, ow, k, stride, pad;
    mc_nn_pad pad_mode;
} mc_nn_conv_shape;

typedef enum mc_nn_act {
    MC_NN_ACT_RELU = 0,
    MC_NN_ACT_LEAKY = 1,
    MC_NN_ACT_SIGMOID = 2,
    MC_NN_ACT_TANH = 3
} mc_nn_act;

/* The engine's threads (nn_workers.c): a pool owned by whoever makes it
 * (a network makes its own on first use; an inference plan or a scheme may
 * share one), workers sleep when idle.  threads counts the caller too. */
typedef struct mc_nn_workers mc_nn_workers;
/* MEDCRYPT_THREADS when set to 1..256, else the CPUs the process may run on
 * (sched_getaffinity), at most 64. */
int mc_nn_default_threads(void);
/* threads <= 0: mc_nn_default_threads().  Fewer threads when some cannot be
 * started (never an error for that). */
int mc_nn_workers_new(mc_nn_workers **out, int threads, mc_err *err) MC_WUR;
void mc_nn_workers_free(mc_nn_workers *wk); /* NULL: nothing */
int mc_nn_workers_count(const mc_nn_workers *wk); /* 1 for NULL */
/* fn(ctx, i, t) for every i in [0, n), on up to max_threads threads (0: all;
 * the caller is one of them), t in [0, threads): the thread's slot (for
 * per-thread scratch); returns when all are done.  wk NULL: in order on the
 * calling thread. */
typedef void (*mc_nn_task)(void *ctx, size_t i, int t);
void mc_nn_workers_run(mc_nn_workers *wk, size_t n, int max_threads, mc_nn_task fn, void *ctx);

/* Workspace owned by the network, grown on demand (floats). */
typedef struct mc_nn_ws {
    float *p;
    size_t cap;
} mc_nn_ws;

/*
 * The kernel table.  Accumulating outputs ("+=") are marked; everything else
 * overwrites.  A backend may keep any entry equal to the reference one.
 */
typedef struct mc_nn_backend {
    const char *name;
    int deterministic; /* bit-identical across builds and machines */
    /* floats of workspace conv_* need for shape s */
    size_t (*conv_ws)(const mc_nn_conv_shape *s);
    int (*conv_fwd)(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y,
                    float *ws);
    /* dx += (may be NULL), dw +=, db += (may be NULL) */
    int (*conv_bwd)(const mc_nn_conv_shape *s, const float *x, const float *w, const float *dy, float *dx,
                    float *dw, float *db, float *ws);
    /* y (n, out) = x (n, in) W^T (out, in) + b */
    void (*linear_fwd)(size_t n, size_t in, size_t out, const float *x, const float *w, const float *b,
                       float *y);
    /* dx += (may be NULL), dw +=, db += (may be NULL) */
    void (*linear_bwd)(size_t n, size_t in, size_t out, const float *x, const float *w, const float *dy,
                       float *dx, float *dw, float *db);
    void (*act_fwd)(mc_nn_act a, float alpha, const float *x, float *y, size_t len);
    /* dx += f'(x) dy, y = f(x) as computed by act_fwd */
    void (*act_bwd)(mc_nn_act a, float alpha, const float *x, const float *y, const float *dy, float *dx,
                    size_t len);
    /* Normalisation of `groups` groups of `len` contiguous values:
     * xhat = (x - mean) / sqrt(var + eps), biased variance; istd[g] saved. */
    void (*norm_fwd)(size_t groups, size_t len, float eps, const float *x, float *xhat, float *istd);
    /* dx += istd (dxh - mean(dxh) - xhat mean(dxh xhat)) per group */
    void (*norm_bwd)(size_t groups, size_t len, const float *xhat, const float *istd, const float *dxh,
                     float *dx);
    /* Global pooling over len values of each of `groups` groups. */
    void (*gap_fwd)(size_t groups, size_t len, const float *x, float *y);
    void (*gmp_fwd)(size_t groups, size_t len, const float *x, float *y, uint32_t *arg);
    /* Nearest upsampling by f of (planes, h, w). */
    void (*upsample_fwd)(size_t planes, uint32_t h, uint32_t w, uint32_t f, const float *x, float *y);
    void (*upsample_bwd)(size_t planes, uint32_t h, uint32_t w, uint32_t f, const float *dy, float *dx);
    /* conv_fwd on the threads of wk (NULL: the calling thread); a backend
     * without it (NULL) runs conv_fwd with conv_ws's workspace */
    int (*conv_fwd_mt)(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y,
                       mc_nn_workers *wk);
    /* Transposed convolution: s describes the forward pass x (n, ic, ih, iw)
     * -> y (n, oc, oh, ow) with w (ic, oc, k, k): output (iy stride - pad +
     * ky, ix stride - pad + kx) receives x[iy][ix] w[ky][kx]; oh = (ih - 1)
     * stride - 2 pad + k + output padding (< stride); zero padding only.
     * NULL: the backend has none.  dx += (may be NULL), dw +=, db += (may be NULL) */
    int (*deconv_fwd)(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y);
    int (*deconv_bwd)(const mc_nn_conv_shape *s, const float *x, const float *w, const float *dy, float *dx,
                      float *dw, float *db);
} mc_nn_backend;

extern const mc_nn_backend mc_nn_backend_ref;
/* Reference kernels other backends may reuse as they are. */
void mc_nn_ref_act_fwd(mc_nn_act a, float alpha, const float *x, float *y, size_t len);
void mc_nn_ref_act_bwd(mc_nn_act a, float alpha, const float *x, const float *y, const float *dy, float *dx,
                       size_t len);
void mc_nn_ref_norm_fwd(size_t groups, size_t len, float eps, const float *x, float *xhat, float *istd);
void mc_nn_ref_norm_bwd(size_t groups, size_t len, const float *xhat, const float *istd, const float *dxh,
                        float *dx);
void mc_nn_ref_gap_fwd(size_t groups, size_t len, const float *x, float *y);
void mc_nn_ref_gmp_fwd(size_t groups, size_t len, const float *x, float *y, uint32_t *arg);
void mc_nn_ref_upsample_fwd(size_t planes, uint32_t h, uint32_t w, uint32_t f, const float *x, float *y);
void mc_nn_ref_upsample_bwd(size_t planes, uint32_t h, uint32_t w, uint32_t f, const float *dy, float *dx);
/* The reference convolutions (nn_ref_conv.c): conv_fwd runs on the calling
 * thread, conv_fwd_mt on wk's threads (one for small convolutions). */
size_t mc_nn_ref_conv_ws(const mc_nn_conv_shape *s);
int mc_nn_ref_conv_fwd(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y,
                       float *ws);
int mc_nn_ref_conv_fwd_mt(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y,
                          mc_nn_workers *wk);
int mc_nn_ref_conv_bwd(const mc_nn_conv_shape *s, const float *x, const float *w, const float *dy, float *dx,
                       float *dw, float *db, float *ws);
int mc_nn_ref_deconv_fwd(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y);
int mc_nn_ref_deconv_bwd(const mc_nn_conv_shape *s, const float *x, const float *w, const float *dy, float *dx,
                         float *dw, float *db);
/* The reference forward convolution with a chosen kernel set, for tests and
 * benchmarks (every set computes the same bits): MC_NN_REF_PLAIN is the
 * contract's loop as written (one thread); the others the tiled kernels with
 * 1-lane, portable 4-lane, AVX2 or AVX-512 strips; AUTO the best this machine
 * has (what the backend uses).  threads: 0 = the backend's choice (a pool of
 * mc_nn_default_threads(), one thread for small convolutions), else a pool
 * of that many made for the call.  MC_ERR_UNSUPPORTED when the machine, the
 * build or MEDCRYPT_CPU lacks the set. */
enum {
    MC_NN_REF_AUTO = -1,
    MC_NN_REF_PLAIN = 0,
    MC_NN_REF_SCALAR = 1,
    MC_NN_REF_VEC4 = 2,
    MC_NN_REF_AVX2 = 3,
    MC_NN_REF_AVX512 = 4
};
int mc_nn_ref_conv_fwd_with(int isa, int threads, const mc_nn_conv_shape *s, const float *x, const float *w,
                            const float *b, float *y);
/* The same for the transposed convolution (MC_NN_REF_PLAIN: its contract
 * as written; the others: the tiled convolution over the dilated input). */
int mc_nn_ref_deconv_fwd_with(int isa, int threads, const mc_nn_conv_shape *s, const float *x, const float *w,
                              const float *b, float *y);
/* [lab] "ref" or "fast"; NULL if unknown. */
const mc_nn_backend *mc_nn_backend_find(const char *name);
/* [lab] Threads the fast backend uses (OpenMP), 1 without OpenMP. */
int mc_nn_threads(void);

/* --------------------------------------------------------------- layers */
typedef enum mc_nn_type {
    MC_NN_CONV = 1,      /* out_c, k, stride, pad, pad_mode, flags (BIAS, SN) */
    MC_NN_UPSAMPLE = 2,  /* factor (nearest) */
    MC_NN_LINEAR = 3,    /* out_c (features), flags; input flattened (c*h*w) */
    MC_NN_RELU = 4,
    MC_NN_LEAKY = 5,     /* alpha */
    MC_NN_SIGMOID = 6,
    MC_NN_TANH = 7,
    MC_NN_INSTNORM = 8,  /* eps, flags AFFINE */
    MC_NN_LAYERNORM = 9, /* eps, flags AFFINE: per-channel gamma/beta over (c,h,w) */
    MC_NN_ILN = 10,      /* eps; rho (init alpha) clipped to [0,1], gamma, beta */
    MC_NN_ADAILN = 11,   /* eps; rho; gamma/beta from in[1]: (n, 2c) = [gamma | beta] */
    MC_NN_GAP = 12,
    MC_NN_GMP = 13,
    MC_NN_ADD = 14,      /* in[0] + in[1] */
    MC_NN_CONCAT = 15,   /* channels of in[0], then of in[1] */
    MC_NN_MUL = 16,      /* in[0] * in[1], in[1] broadcast: same, (c,1,1) or (1,h,w) */
    MC_NN_CHANATT = 17,  /* factor = reduction r: x * sigmoid(FC2 relu FC1 gap + FC2 relu FC1 gmp) */
    MC_NN_DECONV = 18    /* transposed conv: out_c, k, stride, pad (< k), factor = output padding
                          * (< stride), zero padding, flags (BIAS, SN); weight (ic, out_c, k, k) */
} mc_nn_type;
#define MC_NN_TYPE_MAX 18

#define MC_NN_F_BIAS 1u   /* conv / linear: learnable bias */
#define MC_NN_F_SN 2u     /* conv / linear: spectral normalisation of the weight */
#define MC_NN_F_AFFINE 4u /* instance / layer norm: learnable gamma, beta */
#define MC_NN_IN_NET (-1) /* in[]: the network input */
#define MC_NN_IN_NONE (-2)

/* What a layer is: everything the model file stores about it but weights. */
typedef struct mc_nn_spec {
    uint32_t type;
    int32_t in[2]; /* absolute indices of earlier layers, MC_NN_IN_NET, MC_NN_IN_NONE */
    uint32_t out_c, k, stride, pad, pad_mode, flags, factor;
    float alpha, eps;
} mc_nn_spec;

typedef struct mc_nn_param {
    char name[16];
    uint32_t dims[4];
    size_t len;
    float *w, *g;      /* value, gradient */
    float *m, *v;      /* optimiser state (allocated by the optimiser) */
    int clip01;        /* clipped to [0, 1] after each update (rho) */
    int no_decay;
} mc_nn_param;

struct mc_nn_net;
typedef struct mc_nn_layer mc_nn_layer;
struct mc_nn_layer {
    mc_nn_spec s;
    uint32_t c, h, w;          /* output shape per sample */
    uint32_t ic, ih, iw;       /* shape of in[0] */
    uint32_t ic2, ih2, iw2;    /* shape of in[1] */
    float *out, *delta;        /* n*c*h*w each (delta only when training) */
    size_t nparam;
    mc_nn_param p[MC_NN_MAX_PARAMS];
    size_t *param_budget;      /* while mc_nn_add creates the layer: the net's budget, or NULL */
    float *sn_u, *sn_v, *sn_w; /* spectral norm: u (oc), v (ic k k), W/sigma; sigma */
    float sn_sigma;
    float *aux, *aux2;         /* saved for backward (xhat, istd, pooled values...) */
    uint32_t *arg;             /* argmax of max pooling */
    size_t aux_len, aux2_len, arg_len;
    int (*forward)(mc_nn_layer *l, struct mc_nn_net *net);
    int (*backward)(mc_nn_layer *l, struct mc_nn_net *net);
    void (*update)(mc_nn_layer *l, struct mc_nn_net *net); /* after the optimiser step */
};

typedef struct mc_nn_net {
    char name[MC_NN_NAME_MAX];
    uint32_t in_c;          /* input channels (fixed) */
    uint32_t n, h, w;       /* current batch and input size (mc_nn_net_resize) */
    uint32_t build_h, build_w; /* size the layers were declared for (linear layers) */
    size_t nlayers, cap;
    mc_nn_layer *layers;
    const mc_nn_backend *be;
    int training;           /* keep deltas, call backward */
    const float *input;     /* set by mc_nn_forward */
    float *input_delta;     /* n*in_c*h*w when want_input_delta */
    int want_input_delta;
    mc_nn_ws ws;
    mc_nn_workers *workers; /* threads of the reference convolutions (made on first use) */
    int own_workers;        /* workers is the network's (freed with it) */
    int single_thread;      /* no workers: mc_nn_net_set_workers(net, NULL) */
    /* When set, mc_nn_add creates at most param_budget more parameter floats
     * (the model reader: the floats left in the file, so a few bytes cannot
     * declare gigabytes of weights); MC_ERR_LIMITS beyond. */
    int param_limited;
    size_t param_budget;
} mc_nn_net;

/* A network for in_c-channel inputs; h, w: the size layers are declared at
 * (any size later, unless it has linear layers). */
int mc_nn_net_new(mc_nn_net **out, const char *name, uint32_t in_c, uint32_t h, uint32_t w, mc_err *err) MC_WUR;
void mc_nn_net_free(mc_nn_net *net);
/* Append a layer; its index in *idx (may be NULL).  Parameters are initialised
 * from the seeded generator (He / Xavier). */
int mc_nn_add(mc_nn_net *net, const mc_nn_spec *s, uint64_t *seed, int *idx, mc_err *err) MC_WUR;
/* Convenience builders (in: input index; returns the new layer's index or a
 * negative status). */
int mc_nn_conv(mc_nn_net *net, int in, uint32_t out_c, uint32_t k, uint32_t stride, uint32_t pad,
               mc_nn_pad pm, uint32_t flags, uint64_t *seed, mc_err *err);
/* Transposed convolution (MC_NN_DECONV): out_pad < stride, pad < k. */
int mc_nn_deconv(mc_nn_net *net, int in, uint32_t out_c, uint32_t k, uint32_t stride, uint32_t pad,
                 uint32_t out_pad, uint32_t flags, uint64_t *seed, mc_err *err);
int mc_nn_layer1(mc_nn_net *net, mc_nn_type t, int in, float alpha, mc_err *err);
int mc_nn_layer2(mc_nn_net *net, mc_nn_type t, int in0, int in1, mc_err *err);
/* Spatial attention (AT-ResNet-CM): conv3x3(c->hid)+ReLU, conv3x3(hid->1),
 * sigmoid, then x * mask.  Returns the index of the product. */
int mc_nn_spatial_attention(mc_nn_net *net, int in, uint32_t hid, uint64_t *seed, mc_err *err);
/* Residual block: conv3x3-ReLU-conv3x3 + skip (then ReLU when relu_after). */
int mc_nn_resblock(mc_nn_net *net, int in, uint32_t c, int relu_after, uint64_t *seed, mc_err *err);

/* Allocate activations for batch n at h x w (no-op when unchanged). */
int mc_nn_net_resize(mc_nn_net *net, uint32_t n, uint32_t h, uint32_t w, mc_err *err) MC_WUR;
/* The layers' shapes (c, h, w of each) for an h x w input, nothing
 * allocated (inference plans); the shapes are left as they were on error. */
int mc_nn_net_reshape(mc_nn_net *net, uint32_t h, uint32_t w, mc_err *err) MC_WUR;
/* Run the reference convolutions on wk's threads (borrowed: it must outlive
 * the network's use of it), or on the calling thread only (wk NULL); by
 * default a network makes its own pool of mc_nn_default_threads() on its
 * first large convolution. */
void mc_nn_net_set_workers(mc_nn_net *net, mc_nn_workers *wk);
int mc_nn_set_training(mc_nn_net *net, int training, int want_input_delta, mc_err *err) MC_WUR;
/* Run the network on x (n, in_c, h, w); the output is net_output(). */
int mc_nn_forward(mc_nn_net *net, const float *x, mc_err *err) MC_WUR;
/* An inference plan (plan.c): net, run on the reference kernels, for batch
 * n of inputs up to h x w, with its memory planned once (one arena, buffers
 * reused by liveness, no allocation per run), elementwise successors of a
 * convolution (bias, activation, residual add, attention mask) fused into
 * its output pass, and the work on wk's threads (NULL: the calling thread;
 * borrowed).  Its output has the bits of mc_nn_forward on the reference
 * backend (tests/cli/nn_det_driver.c checks every build).  The plan borrows
 * net: while it lives, run net through it only (mc_nn_net_resize and
 * mc_nn_forward again after mc_nn_plan_free).  share: a plan whose arena this
 * one uses too (plans that never run at the same time, e.g. a scheme's
 * encryption and decryption networks), or NULL. */
typedef struct mc_nn_plan mc_nn_plan;
int mc_nn_plan_new(mc_nn_plan **out, mc_nn_net *net, uint32_t n, uint32_t h, uint32_t w, mc_nn_workers *wk,
                   mc_nn_plan *share, mc_err *err) MC_WUR;
/* Run on x (n, in_c, h', w') with h' <= h, w' <= w; the output (n, c, oh,
 * ow of the last layer at that size) is mc_nn_plan_output, valid until the
 * next run of any plan sharing the arena.  *len (may be NULL): its floats. */
int mc_nn_plan_run(mc_nn_plan *p, const float *x, uint32_t h, uint32_t w, mc_err *err) MC_WUR;
const float *mc_nn_plan_output(const mc_nn_plan *p, size_t *len);
/* Multiply-adds of the convolutions of one run at h x w (benchmarks: GFLOP/s). */
double mc_nn_plan_macs(const mc_nn_plan *p, uint32_t h, uint32_t w);
void mc_nn_plan_free(mc_nn_plan *p); /* NULL: nothing; the arena goes with its last plan */

/* Backward from d(loss)/d(output) = dy; parameter gradients accumulate
 * (mc_nn_zero_grad clears them). */
int mc_nn_backward(mc_nn_net *net, const float *dy, mc_err *err) MC_WUR;
void mc_nn_zero_grad(mc_nn_net *net);
const mc_nn_layer *mc_nn_output(const mc_nn_net *net);
size_t mc_nn_output_len(const mc_nn_net *net);
size_t mc_nn_param_count(const mc_nn_net *net);
const char *mc_nn_type_name(uint32_t type);
/* Validate a spec against the shapes of its inputs (used by the loader too). */
int mc_nn_spec_check(const mc_nn_net *net, const mc_nn_spec *s, mc_err *err);
/* Spectral norm: power iterations on every SN layer (init: many; update: 1). */
void mc_nn_sn_iterate(mc_nn_net *net, int iters);

/* ---------------------------------------------------------- losses [lab] */
typedef enum mc_nn_loss {
    MC_NN_LOSS_MSE = 0,  /* mean (p - t)^2 */
    MC_NN_LOSS_L1 = 1,   /* mean |p - t| */
    MC_NN_LOSS_BCE = 2,  /* BCE with logits, t in [0,1] */
    MC_NN_LOSS_LSGAN = 3 /* mean (p - c)^2 against a constant c (t NULL) */
} mc_nn_loss;
/* Loss value; grad (may be NULL) receives scale * d loss / d p. */
double mc_nn_loss_eval(mc_nn_loss type, const float *p, const float *t, float c, size_t n, float *grad,
                       float scale);
int mc_nn_loss_parse(const char *s, mc_nn_loss *out);

/* ------------------------------------------------------ optimisers [lab] */
typedef enum mc_nn_opt_type { MC_NN_SGD = 0, MC_NN_ADAM = 1 } mc_nn_opt_type;
typedef enum mc_nn_sched { MC_NN_SCHED_CONST = 0, MC_NN_SCHED_LINEAR = 1 } mc_nn_sched;
typedef struct mc_nn_opt {
    mc_nn_opt_type type;
    float lr, beta1, beta2, eps, weight_decay, momentum;
    mc_nn_sched sched;
    uint64_t decay_start, decay_end; /* linear: lr falls from lr at decay_start to 0 at decay_end (steps) */
    uint64_t t;                      /* steps taken */
} mc_nn_opt;
void mc_nn_opt_default(mc_nn_opt *o, mc_nn_opt_type type, float lr);
float mc_nn_opt_lr(const mc_nn_opt *o); /* learning rate of the next step */
/* One step on every parameter of net (allocates m, v on first use), then
 * the layers' update hooks (rho clipping, spectral-norm power iteration). */
int mc_nn_opt_step(mc_nn_opt *o, mc_nn_net *net, mc_err *err) MC_WUR;

/* ----------------------------------------------------- random generator */
/* splitmix64: the engine's only generator; state is the caller's. */
uint64_t mc_nn_rand(uint64_t *s);
float mc_nn_randu(uint64_t *s);     /* [0, 1) */
float mc_nn_randn(uint64_t *s);     /* standard normal (Box-Muller on own log/cos-free polar method) */

/* ---------------------------------------------------------------- models */
/* A model: an architecture name, its hyperparameters (key=value text), a
 * training state (key=value text), and up to MC_NN_MAX_NETS named networks. */
typedef struct mc_nn_model {
    char arch[MC_NN_NAME_MAX];
    mc_meta hp;
    mc_meta state;
    size_t nnets;
    mc_nn_net *net[MC_NN_MAX_NETS];
    mc_nn_opt opt[MC_NN_MAX_NETS]; /* saved when with_opt */
    int has_opt;
} mc_nn_model;

void mc_nn_model_init(mc_nn_model *m);
void mc_nn_model_free(mc_nn_model *m); /* frees the networks */

#define MC_NN_MODEL_MAGIC "MCNNMDL1"
#define MC_NN_MODEL_VERSION 1u
#define MC_NN_MODEL_MAX_BYTES (1ull << 31)
/* [lab] Save (atomically: path.tmp then rename).  key may be NULL (plain) or a raw
 * / passphrase key: the payload is then XChaCha20-Poly1305 encrypted.
 * with_opt: also the optimiser state (checkpoints). */
int mc_nn_model_save(const mc_nn_model *m, const char *path, const mc_key *key, int with_opt,
                     mc_err *err) MC_WUR;
/* Load from untrusted bytes / a file; every size checked; BLAKE2b checksum
 * (plain) or Poly1305 tag (encrypted) verified before parsing.  An encrypted
 * file without a key: MC_ERR_ARG; a wrong key: MC_ERR_AUTH. */
int mc_nn_model_load_mem(mc_nn_model *m, const uint8_t *buf, size_t len, const mc_key *key,
                         mc_err *err) MC_WUR;
int mc_nn_model_load(mc_nn_model *m, const char *path, const mc_key *key, mc_err *err) MC_WUR;
/* The bytes of a model file (a regular file of at most MC_NN_MODEL_MAX_BYTES),
 * malloc'ed into *out; the caller frees. */
int mc_nn_model_read_file(const char *path, uint8_t **out, size_t *len, mc_err *err) MC_WUR;
/* Peek: 1 if the file is encrypted, 0 if plain, negative status otherwise. */
int mc_nn_model_is_encrypted(const uint8_t *buf, size_t len);
mc_nn_net *mc_nn_model_net(const mc_nn_model *m, const char *name);

/* ---------------------------------------------------------- architectures */
/* The networks of the neural schemes, built from hyperparameters (library:
 * a scheme may build them; arch_*.c).  at-resnet-cm / resnet-cm: m->hp holds
 * every entry of mc_nn_atres_hp (mc_nn_arch_hp fills defaults). */
#define MC_NN_ATRES_NHP 7
extern const mc_param_def mc_nn_atres_hp[MC_NN_ATRES_NHP];
int mc_nn_atres_build(mc_nn_model *m, uint64_t seed, int attention, mc_err *err) MC_WUR;
/* zz-gan (Deep-KEDI's key generator, arch_zzgan.c): networks "gen" and
 * "disc" from every entry of mc_nn_zzgan_hp. */
#define MC_NN_ZZGAN_NHP 5
extern const mc_param_def mc_nn_zzgan_hp[MC_NN_ZZGAN_NHP];
int mc_nn_zzgan_build(mc_nn_model *m, uint64_t seed, mc_err *err) MC_WUR;

/* [lab] A registered architecture builds its networks from hyperparameters
 * and defines one training step.  Scheme issues add theirs to the registry
 * in src/nn/train/arch.c. */
typedef struct mc_nn_batch {
    uint32_t n, c, h, w;
    float *x; /* n*c*h*w patches, scaled */
} mc_nn_batch;

/* A named training configuration of an architecture (`medcrypt train
 * --config NAME`): loop settings and hyperparameters; options given on the
 * command line override it. */
typedef struct mc_nn_config {
    const char *name;
    uint64_t epochs;
    uint64_t steps;      /* per epoch; 0 = one pass: ceil(slices / batch) */
    uint32_t batch, patch;
    int lr_decay_linear; /* learning rate falls linearly to 0 over the second half */
    const char *const *hp; /* "k=v" */
    size_t nhp;
} mc_nn_config;

typedef struct mc_nn_arch {
    const char *name;
    const char *help;
    const mc_param_def *hp;
    size_t nhp;
    /* m->hp holds every hyperparameter (defaults filled in) */
    int (*build)(mc_nn_model *m, uint64_t seed, mc_err *err);
    /* one optimisation step on batch b; *loss receives the loss */
    int (*step)(mc_nn_model *m, const mc_nn_batch *b, uint64_t *rng, double *loss, mc_err *err);
    int scale;                     /* mc_nn_scale the data needs by default (0: [-1, 1]) */
    const mc_nn_config *configs;   /* the first one is the default */
    size_t nconfigs;
    /* The networks inference needs: a finished model (not a checkpoint)
     * keeps only these (e.g. a GAN's generators).  NULL: every network. */
    const char *const *infer_nets;
    size_t ninfer;
} mc_nn_arch;
/* Architectures defined outside the registry's file (src/nn/train/arch_*.c). */
extern const mc_nn_arch mc_nn_arch_at_resnet_cm, mc_nn_arch_resnet_cm, mc_nn_arch_zz_gan,
    mc_nn_arch_edg_net;
const mc_nn_config *mc_nn_arch_config(const mc_nn_arch *a, const char *name);
size_t mc_nn_arch_count(void);
const mc_nn_arch *mc_nn_arch_at(size_t i);
const mc_nn_arch *mc_nn_arch_find(const char *name);
/* Fill m->hp from "k=v" strings over the arch's defaults (unknown key: MC_ERR_ARG). */
int mc_nn_arch_hp(const mc_nn_arch *a, mc_nn_model *m, const char *const *kv, size_t n, mc_err *err) MC_WUR;
const char *mc_nn_hp(const mc_nn_model *m, const char *key, const char *def);
/* A hyperparameter as a number in [lo, hi]; MC_ERR_ARG when missing or out of range. */
int mc_nn_hp_double(const mc_nn_model *m, const char *key, double lo, double hi, double *out, mc_err *err) MC_WUR;

/* --------------------------------------------------------- data sets [lab] */
typedef enum mc_nn_scale { MC_NN_SCALE_PM1 = 0, MC_NN_SCALE_01 = 1 } mc_nn_scale;
/* Image to planar float (c, h, w) of slice z, scaled by the sample range
 * (bits_stored, signedness) to [-1, 1] or [0, 1]. */
int mc_nn_image_to_float(const mc_image *img, uint32_t z, mc_nn_scale sc, float *out, mc_err *err) MC_WUR;
typedef struct mc_nn_data {
    size_t n;                /* slices */
    uint32_t c;              /* channels (all images must agree) */
    uint32_t *h, *w;
    float **px;              /* planar, scaled */
    size_t skipped;          /* files that were not images or too small */
} mc_nn_data;
/* Read files or directories (not recursive beyond one level of
 * subdirectories) of any supported format; 3D volumes give one sample per
 * slice.  Images smaller than min_size are skipped. */
int mc_nn_data_load(mc_nn_data *d, const char *const *paths, size_t npaths, mc_nn_scale sc, uint32_t min_size,
                    uint32_t channels, mc_err *err) MC_WUR;
void mc_nn_data_free(mc_nn_data *d);
/* Random crops of size p (with random horizontal/vertical flips when flip). */
int mc_nn_data_batch(const mc_nn_data *d, mc_nn_batch *b, uint32_t n, uint32_t p, int flip, uint64_t *rng,
                     mc_err *err) MC_WUR;
void mc_nn_batch_free(mc_nn_batch *b);

/* ---------------------------------------------------------- training [lab] */
typedef struct mc_nn_progress {
    uint64_t epoch, epochs, step, steps_per_epoch, total_step;
    double loss, seconds;
} mc_nn_progress;
typedef struct mc_nn_train_opts {
    uint64_t epochs, steps_per_epoch;
    uint32_t batch, patch;
    int flip;
    uint64_t seed;
    const char *checkpoint;     /* saved after each epoch (may be NULL) */
    const mc_key *key;          /* encrypt checkpoints (may be NULL) */
    /* called after every step; nonzero return stops training (MC_ERR_ARG) */
    int (*progress)(void *ud, const mc_nn_progress *p);
    void *ud;
} mc_nn_train_opts;
/* Train m (built, or loaded from a checkpoint: its state "epoch" and "rng"
 * are resumed) on d with its arch's step. */
int mc_nn_train(mc_nn_model *m, const mc_nn_arch *a, const mc_nn_data *d, const mc_nn_train_opts *o,
                mc_err *err) MC_WUR;

#endif
