/* train.c - mc_train: what `medcrypt train` does, on top of the neural
 * engine (src/nn): configuration, hyperparameters, data, resume, save. */
#define _POSIX_C_SOURCE 200809L
#include "medcrypt_lab.h"
#include "nn/nn.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void mc_train_describe(FILE *f) {
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

typedef struct relay {
    const mc_train_args *a;
    const mc_nn_model *m;
} relay;

static int on_progress(void *ud, const mc_nn_progress *p) {
    const relay *r = ud;
    if (!r->a->progress) return 0;
    mc_train_progress q = {p->epoch, p->epochs, p->step, p->steps_per_epoch, p->total_step, p->loss,
                           r->m->nnets ? (double)mc_nn_opt_lr(&r->m->opt[0]) : 0.0, p->seconds};
    return r->a->progress(r->a->ud, &q);
}

/* The configuration's hyperparameters first; explicit ones replace them.
 * *out: a new array (free()) of borrowed strings. */
static int merge_hp(const mc_nn_config *cfg, const char *const *hp, size_t nhp, const char ***out, size_t *n) {
    const char **all = calloc(nhp + (cfg ? cfg->nhp : 0) + 1, sizeof *all);
    if (!all) return MC_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; cfg && i < cfg->nhp; i++) {
        const char *eq = strchr(cfg->hp[i], '=');
        size_t kl = eq ? (size_t)(eq - cfg->hp[i]) : strlen(cfg->hp[i]);
        int given = 0;
        for (size_t j = 0; j < nhp; j++)
            if (!strncmp(hp[j], cfg->hp[i], kl) && hp[j][kl] == '=') given = 1;
        if (!given) all[k++] = cfg->hp[i];
    }
    for (size_t j = 0; j < nhp; j++) all[k++] = hp[j];
    *out = all;
    *n = k;
    return MC_OK;
}

/* A finished model keeps only the networks inference needs (checkpoints
 * keep everything). */
static void keep_infer_nets(mc_nn_model *m, const mc_nn_arch *arch) {
    if (!arch->infer_nets) return;
    size_t k = 0;
    for (size_t i = 0; i < m->nnets; i++) {
        int keep = 0;
        for (size_t j = 0; j < arch->ninfer; j++) keep |= !strcmp(m->net[i]->name, arch->infer_nets[j]);
        if (!keep) {
            mc_nn_net_free(m->net[i]);
            continue;
        }
        m->net[k] = m->net[i];
        m->opt[k++] = m->opt[i];
    }
    m->nnets = k;
}

