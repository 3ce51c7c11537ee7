/* surrogate.c - the surrogate-decryption attack (docs/attacks.md): from n
 * known (plain, cipher) pairs made under one secret, train a network that
 * maps ciphers to plains, and run it on other ciphers.
 *
 * The surrogate is a U-GAT-IT light generator (src/nn/arch_edgnet.c): the
 * architecture of edg-net's own decryption network, which Kerckhoffs'
 * principle makes public; only its weights are learned here, by supervised
 * L1 regression (Adam, learning rate falling linearly to 0 over the second
 * half) on co-located random crops of the pairs, on the engine's fast
 * kernels.  Images are scaled to [-1, 1] by their sample range; recovered
 * images are quantised back to the ciphers' sample type. */
#include "medcrypt_lab.h"
#include "nn/edgnet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct mc_surrogate {
    mc_nn_net *net;
    uint32_t patch;
};

typedef struct plane {
    float *p, *c; /* plain, cipher, scaled */
    uint32_t w, h;
} plane;

static float level_scaled(const mc_image *img, size_t i) {
    const float half = (float)((1u << img->bits) - 1) * 0.5f;
    return (float)mc_level(img, i) / half - 1.0f;
}

static int check_pair(const mc_image *p, const mc_image *c, uint32_t patch, mc_err *err) {
    if (p->width != c->width || p->height != c->height || p->depth != c->depth || p->channels != c->channels ||
        p->bits != c->bits)
        return mc_err_set(err, MC_ERR_FORMAT, "surrogate: a plain image and its cipher differ in geometry");
    if (p->channels != 1) return mc_err_set(err, MC_ERR_UNSUPPORTED, "surrogate: gray images only");
    if (p->width < patch || p->height < patch)
        return mc_err_set(err, MC_ERR_ARG, "surrogate: image %ux%u smaller than the patch %u", p->width, p->height, patch);
    return MC_OK;
}

int mc_surrogate_train(const mc_image *const *plain, const mc_image *const *cipher, size_t n,
                       const mc_surrogate_opts *o, mc_surrogate **out, mc_err *err) {
    *out = NULL;
    const uint32_t ngf = o && o->ngf ? o->ngf : 8, nres = o && o->n_res ? o->n_res : 4;
    const uint32_t batch = o && o->batch ? o->batch : 8, patch = o && o->patch ? o->patch : 64;
    const uint64_t steps = o && o->steps ? o->steps : 1000;
    const float lr = o && o->lr > 0 ? o->lr : 1e-3f;
    uint64_t rng = (o ? o->seed : 0) ^ 0x7375727267617465ull, seed = rng;
    if (!n) return mc_err_set(err, MC_ERR_ARG, "surrogate: no training pair");
    if (patch < MC_EDGNET_TILE_MIN || patch % MC_EDGNET_TILE_STEP || batch > 256 || ngf > 256 || nres > 16)
        return mc_err_set(err, MC_ERR_ARG, "surrogate: bad patch, batch or network size");
    size_t np = 0;
    for (size_t i = 0; i < n; i++) {
        int rc = check_pair(plain[i], cipher[i], patch, err);
        if (rc) return rc;
        np += plain[i]->depth;
    }
    plane *pl = calloc(np, sizeof *pl);
    float *x = malloc((size_t)2 * batch * patch * patch * sizeof *x), *dy = NULL;
    mc_surrogate *s = calloc(1, sizeof *s);
    int rc = MC_OK;
    if (!pl || !x || !s) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0, k = 0; i < n && !rc; i++)
        for (uint32_t z = 0; z < plain[i]->depth; z++, k++) {
            const size_t len = (size_t)plain[i]->width * plain[i]->height, base = (size_t)z * len;
            pl[k].w = plain[i]->width, pl[k].h = plain[i]->height;
            pl[k].p = malloc(len * sizeof(float));
            pl[k].c = malloc(len * sizeof(float));
            if (!pl[k].p || !pl[k].c) {
                rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
                break;
            }
            for (size_t j = 0; j < len; j++) {
                pl[k].p[j] = level_scaled(plain[i], base + j);
                pl[k].c[j] = level_scaled(cipher[i], base + j);
            }
        }
    if (rc || (rc = mc_edgnet_generator(&s->net, "surrogate", ngf, nres, &seed, err))) goto out;
    s->patch = patch;
    s->net->be = mc_nn_backend_find("fast");
    mc_nn_opt opt;
    mc_nn_opt_default(&opt, MC_NN_ADAM, lr);
    opt.sched = MC_NN_SCHED_LINEAR;
    opt.decay_start = steps / 2;
    opt.decay_end = steps;
    if ((rc = mc_nn_set_training(s->net, 1, 0, err)) || (rc = mc_nn_net_resize(s->net, batch, patch, patch, err)))
        goto out;
    const size_t per = (size_t)patch * patch;
    float *t = x + batch * per;
    dy = malloc(batch * per * sizeof *dy);
    if (!dy) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (uint64_t st = 0; st < steps && !rc; st++) {
        for (uint32_t k = 0; k < batch; k++) {
            const plane *q = &pl[mc_nn_rand(&rng) % np];
            const uint32_t y0 = (uint32_t)(mc_nn_rand(&rng) % (q->h - patch + 1));
            const uint32_t x0 = (uint32_t)(mc_nn_rand(&rng) % (q->w - patch + 1));
            for (uint32_t y = 0; y < patch; y++) {
                memcpy(x + k * per + (size_t)y * patch, q->c + (size_t)(y0 + y) * q->w + x0, patch * sizeof(float));
                memcpy(t + k * per + (size_t)y * patch, q->p + (size_t)(y0 + y) * q->w + x0, patch * sizeof(float));
            }
        }
        mc_nn_zero_grad(s->net);
        if ((rc = mc_nn_forward(s->net, x, err))) break;
        const double loss = mc_nn_loss_eval(MC_NN_LOSS_L1, mc_nn_output(s->net)->out, t, 0, batch * per, dy, 1.0f);
        if ((rc = mc_nn_backward(s->net, dy, err)) || (rc = mc_nn_opt_step(&opt, s->net, err))) break;
        if (!(loss == loss)) rc = mc_err_set(err, MC_ERR_ARG, "surrogate: the loss became NaN");
        if (!rc && o && o->progress && o->progress(o->ud, st, steps, loss))
            rc = mc_err_set(err, MC_ERR_ARG, "surrogate: interrupted");
    }
    if (!rc) rc = mc_nn_set_training(s->net, 0, 0, err);
