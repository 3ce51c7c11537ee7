/*
 * step_edgnet.c - one training step of EDG-Net (U-GAT-IT's objective; the
 * paper's "multi-level consistency loss"): docs/schemes/edg-net.md.
 *
 * Domains: P = the plain patches of the batch, C = cipher-domain patches:
 * each plain patch encrypted by one of the project's classical ciphers
 * (hyperparameter `ciphers`, paper profile, a fresh key from the training
 * generator per patch).  The data pair each plain patch with its cipher, as
 * the paper's data set does; no loss uses the pairing (U-GAT-IT is unpaired).
 *
 * Generators G = g_pc (P -> C), F = g_cp (C -> P); discriminators D_P, D_C,
 * each global and local, each with an output map and two CAM logits.
 *   G loss = w_adv  sum_D [ (D(fake) - 1)^2 + (D_cam(fake) - 1)^2 ]
 *          + w_cycle (|F(G(p)) - p| + |G(F(c)) - c|)
 *          + w_identity (|F(p) - p| + |G(c) - c|)
 *          + w_cam (BCE(G_cam(p), 1) + BCE(G_cam(c), 0) + BCE(F_cam(c), 1) + BCE(F_cam(p), 0))
 *   D loss = w_adv  sum_D [ (D(real) - 1)^2 + D(fake)^2 + the same for the CAM logits ]
 * (means over samples and map positions).  Unlike U-GAT-IT, which updates the
 * discriminators first and then runs the generators again, both updates here
 * use one set of forward passes (CycleGAN's order: the discriminators judge
 * the fakes of this step, then are updated).
 *
 * Passes (batches concatenate samples; every layer is per sample):
 *   G  on [p; c]        -> G(p), G(c)       (+ G's CAM logits)
 *   F  on [c; p; G(p)]  -> F(c), F(p), F(G(p))
 *   G' on F(c)          -> G(F(c))   (G' = a copy of G: the engine keeps one
 *                                     forward pass per network)
 * then the discriminators on [fake; real], the losses, and the backward
 * passes in reverse order; G's gradient is its own plus G''s.
 */
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#include "nn/edgnet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CIPHERS 8
#define MAX_BATCH 256

typedef struct weights {
    float adv, cyc, idt, cam;
} weights;

/* ------------------------------------------------------------- helpers */

static size_t out_per_sample(const mc_nn_net *net) {
    const mc_nn_layer *l = mc_nn_output(net);
    return (size_t)l->c * l->h * l->w;
}

void mc_edgnet_cam_logits(const mc_nn_net *net, const mc_edgnet_cam *cam, uint32_t r0, uint32_t n, float *out) {
    const int idx[2] = {cam->gap, cam->gmp};
    for (int j = 0; j < 2; j++) {
        const mc_nn_layer *l = &net->layers[idx[j]];
        for (uint32_t k = 0; k < n; k++) {
            double s = 0;
            for (uint32_t c = 0; c < l->c; c++) s += l->out[(size_t)(r0 + k) * l->c + c];
            out[(size_t)j * n + k] = (float)s;
        }
    }
}

int mc_edgnet_backward(mc_nn_net *net, const float *dy, const mc_edgnet_cam *cam, const float *dcam, mc_err *err) {
    for (size_t i = 0; i < net->nlayers; i++) {
        const mc_nn_layer *l = &net->layers[i];
        memset(l->delta, 0, (size_t)net->n * l->c * l->h * l->w * sizeof(float));
    }
    if (net->input_delta) memset(net->input_delta, 0, (size_t)net->n * net->in_c * net->h * net->w * sizeof(float));
    mc_nn_layer *last = &net->layers[net->nlayers - 1];
    memcpy(last->delta, dy, (size_t)net->n * out_per_sample(net) * sizeof(float));
    for (size_t i = net->nlayers; i-- > 0;) {
        mc_nn_layer *l = &net->layers[i];
        for (int j = 0; j < 2 && dcam; j++)
            if ((int)i == (j ? cam->gmp : cam->gap))
                for (uint32_t k = 0; k < net->n; k++)
                    for (uint32_t c = 0; c < l->c; c++) l->delta[(size_t)k * l->c + c] += dcam[(size_t)j * net->n + k];
        int rc = l->backward(l, net);
        if (rc) return mc_err_set(err, rc, "%s: layer %zu (%s): backward failed", net->name, i, mc_nn_type_name(l->s.type));
    }
    return MC_OK;
}

