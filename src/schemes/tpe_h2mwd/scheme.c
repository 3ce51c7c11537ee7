/* scheme.c - "tpe-h2mwd": exact thumbnail-preserving encryption with a
 * hidden-Markov-model bit permutation and weighted diffusion (Chai, Chen, Ma,
 * Zuo, Gan, Zhang, FITEE 2023).  The construction is ref.c (read it first);
 * docs/schemes/tpe-h2mwd.md lists every place the paper's text is silent or
 * ambiguous and the choice made here.
 *
 * This file: the parameters, the table of implementations and the choice of
 * one, the working state of an image, and which path each block takes:
 *   square blocks of side 8, 16, 32, 64   bit boards (board.c) with the
 *                                         implementation's kernels
 *   square blocks of side 48              8 x 8 tiles (tiles.c)
 *   every other block (edges, odd sides)  ref.c
 * The implementation "ref" sends every block to ref.c.  All give the same
 * cipher (test_tpe, test_tpe_golden).
 *
 * Choosing: mc_tpe_h2mwd_impl_best() takes the first implementation of the
 * table whose CPU features mc_cpu_features() has (probed once per process,
 * lowered by MEDCRYPT_CPU=portable|avx2), once per image: no global state. */
#include "schemes/schemes.h"
#include "schemes/tpe_h2mwd/h2mwd.h"

#include <sodium.h>
#include <stdlib.h>

static const mc_param_def tpe_h2mwd_params[] = {
    {"block", "32", "block side in pixels, 2..256: the thumbnail tile whose sum is kept (paper: 32)"},
    {"rounds", "10", "encryption rounds, 1..256 (paper: 10)"},
};

/* ------------------------------------------------------ implementations */

const mc_tpe_h2mwd_impl mc_tpe_h2mwd_impl_ref = {.name = "ref", .cpu = 0};

static const mc_tpe_h2mwd_impl *const k_impls[] = {
#if MC_TPE_X86
    &mc_tpe_h2mwd_impl_avx512,
    &mc_tpe_h2mwd_impl_avx2_pdep,
    &mc_tpe_h2mwd_impl_avx2,
#endif
    &mc_tpe_h2mwd_impl_portable,
    &mc_tpe_h2mwd_impl_ref,
};

const mc_tpe_h2mwd_impl *const *mc_tpe_h2mwd_impls(size_t *n) {
    *n = sizeof k_impls / sizeof k_impls[0];
    return k_impls;
}

const mc_tpe_h2mwd_impl *mc_tpe_h2mwd_impl_get(const char *name) {
    for (size_t i = 0; i < sizeof k_impls / sizeof k_impls[0]; i++)
        if (!strcmp(k_impls[i]->name, name)) return mc_cpu_has(k_impls[i]->cpu) ? k_impls[i] : NULL;
    return NULL;
}

const mc_tpe_h2mwd_impl *mc_tpe_h2mwd_impl_best(void) {
    for (size_t i = 0; i < sizeof k_impls / sizeof k_impls[0]; i++)
        if (k_impls[i]->split && mc_cpu_has(k_impls[i]->cpu)) return k_impls[i];
    return &mc_tpe_h2mwd_impl_portable;
}

/* ------------------------------------------------------------- state */

/* Cut `bytes` (64-byte aligned) from the arena at *off, or only count them
 * (arena NULL). */
static void *carve(uint8_t *arena, size_t *off, size_t bytes) {
    void *p = arena ? arena + *off : NULL;
    *off += (bytes + 63) & ~(size_t)63;
    return p;
}

/* Lay the buffers out in h->arena (NULL: only size them); returns the size. */
static size_t h2_layout(h2_state *h) {
    const size_t nn = (size_t)h->block * h->block, blk = h->block;
    uint8_t *a = h->arena;
    size_t off = 0;
    uint8_t *pool = carve(a, &off, (size_t)(h->P + 1) * nn);
    for (unsigned p = 0; p <= h->P; p++) h->pl[p] = pool ? pool + p * nn : NULL;
    h->tmp = carve(a, &off, 2 * blk);
    h->occ = carve(a, &off, blk);
    h->dest = carve(a, &off, blk * sizeof *h->dest);
    h->cnt = carve(a, &off, 2 * blk * sizeof *h->cnt);
    h->seqb = carve(a, &off, 2 * blk);
    h->seqv = carve(a, &off, 2 * blk * sizeof *h->seqv);
    h->mat = carve(a, &off, h->mat_u16 * h->mat_rounds * sizeof *h->mat);
    h->wd = carve(a, &off, h->wd_bytes * h->mat_rounds);
    h->tl = carve(a, &off, (size_t)h->P * 64 * sizeof *h->tl);
    h->bb = carve(a, &off, (size_t)h->P * 64 * sizeof *h->bb);
    h->scratch = carve(a, &off, H2_SCRATCH * sizeof *h->scratch);
    h->kd = carve(a, &off, 128 * (size_t)h->L);
    h->dd = carve(a, &off, 128 * (size_t)h->L);
    h->sbuf = carve(a, &off, h->sbuf_size);
    h->rbuf = carve(a, &off, H2_RBUF);
    return off;
}

/* Working state for samples of `bits` bits, blocks up to block x block,
 * `rounds` rounds, through impl.  h2_free() it whatever happens. */
