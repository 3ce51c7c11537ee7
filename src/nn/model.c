/*
 * model.c - a model in memory: its networks by name, its hyperparameters
 * (key=value text) and the optimiser settings each network is saved with.
 * Reading model files: model_read.c; writing (training): train/model_write.c.
 */
#include "nn/nn.h"

#include <stdlib.h>
#include <string.h>

void mc_nn_model_init(mc_nn_model *m) { memset(m, 0, sizeof *m); }

void mc_nn_model_free(mc_nn_model *m) {
    for (size_t i = 0; i < m->nnets; i++) mc_nn_net_free(m->net[i]);
    memset(m, 0, sizeof *m);
}

mc_nn_net *mc_nn_model_net(const mc_nn_model *m, const char *name) {
    for (size_t i = 0; i < m->nnets; i++)
        if (!strcmp(m->net[i]->name, name)) return m->net[i];
    return NULL;
}

const char *mc_nn_hp(const mc_nn_model *m, const char *key, const char *def) {
    const char *v = mc_meta_get(&m->hp, key);
    return v ? v : def;
}

int mc_nn_hp_double(const mc_nn_model *m, const char *key, double lo, double hi, double *out, mc_err *err) {
    const char *v = mc_nn_hp(m, key, NULL);
    char *end;
    if (!v) return mc_err_set(err, MC_ERR_ARG, "hyperparameter %s missing", key);
    double x = strtod(v, &end);
    if (end == v || *end || !(x >= lo && x <= hi))
        return mc_err_set(err, MC_ERR_ARG, "hyperparameter %s=%s: want a number in [%g, %g]", key, v, lo, hi);
    *out = x;
    return MC_OK;
}

void mc_nn_opt_default(mc_nn_opt *o, mc_nn_opt_type type, float lr) {
    memset(o, 0, sizeof *o);
    o->type = type;
    o->lr = lr;
    o->beta1 = 0.9f;
    o->beta2 = 0.999f;
    o->eps = 1e-8f;
    o->momentum = 0.9f;
    o->sched = MC_NN_SCHED_CONST;
}
