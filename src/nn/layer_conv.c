/*
 * layer_conv.c - the convolution layers: `conv` (any kernel <= 31, stride,
 * zero or reflection padding) and `deconv`, the transposed convolution
 * (DeepKeyGen's upsampling: output (iy stride - pad + ky, ix stride - pad +
 * kx) receives x[iy][ix] w[ic][oc][ky][kx]; output size (in - 1) stride -
 * 2 pad + k + output padding, the output padding in spec.factor).  Both may
 * have a bias and spectral normalisation (sn.c).  The arithmetic is the
 * backend's (nn.h).
 */
#include "nn/layer.h"

#include <string.h>

mc_nn_conv_shape mc_nn_layer_conv_shape(const mc_nn_layer *l, uint32_t n) {
    mc_nn_conv_shape s = {n,      l->ic, l->ih, l->iw, l->c, l->h, l->w, l->s.k, l->s.stride, l->s.pad,
                          (mc_nn_pad)l->s.pad_mode};
    return s;
}

static const float *weight(mc_nn_layer *l) {
    if (!l->sn_u) return l->p[0].w;
    mc_nn_sn_weight(l);
    return l->sn_w;
}

/* the weight gradient goes to l->aux first when spectrally normalised */
static float *weight_grad(mc_nn_layer *l) {
    if (!l->sn_u) return l->p[0].g;
    memset(l->aux, 0, l->p[0].len * sizeof(float));
    return l->aux;
}

/* ------------------------------------------------------------------ conv */

static int conv_check(const mc_nn_spec *s, int here, mc_err *err) {
    if (s->k < 1 || s->k > MC_NN_MAX_KERNEL || s->stride < 1 || s->stride > 16 || s->pad > MC_NN_MAX_KERNEL ||
        s->pad_mode > MC_NN_PAD_REFLECT)
        return mc_err_set(err, MC_ERR_FORMAT, "layer %d (conv): bad kernel %u, stride %u, pad %u, mode %u", here, s->k,
                          s->stride, s->pad, s->pad_mode);
    if (s->out_c < 1 || s->out_c > MC_NN_MAX_CHANNELS)
        return mc_err_set(err, MC_ERR_FORMAT, "layer %d (conv): bad output size %u", here, s->out_c);
    if (s->flags & MC_NN_F_AFFINE) return mc_err_set(err, MC_ERR_FORMAT, "layer %d (conv): bad flags", here);
    return MC_OK;
}

static int conv_shape(mc_nn_layer *l, int idx, mc_err *err) {
    const mc_nn_spec *s = &l->s;
    uint64_t eh = (uint64_t)l->ih + 2u * s->pad, ew = (uint64_t)l->iw + 2u * s->pad;
    if (eh < s->k || ew < s->k)
        return mc_err_set(err, MC_ERR_ARG, "layer %d (conv): input %ux%u smaller than kernel %u", idx, l->iw, l->ih,
                          s->k);
    if (s->pad_mode == MC_NN_PAD_REFLECT && (s->pad >= l->ih || s->pad >= l->iw))
        return mc_err_set(err, MC_ERR_ARG, "layer %d (conv): reflection pad %u needs input > %u", idx, s->pad, s->pad);
    if ((uint64_t)l->ic * s->k * s->k > INT32_MAX)
        return mc_err_set(err, MC_ERR_LIMITS, "layer %d (conv): too many inputs", idx);
    l->c = s->out_c;
    l->h = (uint32_t)((eh - s->k) / s->stride + 1);
    l->w = (uint32_t)((ew - s->k) / s->stride + 1);
    return MC_OK;
}

static int conv_forward(mc_nn_layer *l, mc_nn_net *net) {
    mc_nn_conv_shape s = mc_nn_layer_conv_shape(l, net->n);
    const float *w = weight(l);
    return mc_nn_net_conv_fwd(net, &s, mc_nn_in_data(net, l->s.in[0]), w, l->nparam > 1 ? l->p[1].w : NULL, l->out);
}

static int conv_backward(mc_nn_layer *l, mc_nn_net *net) {
    mc_nn_conv_shape s = mc_nn_layer_conv_shape(l, net->n);
    size_t need = net->be->conv_ws(&s);
    float *ws = need ? mc_nn_net_scratch(net, need) : NULL;
    if (need && !ws) return MC_ERR_NOMEM;
    const float *w = l->sn_u ? l->sn_w : l->p[0].w;
    float *dw = weight_grad(l);
    int rc = net->be->conv_bwd(&s, mc_nn_in_data(net, l->s.in[0]), w, l->delta, mc_nn_in_delta(net, l->s.in[0]), dw,
                               l->nparam > 1 ? l->p[1].g : NULL, ws);
    if (!rc && l->sn_u) mc_nn_sn_backward(l);
    return rc;
}