static int h2_init(h2_state *h, const mc_tpe_h2mwd_impl *impl, unsigned bits, unsigned block, unsigned rounds, int enc,
                   mc_err *err) {
    *h = (h2_state){.impl = impl, .P = bits, .L = bits / 2u, .rounds = rounds, .block = block};
    h->mat_rounds = enc ? 1 : rounds; /* encryption draws one round at a time */
    h->mat_u16 = 3 * (size_t)h->L + (size_t)h->L * 4 * block;
    h->wd_bytes = (size_t)(h->P - 1) * (((size_t)block * block / 2 + 7) / 8);
    /* the largest board a block of at most block x block can be */
    uint32_t K = 0;
    for (uint32_t k = 8; k <= 64 && k <= block; k *= 2) K = k;
    h->sbuf_size = K ? mc_tpe_h2_board_bytes(h->P, K, rounds) : 0;
    h->arena_size = h2_layout(h);
    h->arena = aligned_alloc(64, h->arena_size);
    if (!h->arena || (impl->tables_new && !(h->tables = impl->tables_new())))
        return mc_err_set(err, MC_ERR_NOMEM, "tpe-h2mwd: out of memory");
    h2_layout(h);
    return MC_OK;
}

static void h2_free(h2_state *h) {
    for (unsigned i = 0; i < h->ng; i++) mc_tpe_h2_geo_free(&h->g[i]);
    if (h->arena) sodium_memzero(h->arena, h->arena_size);
    free(h->arena);
    if (h->tables) h->impl->tables_free(h->tables);
    sodium_memzero(h, sizeof *h);
}

/* One block through the path its shape takes. */
static int h2_block(void *user, const tpe_block *b, int enc, mc_err *err) {
    h2_state *h = user;
    const h2_geo *g;
    int rc = mc_tpe_h2_geo_get(h, b->bh, b->bw, &g);
    if (!rc) {
        if (h->impl->split && h2_board_shape(b->bh, b->bw)) rc = mc_tpe_h2_board_block(h, g, b, enc);
        else if (h->impl->split && mc_tpe_h2_tiles_shape(b->bh, b->bw)) mc_tpe_h2_tiles_block(h, g, b, enc);
        else mc_tpe_h2_ref_block(h, g, b, enc);
    }
    return rc ? mc_err_set(err, rc, "tpe-h2mwd: %s", rc == MC_ERR_NOMEM ? "out of memory" : "internal error")
              : MC_OK;
}

int mc_tpe_h2mwd_image(const mc_scheme_ctx *ctx, mc_image *img, int enc, const mc_tpe_h2mwd_impl *impl,
                       mc_err *err) {
    unsigned block, rounds;
    int rc = mc_tpe_param_uint(ctx, &mc_scheme_tpe_h2mwd, "block", TPE_BLOCK_MIN, TPE_BLOCK_MAX, &block, err);
    if (!rc)
        rc = mc_tpe_param_uint(ctx, &mc_scheme_tpe_h2mwd, "rounds", TPE_ROUNDS_MIN, TPE_ROUNDS_MAX, &rounds, err);
    if (rc) return rc;
    h2_state h;
    rc = h2_init(&h, impl, img->bits, block, rounds, enc, err);
    if (!rc) rc = mc_tpe_for_each_block(ctx, img, block, enc, h2_block, &h, err);
    h2_free(&h);
    return rc;
}

int mc_tpe_h2mwd_block(const tpe_block *b, unsigned rounds, int enc, const mc_tpe_h2mwd_impl *impl, mc_err *err) {
    if (b->bh < TPE_BLOCK_MIN || b->bw < TPE_BLOCK_MIN || b->bh > TPE_BLOCK_MAX || b->bw > TPE_BLOCK_MAX ||
        rounds < TPE_ROUNDS_MIN || rounds > TPE_ROUNDS_MAX || (b->bits != 8 && b->bits != 16) || !impl)
        return mc_err_set(err, MC_ERR_INTERNAL, "tpe-h2mwd: bad test block");
    h2_state h;
    int rc = h2_init(&h, impl, b->bits, b->bh > b->bw ? b->bh : b->bw, rounds, enc, err);
    if (!rc) rc = h2_block(&h, b, enc, err);
    h2_free(&h);
    return rc;
}

static int tpe_h2mwd_encrypt(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    return mc_tpe_h2mwd_image(ctx, img, 1, mc_tpe_h2mwd_impl_best(), err);
}

static int tpe_h2mwd_decrypt(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    return mc_tpe_h2mwd_image(ctx, img, 0, mc_tpe_h2mwd_impl_best(), err);
}

const mc_scheme mc_scheme_tpe_h2mwd = {
    .name = "tpe-h2mwd",
    .title = "exact thumbnail-preserving encryption: zigzag + hidden-Markov bit-plane permutation, "
             "sum-preserving weighted diffusion",
    .paper = "Chai, Chen, Ma, Zuo, Gan, Zhang: exact thumbnail-preserving encryption with a hidden Markov model "
             "and weighted diffusion (TPE-H2MWD), Front Inform Technol Electron Eng 24(8), 2023",
    .bits = MC_BITS_8 | MC_BITS_16,
    .profiles = MC_PROFILES_PAPER | MC_PROFILES_HARDENED,
    .params = tpe_h2mwd_params,
    .nparams = sizeof tpe_h2mwd_params / sizeof tpe_h2mwd_params[0],
    .encrypt = tpe_h2mwd_encrypt,
    .decrypt = tpe_h2mwd_decrypt,
    .flags = 0,
};
