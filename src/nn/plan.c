/*
 * plan.c - inference plans: a network compiled once for the reference
 * kernels (nn.h, mc_nn_plan_new).
 *
 * Analysis.  The layers become steps in layer order.  A convolution (conv)
 * takes with it the chain of elementwise layers that alone consume its
 * value: activations, a residual add or a same-shape multiply whose other
 * operand is already computed, and an attention mask (a one-channel value
 * that a mul broadcasts over another tensor's channels).  Those are applied
 * to each output row while it is in cache (plan_exec.c), in the layers' own
 * operations and operand order, so the bits are those of mc_nn_forward.
 * Channel attention runs its pooling and scaling on the threads; any other
 * layer runs its own forward (one thread).
 *
 * Memory.  Every value that is materialised (a step's output, a generic
 * layer's scratch) gets a buffer of one arena, reused as soon as its last
 * reader has run (liveness, best fit), plus one workspace per thread (the
 * convolution's tile buffer and the epilogue's rows).  The arena is made
 * once (2 MiB pages where the kernel gives them: few page faults in a
 * one-shot process) and shared by plans that never run together.  A run
 * allocates nothing.
 */
#define _DEFAULT_SOURCE 1
#include "nn/plan.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PLAN_ALIGN 64u
#define PLAN_HUGE ((size_t)2 << 20)

static size_t align_up(size_t v, size_t a) { return (v + a - 1) / a * a; }

/* ----------------------------------------------------------------- arena */

static void arena_release(plan_arena *a) {
    if (!a || --a->refs > 0) return;
    if (a->mapped) munmap(a->p, a->cap);
    else free(a->p);
    free(a);
}

/* a's memory at least `need` bytes (the old contents are not kept) */
static int arena_reserve(plan_arena *a, size_t need) {
    if (need <= a->cap) return MC_OK;
    if (a->mapped) munmap(a->p, a->cap);
    else free(a->p);
    a->p = NULL;
    a->cap = 0;
    a->mapped = 0;
    if (need >= PLAN_HUGE / 2) {
        const size_t len = align_up(need, PLAN_HUGE);
        void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m != MAP_FAILED) {
#ifdef MADV_HUGEPAGE
            (void)madvise(m, len, MADV_HUGEPAGE); /* a hint: fewer faults when granted */
#endif
            a->p = m;
            a->cap = len;
            a->mapped = 1;
            return MC_OK;
        }
    }
    const size_t len = align_up(need, PLAN_ALIGN);
    a->p = aligned_alloc(PLAN_ALIGN, len);
    if (!a->p) return MC_ERR_NOMEM;
    a->cap = len;
    return MC_OK;
}

/* -------------------------------------------------------------- analysis */

static int is_act(uint32_t t) { return t == MC_NN_RELU || t == MC_NN_LEAKY || t == MC_NN_SIGMOID || t == MC_NN_TANH; }

static mc_nn_act act_of(uint32_t t) {
    return t == MC_NN_LEAKY ? MC_NN_ACT_LEAKY : t == MC_NN_SIGMOID ? MC_NN_ACT_SIGMOID
                                                : t == MC_NN_TANH    ? MC_NN_ACT_TANH
                                                                     : MC_NN_ACT_RELU;
}

static int finite_all(const float *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!(v[i] - v[i] == 0.0f)) return 0;
    return 1;
}

