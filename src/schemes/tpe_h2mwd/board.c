/* board.c - tpe-h2mwd on bit boards: the driver every implementation shares.
 *
 * Square blocks of side K = 8, 16, 32 or 64 (every full block at the usual
 * block sizes) run on bit boards: plane p is the K^2-bit string of its cells
 * in raster order (cell (r, c) = bit rK + c, LSB first), nw = K^2 / 64 words;
 * at K = 32 a word holds two rows, at K = 64 one.  With K a power of two
 * every keyed value of ref.c is a plain bit field (no rejection), so all of a
 * block's keyed bytes (every round) come from its stream in one call
 * (one XChaCha20 key setup instead of one per 512 bytes), and a round's bit
 * fields are cut from them where ref.c's tpe_bits would have taken them.
 * Each step of a round goes to the implementation's kernel (h2mwd.h):
 *  - ZMP: a model's traversal read in raster order is a fixed permutation of
 *    the plane's bits (a Benes network, benes.c) and the start a rotation of
 *    the traversal-order string; the model and the start come from the
 *    plane's count of ones, computed here;
 *  - PMH2M's sequences (seqs.h) and moves;
 *  - WDPCS.
 * test_tpe compares every implementation with ref.c on random blocks;
 * test_tpe_golden pins the cipher. */
#include "schemes/tpe_h2mwd/h2mwd.h"

#include <sodium.h>

static inline uint64_t load_le64(const uint8_t *p, int le) {
    uint64_t x;
    memcpy(&x, p, 8);
    return le ? x : __builtin_bswap64(x);
}

/* w-bit field at bit bp of fb (LSB first; fb padded) */
static inline uint32_t board_field(const uint8_t *fb, size_t bp, unsigned w, int le) {
    return (uint32_t)((load_le64(fb + (bp >> 3), le) >> (bp & 7)) & ((1ULL << w) - 1));
}

/* Bits of keyed fields per round: ZMP (model, row, column) per low plane,
 * then Imp1 Vis1 Imp2 Vis2 offsets per low plane; then the WDPCS bytes. */
static size_t board_field_bits(unsigned L, uint32_t K, unsigned k) {
    return (size_t)L * (3 + 2 * k) + (size_t)L * K * (4 + 2 * k);
}

static size_t board_wd_bytes(unsigned P, uint32_t K) {
    return (P - 1) * ((size_t)K * K / 16);
}

size_t mc_tpe_h2_board_bytes(unsigned P, uint32_t K, unsigned rounds) {
    const size_t B = board_field_bits(P / 2, K, tpe_width(K));
    return (size_t)rounds * ((B + 7) / 8 + board_wd_bytes(P, K));
}

/* ZMP of the L low boards: each one's model and start from its ones and
 * the fields at bit bz of fb, then the kernel */
static void board_zmp(h2_state *h, const h2_geo *g, uint64_t *bb, const uint8_t *fb, size_t bz, int enc, int le,
                      uint32_t K) {
    const size_t n = (size_t)K * K, nw = n / 64;
    const unsigned k = tpe_width(K), S = 4 * k - 1;
    const uint64_t *masks[8];
    size_t rot[8];
    for (unsigned q = 0; q < h->L; q++) {
        const size_t bp = bz + q * (3 + 2 * k);
        const size_t c1 = h->impl->ones(bb + q * nw, nw), c0 = n - c1;
        const uint32_t o0 = board_field(fb, bp, 3, le), o1 = board_field(fb, bp + 3, k, le),
                       o2 = board_field(fb, bp + 3 + k, k, le);
        const unsigned model = (unsigned)(((c1 % 8) + 8 - (c0 % 8)) % 8 + o0) % 8;
        const size_t sr = (c0 + o1) & (K - 1), sc = (c1 + o2) & (K - 1);
        rot[q] = g->inv[model * n + sr * K + sc];
        masks[q] = g->benes + model * S * nw;
    }
    h->impl->zmp(bb, h->L, K, masks, rot, enc, h->scratch);
}

