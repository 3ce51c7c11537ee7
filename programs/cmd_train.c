/* cmd_train.c - medcrypt train ARCH --data PATH... -o MODEL: train a network of
 * the neural engine on image patches (mc_train, medcrypt_lab.h). */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "medcrypt_lab.h"

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
    mc_train_describe(f);
}

typedef struct prog {
    FILE *log;
    int tty;
    double last_draw;
    uint64_t first_step; /* steps done before this run (resume) */
} prog;

static void on_log(void *ud, const char *line) {
    (void)ud;
    fprintf(stderr, "%s: %s\n", g_prog, line);
}

static int on_progress(void *ud, const mc_train_progress *p) {
    prog *g = ud;
    if (g->log)
        fprintf(g->log, "%" PRIu64 ",%" PRIu64 ",%.6g,%.6g,%.3f\n", p->epoch + 1, p->total_step + 1, p->loss, p->lr,
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
        case O_EPOCHS: rc = cli_parse_u64(optarg, 1, 1000000, &epochs, "train", "--epochs"), set_epochs = 1; break;
        case O_STEPS: rc = cli_parse_u64(optarg, 0, 100000000, &steps, "train", "--steps"), set_steps = 1; break;
        case O_BATCH: rc = cli_parse_u64(optarg, 1, 4096, &batch, "train", "--batch"), set_batch = 1; break;
        case O_PATCH: rc = cli_parse_u64(optarg, 4, 4096, &patch, "train", "--patch"), set_patch = 1; break;
        case O_SEED: rc = cli_parse_u64(optarg, 0, UINT64_MAX, &seed, "train", "--seed"); break;
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
    mc_key *key = NULL;
    FILE *logf = NULL;
    mc_err err = {0};
    if (rc) goto out;
    if (optind + 1 != argc) {
        rc = cli_error(EX_USAGE_, "train: give exactly one architecture (medcrypt train --help lists them)");
        goto out;
    }
    if (!out || !ndata) {
        rc = cli_error(EX_USAGE_, "train: --data PATH and -o MODEL are required");
        goto out;
    }
    if (!strcmp(out, "-")) {
        rc = cli_error(EX_USAGE_, "train: -o must name a file");
        goto out;
    }
    if ((rc = cli_check_output(NULL, out, force))) goto out;
    if ((ko.keyfile || ko.passphrase) && (rc = cli_load_key(&ko, !resume, &key))) goto out;
    if (logp && !(logf = fopen(logp, "a"))) {
        rc = cli_error(EX_IO_, "cannot open log %s", logp);
        goto out;
    }
    if (logf) setvbuf(logf, NULL, _IOLBF, 0); /* a line per step, readable while training */
    if (logf && ftell(logf) == 0) fprintf(logf, "epoch,step,loss,lr,seconds\n");
    prog pg = {logf, isatty(STDERR_FILENO), -1, UINT64_MAX};
    mc_train_args ta = {argv[optind], config, data, ndata, hp, nhp,
                        set_epochs ? epochs : MC_TRAIN_DEFAULT, set_steps ? steps : MC_TRAIN_DEFAULT,
                        set_batch ? batch : MC_TRAIN_DEFAULT, set_patch ? patch : MC_TRAIN_DEFAULT,
                        seed, decay, scale, !flip, backend, ckpt, resume, out, on_log, on_progress, &pg};
    int trc = mc_train(&ta, key, &err);
    if (pg.tty) fputc('\n', stderr);
    if (trc) {
        /* a bad name or option is a usage error; the rest keep their status */
        rc = trc == MC_ERR_ARG ? cli_error(EX_USAGE_, "train: %s", err.msg) : cli_fail(&err);
        goto out;
    }
    fprintf(stderr, "%s: wrote %s%s\n", g_prog, out, key ? " (encrypted)" : "");
out:
    if (logf) fclose(logf);
    if (key) mc_key_free(key);
    free(data);
    free(hp);
    return rc;
}