static int prepare(mc_nn_net *net, uint32_t n, const mc_nn_batch *b, int want_dx, mc_err *err) {
    int rc = mc_nn_set_training(net, 1, want_dx, err);
    if (!rc) rc = mc_nn_net_resize(net, n, b->h, b->w, err);
    if (!rc) mc_nn_zero_grad(net);
    return rc;
}

/* A copy of generator g (same shape and weights). */
static int twin_of(const mc_nn_model *m, const mc_nn_net *g, mc_nn_net **out, mc_err *err) {
    double ngf = 0, nres = 0;
    uint64_t seed = 1;
    int rc;
    if ((rc = mc_nn_hp_double(m, "ngf", 1, 1024, &ngf, err)) || (rc = mc_nn_hp_double(m, "n_res", 0, 64, &nres, err)) ||
        (rc = mc_edgnet_generator(out, "twin", (uint32_t)ngf, (uint32_t)nres, &seed, err)))
        return rc;
    mc_nn_net *t = *out;
    if (t->nlayers != g->nlayers) {
        mc_nn_net_free(t);
        *out = NULL;
        return mc_err_set(err, MC_ERR_FORMAT, "edg-net: generator %s does not match its hyperparameters", g->name);
    }
    for (size_t i = 0; i < g->nlayers; i++)
        for (size_t k = 0; k < g->layers[i].nparam; k++)
            memcpy(t->layers[i].p[k].w, g->layers[i].p[k].w, g->layers[i].p[k].len * sizeof(float));
    t->be = g->be;
    return MC_OK;
}

static void add_grads(mc_nn_net *dst, const mc_nn_net *src) {
    for (size_t i = 0; i < dst->nlayers; i++)
        for (size_t k = 0; k < dst->layers[i].nparam; k++) {
            mc_nn_param *p = &dst->layers[i].p[k];
            const float *g = src->layers[i].p[k].g;
            for (size_t j = 0; j < p->len; j++) p->g[j] += g[j];
        }
}

/* ------------------------------------------------------ the cipher domain */

/* c = classical-cipher encryption of each patch of b (scaled [-1, 1]; 8-bit
 * codes), the cipher drawn from the list, a fresh key per patch. */
static int cipher_domain(const mc_nn_model *m, const mc_nn_batch *b, float *c, uint64_t *rng, mc_err *err) {
    char list[MC_META_VAL_MAX], *names[MAX_CIPHERS], *save = NULL;
    snprintf(list, sizeof list, "%s", mc_nn_hp(m, "ciphers", "latin"));
    size_t nc = 0;
    for (char *t = strtok_r(list, ",", &save); t && nc < MAX_CIPHERS; t = strtok_r(NULL, ",", &save)) names[nc++] = t;
    if (!nc) return mc_err_set(err, MC_ERR_ARG, "edg-net: hyperparameter ciphers names no cipher");
    const size_t plane = (size_t)b->h * b->w;
    int rc = MC_OK;
    for (uint32_t k = 0; k < b->n && !rc; k++) {
        const char *name = names[mc_nn_rand(rng) % nc];
        uint8_t kb[MC_KEY_BYTES];
        for (int i = 0; i < 4; i++) {
            uint64_t r = mc_nn_rand(rng);
            memcpy(kb + 8 * i, &r, 8);
        }
        mc_key *key = NULL;
        mc_image *img = NULL;
        rc = mc_key_from_bytes(&key, kb, err);
        if (!rc) rc = mc_image_new(&img, b->w, b->h, 1, 1, 8, 0, NULL, err);
        if (!rc) {
            const float *x = b->x + k * plane;
            uint8_t *u = img->pixels;
            for (size_t i = 0; i < plane; i++) {
                float v = (x[i] + 1.0f) * 127.5f + 0.5f;
                u[i] = (uint8_t)(v <= 0 ? 0 : v >= 255 ? 255 : v);
            }
            rc = mc_encrypt(img, name, MC_PROFILE_PAPER, NULL, 0, key, NULL, err);
        }
        if (!rc)
            for (size_t i = 0; i < plane; i++) c[k * plane + i] = (float)((const uint8_t *)img->pixels)[i] / 127.5f - 1.0f;
        mc_image_free(img);
        mc_key_free(key);
    }
    return rc;
}

