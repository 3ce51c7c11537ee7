/* model_info.c - mc_model_describe: what a model file holds (architecture,
 * hyperparameters, training state, networks and their layers), as text or
 * JSON.  The file is fully checked while loading. */
#include "medcrypt_lab.h"
#include "nn/nn.h"

#include <stdlib.h>
#include <string.h>

static void json_str(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void layer_desc(const mc_nn_layer *l, char *buf, size_t cap) {
    const mc_nn_spec *s = &l->s;
    switch (s->type) {
    case MC_NN_CONV:
        snprintf(buf, cap, "%ux%u/%u pad %u %s%s%s", s->k, s->k, s->stride, s->pad,
                 s->pad_mode == MC_NN_PAD_REFLECT ? "reflect" : "zero", s->flags & MC_NN_F_BIAS ? " bias" : "",
                 s->flags & MC_NN_F_SN ? " spectral-norm" : "");
        break;
    case MC_NN_DECONV:
        snprintf(buf, cap, "transposed %ux%u/%u pad %u output-pad %u%s%s", s->k, s->k, s->stride, s->pad, s->factor,
                 s->flags & MC_NN_F_BIAS ? " bias" : "", s->flags & MC_NN_F_SN ? " spectral-norm" : "");
        break;
    case MC_NN_LINEAR:
        snprintf(buf, cap, "%s%s", s->flags & MC_NN_F_BIAS ? "bias" : "", s->flags & MC_NN_F_SN ? " spectral-norm" : "");
        break;
    case MC_NN_UPSAMPLE: snprintf(buf, cap, "nearest x%u", s->factor); break;
    case MC_NN_LEAKY: snprintf(buf, cap, "slope %g", (double)s->alpha); break;
    case MC_NN_CHANATT: snprintf(buf, cap, "reduction %u", s->factor); break;
    case MC_NN_INSTNORM:
    case MC_NN_LAYERNORM: snprintf(buf, cap, "eps %g%s", (double)s->eps, s->flags & MC_NN_F_AFFINE ? " affine" : ""); break;
    case MC_NN_ILN:
    case MC_NN_ADAILN: snprintf(buf, cap, "eps %g", (double)s->eps); break;
    default: buf[0] = 0;
    }
}

static void describe_net(mc_nn_net *net, size_t k, int json, FILE *f) {
    mc_err e2 = {0};
    /* shapes at the size the network was declared for */
    int shaped = mc_nn_net_resize(net, 1, net->build_h, net->build_w, &e2) == MC_OK;
    if (json) {
        fprintf(f, "%s{\"name\": ", k ? ", " : "");
        json_str(f, net->name);
        fprintf(f, ", \"in_channels\": %u, \"declared_size\": [%u, %u], \"parameters\": %zu, \"layers\": [", net->in_c,
                net->build_w, net->build_h, mc_nn_param_count(net));
    } else {
        fprintf(f, "\nnetwork %s: %u input channels, %zu layers, %zu parameters\n", net->name, net->in_c, net->nlayers,
                mc_nn_param_count(net));
        fprintf(f, "  %4s %-10s %-9s %-16s %s\n", "#", "type", "inputs", shaped ? "output (c h w)" : "", "details");
    }
    for (size_t i = 0; i < net->nlayers; i++) {
        const mc_nn_layer *l = &net->layers[i];
        char d[128], ins[32];
        layer_desc(l, d, sizeof d);
        if (l->s.in[1] == MC_NN_IN_NONE) snprintf(ins, sizeof ins, "%d", (int)l->s.in[0]);
        else snprintf(ins, sizeof ins, "%d,%d", (int)l->s.in[0], (int)l->s.in[1]);
        if (json) {
            fprintf(f, "%s{\"type\": \"%s\", \"inputs\": [%s], \"out\": [%u, %u, %u], \"details\": ", i ? ", " : "",
                    mc_nn_type_name(l->s.type), ins, l->c, l->h, l->w);
            json_str(f, d);
            fprintf(f, "}");
        } else {
            char shp[48];
            snprintf(shp, sizeof shp, "%u %u %u", l->c, l->h, l->w);
            fprintf(f, "  %4zu %-10s %-9s %-16s %s\n", i, mc_nn_type_name(l->s.type), ins, shaped ? shp : "", d);
        }
    }
    if (json) fprintf(f, "]}");
}

int mc_model_describe(const char *path, const mc_key *key, int json, FILE *f, mc_err *err) {
    mc_nn_model m;
    int rc = mc_nn_model_load(&m, path, key, err);
    if (rc) return rc;
    char *hp = malloc(MC_META_TEXT_MAX), *st = malloc(MC_META_TEXT_MAX);
    size_t len;
    if (!hp || !st || mc_meta_serialize(&m.hp, NULL, hp, MC_META_TEXT_MAX, &len) ||
        mc_meta_serialize(&m.state, NULL, st, MC_META_TEXT_MAX, &len)) {
        free(hp), free(st);
        mc_nn_model_free(&m);
        return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    }
    if (json) {
        fprintf(f, "{\"file\": ");
        json_str(f, path);
        fprintf(f, ", \"arch\": ");
        json_str(f, m.arch);
        fprintf(f, ", \"encrypted\": %s, \"hyperparameters\": ", key ? "true" : "false");
        json_str(f, hp);
        fprintf(f, ", \"state\": ");
        json_str(f, st);
        fprintf(f, ", \"optimiser_state\": %s, \"networks\": [", m.has_opt ? "true" : "false");
    } else {
        fprintf(f,
                "file:            %s\narch:            %s\nencrypted:       %s\nhyperparameters: %s\n"
                "state:           %s\noptimiser state: %s\n",
                path, m.arch, key ? "yes" : "no", hp[0] ? hp : "-", st[0] ? st : "-",
                m.has_opt ? "yes (checkpoint)" : "no");
    }
    for (size_t k = 0; k < m.nnets; k++) describe_net(m.net[k], k, json, f);
    if (json) fprintf(f, "]}\n");
    free(hp);
    free(st);
    mc_nn_model_free(&m);
    return MC_OK;
}