/* The chain of layers fused into conv c (step st); fused[] marks them. */
static void build_chain(const mc_nn_net *net, const int *uses, int c, plan_step *st, uint8_t *fused) {
    int cur = c;
    const int last = (int)net->nlayers - 1;
    while (st->nep < MC_NN_PLAN_MAX_EP && cur != last && uses[cur] == 1) {
        int j = cur + 1;
        while (j <= last && net->layers[j].s.in[0] != cur && net->layers[j].s.in[1] != cur) j++;
        const mc_nn_layer *l = &net->layers[j];
        plan_ep e = {EP_ACT, MC_NN_ACT_RELU, 0, MC_NN_IN_NONE, 0, j};
        const int k = l->s.in[0] == cur ? 0 : 1, other = l->s.in[1 - k];
        if (is_act(l->s.type)) {
            e.act = act_of(l->s.type);
            e.alpha = l->s.alpha;
        } else if ((l->s.type == MC_NN_ADD || l->s.type == MC_NN_MUL) && other != cur && other < c &&
                   l->ic == l->ic2 && l->ih == l->ih2 && l->iw == l->iw2) {
            e.kind = l->s.type == MC_NN_ADD ? EP_ADD : EP_MUL;
            e.other = other;
            e.other_first = k == 1;
        } else if (l->s.type == MC_NN_MUL && k == 1 && other != cur && other < c && l->ic2 == 1 && l->ic != 1 &&
                   l->ih2 == l->ih && l->iw2 == l->iw) {
            e.kind = EP_MULB; /* in[0] * mask: other first */
            e.other = other;
            e.other_first = 1;
        } else {
            break;
        }
        st->ep[st->nep++] = e;
        fused[j] = 1;
        cur = j;
    }
    st->out_layer = cur;
}

static int analyse(mc_nn_plan *p, mc_err *err) {
    mc_nn_net *net = p->net;
    const size_t L = net->nlayers;
    int *uses = calloc(L, sizeof *uses);
    uint8_t *fused = calloc(L, 1);
    p->steps = calloc(L, sizeof *p->steps);
    if (!uses || !fused || !p->steps) {
        free(uses);
        free(fused);
        return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    }
    for (size_t j = 0; j < L; j++)
        for (int k = 0; k < 2; k++)
            if (net->layers[j].s.in[k] >= 0) uses[net->layers[j].s.in[k]]++;
    for (size_t i = 0; i < L; i++) {
        if (fused[i]) continue;
        mc_nn_layer *l = &net->layers[i];
        plan_step *st = &p->steps[p->nsteps++];
        memset(st, 0, sizeof *st);
        st->layer = st->out_layer = (int)i;
        st->kind = STEP_LAYER;
        if (l->s.type == MC_NN_CONV) {
            if (l->sn_u) mc_nn_sn_weight(l); /* W / sigma, once: the bits every forward computes */
            const float *w = l->sn_u ? l->sn_w : l->p[0].w;
            if (finite_all(w, l->p[0].len) && l->s.k <= MC_NN_MAX_KERNEL && l->ic > 0) {
                st->kind = STEP_CONV;
                build_chain(net, uses, (int)i, st, fused);
            }
        } else if (l->s.type == MC_NN_CHANATT) {
            st->kind = STEP_CHANATT;
        }
    }
    free(uses);
    free(fused);
    return MC_OK;
}

/* -------------------------------------------------------------- segments
 *
 * A plan on one thread runs each maximal run of two or more stride-1
 * convolution steps band by band: every band step, the last step computes
 * `band` more output rows and every earlier one just as many more as its
 * readers need (its lead: what they read below the rows they produce), so
 * a value is read while it is still in cache, and a value read only inside
 * its segment lives in a ring of a few rows.  The rows, their values and
 * their order of computation per output are those of the whole-plane
 * steps: only when each row is computed changes. */

#define PLAN_BAND 8u     /* rows per band step */
#define PLAN_SEG_MAX 64u /* steps per segment */

static int slidable(const mc_nn_net *net, const plan_step *st) {
    if (st->kind != STEP_CONV) return 0;
    const mc_nn_layer *l = &net->layers[st->layer];
    return l->s.stride == 1;
}

/* the step (index) that produces layer i's value, -1: none */
static long producer(const mc_nn_plan *p, int i) {
    for (size_t k = 0; k < p->nsteps; k++)
        if (p->steps[k].out_layer == i) return (long)k;
    return -1;
}