/* ----------------------------------------------------- discriminators */

/* One discriminator on [fake; real] (n each): the generators' adversarial
 * loss (returned) and its gradient w.r.t. the fakes (added to dfake); then
 * the discriminator's own loss (added to *dloss), gradient and update. */
static int judge(mc_nn_model *m, size_t di, const mc_nn_batch *b, const float *fake, const float *real, float *dfake,
                 float w, double *gloss, double *dloss, mc_err *err) {
    mc_nn_net *d = m->net[di];
    const uint32_t n = b->n;
    const size_t plane = (size_t)b->h * b->w;
    mc_edgnet_cam cam;
    int rc;
    if ((rc = mc_edgnet_cam_layers(d, &cam, err)) || (rc = prepare(d, 2 * n, b, 1, err))) return rc;
    const size_t on = (size_t)n * out_per_sample(d);
    /* in (2n planes) | dy (2 on) | logits: gap of 2n, gmp of 2n | their gradients | fake, real logits | grads */
    float *in = malloc((2 * n * plane + 2 * on + 16 * (size_t)n) * sizeof(float));
    if (!in) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    float *dy = in + 2 * n * plane, *lg = dy + 2 * on, *dcam = lg + 4 * n, *fl = dcam + 4 * n, *rl = fl + 2 * n,
          *fg = rl + 2 * n, *rg = fg + 2 * n;
    memcpy(in, fake, n * plane * sizeof(float));
    memcpy(in + n * plane, real, n * plane * sizeof(float));
    if ((rc = mc_nn_forward(d, in, err))) goto out;
    const float *o = mc_nn_output(d)->out;
    mc_edgnet_cam_logits(d, &cam, 0, 2 * n, lg);
    for (uint32_t k = 0; k < n; k++) {
        fl[k] = lg[k], fl[n + k] = lg[2 * n + k];     /* the fakes' gap, gmp logits */
        rl[k] = lg[n + k], rl[n + k] = lg[3 * n + k]; /* the reals' */
    }
    /* the generators' view: the fakes should pass for real */
    memset(dy, 0, 2 * on * sizeof(float));
    memset(dcam, 0, 4 * (size_t)n * sizeof(float));
    double gl = mc_nn_loss_eval(MC_NN_LOSS_LSGAN, o, NULL, 1.0f, on, dy, w);
    gl += mc_nn_loss_eval(MC_NN_LOSS_LSGAN, fl, NULL, 1.0f, 2 * n, fg, w);
    for (uint32_t k = 0; k < n; k++) dcam[k] = fg[k], dcam[2 * n + k] = fg[n + k];
    if ((rc = mc_edgnet_backward(d, dy, &cam, dcam, err))) goto out;
    for (size_t i = 0; i < n * plane; i++) dfake[i] += d->input_delta[i];
    *gloss += w * gl;
    /* the discriminator's view: fakes 0, reals 1 */
    mc_nn_zero_grad(d);
    double l = mc_nn_loss_eval(MC_NN_LOSS_LSGAN, o, NULL, 0.0f, on, dy, w);
    l += mc_nn_loss_eval(MC_NN_LOSS_LSGAN, o + on, NULL, 1.0f, on, dy + on, w);
    l += mc_nn_loss_eval(MC_NN_LOSS_LSGAN, fl, NULL, 0.0f, 2 * n, fg, w);
    l += mc_nn_loss_eval(MC_NN_LOSS_LSGAN, rl, NULL, 1.0f, 2 * n, rg, w);
    for (uint32_t k = 0; k < n; k++) {
        dcam[k] = fg[k], dcam[2 * n + k] = fg[n + k];
        dcam[n + k] = rg[k], dcam[3 * n + k] = rg[n + k];
    }
    if ((rc = mc_edgnet_backward(d, dy, &cam, dcam, err)) || (rc = mc_nn_opt_step(&m->opt[di], d, err))) goto out;
    *dloss += w * l;
out:
    free(in);
    return rc;
}

/* --------------------------------------------------------------- step */

/* BCE of the CAM logits of rows r0..r0+n-1 of net against t; the gradient
 * (scaled by w) into dcam (layout of backward_cam for a batch of `rows`). */
