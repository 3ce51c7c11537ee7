/* cmd_train.c - medcrypt train ARCH --data PATH... -o MODEL: train a network of
 * the neural engine (src/nn) on image patches. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "nn/nn.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void help(FILE *f) {
    fprintf(f,
            "Usage: medcrypt train ARCH --data PATH [--data PATH]... -o MODEL [options]\n\n"
            "Train architecture ARCH on random patches of the images in PATH (files or\n"
            "directories, any format medcrypt reads; 3D volumes give one sample per slice).\n\n"
            "  --config NAME       a configuration of ARCH (listed below): epochs, steps,\n"
            "                      batch, patch, learning-rate decay and hyperparameters;\n"
            "                      the options below override it (default: its first)\n"
            "  --epochs N          epochs (default 10)\n"
            "  --steps N           steps per epoch (default 100; 0: one pass over the\n"
            "                      data, ceil(slices / batch))\n"
            "  --batch N           patches per step (default 16)\n"
            "  --patch N           patch size in pixels (default 64)\n"
            "  --seed N            seed of initialisation, sampling and noise (default 1)\n"
            "  --hp NAME=VALUE     hyperparameter of ARCH (repeatable; see below)\n"
            "  --lr-decay linear   learning rate falls linearly to 0 over the second half\n"
            "  --scale pm1|01      intensity scaling to [-1,1] or [0,1] (default: ARCH's)\n"
            "  --no-flip           no random flips\n"
            "  --backend fast|ref  kernels for training (default fast)\n"
            "  --checkpoint FILE   save model and optimiser state after every epoch\n"
            "  --resume FILE       continue from a checkpoint (same ARCH)\n"
            "  --log CSV           append epoch,step,loss,lr,seconds for every step\n"
            "  -k KEY | --passphrase [--passphrase-file F]   encrypt MODEL (and checkpoints)\n"
            "  -f                  overwrite MODEL\n\n"
            "A progress bar (epoch, step, loss, rate, ETA) goes to standard error when it\n"
            "is a terminal.  Architectures:\n");
    for (size_t i = 0; i < mc_nn_arch_count(); i++) {
        const mc_nn_arch *a = mc_nn_arch_at(i);
        fprintf(f, "  %-12s %s\n", a->name, a->help);
        for (size_t j = 0; j < a->nhp; j++)
            fprintf(f, "      %-14s %-8s %s\n", a->hp[j].name, a->hp[j].default_value, a->hp[j].help);
        for (size_t j = 0; j < a->nconfigs; j++) {
            const mc_nn_config *c = &a->configs[j];
            fprintf(f, "      --config %-7s --epochs %" PRIu64 " --steps %" PRIu64 " --batch %u --patch %u%s", c->name,
                    c->epochs, c->steps, c->batch, c->patch, c->lr_decay_linear ? " --lr-decay linear" : "");
            for (size_t k = 0; k < c->nhp; k++) fprintf(f, " --hp %s", c->hp[k]);
            fputc('\n', f);
        }
    }
}

typedef struct prog {
    FILE *log;
    int tty;
    double last_draw;
    const mc_nn_model *m;
    uint64_t first_step; /* steps done before this run (resume) */
} prog;