out:
    for (size_t k = 0; pl && k < np; k++) free(pl[k].p), free(pl[k].c);
    free(pl);
    free(x);
    free(dy);
    if (rc) mc_surrogate_free(s);
    else *out = s;
    return rc;
}

int mc_surrogate_apply(mc_surrogate *s, const mc_image *cipher, mc_image **recovered, mc_err *err) {
    *recovered = NULL;
    if (cipher->channels != 1) return mc_err_set(err, MC_ERR_UNSUPPORTED, "surrogate: gray images only");
    mc_image *r = NULL;
    int rc = mc_image_new(&r, cipher->width, cipher->height, cipher->depth, 1, cipher->bits, cipher->is_signed, NULL, err);
    if (rc) return rc;
    r->bits_stored = cipher->bits_stored;
    const uint32_t T = s->patch, W = cipher->width, H = cipher->height;
    const uint32_t maxv = (1u << cipher->bits) - 1, sign = cipher->is_signed ? (maxv + 1) / 2 : 0;
    const float half = (float)maxv * 0.5f;
    float *x = malloc((size_t)T * T * sizeof *x);
    if (!x || (rc = mc_nn_net_resize(s->net, 1, T, T, err))) {
        if (!rc) rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (uint32_t z = 0; z < cipher->depth && !rc; z++)
        for (uint32_t y0 = 0; y0 < H && !rc; y0 += T)
            for (uint32_t x0 = 0; x0 < W && !rc; x0 += T) {
                const uint32_t th = H - y0 < T ? H - y0 : T, tw = W - x0 < T ? W - x0 : T;
                for (uint32_t y = 0; y < T; y++) /* mirrored up to the full tile, as edg-net does */
                    for (uint32_t xx = 0; xx < T; xx++) {
                        uint32_t yy = y % (2 * th), xc = xx % (2 * tw);
                        yy = yy < th ? yy : 2 * th - 1 - yy;
                        xc = xc < tw ? xc : 2 * tw - 1 - xc;
                        x[(size_t)y * T + xx] =
                            level_scaled(cipher, ((size_t)z * H + y0 + yy) * W + x0 + xc);
                    }
                if ((rc = mc_nn_forward(s->net, x, err))) break;
                const float *o = mc_nn_output(s->net)->out;
                for (uint32_t y = 0; y < th; y++)
                    for (uint32_t xx = 0; xx < tw; xx++) {
                        float v = (o[(size_t)y * T + xx] + 1.0f) * half + 0.5f;
                        const uint32_t q = !(v >= 0) ? 0 : v >= (float)maxv ? maxv : (uint32_t)v;
                        const size_t i = ((size_t)z * H + y0 + y) * W + x0 + xx;
                        if (cipher->bits == 8) ((uint8_t *)r->pixels)[i] = (uint8_t)(q ^ sign);
                        else ((uint16_t *)r->pixels)[i] = (uint16_t)(q ^ sign);
                    }
            }
out:
    free(x);
    if (rc) mc_image_free(r);
    else *recovered = r;
    return rc;
}

void mc_surrogate_free(mc_surrogate *s) {
    if (!s) return;
    mc_nn_net_free(s->net);
    free(s);
}