static int find_segments(mc_nn_plan *p, mc_err *err) {
    mc_nn_net *net = p->net;
    const size_t L = net->nlayers;
    p->ring = calloc(L, sizeof *p->ring);
    p->segs = calloc(p->nsteps, sizeof *p->segs);
    if (!p->ring || !p->segs) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < p->nsteps; k++) p->steps[k].seg = -1;
    p->band = PLAN_BAND;
    if (p->threads > 1) return MC_OK; /* threads split each step instead */
    for (size_t k = 0; k < p->nsteps;) {
        size_t e = k;
        while (e < p->nsteps && e - k < PLAN_SEG_MAX && slidable(net, &p->steps[e])) e++;
        if (e - k >= 2) {
            plan_seg *g = &p->segs[p->nsegs];
            g->first = k;
            g->last = e - 1;
            for (size_t q = k; q < e; q++) p->steps[q].seg = (int)p->nsegs;
            p->nsegs++;
        }
        k = e > k ? e : k + 1;
    }
    /* leads, last step first: what the segment's readers need beyond the rows they make */
    for (size_t g = 0; g < p->nsegs; g++) {
        const plan_seg *sg = &p->segs[g];
        for (size_t k = sg->last + 1; k-- > sg->first;) {
            plan_step *st = &p->steps[k];
            const int v = st->out_layer;
            uint32_t lead = 0, maxpad = 0;
            int outside = v == (int)L - 1;
            for (size_t q = 0; q < p->nsteps; q++) {
                const plan_step *rd = &p->steps[q];
                const mc_nn_layer *rl = &net->layers[rd->layer];
                int reads_in = rl->s.in[0] == v || (rl->s.in[1] == v && mc_nn_layer_ops_of(rl->s.type)->inputs == 2);
                int reads_other = 0;
                for (int e = 0; e < rd->nep; e++) reads_other |= rd->ep[e].other == v;
                if (!reads_in && !reads_other) continue;
                if (rd->seg != (int)g || q <= k) {
                    outside = 1;
                    continue;
                }
                uint32_t need = rd->lead;
                if (reads_in) {
                    need += rl->s.k - 1 - rl->s.pad;
                    if (rl->s.pad > maxpad) maxpad = rl->s.pad;
                }
                if (need > lead) lead = need;
            }
            st->lead = lead;
            /* a value read only here lives in a ring: the rows written in a band step and those still read */
            if (!outside) p->ring[v] = p->band + lead + maxpad + 1;
        }
    }
    return MC_OK;
}

/* ---------------------------------------------------------------- memory */

typedef struct alloc_state {
    plan_buf *bufs;
    size_t n, cap, top;
    uint8_t *busy;
} alloc_state;

/* a free buffer of at least `bytes` (best fit), or a new one; -1: no memory */
static int buf_take(alloc_state *a, size_t bytes) {
    bytes = align_up(bytes ? bytes : 1, PLAN_ALIGN);
    int best = -1;
    for (size_t i = 0; i < a->n; i++)
        if (!a->busy[i] && a->bufs[i].cap >= bytes && (best < 0 || a->bufs[i].cap < a->bufs[best].cap)) best = (int)i;
    if (best >= 0) {
        a->busy[best] = 1;
        return best;
    }
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 16;
        plan_buf *nb = realloc(a->bufs, cap * sizeof *nb);
        uint8_t *busy = realloc(a->busy, cap);
        if (nb) a->bufs = nb;
        if (busy) a->busy = busy;
        if (!nb || !busy) return -1;
        a->cap = cap;
    }
    a->bufs[a->n].off = a->top;
    a->bufs[a->n].cap = bytes;
    a->busy[a->n] = 1;
    a->top += bytes;
    return (int)a->n++;
}

/* bytes of layer l's value at the plan's size: whole planes, or ring rows */
static size_t value_bytes(const mc_nn_plan *p, const mc_nn_layer *l, uint32_t ring) {
    const size_t rows = ring && ring < l->h ? ring : l->h;
    return (size_t)p->n * l->c * rows * l->w * sizeof(float);
}

/* Buffers for every materialised value at the largest size (shapes set).
 * Steps of one segment run together: a phase; other steps are a phase each.
 * A value's buffer is taken when its phase starts and freed after the last
 * phase that reads it. */
