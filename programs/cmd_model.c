/* cmd_model.c - medcrypt model info FILE [--json] [-k KEY | --passphrase]:
 * what a model file holds (architecture, hyperparameters, training state,
 * networks and their layers).  The file is fully checked while loading. */
#include "cli.h"
#include "nn/nn.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *f) {
    fprintf(f, "Usage: medcrypt model info FILE [--json] [-k KEY | --passphrase [--passphrase-file F]]\n\n"
               "Check a model file (checksum or, when encrypted, its authentication tag, then\n"
               "every size and shape) and describe it.  An encrypted model needs its key.\n");
}

static void layer_desc(const mc_nn_layer *l, char *buf, size_t cap) {
    const mc_nn_spec *s = &l->s;
    switch (s->type) {
    case MC_NN_CONV:
        snprintf(buf, cap, "%ux%u/%u pad %u %s%s%s", s->k, s->k, s->stride, s->pad,
                 s->pad_mode == MC_NN_PAD_REFLECT ? "reflect" : "zero", s->flags & MC_NN_F_BIAS ? " bias" : "",
                 s->flags & MC_NN_F_SN ? " spectral-norm" : "");
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

static int info(const char *path, int json, const cli_keyopts *ko) {
    mc_err err = {0};
    mc_key *key = NULL;
    int rc = EX_OK_;
    if ((ko->keyfile || ko->passphrase) && (rc = cli_load_key(ko, 0, &key))) return rc;
    mc_nn_model m;
    if (mc_nn_model_load(&m, path, key, &err)) {
        if (key) mc_key_free(key);
        return cli_fail(&err);
    }
    if (key) mc_key_free(key);
    char *hp = NULL, *st = NULL;
    size_t len;
    if (mc_meta_serialize(&m.hp, NULL, (hp = malloc(MC_META_TEXT_MAX)), MC_META_TEXT_MAX, &len) ||
        mc_meta_serialize(&m.state, NULL, (st = malloc(MC_META_TEXT_MAX)), MC_META_TEXT_MAX, &len)) {
        free(hp), free(st);
        mc_nn_model_free(&m);
        return cli_error(EX_IO_, "out of memory");
    }
    if (json) {
        printf("{\"file\": ");
        cli_json_str(stdout, path);
        printf(", \"arch\": ");
        cli_json_str(stdout, m.arch);
        printf(", \"encrypted\": %s, \"hyperparameters\": ", key ? "true" : "false");
        cli_json_str(stdout, hp);
        printf(", \"state\": ");
        cli_json_str(stdout, st);
        printf(", \"optimiser_state\": %s, \"networks\": [", m.has_opt ? "true" : "false");
    } else {
        printf("file:            %s\narch:            %s\nencrypted:       %s\nhyperparameters: %s\n"
               "state:           %s\noptimiser state: %s\n",
               path, m.arch, key ? "yes" : "no", hp[0] ? hp : "-", st[0] ? st : "-", m.has_opt ? "yes (checkpoint)" : "no");
    }
    for (size_t k = 0; k < m.nnets; k++) {
        mc_nn_net *net = m.net[k];
        mc_err e2 = {0};
        /* shapes at the size the network was declared for */
        int shaped = mc_nn_net_resize(net, 1, net->build_h, net->build_w, &e2) == MC_OK;
        if (json) {
            printf("%s{\"name\": ", k ? ", " : "");
            cli_json_str(stdout, net->name);
            printf(", \"in_channels\": %u, \"declared_size\": [%u, %u], \"parameters\": %zu, \"layers\": [", net->in_c,
                   net->build_w, net->build_h, mc_nn_param_count(net));
        } else {
            printf("\nnetwork %s: %u input channels, %zu layers, %zu parameters\n", net->name, net->in_c, net->nlayers,
                   mc_nn_param_count(net));
            printf("  %4s %-10s %-9s %-16s %s\n", "#", "type", "inputs", shaped ? "output (c h w)" : "", "details");
        }
        for (size_t i = 0; i < net->nlayers; i++) {
            const mc_nn_layer *l = &net->layers[i];
            char d[128], ins[32];
            layer_desc(l, d, sizeof d);
            if (l->s.in[1] == MC_NN_IN_NONE) snprintf(ins, sizeof ins, "%d", (int)l->s.in[0]);
            else snprintf(ins, sizeof ins, "%d,%d", (int)l->s.in[0], (int)l->s.in[1]);
            if (json) {
                printf("%s{\"type\": \"%s\", \"inputs\": [%s], \"out\": [%u, %u, %u], \"details\": ", i ? ", " : "",
                       mc_nn_type_name(l->s.type), ins, l->c, l->h, l->w);
                cli_json_str(stdout, d);
                printf("}");
            } else {
                char shp[48];
                snprintf(shp, sizeof shp, "%u %u %u", l->c, l->h, l->w);
                printf("  %4zu %-10s %-9s %-16s %s\n", i, mc_nn_type_name(l->s.type), ins, shaped ? shp : "", d);
            }
        }
        if (json) printf("]}");
    }
    if (json) printf("]}\n");
    free(hp);
    free(st);
    mc_nn_model_free(&m);
    return rc;
}

int cmd_model(int argc, char **argv) {
    enum { O_PASS = 256, O_PASSFILE };
    static const struct option lo[] = {{"json", no_argument, 0, 'j'},
                                        {"key", required_argument, 0, 'k'},
                                        {"passphrase", no_argument, 0, O_PASS},
                                        {"passphrase-file", required_argument, 0, O_PASSFILE},
                                        {"help", no_argument, 0, 'h'},
                                        {0, 0, 0, 0}};
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        help(argc < 2 ? stderr : stdout);
        return argc < 2 ? EX_USAGE_ : EX_OK_;
    }
    if (strcmp(argv[1], "info")) return cli_error(EX_USAGE_, "model: unknown action '%s' (want: info)", argv[1]);
    int json = 0, c;
    cli_keyopts ko = {0};
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "k:jh", lo, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'k': ko.keyfile = optarg; break;
        case O_PASS: ko.passphrase = 1; break;
        case O_PASSFILE: ko.passphrase = 1, ko.passfile = optarg; break;
        case 'h': help(stdout); return EX_OK_;
        default: help(stderr); return EX_USAGE_;
        }
    }
    if (optind + 1 != argc - 1) return cli_error(EX_USAGE_, "model info: give exactly one FILE");
    return info(argv[optind + 1], json, &ko);
}
