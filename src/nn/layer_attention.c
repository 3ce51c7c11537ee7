/*
 * layer_attention.c - attention: the channel attention layer `chanatt`
 * (CBAM / AT-ResNet-CM: x * sigmoid(FC2 relu FC1 gap(x) + FC2 relu FC1
 * gmp(x)), FC1: c -> c / r, shared by both branches) and the spatial
 * attention builder (conv3x3 c -> hid, relu, conv3x3 hid -> 1, sigmoid, mul).
 */
#include "nn/layer.h"

#include <string.h>

/* params W1 (hid, c), b1, W2 (c, hid), b2.
 * aux per batch: avg (n c) | max (n c) | za (n hid) | zm (n hid) | s (n c) */
static uint32_t ca_hid(const mc_nn_layer *l) {
    uint32_t h = l->ic / l->s.factor;
    return h ? h : 1;
}

static int chanatt_check(const mc_nn_spec *s, int here, mc_err *err) {
    if (s->factor < 1 || s->factor > MC_NN_MAX_CHANNELS)
        return mc_err_set(err, MC_ERR_FORMAT, "layer %d (chanatt): bad reduction %u", here, s->factor);
    return MC_OK;
}

int mc_nn_chanatt_gate(mc_nn_layer *l, mc_nn_net *net) {
    const size_t N = net->n, C = l->c, H = ca_hid(l);
    float *avg = l->aux, *mx = avg + N * C, *za = mx + N * C, *zm = za + N * H, *sg = zm + N * H;
    float *t = mc_nn_net_scratch(net, 2 * N * H + 2 * N * C);
    if (!t) return MC_ERR_NOMEM;
    float *ha = t, *hm = t + N * H, *oa = hm + N * H, *om = oa + N * C;
    net->be->linear_fwd(N, C, H, avg, l->p[0].w, l->p[1].w, za);
    net->be->linear_fwd(N, C, H, mx, l->p[0].w, l->p[1].w, zm);
    net->be->act_fwd(MC_NN_ACT_RELU, 0, za, ha, N * H);
    net->be->act_fwd(MC_NN_ACT_RELU, 0, zm, hm, N * H);
    net->be->linear_fwd(N, H, C, ha, l->p[2].w, l->p[3].w, oa);
    net->be->linear_fwd(N, H, C, hm, l->p[2].w, l->p[3].w, om);
    for (size_t i = 0; i < N * C; i++) oa[i] = oa[i] + om[i];
    net->be->act_fwd(MC_NN_ACT_SIGMOID, 0, oa, sg, N * C);
    return MC_OK;
}

const float *mc_nn_chanatt_scale(const mc_nn_layer *l, uint32_t n) {
    return l->aux + 2 * (size_t)n * l->c + 2 * (size_t)n * ca_hid(l); /* avg, max, za, zm, then s */
}

static int chanatt_forward(mc_nn_layer *l, mc_nn_net *net) {
    const size_t N = net->n, C = l->c, pl = mc_nn_plane(l);
    const float *x = mc_nn_in_data(net, l->s.in[0]);
    net->be->gap_fwd(N * C, pl, x, l->aux);
    net->be->gmp_fwd(N * C, pl, x, l->aux + N * C, l->arg);
    int rc = mc_nn_chanatt_gate(l, net);
    if (rc) return rc;
    const float *sg = mc_nn_chanatt_scale(l, net->n);
    for (size_t g = 0; g < N * C; g++) {
        const float sv = sg[g], *xg = x + g * pl;
        float *o = l->out + g * pl;
        for (size_t i = 0; i < pl; i++) o[i] = xg[i] * sv;
    }
    return MC_OK;
}

