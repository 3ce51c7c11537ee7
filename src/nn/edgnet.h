/* edgnet.h - EDG-Net's networks (Chen et al. 2025; docs/schemes/edg-net.md):
 * a U-GAT-IT "light" generator per direction and a global and a local
 * discriminator per domain, built in arch_edgnet.c; used by its training step
 * (edgnet_step.c) and by the scheme (src/schemes/edg_net.c).  Internal. */
#ifndef MC_NN_EDGNET_H
#define MC_NN_EDGNET_H
#include "nn/nn.h"

#define MC_EDGNET_ARCH "edg-net"
/* Networks of a model: the two generators (the secret key of the paper) */
#define MC_EDGNET_ENC "g_pc" /* plain -> cipher (encryption) */
#define MC_EDGNET_DEC "g_cp" /* cipher -> plain (decryption) */
/* and, in checkpoints only, the discriminators of the plain domain (p) and
 * of the cipher domain (c), global (deeper) and local */
#define MC_EDGNET_D_PG "d_p_global"
#define MC_EDGNET_D_PL "d_p_local"
#define MC_EDGNET_D_CG "d_c_global"
#define MC_EDGNET_D_CL "d_c_local"

/* The layers holding the per-channel terms of a network's two CAM logits
 * (U-GAT-IT's auxiliary classifier): logit = sum over the channels of the
 * layer's output, one for global average pooling, one for global max
 * pooling.  They are the network's multiply layers with a 1x1 output, in that
 * order.  MC_ERR_FORMAT when the network has no CAM block. */
typedef struct mc_edgnet_cam {
    int gap, gmp;
} mc_edgnet_cam;
int mc_edgnet_cam_layers(const mc_nn_net *net, mc_edgnet_cam *out, mc_err *err) MC_WUR;
/* [lab] The two CAM logits of samples r0 .. r0+n-1 after a forward pass:
 * out[0..n) the GAP logits, out[n..2n) the GMP logits. */
void mc_edgnet_cam_logits(const mc_nn_net *net, const mc_edgnet_cam *cam, uint32_t r0, uint32_t n, float *out);
/* [lab] mc_nn_backward from dy at the output, with d(loss)/d(logit) entering
 * the CAM term layers on the way (dcam: the GAP logits' gradients of every
 * sample of the batch, then the GMP logits'; NULL: none). */
int mc_edgnet_backward(mc_nn_net *net, const float *dy, const mc_edgnet_cam *cam, const float *dcam,
                       mc_err *err) MC_WUR;

/* A generator named `name` for 1-channel images: ngf base channels, nres
 * residual blocks in the encoder and nres AdaILN blocks in the decoder;
 * parameters drawn from *seed. */
int mc_edgnet_generator(mc_nn_net **out, const char *name, uint32_t ngf, uint32_t nres, uint64_t *seed,
                        mc_err *err) MC_WUR;

/* Smallest tile and tile multiple the generators accept (two stride-2
 * downsamplings, then as many nearest upsamplings). */
#define MC_EDGNET_TILE_MIN 16u
#define MC_EDGNET_TILE_STEP 4u

/* The hyperparameters (defaults: the CPU-sized configuration) and the six
 * networks of a model from them (m->hp holds every entry; mc_nn_arch_hp
 * fills defaults). */
#define MC_EDGNET_NHP 14
extern const mc_param_def mc_edgnet_hp[MC_EDGNET_NHP];
int mc_edgnet_build(mc_nn_model *m, uint64_t seed, mc_err *err) MC_WUR;

/* [lab] The registered architecture: its training step (U-GAT-IT's
 * generator and discriminator updates on plain patches and as many
 * cipher-domain patches made from them by the classical ciphers) and
 * configurations, in src/nn/train/step_edgnet.c. */
extern const mc_nn_arch mc_nn_arch_edg_net;

#endif