static int on_progress(void *ud, const mc_nn_progress *p) {
    prog *g = ud;
    const float lr = g->m->nnets ? mc_nn_opt_lr(&g->m->opt[0]) : 0;
    if (g->log)
        fprintf(g->log, "%" PRIu64 ",%" PRIu64 ",%.6g,%.6g,%.3f\n", p->epoch + 1, p->total_step + 1, p->loss, (double)lr,
                p->seconds);
    if (g->tty && (p->seconds - g->last_draw > 0.2 || p->step + 1 == p->steps_per_epoch)) {
        g->last_draw = p->seconds;
        if (g->first_step == UINT64_MAX) g->first_step = p->total_step;
        const double done = (double)(p->total_step + 1 - g->first_step);
        const double total = (double)(p->epochs * p->steps_per_epoch - g->first_step);
        const double rate = p->seconds > 0 ? done / p->seconds : 0;
        const double eta = rate > 0 ? (total - done) / rate : 0;
        const int width = 24, fill = (int)(width * (double)(p->step + 1) / (double)p->steps_per_epoch);
        fprintf(stderr, "\repoch %" PRIu64 "/%" PRIu64 " [%.*s%*s] step %" PRIu64 "/%" PRIu64
                        " loss %.5f  %.1f step/s  ETA %02d:%02d:%02d ",
                p->epoch + 1, p->epochs, fill, "########################", width - fill, "", p->step + 1,
                p->steps_per_epoch, p->loss, rate, (int)(eta / 3600), (int)(eta / 60) % 60, (int)eta % 60);
        fflush(stderr);
    }
    return 0;
}

static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out, const char *what) {
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || s[0] == '-' || v < lo || v > hi)
        return cli_error(EX_USAGE_, "train: %s must be an integer in [%" PRIu64 ", %" PRIu64 "]", what, lo, hi);
    *out = v;
    return EX_OK_;
}

