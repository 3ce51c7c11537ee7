/*
 * step_zzgan.c - training of ZZ-GAN, Deep-KEDI's key generator (the
 * networks: src/nn/arch_zzgan.c; the scheme: docs/schemes/deep-kedi.md).
 *
 * One step on n patches p of the training images (scaled to [-1, 1]):
 *   real  t = ((q XOR r) + u) / 128 - 1, q = round(127.5 (p + 1)), r
 *         uniform random bytes: what a stream cipher (aead) makes of the
 *         patch, an image of the "transformation domain"; u ~ U[0, 1)
 *         dequantises it (uniform on [-1, 1), not on a grid the
 *         discriminator could spot)
 *   seed  z = uniform random bytes / 127.5 - 1: the distribution of the seed
 *         image the scheme draws from the key
 *   fake  g = gen(z)
 *   disc: LSGAN, 1/2 mean (disc(t) - 1)^2 + 1/2 mean disc(g)^2, one Adam step
 *   gen:  LSGAN, mean (disc(g) - 1)^2 through the updated disc, one Adam step
 * The loss reported is the sum of the three terms.
 */
#include "nn/nn.h"

#include <stdlib.h>
#include <string.h>

static int zz_build(mc_nn_model *m, uint64_t seed, mc_err *err) { return mc_nn_zzgan_build(m, seed, err); }

static int zz_step(mc_nn_model *m, const mc_nn_batch *b, uint64_t *rng, double *loss, mc_err *err) {
    mc_nn_net *gen = mc_nn_model_net(m, "gen"), *disc = mc_nn_model_net(m, "disc");
    if (!gen || !disc || m->nnets != 2 || b->c != 1)
        return mc_err_set(err, MC_ERR_ARG, "zz-gan: the model needs gen and disc, the data one channel");
    if (b->h % 4 || b->w % 4) return mc_err_set(err, MC_ERR_ARG, "zz-gan: the patch size must be a multiple of 4");
    int rc;
    if ((rc = mc_nn_set_training(gen, 1, 0, err)) || (rc = mc_nn_net_resize(gen, b->n, b->h, b->w, err)) ||
        (rc = mc_nn_set_training(disc, 1, 1, err)) || (rc = mc_nn_net_resize(disc, b->n, b->h, b->w, err)))
        return rc;
    const size_t len = (size_t)b->n * b->h * b->w, nd = mc_nn_output_len(disc);
    float *buf = malloc((2 * len + nd) * sizeof(float));
    if (!buf) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    float *real = buf, *seed = buf + len, *gd = buf + 2 * len;
    for (size_t i = 0; i < len; i++) {
        float q = (b->x[i] + 1.0f) * 127.5f + 0.5f;
        uint32_t v = q <= 0 ? 0 : q >= 255 ? 255 : (uint32_t)q;
        uint64_t r = mc_nn_rand(rng);
        real[i] = ((float)((v ^ (uint32_t)r) & 0xffu) + (float)((r >> 16) & 0xffffu) / 65536.0f) / 128.0f - 1.0f;
        seed[i] = (float)((r >> 8) & 0xffu) / 127.5f - 1.0f;
    }
    double ld = 0, lg = 0;
    const float *fake;
    if ((rc = mc_nn_forward(gen, seed, err))) goto out;
    fake = mc_nn_output(gen)->out;
    /* the discriminator: real -> 1, fake -> 0 */
    mc_nn_zero_grad(disc);
    if ((rc = mc_nn_forward(disc, real, err))) goto out;
    ld = mc_nn_loss_eval(MC_NN_LOSS_LSGAN, mc_nn_output(disc)->out, NULL, 1.0f, nd, gd, 0.5f);
    if ((rc = mc_nn_backward(disc, gd, err)) || (rc = mc_nn_forward(disc, fake, err))) goto out;
    ld += mc_nn_loss_eval(MC_NN_LOSS_LSGAN, mc_nn_output(disc)->out, NULL, 0.0f, nd, gd, 0.5f);
    if ((rc = mc_nn_backward(disc, gd, err)) || (rc = mc_nn_opt_step(&m->opt[1], disc, err))) goto out;
    /* the generator: fake -> 1 through the updated discriminator */
    mc_nn_zero_grad(gen);
    mc_nn_zero_grad(disc);
    if ((rc = mc_nn_forward(disc, fake, err))) goto out;
    lg = mc_nn_loss_eval(MC_NN_LOSS_LSGAN, mc_nn_output(disc)->out, NULL, 1.0f, nd, gd, 1.0f);
    if ((rc = mc_nn_backward(disc, gd, err)) || (rc = mc_nn_backward(gen, disc->input_delta, err)) ||
        (rc = mc_nn_opt_step(&m->opt[0], gen, err)))
        goto out;
    *loss = ld + lg;
out:
    free(buf);
    return rc;
}

/* default: sized for two CPU cores (docs/schemes/deep-kedi.md gives its
 * time); paper: DeepKeyGen's published widths with CycleGAN-style training
 * (256 x 256, batch 1, 200 epochs, learning rate decaying over the second
 * half), for a machine with far more compute. */
static const char *const paper_hp[] = {"ngf=64", "ndf=64"};
static const mc_nn_config zz_configs[] = {
    {"default", 60, 100, 8, 64, 1, NULL, 0},
    {"paper", 200, 0, 1, 256, 1, paper_hp, 2},
};

/* a finished model keeps only the generator (the key image's network) */
static const char *const zz_infer[] = {"gen"};

const mc_nn_arch mc_nn_arch_zz_gan = {
    "zz-gan",
    "ZZ-GAN key generator: DeepKeyGen's generator and a PatchGAN discriminator (LSGAN)",
    mc_nn_zzgan_hp,
    MC_NN_ZZGAN_NHP,
    zz_build,
    zz_step,
    MC_NN_SCALE_PM1,
    zz_configs,
    sizeof zz_configs / sizeof zz_configs[0],
    zz_infer,
    1,
};
