/*
 * loop.c - the training loop: batches from a data set (data.c), the
 * architecture's step, progress through a callback (the library prints
 * nothing), a checkpoint after each epoch; resumable from a checkpoint's
 * epoch and generator state.
 */
#define _POSIX_C_SOURCE 200809L
#include "nn/nn.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int mc_nn_train(mc_nn_model *m, const mc_nn_arch *a, const mc_nn_data *d, const mc_nn_train_opts *o, mc_err *err) {
    if (!a->step) return mc_err_set(err, MC_ERR_ARG, "architecture %s cannot be trained", a->name);
    if (o->epochs < 1 || o->steps_per_epoch < 1) return mc_err_set(err, MC_ERR_ARG, "train: epochs and steps must be >= 1");
    uint64_t epoch = 0, rng = o->seed ^ 0x6d65646372797074ull;
    if (mc_meta_get(&m->state, "epoch") && mc_meta_get_u64(&m->state, "epoch", &epoch))
        return mc_err_set(err, MC_ERR_FORMAT, "model state: bad epoch");
    if (mc_meta_get(&m->state, "rng") && mc_meta_get_hex(&m->state, "rng", (uint8_t *)&rng, sizeof rng))
        return mc_err_set(err, MC_ERR_FORMAT, "model state: bad rng");
    mc_nn_batch b = {0};
    int rc = MC_OK;
    const double t0 = now_s();
    uint64_t done = 0;
    for (; epoch < o->epochs && !rc; epoch++) {
        for (uint64_t s = 0; s < o->steps_per_epoch && !rc; s++) {
            double loss = 0;
            rc = mc_nn_data_batch(d, &b, o->batch, o->patch, o->flip, &rng, err);
            if (!rc) rc = a->step(m, &b, &rng, &loss, err);
            if (rc) break;
            if (loss != loss) {
                rc = mc_err_set(err, MC_ERR_ARG, "train: loss is NaN at epoch %" PRIu64 " step %" PRIu64
                                                 " (learning rate too high?)", epoch + 1, s + 1);
                break;
            }
            done++;
            if (o->progress) {
                mc_nn_progress p = {epoch, o->epochs, s, o->steps_per_epoch, epoch * o->steps_per_epoch + s, loss,
                                    now_s() - t0};
                (void)done;
                if (o->progress(o->ud, &p)) rc = mc_err_set(err, MC_ERR_ARG, "train: interrupted");
            }
        }
        if (rc) break;
        if (mc_meta_set_u64(&m->state, "epoch", epoch + 1) ||
            mc_meta_set_hex(&m->state, "rng", (const uint8_t *)&rng, sizeof rng)) {
            rc = mc_err_set(err, MC_ERR_INTERNAL, "model state: cannot record the epoch");
            break;
        }
        if (o->checkpoint) rc = mc_nn_model_save(m, o->checkpoint, o->key, 1, err);
    }
    mc_nn_batch_free(&b);
    return rc;
}