static double cam_bce(const mc_nn_net *net, const mc_edgnet_cam *cam, uint32_t r0, uint32_t n, uint32_t rows, float t,
                      float w, float *dcam) {
    float lg[2 * MAX_BATCH], g[2 * MAX_BATCH], tt[2 * MAX_BATCH];
    mc_edgnet_cam_logits(net, cam, r0, n, lg);
    for (uint32_t k = 0; k < 2 * n; k++) tt[k] = t;
    double l = mc_nn_loss_eval(MC_NN_LOSS_BCE, lg, tt, 0, 2 * n, g, w);
    for (uint32_t k = 0; k < n; k++) {
        dcam[r0 + k] = g[k];
        dcam[rows + r0 + k] = g[n + k];
    }
    return l;
}

static int get_weights(const mc_nn_model *m, weights *w, mc_err *err) {
    double v[4] = {0, 0, 0, 0};
    static const char *const k[4] = {"w_adv", "w_cycle", "w_identity", "w_cam"};
    for (int i = 0; i < 4; i++) {
        int rc = mc_nn_hp_double(m, k[i], 0, 1e6, &v[i], err);
        if (rc) return rc;
    }
    w->adv = (float)v[0], w->cyc = (float)v[1], w->idt = (float)v[2], w->cam = (float)v[3];
    return MC_OK;
}

static int edgnet_step(mc_nn_model *m, const mc_nn_batch *b, uint64_t *rng, double *loss, mc_err *err) {
    mc_nn_net *G = mc_nn_model_net(m, MC_EDGNET_ENC), *F = mc_nn_model_net(m, MC_EDGNET_DEC), *T = NULL;
    if (!G || !F || m->nnets != 6 || b->c != 1)
        return mc_err_set(err, MC_ERR_ARG, "edg-net: the model needs its 6 networks (a checkpoint), and gray data");
    if (b->n > MAX_BATCH) return mc_err_set(err, MC_ERR_ARG, "edg-net: batch larger than %d", MAX_BATCH);
    weights w;
    mc_edgnet_cam gc, fc;
    int rc;
    if ((rc = get_weights(m, &w, err)) || (rc = mc_edgnet_cam_layers(G, &gc, err)) ||
        (rc = mc_edgnet_cam_layers(F, &fc, err)))
        return rc;
    const uint32_t n = b->n;
    const size_t pl = (size_t)b->h * b->w, L = n * pl;
    /* p | c | G in [p; c] | F in [c; p; G(p)] | dG (2L) | dF (3L) | dT (L) | scratch (L) */
    float *buf = calloc(14 * L, sizeof(float)), *dcam = calloc(6 * (size_t)n, sizeof(float));
    if (!buf || !dcam) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        goto out;
    }
    const float *p = b->x;
    float *c = buf, *gin = buf + L, *fin = buf + 3 * L, *dG = buf + 6 * L, *dF = buf + 8 * L, *dT = buf + 11 * L,
          *tmp = buf + 12 * L, *fakeC = buf + 13 * L;
    if ((rc = cipher_domain(m, b, c, rng, err))) goto out;
    memcpy(gin, p, L * sizeof(float));
    memcpy(gin + L, c, L * sizeof(float));
    memcpy(fin, c, L * sizeof(float));
    memcpy(fin + L, p, L * sizeof(float));
    if ((rc = twin_of(m, G, &T, err)) || (rc = prepare(G, 2 * n, b, 0, err)) || (rc = prepare(F, 3 * n, b, 1, err)) ||
        (rc = prepare(T, n, b, 1, err)))
        goto out;
    /* forward passes */
    if ((rc = mc_nn_forward(G, gin, err))) goto out;
    const float *go = mc_nn_output(G)->out; /* G(p) | G(c) */
    memcpy(fin + 2 * L, go, L * sizeof(float));
    memcpy(fakeC, go, L * sizeof(float));
    if ((rc = mc_nn_forward(F, fin, err))) goto out;
    const float *fo = mc_nn_output(F)->out; /* F(c) | F(p) | F(G(p)) */
    if ((rc = mc_nn_forward(T, fo, err))) goto out;
    const float *to = mc_nn_output(T)->out; /* G(F(c)) */
    /* discriminators: D_P judges F(c) against p, D_C judges G(p) against c */
    double gl = 0, dl = 0;
    for (size_t di = 2; di < 6 && !rc; di++) {
        const int plain = !strcmp(m->net[di]->name, MC_EDGNET_D_PG) || !strcmp(m->net[di]->name, MC_EDGNET_D_PL);
        rc = judge(m, di, b, plain ? fo : fakeC, plain ? p : c, plain ? dF : dG, w.adv, &gl, &dl, err);
    }
    if (rc) goto out;
    /* cycle c -> F -> G' */
    gl += w.cyc * mc_nn_loss_eval(MC_NN_LOSS_L1, to, c, 0, L, dT, w.cyc);
    if ((rc = mc_nn_backward(T, dT, err))) goto out;
    for (size_t i = 0; i < L; i++) dF[i] += T->input_delta[i];
    /* F: identity on p, cycle p -> G -> F, CAM: c is F's source domain */
    gl += w.idt * mc_nn_loss_eval(MC_NN_LOSS_L1, fo + L, p, 0, L, dF + L, w.idt);
    gl += w.cyc * mc_nn_loss_eval(MC_NN_LOSS_L1, fo + 2 * L, p, 0, L, dF + 2 * L, w.cyc);
    memset(dcam, 0, 6 * (size_t)n * sizeof(float));
    gl += w.cam * cam_bce(F, &fc, 0, n, 3 * n, 1.0f, w.cam, dcam);
    gl += w.cam * cam_bce(F, &fc, n, n, 3 * n, 0.0f, w.cam, dcam);
    if ((rc = mc_edgnet_backward(F, dF, &fc, dcam, err))) goto out;
    for (size_t i = 0; i < L; i++) dG[i] += F->input_delta[2 * L + i];
    /* G: identity on c, CAM: p is G's source domain */
    gl += w.idt * mc_nn_loss_eval(MC_NN_LOSS_L1, go + L, c, 0, L, tmp, w.idt);
    for (size_t i = 0; i < L; i++) dG[L + i] += tmp[i];
    memset(dcam, 0, 6 * (size_t)n * sizeof(float));
    gl += w.cam * cam_bce(G, &gc, 0, n, 2 * n, 1.0f, w.cam, dcam);
    gl += w.cam * cam_bce(G, &gc, n, n, 2 * n, 0.0f, w.cam, dcam);
    if ((rc = mc_edgnet_backward(G, dG, &gc, dcam, err))) goto out;
    add_grads(G, T);
    if ((rc = mc_nn_opt_step(&m->opt[0], G, err)) || (rc = mc_nn_opt_step(&m->opt[1], F, err))) goto out;
    *loss = gl;
    (void)dl;
