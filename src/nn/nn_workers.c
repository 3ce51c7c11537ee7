/*
 * nn_workers.c - the engine's own threads (no OpenMP in libmedcrypt).
 *
 * A pool of threads - 1 worker threads plus the calling thread, created
 * once, owned by whoever made it (a network, an inference plan, a scheme's
 * run) and freed with it: no global state.  mc_nn_workers_run(n, fn) hands
 * out the indices 0 .. n-1 one at a time from an atomic counter (dynamic
 * scheduling: a descheduled thread delays only the items it holds) to the
 * caller and the workers, and returns when every item is done.  Idle
 * workers sleep on a condition variable; nothing spins.
 *
 * The thread count of a new pool (mc_nn_default_threads): MEDCRYPT_THREADS
 * when set to 1..256, else the CPUs this process may run on
 * (sched_getaffinity, so `taskset` and container CPU sets are obeyed), at
 * most 64.  The reference kernels give the same bits on any count: each
 * output is computed by one thread in the contract's order.
 */
#define _GNU_SOURCE 1
#include "nn/nn.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MC_NN_THREADS_MAX 256

struct mc_nn_workers {
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    pthread_t *tid;
    int nthreads;    /* worker threads started (count - 1) */
    int quit;
    uint64_t gen;    /* job generation: workers run each one once */
    /* the current job */
    mc_nn_task fn;
    void *ctx;
    size_t n;
    int active;      /* threads (caller included) that take part */
    int pending;     /* workers of the job still running */
    atomic_size_t next;
};

int mc_nn_default_threads(void) {
    const char *e = getenv("MEDCRYPT_THREADS");
    if (e && *e) {
        char *end;
        long v = strtol(e, &end, 10);
        if (!*end && v >= 1 && v <= MC_NN_THREADS_MAX) return (int)v;
    }
    int n = 0;
#ifdef CPU_COUNT
    cpu_set_t set;
    if (!sched_getaffinity(0, sizeof set, &set)) n = CPU_COUNT(&set);
#endif
    if (n < 1) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c > 0 ? (int)c : 1;
    }
    return n > 64 ? 64 : n;
}

static void take_items(mc_nn_workers *wk, mc_nn_task fn, void *ctx, size_t n, int t) {
    for (;;) {
        size_t i = atomic_fetch_add_explicit(&wk->next, 1, memory_order_relaxed);
        if (i >= n) break;
        fn(ctx, i, t);
    }
}

typedef struct worker_arg {
    mc_nn_workers *wk;
    int index; /* 1 .. nthreads (0 is the caller) */
} worker_arg;

static void *worker_main(void *p) {
    worker_arg *a = p;
    mc_nn_workers *wk = a->wk;
    const int me = a->index;
    free(a);
    uint64_t seen = 0;
    pthread_mutex_lock(&wk->mu);
    for (;;) {
        while (!wk->quit && wk->gen == seen) pthread_cond_wait(&wk->wake, &wk->mu);
        if (wk->quit) break;
        seen = wk->gen;
        if (me >= wk->active) continue; /* not part of this job */
        mc_nn_task fn = wk->fn;
        void *ctx = wk->ctx;
        const size_t n = wk->n;
        pthread_mutex_unlock(&wk->mu);
        take_items(wk, fn, ctx, n, me);
        pthread_mutex_lock(&wk->mu);
        if (--wk->pending == 0) pthread_cond_signal(&wk->done);
    }
    pthread_mutex_unlock(&wk->mu);
    return NULL;
}

int mc_nn_workers_new(mc_nn_workers **out, int threads, mc_err *err) {
    *out = NULL;
    if (threads <= 0) threads = mc_nn_default_threads();
    if (threads > MC_NN_THREADS_MAX) threads = MC_NN_THREADS_MAX;
    mc_nn_workers *wk = calloc(1, sizeof *wk);
    if (!wk) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    if (pthread_mutex_init(&wk->mu, NULL)) {
        free(wk);
        return mc_err_set(err, MC_ERR_NOMEM, "cannot create a mutex");
    }
    if (pthread_cond_init(&wk->wake, NULL) || pthread_cond_init(&wk->done, NULL)) {
        pthread_mutex_destroy(&wk->mu);
        free(wk);
        return mc_err_set(err, MC_ERR_NOMEM, "cannot create a condition variable");
    }
    atomic_init(&wk->next, 0);
    if (threads > 1) {
        wk->tid = calloc((size_t)threads - 1, sizeof *wk->tid);
        for (int i = 1; wk->tid && i < threads; i++) {
            worker_arg *a = malloc(sizeof *a);
            if (!a) break;
            a->wk = wk;
            a->index = i;
            if (pthread_create(&wk->tid[i - 1], NULL, worker_main, a)) {
                free(a);
                break; /* fewer threads: still correct */
            }
            wk->nthreads = i;
        }
    }
    *out = wk;
    return MC_OK;
}

void mc_nn_workers_free(mc_nn_workers *wk) {
    if (!wk) return;
    pthread_mutex_lock(&wk->mu);
    wk->quit = 1;
    pthread_cond_broadcast(&wk->wake);
    pthread_mutex_unlock(&wk->mu);
    for (int i = 0; i < wk->nthreads; i++) pthread_join(wk->tid[i], NULL);
    free(wk->tid);
    pthread_cond_destroy(&wk->wake);
    pthread_cond_destroy(&wk->done);
    pthread_mutex_destroy(&wk->mu);
    free(wk);
}

int mc_nn_workers_count(const mc_nn_workers *wk) { return wk ? wk->nthreads + 1 : 1; }

void mc_nn_workers_run(mc_nn_workers *wk, size_t n, int max_threads, mc_nn_task fn, void *ctx) {
    int t = mc_nn_workers_count(wk);
    if (max_threads > 0 && max_threads < t) t = max_threads;
    if ((size_t)t > n) t = (int)n;
    if (t <= 1) {
        for (size_t i = 0; i < n; i++) fn(ctx, i, 0);
        return;
    }
    pthread_mutex_lock(&wk->mu);
    wk->fn = fn;
    wk->ctx = ctx;
    wk->n = n;
    wk->active = t;
    wk->pending = t - 1;
    atomic_store_explicit(&wk->next, 0, memory_order_relaxed);
    wk->gen++;
    pthread_cond_broadcast(&wk->wake);
    pthread_mutex_unlock(&wk->mu);
    take_items(wk, fn, ctx, n, 0);
    pthread_mutex_lock(&wk->mu);
    while (wk->pending) pthread_cond_wait(&wk->done, &wk->mu);
    pthread_mutex_unlock(&wk->mu);
}