static int plan_memory(mc_nn_plan *p, mc_err *err) {
    mc_nn_net *net = p->net;
    const size_t L = net->nlayers;
    size_t *last = calloc(L, sizeof *last); /* the last phase that reads a layer's value */
    size_t *phase = calloc(p->nsteps + 1, sizeof *phase);
    p->out_buf = malloc(4 * L * sizeof *p->out_buf);
    alloc_state a = {0};
    int rc = MC_OK;
    if (!last || !phase || !p->out_buf) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        goto out;
    }
    p->aux_buf = p->out_buf + L;
    p->aux2_buf = p->aux_buf + L;
    p->arg_buf = p->aux2_buf + L;
    for (size_t i = 0; i < 4 * L; i++) p->out_buf[i] = -1;
    size_t nph = 0;
    for (size_t k = 0; k < p->nsteps; k++) {
        const int sg = p->steps[k].seg;
        phase[k] = (sg >= 0 && k > p->segs[sg].first) ? phase[k - 1] : nph++;
    }
    for (size_t k = 0; k < p->nsteps; k++) {
        const plan_step *st = &p->steps[k];
        const mc_nn_layer *l = &net->layers[st->layer];
        for (int q = 0; q < 2; q++)
            if (l->s.in[q] >= 0) last[l->s.in[q]] = phase[k];
        for (int e = 0; e < st->nep; e++)
            if (st->ep[e].other >= 0) last[st->ep[e].other] = phase[k];
    }
    last[L - 1] = nph; /* the network's output outlives every phase */
    for (size_t k = 0; k < p->nsteps && !rc;) {
        size_t e = k; /* the phase: steps [k, e) */
        while (e < p->nsteps && phase[e] == phase[k]) e++;
        /* the largest values first: freed large buffers go to large values */
        size_t order[PLAN_SEG_MAX], no = 0;
        for (size_t q = k; q < e && no < PLAN_SEG_MAX; q++) order[no++] = q;
        for (size_t x = 1; x < no; x++)
            for (size_t y = x; y > 0; y--) {
                const mc_nn_layer *ly = &net->layers[p->steps[order[y]].out_layer];
                const mc_nn_layer *lz = &net->layers[p->steps[order[y - 1]].out_layer];
                if (value_bytes(p, ly, p->ring[ly - net->layers]) <= value_bytes(p, lz, p->ring[lz - net->layers]))
                    break;
                const size_t t = order[y];
                order[y] = order[y - 1];
                order[y - 1] = t;
            }
        for (size_t oi = 0; oi < no && !rc; oi++) {
            const plan_step *st = &p->steps[order[oi]];
            const mc_nn_layer *l = &net->layers[st->out_layer];
            int b = buf_take(&a, value_bytes(p, l, p->ring[st->out_layer]));
            p->out_buf[st->out_layer] = b;
            int tmp[3] = {-1, -1, -1};
            if (b >= 0 && st->kind != STEP_CONV) { /* a layer's own scratch, for its step only */
                const mc_nn_layer *g = &net->layers[st->layer];
                const mc_nn_layer_ops *ops = mc_nn_layer_ops_of(g->s.type);
                size_t aux = 0, aux2 = 0, arg = 0;
                if (ops->scratch) ops->scratch(g, p->n, (size_t)p->n * mc_nn_per_sample(g), &aux, &aux2, &arg);
                if (aux) tmp[0] = p->aux_buf[st->layer] = buf_take(&a, aux * sizeof(float));
                if (aux2) tmp[1] = p->aux2_buf[st->layer] = buf_take(&a, aux2 * sizeof(float));
                if (arg) tmp[2] = p->arg_buf[st->layer] = buf_take(&a, arg * sizeof(uint32_t));
                if ((aux && tmp[0] < 0) || (aux2 && tmp[1] < 0) || (arg && tmp[2] < 0)) b = -1;
            }
            if (b < 0) rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
            for (int t = 0; t < 3; t++)
                if (tmp[t] >= 0) a.busy[tmp[t]] = 0;
        }
        /* values whose last reader was in this phase, or that no one reads */
        for (size_t i = 0; i < L && !rc; i++) {
            if (p->out_buf[i] < 0 || i == L - 1) continue;
            long pr = producer(p, (int)i);
            if (last[i] == phase[k] || (pr >= 0 && phase[pr] == phase[k] && last[i] < phase[k]))
                a.busy[p->out_buf[i]] = 0;
        }
        k = e;
    }
    p->bufs = a.bufs;
    p->nbufs = a.n;
    a.bufs = NULL;
    /* per-thread workspaces: the largest convolution's tiles and the epilogue's two rows */
    size_t conv_ws = 0, rowf = 0;
    for (size_t k = 0; k < p->nsteps; k++) {
        const plan_step *st = &p->steps[k];
        if (st->kind != STEP_CONV) continue;
        const mc_nn_layer *l = &net->layers[st->layer];
        mc_nn_conv_shape s = mc_nn_layer_conv_shape(l, p->n);
        size_t b = mc_nn_ref_conv_thread_bytes(&s, 1);
        if (b > conv_ws) conv_ws = b;
        for (int e = 0; e < st->nep; e++) {
            const mc_nn_layer *el = &net->layers[st->ep[e].layer];
            size_t f = (size_t)el->c * el->w;
            if (f > rowf) rowf = f;
        }
    }
    p->conv_ws_bytes = align_up(conv_ws, PLAN_ALIGN);
    p->row_floats = align_up(rowf, PLAN_ALIGN / sizeof(float));
    p->thread_bytes = p->conv_ws_bytes + 2 * p->row_floats * sizeof(float);
    p->thread_off = a.top;