out:
    mc_nn_net_free(T);
    free(buf);
    free(dcam);
    return rc;
}

/* The paper's training (Section 3.1: batch 1, Adam lr 1e-4 falling towards
 * 1e-5, betas 0.5 / 0.999, 100 epochs of 10,000 iterations, 256x256) with
 * U-GAT-IT's 64 channels and 7 / 5 discriminator layers; and the CPU-sized
 * default: 8 channels, 64x64, 10,000 steps at lr 5e-4 (1,000 steps at 1e-4
 * reconstructed 0.6 dB worse than at 5e-4); docs/schemes/edg-net.md gives
 * its time. */
static const char *const default_hp[] = {"lr=0.0005"};
static const char *const paper_hp[] = {"ngf=64", "ndf=64", "d_global=7", "d_local=5", "tile=256"};
static const mc_nn_config edgnet_configs[] = {
    {"default", 40, 250, 1, 64, 1, default_hp, 1},
    {"paper", 100, 10000, 1, 256, 1, paper_hp, sizeof paper_hp / sizeof paper_hp[0]},
};

static const char *const edgnet_infer[] = {MC_EDGNET_ENC, MC_EDGNET_DEC};

const mc_nn_arch mc_nn_arch_edg_net = {
    MC_EDGNET_ARCH,
    "EDG-Net: U-GAT-IT light generators plain<->cipher (the secret key) and global/local discriminators",
    mc_edgnet_hp,
    MC_EDGNET_NHP,
    mc_edgnet_build,
    edgnet_step,
    MC_NN_SCALE_PM1,
    edgnet_configs,
    sizeof edgnet_configs / sizeof edgnet_configs[0],
    edgnet_infer,
    sizeof edgnet_infer / sizeof edgnet_infer[0],
};