int cmd_train(int argc, char **argv) {
    enum { O_CONFIG = 255, O_EPOCHS = 256, O_STEPS, O_BATCH, O_PATCH, O_SEED, O_HP, O_DECAY, O_SCALE, O_NOFLIP, O_BACKEND, O_CKPT,
           O_RESUME, O_LOG, O_PASS, O_PASSFILE, O_DATA };
    static const struct option lo[] = {
        {"data", required_argument, 0, O_DATA},     {"output", required_argument, 0, 'o'},
        {"config", required_argument, 0, O_CONFIG},
        {"epochs", required_argument, 0, O_EPOCHS}, {"steps", required_argument, 0, O_STEPS},
        {"batch", required_argument, 0, O_BATCH},   {"patch", required_argument, 0, O_PATCH},
        {"seed", required_argument, 0, O_SEED},     {"hp", required_argument, 0, O_HP},
        {"lr-decay", required_argument, 0, O_DECAY}, {"scale", required_argument, 0, O_SCALE},
        {"no-flip", no_argument, 0, O_NOFLIP},      {"backend", required_argument, 0, O_BACKEND},
        {"checkpoint", required_argument, 0, O_CKPT}, {"resume", required_argument, 0, O_RESUME},
        {"log", required_argument, 0, O_LOG},       {"key", required_argument, 0, 'k'},
        {"passphrase", no_argument, 0, O_PASS},     {"passphrase-file", required_argument, 0, O_PASSFILE},
        {"force", no_argument, 0, 'f'},             {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *out = NULL, *ckpt = NULL, *resume = NULL, *logp = NULL, *decay = NULL, *scale = NULL;
    const char *config = NULL;
    const char *backend = "fast";
    const char **data = calloc((size_t)argc + 1, sizeof *data), **hp = calloc((size_t)argc + 1, sizeof *hp);
    size_t ndata = 0, nhp = 0;
    uint64_t epochs = 10, steps = 100, batch = 16, patch = 64, seed = 1;
    int set_epochs = 0, set_steps = 0, set_batch = 0, set_patch = 0;
    int flip = 1, force = 0, c, rc = EX_OK_;
    cli_keyopts ko = {0};
    if (!data || !hp) return cli_error(EX_IO_, "out of memory");
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:k:fh", lo, NULL)) != -1 && !rc) {
        switch (c) {
        case O_DATA: data[ndata++] = optarg; break;
        case 'o': out = optarg; break;
        case O_CONFIG: config = optarg; break;
        case O_EPOCHS: rc = parse_u64(optarg, 1, 1000000, &epochs, "--epochs"), set_epochs = 1; break;
        case O_STEPS: rc = parse_u64(optarg, 0, 100000000, &steps, "--steps"), set_steps = 1; break;
        case O_BATCH: rc = parse_u64(optarg, 1, 4096, &batch, "--batch"), set_batch = 1; break;
        case O_PATCH: rc = parse_u64(optarg, 4, 4096, &patch, "--patch"), set_patch = 1; break;
        case O_SEED: rc = parse_u64(optarg, 0, UINT64_MAX, &seed, "--seed"); break;
        case O_HP: hp[nhp++] = optarg; break;
        case O_DECAY: decay = optarg; break;
        case O_SCALE: scale = optarg; break;
        case O_NOFLIP: flip = 0; break;
        case O_BACKEND: backend = optarg; break;
        case O_CKPT: ckpt = optarg; break;
        case O_RESUME: resume = optarg; break;
        case O_LOG: logp = optarg; break;
        case 'k': ko.keyfile = optarg; break;
        case O_PASS: ko.passphrase = 1; break;
        case O_PASSFILE: ko.passphrase = 1, ko.passfile = optarg; break;
        case 'f': force = 1; break;
        case 'h': help(stdout); free(data), free(hp); return EX_OK_;
        default: help(stderr); free(data), free(hp); return EX_USAGE_;
        }
    }
    mc_nn_model m;
    mc_nn_model_init(&m);
    mc_nn_data ds = {0};
    mc_key *key = NULL;
    FILE *logf = NULL;
    mc_err err = {0};
    const mc_nn_arch *a = NULL;
    const mc_nn_backend *be = mc_nn_backend_find(backend);
    if (rc) goto out;
    if (optind + 1 != argc) {
        rc = cli_error(EX_USAGE_, "train: give exactly one architecture (medcrypt train --help lists them)");
        goto out;
    }
    if (!(a = mc_nn_arch_find(argv[optind]))) {
        rc = cli_error(EX_USAGE_, "train: unknown architecture '%s' (medcrypt train --help lists them)", argv[optind]);
        goto out;
    }
    if (!out || !ndata) {
        rc = cli_error(EX_USAGE_, "train: --data PATH and -o MODEL are required");
        goto out;
    }
    if (!be) {
        rc = cli_error(EX_USAGE_, "train: --backend must be fast or ref");
        goto out;
    }
    const mc_nn_config *cfg = NULL;
    if (config && !(cfg = mc_nn_arch_config(a, config))) {
        rc = cli_error(EX_USAGE_, "train: %s has no configuration '%s' (medcrypt train --help lists them)", a->name,
                       config);
        goto out;
    }
    if (!cfg && a->nconfigs) cfg = &a->configs[0];
    if (cfg) {
        if (!set_epochs) epochs = cfg->epochs;
        if (!set_steps) steps = cfg->steps;
        if (!set_batch) batch = cfg->batch;
        if (!set_patch) patch = cfg->patch;
        if (!decay) decay = cfg->lr_decay_linear ? "linear" : "const";
    }
    if (cfg && !resume) {
        /* the configuration's hyperparameters first; explicit --hp replace them */
        const char **all = calloc(nhp + cfg->nhp + 1, sizeof *all);
        if (!all) {
            rc = cli_error(EX_IO_, "out of memory");
            goto out;
        }
        size_t n = 0;
        for (size_t k = 0; k < cfg->nhp; k++) {
            const char *eq = strchr(cfg->hp[k], '=');
            size_t kl = eq ? (size_t)(eq - cfg->hp[k]) : strlen(cfg->hp[k]);
            int given = 0;
            for (size_t j = 0; j < nhp; j++)
                if (!strncmp(hp[j], cfg->hp[k], kl) && hp[j][kl] == '=') given = 1;
            if (!given) all[n++] = cfg->hp[k];
        }
        for (size_t j = 0; j < nhp; j++) all[n++] = hp[j];
        free(hp);
        hp = all;
        nhp = n;
    }
    if (!decay) decay = "const";
    if (!scale) scale = a->scale == MC_NN_SCALE_01 ? "01" : "pm1";
    if (strcmp(decay, "const") && strcmp(decay, "linear")) {
        rc = cli_error(EX_USAGE_, "train: --lr-decay must be const or linear");
        goto out;
    }
    if (strcmp(scale, "pm1") && strcmp(scale, "01")) {
        rc = cli_error(EX_USAGE_, "train: --scale must be pm1 or 01");
        goto out;
    }
    if (!strcmp(out, "-")) {
        rc = cli_error(EX_USAGE_, "train: -o must name a file");
        goto out;
    }
    if ((rc = cli_check_output(NULL, out, force))) goto out;
    if ((ko.keyfile || ko.passphrase) && (rc = cli_load_key(&ko, !resume, &key))) goto out;
    if (resume) {
        if (nhp) {
            rc = cli_error(EX_USAGE_, "train: --hp cannot change a resumed model");
            goto out;
        }
        if (mc_nn_model_load(&m, resume, key, &err)) {
            rc = cli_fail(&err);
            goto out;
        }
        if (strcmp(m.arch, a->name)) {
            rc = cli_error(EX_USAGE_, "train: %s holds a %s model, not %s", resume, m.arch, a->name);
            goto out;
        }
        if (!m.has_opt) {
            rc = cli_error(EX_USAGE_, "train: %s is not a checkpoint (no optimiser state)", resume);
            goto out;
        }
    } else {
        if (mc_nn_arch_hp(a, &m, hp, nhp, &err) || a->build(&m, seed, &err)) {
            rc = cli_fail(&err);
            goto out;
        }
    }
    for (size_t k = 0; k < m.nnets; k++) m.net[k]->be = be;
    {
        const char *inc = mc_nn_hp(&m, "in_c", "1");
        if (mc_nn_data_load(&ds, data, ndata, strcmp(scale, "01") ? MC_NN_SCALE_PM1 : MC_NN_SCALE_01,
                            (uint32_t)patch, (uint32_t)strtoul(inc, NULL, 10), &err)) {
            rc = cli_fail(&err);
            goto out;
        }
    }
    if (steps == 0) steps = (ds.n + batch - 1) / batch; /* one pass over the data */
    if (!resume && !strcmp(decay, "linear"))
        for (size_t k = 0; k < m.nnets; k++) {
            m.opt[k].sched = MC_NN_SCHED_LINEAR;
            m.opt[k].decay_start = epochs * steps / 2;
            m.opt[k].decay_end = epochs * steps;
        }
    if (logp && !(logf = fopen(logp, "a"))) {
        rc = cli_error(EX_IO_, "cannot open log %s", logp);
        goto out;
    }
    if (logf) setvbuf(logf, NULL, _IOLBF, 0); /* a line per step, readable while training */
    if (logf && ftell(logf) == 0) fprintf(logf, "epoch,step,loss,lr,seconds\n");
    fprintf(stderr, "%s: training %s on %zu images (%zu files skipped), %d threads, %s kernels\n", g_prog, a->name,
            ds.n, ds.skipped, mc_nn_threads(), be->name);
    prog pg = {logf, isatty(STDERR_FILENO), -1, &m, UINT64_MAX};
    mc_nn_train_opts to = {epochs, steps, (uint32_t)batch, (uint32_t)patch, flip, seed, ckpt, key, on_progress, &pg};
    int trc = mc_nn_train(&m, a, &ds, &to, &err);
    if (pg.tty) fputc('\n', stderr);
    if (trc) {
        rc = cli_fail(&err);
        goto out;
    }
    if (mc_nn_model_save(&m, out, key, 0, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    fprintf(stderr, "%s: wrote %s%s\n", g_prog, out, key ? " (encrypted)" : "");
out:
    if (logf) fclose(logf);
    mc_nn_data_free(&ds);
    mc_nn_model_free(&m);
    if (key) mc_key_free(key);
    free(data);
    free(hp);
    return rc;
}