out:
    free(a.bufs);
    free(a.busy);
    free(last);
    free(phase);
    return rc;
}

/* One segment of image n... all images: band steps until every step has all its rows. */
static int run_segment(mc_nn_plan *p, const plan_seg *sg) {
    mc_nn_net *net = p->net;
    const uint32_t H = net->layers[p->steps[sg->last].out_layer].h;
    int rc = MC_OK;
    for (uint32_t n = 0; n < p->n && !rc; n++) {
        uint32_t done[PLAN_SEG_MAX] = {0}; /* rows each step has made */
        for (uint32_t t = 0; t < H && !rc;) {
            t = H - t < p->band ? H : t + p->band;
            for (size_t k = sg->first; k <= sg->last && !rc; k++) {
                const plan_step *st = &p->steps[k];
                const uint32_t hk = net->layers[st->out_layer].h;
                const uint32_t want = t == H ? hk : (t + st->lead < hk ? t + st->lead : hk);
                uint32_t *d = &done[k - sg->first];
                if (want > *d) rc = mc_nn_plan_conv_rows(p, st, n, *d, want);
                if (want > *d) *d = want;
            }
        }
    }
    return rc;
}

/* ------------------------------------------------------------------ API */

static void unbind(mc_nn_net *net) {
    for (size_t i = 0; i < net->nlayers; i++) {
        mc_nn_layer *l = &net->layers[i];
        l->out = l->aux = l->aux2 = NULL;
        l->arg = NULL;
        l->aux_len = l->aux2_len = l->arg_len = 0;
    }
}

void mc_nn_plan_free(mc_nn_plan *p) {
    if (!p) return;
    if (p->net) {
        unbind(p->net);
        p->net->n = 0; /* mc_nn_net_resize allocates again */
        if (p->saved_be) p->net->be = p->saved_be;
    }
    arena_release(p->arena);
    free(p->steps);
    free(p->out_buf);
    free(p->ring);
    free(p->segs);
    free(p->bufs);
    free(p->thread_ws);
    free(p);
}

int mc_nn_plan_new(mc_nn_plan **out, mc_nn_net *net, uint32_t n, uint32_t h, uint32_t w, mc_nn_workers *wk,
                   mc_nn_plan *share, mc_err *err) {
    *out = NULL;
    if (!net->nlayers) return mc_err_set(err, MC_ERR_ARG, "network %s has no layers", net->name);
    if (net->training) return mc_err_set(err, MC_ERR_ARG, "network %s: a plan is for inference", net->name);
    if (n < 1 || n > 65535) return mc_err_set(err, MC_ERR_ARG, "plan: bad batch %u", n);
    mc_nn_plan *p = calloc(1, sizeof *p);
    if (!p) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    int rc = mc_nn_net_reshape(net, h, w, err);
    if (rc) {
        free(p);
        return rc;
    }
    /* the plan owns the activations from now on */
    for (size_t i = 0; i < net->nlayers; i++) {
        mc_nn_layer *l = &net->layers[i];
        free(l->out), free(l->delta), free(l->aux), free(l->aux2), free(l->arg);
        l->delta = NULL;
    }
    unbind(net);
    net->n = 0;
    p->net = net;
    p->saved_be = net->be;
    net->be = &mc_nn_backend_ref;
    p->wk = wk;
    p->n = n;
    p->h = h;
    p->w = w;
    p->threads = mc_nn_workers_count(wk);
    if ((rc = analyse(p, err)) || (rc = find_segments(p, err)) || (rc = plan_memory(p, err))) goto fail;
    p->thread_ws = calloc((size_t)p->threads, sizeof *p->thread_ws);
    if (share) {
        p->arena = share->arena;
        p->arena->refs++;
    } else {
        p->arena = calloc(1, sizeof *p->arena);
        if (p->arena) p->arena->refs = 1;
    }
    if (!p->thread_ws || !p->arena) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if ((rc = arena_reserve(p->arena, p->thread_off + (size_t)p->threads * p->thread_bytes))) {
        rc = mc_err_set(err, rc, "plan: cannot allocate %zu bytes",
                        p->thread_off + (size_t)p->threads * p->thread_bytes);
        goto fail;
    }
    *out = p;
    return MC_OK;
fail:
    mc_nn_plan_free(p);
    return rc;
}