/* weight (out_c, ic, k, k), He-uniform; bias 0 */
static int conv_init(mc_nn_layer *l, uint64_t *seed) {
    const mc_nn_spec *s = &l->s;
    const float b = mc_nn_he_bound((size_t)l->ic * s->k * s->k);
    int rc = mc_nn_param_add(l, "weight", s->out_c, l->ic, s->k, s->k, -b, b, 0, seed);
    if (!rc && (s->flags & MC_NN_F_BIAS)) rc = mc_nn_param_add(l, "bias", s->out_c, 1, 1, 1, 0, 0, 0, NULL);
    l->forward = conv_forward;
    l->backward = conv_backward;
    return rc;
}

/* spectral norm: the weight gradient before normalisation */
static void sn_scratch(const mc_nn_layer *l, uint32_t n, size_t tot, size_t *aux, size_t *aux2, size_t *arg) {
    (void)n, (void)tot, (void)aux2, (void)arg;
    if (l->s.flags & MC_NN_F_SN) *aux = l->p[0].len;
}

const mc_nn_layer_ops mc_nn_ops_conv = {MC_NN_CONV, "conv", 1, conv_check, conv_shape, conv_init, sn_scratch};

/* ---------------------------------------------------------------- deconv */

static int deconv_check(const mc_nn_spec *s, int here, mc_err *err) {
    if (s->k < 1 || s->k > MC_NN_MAX_KERNEL || s->stride < 1 || s->stride > 16 || s->pad >= s->k ||
        s->pad_mode != MC_NN_PAD_ZERO || s->factor >= s->stride)
        return mc_err_set(err, MC_ERR_FORMAT,
                          "layer %d (deconv): bad kernel %u, stride %u, pad %u (< kernel), mode %u (zero), output "
                          "padding %u (< stride)",
                          here, s->k, s->stride, s->pad, s->pad_mode, s->factor);
    if (s->out_c < 1 || s->out_c > MC_NN_MAX_CHANNELS)
        return mc_err_set(err, MC_ERR_FORMAT, "layer %d (deconv): bad output size %u", here, s->out_c);
    if (s->flags & MC_NN_F_AFFINE) return mc_err_set(err, MC_ERR_FORMAT, "layer %d (deconv): bad flags", here);
    return MC_OK;
}

static int deconv_shape(mc_nn_layer *l, int idx, mc_err *err) {
    const mc_nn_spec *s = &l->s;
    /* (in - 1) stride - 2 pad + k + output padding, >= 1 since pad < k */
    const uint64_t oh = ((uint64_t)l->ih - 1) * s->stride + s->k + s->factor - 2u * s->pad;
    const uint64_t ow = ((uint64_t)l->iw - 1) * s->stride + s->k + s->factor - 2u * s->pad;
    if (oh > 65535 * 16 || ow > 65535 * 16 || (uint64_t)s->out_c * s->k * s->k > INT32_MAX)
        return mc_err_set(err, MC_ERR_LIMITS, "layer %d (deconv): too large", idx);
    l->c = s->out_c;
    l->h = (uint32_t)oh;
    l->w = (uint32_t)ow;
    return MC_OK;
}

static int deconv_forward(mc_nn_layer *l, mc_nn_net *net) {
    mc_nn_conv_shape s = mc_nn_layer_conv_shape(l, net->n);
    const float *w = weight(l);
    if (!net->be->deconv_fwd) return MC_ERR_UNSUPPORTED;
    return net->be->deconv_fwd(&s, mc_nn_in_data(net, l->s.in[0]), w, l->nparam > 1 ? l->p[1].w : NULL, l->out);
}

static int deconv_backward(mc_nn_layer *l, mc_nn_net *net) {
    mc_nn_conv_shape s = mc_nn_layer_conv_shape(l, net->n);
    if (!net->be->deconv_bwd) return MC_ERR_UNSUPPORTED;
    const float *w = l->sn_u ? l->sn_w : l->p[0].w;
    float *dw = weight_grad(l);
    int rc = net->be->deconv_bwd(&s, mc_nn_in_data(net, l->s.in[0]), w, l->delta, mc_nn_in_delta(net, l->s.in[0]),
                                 dw, l->nparam > 1 ? l->p[1].g : NULL);
    if (!rc && l->sn_u) mc_nn_sn_backward(l);
    return rc;
}

/* weight (ic, out_c, k, k) as PyTorch's ConvTranspose2d; He-uniform over the
 * taps one output sees on average (ic k k / stride^2) */
static int deconv_init(mc_nn_layer *l, uint64_t *seed) {
    const mc_nn_spec *s = &l->s;
    size_t fan = (size_t)l->ic * s->k * s->k / ((size_t)s->stride * s->stride);
    const float b = mc_nn_he_bound(fan);
    int rc = mc_nn_param_add(l, "weight", l->ic, s->out_c, s->k, s->k, -b, b, 0, seed);
    if (!rc && (s->flags & MC_NN_F_BIAS)) rc = mc_nn_param_add(l, "bias", s->out_c, 1, 1, 1, 0, 0, 0, NULL);
    l->forward = deconv_forward;
    l->backward = deconv_backward;
    return rc;
}

const mc_nn_layer_ops mc_nn_ops_deconv = {MC_NN_DECONV, "deconv", 1, deconv_check, deconv_shape, deconv_init,
                                          sn_scratch};