int mc_train(const mc_train_args *a, const mc_key *key, mc_err *err) {
    const mc_nn_arch *arch = a->arch ? mc_nn_arch_find(a->arch) : NULL;
    if (!arch) return mc_err_set(err, MC_ERR_ARG, "unknown architecture '%s' (medcrypt train --help lists them)", a->arch ? a->arch : "");
    if (!a->out || !a->ndata) return mc_err_set(err, MC_ERR_ARG, "--data PATH and -o MODEL are required");
    const mc_nn_backend *be = mc_nn_backend_find(a->backend ? a->backend : "fast");
    if (!be) return mc_err_set(err, MC_ERR_ARG, "--backend must be fast or ref");
    const mc_nn_config *cfg = NULL;
    if (a->config && !(cfg = mc_nn_arch_config(arch, a->config)))
        return mc_err_set(err, MC_ERR_ARG, "%s has no configuration '%s' (medcrypt train --help lists them)", arch->name,
                          a->config);
    if (!cfg && arch->nconfigs) cfg = &arch->configs[0];
    uint64_t epochs = a->epochs, steps = a->steps, batch = a->batch, patch = a->patch;
    const char *decay = a->lr_decay;
    if (epochs == MC_TRAIN_DEFAULT) epochs = cfg ? cfg->epochs : 10;
    if (steps == MC_TRAIN_DEFAULT) steps = cfg ? cfg->steps : 100;
    if (batch == MC_TRAIN_DEFAULT) batch = cfg ? cfg->batch : 16;
    if (patch == MC_TRAIN_DEFAULT) patch = cfg ? cfg->patch : 64;
    if (!decay) decay = cfg && cfg->lr_decay_linear ? "linear" : "const";
    const char *scale = a->scale ? a->scale : arch->scale == MC_NN_SCALE_01 ? "01" : "pm1";
    if (strcmp(decay, "const") && strcmp(decay, "linear"))
        return mc_err_set(err, MC_ERR_ARG, "--lr-decay must be const or linear");
    if (strcmp(scale, "pm1") && strcmp(scale, "01")) return mc_err_set(err, MC_ERR_ARG, "--scale must be pm1 or 01");
    if (a->resume && a->nhp) return mc_err_set(err, MC_ERR_ARG, "--hp cannot change a resumed model");
    if (batch < 1 || batch > 4096 || patch < 4 || patch > 4096 || epochs < 1)
        return mc_err_set(err, MC_ERR_ARG, "epochs, batch or patch out of range");

    mc_nn_model m;
    mc_nn_model_init(&m);
    mc_nn_data ds = {0};
    const char **hp = NULL;
    size_t nhp = 0;
    int rc;
    if (a->resume) {
        if ((rc = mc_nn_model_load(&m, a->resume, key, err))) goto out;
        if (strcmp(m.arch, arch->name)) {
            rc = mc_err_set(err, MC_ERR_ARG, "%s holds a %s model, not %s", a->resume, m.arch, arch->name);
            goto out;
        }
        if (!m.has_opt) {
            rc = mc_err_set(err, MC_ERR_ARG, "%s is not a checkpoint (no optimiser state)", a->resume);
            goto out;
        }
    } else {
        if ((rc = merge_hp(cfg, a->hp, a->nhp, &hp, &nhp))) {
            mc_err_set(err, rc, "out of memory");
            goto out;
        }
        if ((rc = mc_nn_arch_hp(arch, &m, hp, nhp, err)) || (rc = arch->build(&m, a->seed, err))) goto out;
    }
    for (size_t k = 0; k < m.nnets; k++) m.net[k]->be = be;
    const char *inc = mc_nn_hp(&m, "in_c", "1");
    if ((rc = mc_nn_data_load(&ds, a->data, a->ndata, strcmp(scale, "01") ? MC_NN_SCALE_PM1 : MC_NN_SCALE_01,
                              (uint32_t)patch, (uint32_t)strtoul(inc, NULL, 10), err)))
        goto out;
    if (steps == 0) steps = (ds.n + batch - 1) / batch; /* one pass over the data */
    if (!a->resume && !strcmp(decay, "linear"))
        for (size_t k = 0; k < m.nnets; k++) {
            m.opt[k].sched = MC_NN_SCHED_LINEAR;
            m.opt[k].decay_start = epochs * steps / 2;
            m.opt[k].decay_end = epochs * steps;
        }
    if (a->log) {
        char line[256];
        snprintf(line, sizeof line, "training %s on %zu images (%zu files skipped), %d threads, %s kernels", arch->name,
                 ds.n, ds.skipped, mc_nn_threads(), be->name);
        a->log(a->ud, line);
    }
    relay r = {a, &m};
    mc_nn_train_opts to = {epochs, steps, (uint32_t)batch, (uint32_t)patch, !a->no_flip, a->seed, a->checkpoint, key,
                           on_progress, &r};
    if ((rc = mc_nn_train(&m, arch, &ds, &to, err))) goto out;
    keep_infer_nets(&m, arch);
    rc = mc_nn_model_save(&m, a->out, key, 0, err);
out:
    free(hp);
    mc_nn_data_free(&ds);
    mc_nn_model_free(&m);
    return rc;
}