static void *at(const mc_nn_plan *p, int b) { return b >= 0 ? p->arena->p + p->bufs[b].off : NULL; }

int mc_nn_plan_run(mc_nn_plan *p, const float *x, uint32_t h, uint32_t w, mc_err *err) {
    mc_nn_net *net = p->net;
    if (h > p->h || w > p->w || h < 1 || w < 1)
        return mc_err_set(err, MC_ERR_ARG, "plan: input %ux%u larger than the plan's %ux%u", w, h, p->w, p->h);
    int rc = mc_nn_net_reshape(net, h, w, err);
    if (rc) return rc;
    for (size_t i = 0; i < net->nlayers; i++) { /* sizes never exceed the planned ones, but check */
        mc_nn_layer *l = &net->layers[i];
        const int b = p->out_buf[i];
        if (b >= 0 && value_bytes(p, l, p->ring[i]) > p->bufs[b].cap)
            return mc_err_set(err, MC_ERR_INTERNAL, "plan: layer %zu outgrows its buffer", i);
        l->out = at(p, b);
        l->aux = at(p, p->aux_buf[i]);
        l->aux2 = at(p, p->aux2_buf[i]);
        l->arg = at(p, p->arg_buf[i]);
    }
    for (int t = 0; t < p->threads; t++) p->thread_ws[t] = p->arena->p + p->thread_off + (size_t)t * p->thread_bytes;
    net->n = p->n;
    net->input = x;
    for (size_t k = 0; k < p->nsteps && !rc; k++) {
        const plan_step *st = &p->steps[k];
        mc_nn_layer *l = &net->layers[st->layer];
        if (st->seg >= 0) {
            rc = run_segment(p, &p->segs[st->seg]);
            k = p->segs[st->seg].last;
        } else if (st->kind == STEP_CONV) {
            rc = mc_nn_plan_conv(p, st);
        } else if (st->kind == STEP_CHANATT) {
            rc = mc_nn_plan_chanatt(p, st);
        } else {
            rc = l->forward(l, net);
        }
        if (rc) rc = mc_err_set(err, rc, "layer %d (%s): forward failed", st->layer, mc_nn_type_name(l->s.type));
    }
    return rc;
}

const float *mc_nn_plan_output(const mc_nn_plan *p, size_t *len) {
    const mc_nn_layer *l = mc_nn_output(p->net);
    if (len) *len = (size_t)p->n * mc_nn_per_sample(l);
    return l->out;
}

double mc_nn_plan_macs(const mc_nn_plan *p, uint32_t h, uint32_t w) {
    if (mc_nn_net_reshape(p->net, h, w, NULL)) return 0;
    double m = 0;
    for (size_t i = 0; i < p->net->nlayers; i++) {
        const mc_nn_layer *l = &p->net->layers[i];
        if (l->s.type == MC_NN_CONV || l->s.type == MC_NN_DECONV)
            m += (double)p->n * mc_nn_per_sample(l) * (double)l->ic * l->s.k * l->s.k /
                 (l->s.type == MC_NN_DECONV ? (double)l->s.stride * l->s.stride : 1.0);
    }
    return m;
}
