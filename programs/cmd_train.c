/* cmd_train.c - medcrypt train ARCH --data PATH... -o MODEL: train a network of
 * the neural engine on image patches (mc_train, medcrypt_lab.h). */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "medcrypt_lab.h"

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

/* train's own options (the key, -o and -f are opts.c's). */
enum { O_DATA = 0x200, O_CONFIG, O_EPOCHS, O_STEPS, O_BATCH, O_PATCH, O_SEED, O_HP, O_DECAY, O_SCALE, O_NOFLIP,
       O_BACKEND, O_CKPT, O_RESUME, O_LOG };

typedef struct train_opts {
    const char **data, **hp;
    size_t ndata, nhp;
    const char *config, *decay, *scale, *backend, *ckpt, *resume, *logp;
    uint64_t epochs, steps, batch, patch, seed; /* MC_TRAIN_DEFAULT: not given */
    int no_flip;
} train_opts;

static int train_opt(void *ud, int code, const char *arg) {
    train_opts *t = ud;
    switch (code) {
    case O_DATA: t->data[t->ndata++] = arg; return EX_OK_;
    case O_CONFIG: t->config = arg; return EX_OK_;
    case O_EPOCHS: return cli_parse_u64(arg, 1, 1000000, &t->epochs, "train", "--epochs");
    case O_STEPS: return cli_parse_u64(arg, 0, 100000000, &t->steps, "train", "--steps");
    case O_BATCH: return cli_parse_u64(arg, 1, 4096, &t->batch, "train", "--batch");
    case O_PATCH: return cli_parse_u64(arg, 4, 4096, &t->patch, "train", "--patch");
    case O_SEED: return cli_parse_u64(arg, 0, UINT64_MAX, &t->seed, "train", "--seed");
    case O_HP: t->hp[t->nhp++] = arg; return EX_OK_;
    case O_DECAY: t->decay = arg; return EX_OK_;
    case O_SCALE: t->scale = arg; return EX_OK_;
    case O_NOFLIP: t->no_flip = 1; return EX_OK_;
    case O_BACKEND: t->backend = arg; return EX_OK_;
    case O_CKPT: t->ckpt = arg; return EX_OK_;
    case O_RESUME: t->resume = arg; return EX_OK_;
    case O_LOG: t->logp = arg; return EX_OK_;
    default: return cli_error(EX_USAGE_, "train: bad option");
    }
}

int cmd_train(int argc, char **argv) {
    static const struct option lo[] = {
        {"data", required_argument, 0, O_DATA},       {"config", required_argument, 0, O_CONFIG},
        {"epochs", required_argument, 0, O_EPOCHS},   {"steps", required_argument, 0, O_STEPS},
        {"batch", required_argument, 0, O_BATCH},     {"patch", required_argument, 0, O_PATCH},
        {"seed", required_argument, 0, O_SEED},       {"hp", required_argument, 0, O_HP},
        {"lr-decay", required_argument, 0, O_DECAY},  {"scale", required_argument, 0, O_SCALE},
        {"no-flip", no_argument, 0, O_NOFLIP},        {"backend", required_argument, 0, O_BACKEND},
        {"checkpoint", required_argument, 0, O_CKPT}, {"resume", required_argument, 0, O_RESUME},
        {"log", required_argument, 0, O_LOG},         {0, 0, 0, 0}};
    train_opts t = {.backend = "fast",
                    .epochs = MC_TRAIN_DEFAULT,
                    .steps = MC_TRAIN_DEFAULT,
                    .batch = MC_TRAIN_DEFAULT,
                    .patch = MC_TRAIN_DEFAULT,
                    .seed = 1};
    t.data = calloc((size_t)argc + 1, sizeof *t.data);
    t.hp = calloc((size_t)argc + 1, sizeof *t.hp);
    mc_key *key = NULL;
    FILE *logf = NULL;
    mc_err err = {0};
    cli_opts o;
    cli_extra ex = {lo, NULL, train_opt, &t};
    int rc = !t.data || !t.hp ? cli_error(EX_IO_, "out of memory")
                              : cli_parse(argc, argv, "train", CLI_O_KEY | CLI_O_OUTPUT, &ex, &o);
    if (rc) goto out;
    if (o.help) {
        help(stdout);
        goto out;
    }
    if (o.first_arg + 1 != argc) {
        rc = cli_error(EX_USAGE_, "train: give exactly one architecture (medcrypt train --help lists them)");
        goto out;
    }
    if (!o.out || !t.ndata) {
        rc = cli_error(EX_USAGE_, "train: --data PATH and -o MODEL are required");
        goto out;
    }
    if (!strcmp(o.out, "-")) {
        rc = cli_error(EX_USAGE_, "train: -o must name a file");
        goto out;
    }
    if ((rc = cli_check_output(NULL, o.out, o.force))) goto out;
    if ((rc = cli_load_key_opt(&o, !t.resume, &key))) goto out;
    if (t.logp && !(logf = fopen(t.logp, "a"))) {
        rc = cli_error(EX_IO_, "cannot open log %s", t.logp);
        goto out;
    }
    if (logf) setvbuf(logf, NULL, _IOLBF, 0); /* a line per step, readable while training */
    if (logf && ftell(logf) == 0) fprintf(logf, "epoch,step,loss,lr,seconds\n");
    prog pg = {logf, isatty(STDERR_FILENO), -1, UINT64_MAX};
    mc_train_args ta = {argv[o.first_arg], t.config, t.data, t.ndata, t.hp, t.nhp,
                        t.epochs, t.steps, t.batch, t.patch, t.seed, t.decay, t.scale, t.no_flip, t.backend,
                        t.ckpt, t.resume, o.out, on_log, on_progress, &pg};
    int trc = mc_train(&ta, key, &err);
    if (pg.tty) fputc('\n', stderr);
    if (trc) {
        /* a bad name or option is a usage error; the rest keep their status */
        rc = trc == MC_ERR_ARG ? cli_error(EX_USAGE_, "train: %s", err.msg) : cli_fail(&err);
        goto out;
    }
    fprintf(stderr, "%s: wrote %s%s\n", g_prog, o.out, key ? " (encrypted)" : "");
out:
    if (logf) fclose(logf);
    mc_key_free(key);
    free(t.data);
    free(t.hp);
    return rc;
}