static int chanatt_backward(mc_nn_layer *l, mc_nn_net *net) {
    const size_t N = net->n, C = l->c, H = ca_hid(l), pl = mc_nn_plane(l);
    const float *x = mc_nn_in_data(net, l->s.in[0]);
    float *dx = mc_nn_in_delta(net, l->s.in[0]);
    const float *avg = l->aux, *mx = avg + N * C, *za = mx + N * C, *zm = za + N * H, *sg = zm + N * H;
    float *t = mc_nn_net_scratch(net, 6 * N * H + 4 * N * C);
    if (!t) return MC_ERR_NOMEM;
    memset(t, 0, (6 * N * H + 4 * N * C) * sizeof(float));
    float *ha = t, *hm = ha + N * H, *dha = hm + N * H, *dhm = dha + N * H, *dza = dhm + N * H, *dzm = dza + N * H;
    float *ds = dzm + N * H, *dz = ds + N * C, *davg = dz + N * C, *dmx = davg + N * C;
    net->be->act_fwd(MC_NN_ACT_RELU, 0, za, ha, N * H);
    net->be->act_fwd(MC_NN_ACT_RELU, 0, zm, hm, N * H);
    for (size_t g = 0; g < N * C; g++) {
        double a = 0;
        for (size_t i = 0; i < pl; i++) {
            a += (double)l->delta[g * pl + i] * x[g * pl + i];
            if (dx) dx[g * pl + i] += l->delta[g * pl + i] * sg[g];
        }
        ds[g] = (float)a;
    }
    net->be->act_bwd(MC_NN_ACT_SIGMOID, 0, NULL, sg, ds, dz, N * C);
    net->be->linear_bwd(N, H, C, ha, l->p[2].w, dz, dha, l->p[2].g, l->p[3].g);
    net->be->linear_bwd(N, H, C, hm, l->p[2].w, dz, dhm, l->p[2].g, l->p[3].g);
    net->be->act_bwd(MC_NN_ACT_RELU, 0, za, ha, dha, dza, N * H);
    net->be->act_bwd(MC_NN_ACT_RELU, 0, zm, hm, dhm, dzm, N * H);
    net->be->linear_bwd(N, C, H, avg, l->p[0].w, dza, davg, l->p[0].g, l->p[1].g);
    net->be->linear_bwd(N, C, H, mx, l->p[0].w, dzm, dmx, l->p[0].g, l->p[1].g);
    if (dx)
        for (size_t g = 0; g < N * C; g++) {
            const float d = davg[g] / (float)pl;
            for (size_t i = 0; i < pl; i++) dx[g * pl + i] += d;
            dx[g * pl + l->arg[g]] += dmx[g];
        }
    return MC_OK;
}

static int chanatt_init(mc_nn_layer *l, uint64_t *seed) {
    const uint32_t hid = ca_hid(l);
    const float b1 = mc_nn_he_bound(l->c), b2 = mc_nn_he_bound(hid);
    int rc = mc_nn_param_add(l, "fc1", hid, l->c, 1, 1, -b1, b1, 0, seed);
    if (!rc) rc = mc_nn_param_add(l, "fc1_bias", hid, 1, 1, 1, 0, 0, 0, NULL);
    if (!rc) rc = mc_nn_param_add(l, "fc2", l->c, hid, 1, 1, -b2, b2, 0, seed);
    if (!rc) rc = mc_nn_param_add(l, "fc2_bias", l->c, 1, 1, 1, 0, 0, 0, NULL);
    l->forward = chanatt_forward;
    l->backward = chanatt_backward;
    return rc;
}

static void chanatt_scratch(const mc_nn_layer *l, uint32_t n, size_t tot, size_t *aux, size_t *aux2, size_t *arg) {
    (void)tot, (void)aux2;
    const size_t nc = (size_t)n * l->c;
    *aux = 3 * nc + 2 * (size_t)n * ca_hid(l);
    *arg = nc;
}

const mc_nn_layer_ops mc_nn_ops_chanatt = {MC_NN_CHANATT, "chanatt", 1, chanatt_check, NULL, chanatt_init,
                                           chanatt_scratch};

/* ----------------------------------------------------- spatial attention */

int mc_nn_spatial_attention(mc_nn_net *net, int in, uint32_t hid, uint64_t *seed, mc_err *err) {
    int a = mc_nn_conv(net, in, hid, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, seed, err);
    if (a < 0) return a;
    if ((a = mc_nn_layer1(net, MC_NN_RELU, a, 0, err)) < 0) return a;
    if ((a = mc_nn_conv(net, a, 1, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, seed, err)) < 0) return a;
    if ((a = mc_nn_layer1(net, MC_NN_SIGMOID, a, 0, err)) < 0) return a;
    return mc_nn_layer2(net, MC_NN_MUL, in, a, err);
}