/* The sequences of the L low boards (offsets from bit bs of fb) */
static void board_seqs(h2_state *h, const uint64_t *bb, const uint8_t *fb, size_t bs, uint32_t K) {
    const unsigned k = tpe_width(K);
    const size_t nw = (size_t)K * K / 64, per = (size_t)K * (4 + 2 * k);
    for (unsigned q = 0; q < h->L; q++) h->impl->seqs(bb + q * nw, K, fb, bs + q * per, h->kd + 128 * q, h->dd + 128 * q);
}

/* One round r of block material h->sbuf (offsets h->roff, h->rn0). */
static void board_round(h2_state *h, const h2_geo *g, unsigned r, int enc, uint32_t K) {
    const unsigned k = tpe_width(K), L = h->L;
    const size_t nw = (size_t)K * K / 64, wdbytes = board_wd_bytes(h->P, K);
    const int le = mc_host_le();
    const unsigned n0 = h->rn0[r];
    const size_t need = (board_field_bits(L, K, k) - n0 + 7) / 8;
    /* the round's fields as one bit string (as ref.c's mat_draw takes them):
     * the n0 bits left in the last field byte of round r - 1, then `need` bytes */
    uint8_t *fb = h->rbuf;
    fb[0] = n0 ? (uint8_t)(h->sbuf[h->roff[r] - wdbytes - 1] & (0xFFu << (8 - n0))) : 0;
    memcpy(fb + 1, h->sbuf + h->roff[r], need);
    memset(fb + 1 + need, 0, 8);
    const size_t bz = 8 - n0, bs = bz + (size_t)L * (3 + 2 * k);
    const uint8_t *wd = h->sbuf + h->roff[r] + need;
    uint64_t *bb = h->bb;
    if (enc) {
        board_zmp(h, g, bb, fb, bz, 1, le, K);
        board_seqs(h, bb, fb, bs, K);
        h->impl->moves(h->tables, bb + L * nw, L, K, h->kd, h->dd, 1, h->scratch);
        h->impl->wdpcs(bb, h->P, K, wd, 1);
    } else {
        h->impl->wdpcs(bb, h->P, K, wd, 0);
        board_seqs(h, bb, fb, bs, K);
        h->impl->moves(h->tables, bb + L * nw, L, K, h->kd, h->dd, 0, h->scratch);
        board_zmp(h, g, bb, fb, bz, 0, le, K);
    }
}

/* A board-shaped block: every round's keyed bytes in one call, then the
 * rounds (forwards or backwards) on the boards. */
int mc_tpe_h2_board_block(h2_state *h, const h2_geo *g, const tpe_block *b, int enc) {
    const uint32_t K = b->bw;
    const unsigned k = tpe_width(K);
    const size_t nw = (size_t)K * K / 64, wdbytes = board_wd_bytes(h->P, K);
    const size_t B = board_field_bits(h->L, K, k);
    size_t off = 0;
    unsigned n0 = 0;
    for (unsigned r = 0; r < h->rounds; r++) {
        const size_t need = (B - n0 + 7) / 8;
        h->roff[r] = off;
        h->rn0[r] = (uint8_t)n0;
        off += need + wdbytes;
        n0 = (unsigned)(8 * need + n0 - B);
    }
    if (off > h->sbuf_size) return MC_ERR_INTERNAL; /* sized by scheme.c for the largest board */
    mc_stream s;
    mc_stream_init(&s, b->ctx->key, b->ctx->nonce, "tpe-h2mwd", b->plane, b->index);
    mc_stream_bytes(&s, h->sbuf, off);
    mc_stream_wipe(&s);
    h->impl->split(b->v, nw, h->P, h->bb);
    for (unsigned i = 0; i < h->rounds; i++) board_round(h, g, enc ? i : h->rounds - 1 - i, enc, K);
    h->impl->merge(h->bb, nw, h->P, b->v);
    return MC_OK;
}
