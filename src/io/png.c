/*
 * png.c - PNG reader and writer (libspng 0.7.3), in memory: the reader
 * decodes the caller's buffer (spng_set_png_buffer), the writer streams into
 * an mc_membuf (spng_set_png_stream); mc_png_read / mc_png_write are the
 * path wrappers (io.h).
 *
 * Reading
 *   - 8/16-bit grayscale -> 1 channel; 8/16-bit truecolour -> 3 channels,
 *     samples exactly as stored, 16-bit ones in host order (libspng's
 *     SPNG_FMT_PNG gives and takes host-endian 16-bit samples in 0.7.3;
 *     checked against hand-built files and scikit-image by the tests).
 *   - 1/2/4-bit grayscale -> 8-bit samples with the SAME values (0..2^n-1, no
 *     scaling to 0..255); bits_stored = n.  Written back as 8-bit.
 *   - Palette images: if every PLTE entry is gray (r == g == b) -> 8-bit gray
 *     whose value is the entry's level; otherwise 8-bit RGB from the palette.
 *     An index outside the palette is MC_ERR_FORMAT.  Interlaced (Adam7)
 *     images are de-interlaced by libspng, except interlaced palette images
 *     with 1/2/4-bit indices (MC_ERR_UNSUPPORTED: libspng 0.7.3 unpacks
 *     interlaced sub-byte samples wrongly in its raw format).
 *   - Refused with MC_ERR_UNSUPPORTED: gray+alpha and RGBA (colour types 4/6)
 *     and any tRNS chunk: transparency is never dropped silently.
 *   - Spacing (x, y) from pHYs when its unit is the metre: 1000 / ppu mm.
 *   - Limits: spng_set_image_limits (from mc_limits), spng_set_chunk_limits
 *     (16 MiB per chunk, 64 MiB of cached ancillary data), CRC errors are fatal
 *     for ancillary chunks too, then mc_check_geometry before any pixel memory.
 *     The whole file through IEND is read, so text after IDAT is seen; the
 *     file must end with the complete IEND chunk (a cut tail or trailing
 *     bytes are MC_ERR_FORMAT).
 *
 * Metadata (text chunks, any of tEXt/zTXt/iTXt on read; iTXt on write):
 *   - keyword "medcrypt": the scheme metadata line (mc_meta_to_text);
 *     written only when img->has_meta; on read parsed with mc_meta_parse and
 *     has_meta set.  More than one is MC_ERR_AUTH (tampering, like metadata
 *     that does not parse).
 *   - keyword "medcrypt-image": image-model facts PNG cannot express; today
 *     "signed=1" (16-bit samples hold the int16 two's-complement bit pattern,
 *     also honoured for 8-bit).  Written only for signed images.  On read
 *     "signed=0|1" entries separated by ';'; any other key is
 *     MC_ERR_UNSUPPORTED (never misinterpret pixels).
 *
 * Aux blob (img->aux): one private ancillary chunk "mcAX" (ancillary,
 * private, reserved bit clear, NOT safe-to-copy: it depends on the pixels,
 * which its MAC covers, so an editor that changes the image must drop it),
 * its data the raw blob.  Written after IDAT when img->aux_len > 0 (and only
 * with metadata).  libspng 0.7.3 would keep unknown chunks only by
 * allocating them first, so the reader does not ask it to: after libspng has
 * validated the whole file, the chunk list is walked again here, the
 * length of mcAX checked against MC_AUX_MAX_BYTES before anything is
 * allocated (MC_ERR_LIMITS), its CRC checked (MC_ERR_FORMAT).  Two mcAX
 * chunks, an empty one, or one in a file without medcrypt metadata are
 * MC_ERR_AUTH (tampering, like a second metadata chunk).
 *
 * Carried through (img->src, a png_src owned by the image) when a PNG read
 * is written back as PNG: pHYs (kept bit-exact while the spacing is
 * unchanged) and all other text chunks (non-empty ones; zTXt re-compressed).
 * Colour-management chunks (gAMA, cHRM, sRGB, iCCP), sBIT, tIME and unknown
 * chunks are not carried.
 *
 * Writing: 8/16-bit gray or RGB, non-interlaced, one 2D image; depth > 1 is
 * MC_ERR_UNSUPPORTED.  Spacing -> pHYs (metre unit, rounded to whole pixels
 * per metre, so it is not exact).  Encoding errors -> MC_ERR_IO, a full
 * memory -> MC_ERR_NOMEM.
 */
#define _POSIX_C_SOURCE 200809L
#include "io/io.h"

#include <errno.h>
#include <math.h>
#include <spng.h>
#include <stdlib.h>
#include <zlib.h>

#define PNG_KW_META "medcrypt"
#define PNG_KW_IMAGE "medcrypt-image"
#define PNG_CHUNK_MAX (16u << 20)
#define PNG_CACHE_MAX (64u << 20)
#define PNG_AUX_CHUNK "mcAX"

/* ------------------------------------------------------------- source info */

typedef struct png_text_copy {
    char keyword[80];
    int type;
    size_t length;
    char *text;
    char *lang;
    char *tkey;
} png_text_copy;

typedef struct png_src {
    int has_phys;
    struct spng_phys phys;
    uint32_t n_text;
    png_text_copy *text;
} png_src;

static void png_src_free(void *p) {
    png_src *s = p;
    if (!s) return;
    for (uint32_t i = 0; i < s->n_text; i++) {
        free(s->text[i].text);
        free(s->text[i].lang);
        free(s->text[i].tkey);
    }
    free(s->text);
    free(s);
}

static char *dup_n(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (!d) return NULL;
    if (n) memcpy(d, s, n);
    d[n] = 0;
    return d;
}

/* ---------------------------------------------------------------- helpers */

static int spng_status(int e) {
    switch (e) {
    case SPNG_EUSER_WIDTH:
    case SPNG_EUSER_HEIGHT:
    case SPNG_ECHUNK_LIMITS:
        return MC_ERR_LIMITS;
    case SPNG_EMEM:
        return MC_ERR_NOMEM;
    case SPNG_IO_ERROR:
        return MC_ERR_IO;
    default:
        return MC_ERR_FORMAT;
    }
}

static int spng_fail(mc_err *err, int e, const char *what) {
    if (e == SPNG_IO_EOF || e == SPNG_EOF)
        return mc_err_set(err, MC_ERR_FORMAT, "PNG %s: truncated file", what);
    return mc_err_set(err, spng_status(e), "PNG %s: %s", what, spng_strerror(e));
}

/* ------------------------------------------------------------------- read */

static uint32_t be32(const uint8_t *b) {
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Walk the chunks of a file libspng has accepted and read the one mcAX
 * chunk, if any, into *out (malloc'ed): its length is checked against the
 * cap before the allocation. */
static int read_aux_chunk(const uint8_t *file, size_t flen, size_t pixel_bytes, uint8_t **out, size_t *outlen,
                          mc_err *err) {
    uint8_t *buf = NULL;
    size_t blen = 0, pos = 8;
    int rc = MC_OK;
    *out = NULL;
    *outlen = 0;
    for (;;) {
        if (flen - pos < 8) {
            rc = mc_err_set(err, MC_ERR_FORMAT, "PNG: truncated chunk list");
            break;
        }
        const uint8_t *h = file + pos;
        uint32_t len = be32(h);
        if (len > 0x7fffffffu) {
            rc = mc_err_set(err, MC_ERR_FORMAT, "PNG: invalid chunk length");
            break;
        }
        if (!memcmp(h + 4, "IEND", 4)) break;
        pos += 8;
        if (flen - pos < (size_t)len + 4) {
            rc = mc_err_set(err, MC_ERR_FORMAT, "PNG: truncated chunk");
            break;
        }
        if (memcmp(h + 4, PNG_AUX_CHUNK, 4)) {
            pos += (size_t)len + 4;
            continue;
        }
        if (buf) {
            rc = mc_err_set(err, MC_ERR_AUTH, "PNG: more than one %s aux chunk (tampered?)", PNG_AUX_CHUNK);
            break;
        }
        if (len == 0) {
            rc = mc_err_set(err, MC_ERR_AUTH, "PNG: empty %s aux chunk (tampered?)", PNG_AUX_CHUNK);
            break;
        }
        if ((rc = mc_aux_check_len(len, pixel_bytes, "PNG", err))) break;
        uLong crc = crc32(0L, h + 4, 4);
        for (size_t o = 0; o < len;) { /* crc32 takes uInt lengths */
            uInt k = (uInt)(len - o < (1u << 30) ? len - o : (1u << 30));
            crc = crc32(crc, file + pos + o, k);
            o += k;
        }
        if ((uint32_t)crc != be32(file + pos + len)) {
            rc = mc_err_set(err, MC_ERR_FORMAT, "PNG: CRC error in the %s aux chunk", PNG_AUX_CHUNK);
            break;
        }
        buf = malloc(len);
        if (!buf) {
            rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory allocating a %u-byte aux blob", (unsigned)len);
            break;
        }
        memcpy(buf, file + pos, len);
        blen = len;
        pos += (size_t)len + 4;
    }
    if (rc) {
        free(buf);
        return rc;
    }
    *out = buf;
    *outlen = buf ? blen : 0;
    return MC_OK;
}

int mc_png_read_mem(const uint8_t *file, size_t flen, const mc_limits *lim, mc_image **out, mc_err *err) {
    mc_limits def;
    if (!lim) {
        mc_limits_default(&def);
        lim = &def;
    }
    *out = NULL;
    if (!file || flen < 8) return mc_err_set(err, MC_ERR_FORMAT, "PNG: truncated signature");

    int rc = MC_OK, e;
    mc_image *img = NULL;
    uint8_t *tmp = NULL, *aux = NULL;
    size_t aux_len = 0;
    png_src *src = NULL;
    struct spng_text *texts = NULL;
    spng_ctx *ctx = spng_ctx_new(0);
    if (!ctx) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    uint32_t lw = lim->max_width > 0x7fffffffu ? 0x7fffffffu : lim->max_width;
    uint32_t lh = lim->max_height > 0x7fffffffu ? 0x7fffffffu : lim->max_height;
    if (lw == 0) lw = 1;
    if (lh == 0) lh = 1;
    if ((e = spng_set_crc_action(ctx, SPNG_CRC_ERROR, SPNG_CRC_ERROR)) ||
        (e = spng_set_image_limits(ctx, lw, lh)) ||
        (e = spng_set_chunk_limits(ctx, PNG_CHUNK_MAX, PNG_CACHE_MAX)) ||
        (e = spng_set_png_buffer(ctx, file, flen))) {
        rc = mc_err_set(err, MC_ERR_INTERNAL, "PNG: libspng setup failed: %s", spng_strerror(e));
        goto done;
    }

    struct spng_ihdr ihdr;
    if ((e = spng_get_ihdr(ctx, &ihdr))) {
        rc = spng_fail(err, e, "header");
        goto done;
    }
    unsigned depth = ihdr.bit_depth, channels, bits;
    int gray_palette = 0;
    struct spng_plte plte;
    switch (ihdr.color_type) {
    case SPNG_COLOR_TYPE_GRAYSCALE:
        channels = 1;
        bits = depth == 16 ? 16 : 8;
        break;
    case SPNG_COLOR_TYPE_TRUECOLOR:
        channels = 3;
        bits = depth;
        break;
    case SPNG_COLOR_TYPE_INDEXED:
        if ((e = spng_get_plte(ctx, &plte))) {
            rc = spng_fail(err, e, "palette");
            goto done;
        }
        gray_palette = 1;
        for (uint32_t i = 0; i < plte.n_entries; i++)
            if (plte.entries[i].red != plte.entries[i].green ||
                plte.entries[i].red != plte.entries[i].blue)
                gray_palette = 0;
        channels = gray_palette ? 1 : 3;
        bits = 8;
        break;
    case SPNG_COLOR_TYPE_GRAYSCALE_ALPHA:
    case SPNG_COLOR_TYPE_TRUECOLOR_ALPHA:
        rc = mc_err_set(err, MC_ERR_UNSUPPORTED,
                        "PNG with an alpha channel is not supported (the alpha would be lost)");
        goto done;
    default:
        rc = mc_err_set(err, MC_ERR_FORMAT, "PNG: invalid colour type %u", ihdr.color_type);
        goto done;
    }
    struct spng_trns trns;
    e = spng_get_trns(ctx, &trns);
    if (e == 0) {
        rc = mc_err_set(err, MC_ERR_UNSUPPORTED,
                        "PNG with transparency (tRNS) is not supported (it would be lost)");
        goto done;
    } else if (e != SPNG_ECHUNKAVAIL) {
        rc = spng_fail(err, e, "chunks");
        goto done;
    }

    size_t nbytes;
    if ((rc = mc_check_geometry(ihdr.width, ihdr.height, 1, channels, bits, lim, &nbytes, err)))
        goto done;
    if ((rc = mc_image_new(&img, ihdr.width, ihdr.height, 1, channels, bits, 0, lim, err))) goto done;
    img->format = MC_FMT_PNG;
    img->bits_stored = (uint8_t)(ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE && depth < 8 ? depth : bits);

    /* libspng 0.7.3's SPNG_FMT_PNG output is wrong for interlaced images with
     * 1/2/4-bit samples: gray of those depths goes through SPNG_FMT_G8
     * (scaled by bit replication, undone exactly below); palette indices are
     * looked up here, so an index outside the palette is caught (libspng's
     * RGB8 expansion does not reject it). */
    if (ihdr.color_type != SPNG_COLOR_TYPE_INDEXED) {
        int fmt = depth < 8 ? SPNG_FMT_G8 : SPNG_FMT_PNG;
        size_t dsize;
        if ((e = spng_decoded_image_size(ctx, fmt, &dsize))) {
            rc = spng_fail(err, e, "header");
            goto done;
        }
        if (dsize != nbytes) {
            rc = mc_err_set(err, MC_ERR_INTERNAL, "PNG: unexpected decoded size");
            goto done;
        }
        if ((e = spng_decode_image(ctx, img->pixels, nbytes, fmt, 0))) {
            rc = spng_fail(err, e, "image data");
            goto done;
        }
        if (depth < 8) {
            unsigned scale = 255u / ((1u << depth) - 1); /* 255, 85, 17 */
            uint8_t *px = img->pixels;
            for (size_t i = 0; i < nbytes; i++) {
                if (px[i] % scale) {
                    rc = mc_err_set(err, MC_ERR_INTERNAL, "PNG: unexpected %u-bit sample scaling", depth);
                    goto done;
                }
                px[i] = (uint8_t)(px[i] / scale);
            }
        }
    } else {
        if (depth < 8 && ihdr.interlace_method != SPNG_INTERLACE_NONE) {
            rc = mc_err_set(err, MC_ERR_UNSUPPORTED, "interlaced palette PNG with %u-bit indices is not supported",
                            depth);
            goto done;
        }
        size_t dsize, stride = ((size_t)ihdr.width * depth + 7) / 8;
        if ((e = spng_decoded_image_size(ctx, SPNG_FMT_PNG, &dsize))) {
            rc = spng_fail(err, e, "header");
            goto done;
        }
        if (dsize != stride * ihdr.height || dsize > nbytes) {
            rc = mc_err_set(err, MC_ERR_INTERNAL, "PNG: unexpected decoded size");
            goto done;
        }
        tmp = malloc(dsize);
        if (!tmp) {
            rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
            goto done;
        }
        if ((e = spng_decode_image(ctx, tmp, dsize, SPNG_FMT_PNG, 0))) {
            rc = spng_fail(err, e, "image data");
            goto done;
        }
        uint8_t *px = img->pixels;
        for (uint32_t y = 0; y < ihdr.height; y++) {
            const uint8_t *row = tmp + (size_t)y * stride;
            for (uint32_t x = 0; x < ihdr.width; x++) {
                size_t bit = (size_t)x * depth;
                unsigned v = depth == 8 ? row[x]
                                        : (row[bit >> 3] >> (8 - depth - (unsigned)(bit & 7))) & ((1u << depth) - 1);
                if (v >= plte.n_entries) {
                    rc = mc_err_set(err, MC_ERR_FORMAT, "PNG: palette index %u out of range", v);
                    goto done;
                }
                *px++ = plte.entries[v].red;
                if (!gray_palette) {
                    *px++ = plte.entries[v].green;
                    *px++ = plte.entries[v].blue;
                }
            }
        }
        free(tmp);
        tmp = NULL;
    }
    /* the rest of the file, through IEND (text chunks may follow IDAT) */
    if ((e = spng_decode_chunks(ctx))) {
        rc = spng_fail(err, e, "trailing chunks");
        goto done;
    }
    {
        /* libspng stops after IEND's type: insist on the complete chunk at
         * the very end (catches a cut tail; trailing bytes are refused too) */
        static const uint8_t iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
        if (flen < 12 || memcmp(file + flen - 12, iend, 12)) {
            rc = mc_err_set(err, MC_ERR_FORMAT, "PNG: truncated, or data after IEND");
            goto done;
        }
    }
    if ((rc = read_aux_chunk(file, flen, img->nbytes, &aux, &aux_len, err))) goto done;

    src = calloc(1, sizeof *src);
    if (!src) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        goto done;
    }
    e = spng_get_phys(ctx, &src->phys);
    if (e == 0) {
        src->has_phys = 1;
        if (src->phys.unit_specifier == 1) {
            if (src->phys.ppu_x) img->spacing[0] = 1000.0 / src->phys.ppu_x;
            if (src->phys.ppu_y) img->spacing[1] = 1000.0 / src->phys.ppu_y;
        }
    } else if (e != SPNG_ECHUNKAVAIL) {
        rc = spng_fail(err, e, "pHYs");
        goto done;
    }

    uint32_t ntext = 0;
    e = spng_get_text(ctx, NULL, &ntext);
    if (e == 0 && ntext > 0) {
        texts = calloc(ntext, sizeof *texts);
        src->text = calloc(ntext, sizeof *src->text);
        if (!texts || !src->text) {
            rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
            goto done;
        }
        if ((e = spng_get_text(ctx, texts, &ntext))) {
            rc = spng_fail(err, e, "text chunks");
            goto done;
        }
        int seen_meta = 0, seen_image = 0, is_signed = 0;
        for (uint32_t i = 0; i < ntext; i++) {
            const struct spng_text *t = &texts[i];
            if (!strcmp(t->keyword, PNG_KW_META)) {
                if (seen_meta++) {
                    rc = mc_err_set(err, MC_ERR_AUTH, "PNG: more than one %s text chunk (tampered?)", PNG_KW_META);
                    goto done;
                }
                if ((rc = mc_meta_parse(&img->meta, t->text, t->length, err))) goto done;
                img->has_meta = 1;
            } else if (!strcmp(t->keyword, PNG_KW_IMAGE)) {
                if (seen_image++) {
                    rc = mc_err_set(err, MC_ERR_FORMAT, "PNG: more than one %s text chunk", PNG_KW_IMAGE);
                    goto done;
                }
                if ((rc = mc_image_text_parse(t->text, t->length, &is_signed, "PNG " PNG_KW_IMAGE " text chunk", err))) goto done;
            } else if (t->length > 0) {
                png_text_copy *c = &src->text[src->n_text];
                memcpy(c->keyword, t->keyword, sizeof c->keyword);
                c->keyword[sizeof c->keyword - 1] = 0;
                c->type = t->type;
                c->length = t->length;
                c->text = dup_n(t->text, t->length);
                c->lang = dup_n(t->language_tag ? t->language_tag : "", t->language_tag ? strlen(t->language_tag) : 0);
                c->tkey = dup_n(t->translated_keyword ? t->translated_keyword : "",
                                t->translated_keyword ? strlen(t->translated_keyword) : 0);
                src->n_text++;
                if (!c->text || !c->lang || !c->tkey) {
                    rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
                    goto done;
                }
            }
        }
        img->is_signed = (uint8_t)is_signed;
    } else if (e != 0 && e != SPNG_ECHUNKAVAIL) {
        rc = spng_fail(err, e, "text chunks");
        goto done;
    }
    if (aux) {
        if (!img->has_meta) {
            rc = mc_err_set(err, MC_ERR_AUTH, "PNG: %s aux chunk without medcrypt metadata (tampered?)", PNG_AUX_CHUNK);
            goto done;
        }
        mc_image_take_aux(img, aux, aux_len);
        aux = NULL;
    }
    mc_image_set_src(img, src, png_src_free);
    src = NULL;

done:
    free(texts);
    free(tmp);
    free(aux);
    png_src_free(src);
    spng_ctx_free(ctx);
    if (rc) {
        mc_image_free(img);
        return rc;
    }
    *out = img;
    return MC_OK;
}

/* ------------------------------------------------------------------ write */

/* pHYs for a spacing in mm: whole pixels per metre, 0 if unrepresentable */
static uint32_t ppu_of(double mm) {
    if (!(mm > 0) || !isfinite(mm)) return 0;
    double ppu = floor(1000.0 / mm + 0.5);
    if (ppu < 1 || ppu > 2147483647.0) return 0;
    return (uint32_t)ppu;
}

/* libspng's output callback: append to our buffer */
static int png_sink(spng_ctx *ctx, void *user, void *data, size_t n) {
    (void)ctx;
    return mc_membuf_append(user, data, n) ? SPNG_IO_ERROR : 0;
}

int mc_png_write_mem(const mc_image *img, uint8_t **out, size_t *out_len, mc_err *err) {
    *out = NULL;
    *out_len = 0;
    if (!img || !img->pixels) return mc_err_set(err, MC_ERR_ARG, "PNG write: no image");
    if (img->depth > 1)
        return mc_err_set(err, MC_ERR_UNSUPPORTED,
                          "PNG holds one 2D image; use DICOM or NIfTI for volumes (%u slices)", img->depth);
    size_t nbytes;
    int rc = mc_check_geometry(img->width, img->height, img->depth, img->channels, img->bits, NULL, &nbytes, err);
    if (rc) return rc;
    if (nbytes != img->nbytes) return mc_err_set(err, MC_ERR_ARG, "PNG write: inconsistent image size");
    if (img->width > 0x7fffffffu || img->height > 0x7fffffffu)
        return mc_err_set(err, MC_ERR_LIMITS, "PNG write: image too large for PNG");

    if ((rc = mc_aux_check_write(img, "PNG write", err))) return rc;
    if (img->aux_len > 0x7fffffffu) return mc_err_set(err, MC_ERR_LIMITS, "PNG write: aux blob too large for a chunk");

    const png_src *src = (img->src && img->src_free == png_src_free) ? img->src : NULL;
    char *meta_text = NULL;
    size_t meta_len = 0;
    if (img->has_meta) {
        if ((rc = mc_meta_to_text(&img->meta, &meta_text, &meta_len)))
            return mc_err_set(err, rc, "PNG write: cannot serialise the metadata");
    }
    uint32_t ntext = (src ? src->n_text : 0) + 2, nt = 0;
    struct spng_text *texts = calloc(ntext, sizeof *texts);
    if (!texts) {
        free(meta_text);
        return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    }
    static char empty[] = "";
    static char signed_text[] = "signed=1";
    if (src) {
        for (uint32_t i = 0; i < src->n_text; i++) {
            struct spng_text *t = &texts[nt++];
            memcpy(t->keyword, src->text[i].keyword, sizeof t->keyword);
            t->type = src->text[i].type;
            t->length = src->text[i].length;
            t->text = src->text[i].text;
            t->language_tag = src->text[i].lang;
            t->translated_keyword = src->text[i].tkey;
        }
    }
    if (img->is_signed) {
        struct spng_text *t = &texts[nt++];
        snprintf(t->keyword, sizeof t->keyword, "%s", PNG_KW_IMAGE);
        t->type = SPNG_ITXT;
        t->text = signed_text;
        t->length = strlen(signed_text);
        t->language_tag = empty;
        t->translated_keyword = empty;
    }
    if (meta_text && meta_len > 0) {
        struct spng_text *t = &texts[nt++];
        snprintf(t->keyword, sizeof t->keyword, "%s", PNG_KW_META);
        t->type = SPNG_ITXT;
        t->text = meta_text;
        t->length = meta_len;
        t->language_tag = empty;
        t->translated_keyword = empty;
    }

    mc_membuf mb = {0};
    struct spng_unknown_chunk aux_chunk;
    memset(&aux_chunk, 0, sizeof aux_chunk);
    spng_ctx *ctx = spng_ctx_new(SPNG_CTX_ENCODER);
    int e;
    if (!ctx) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        goto done;
    }
    struct spng_ihdr ihdr = {0};
    ihdr.width = img->width;
    ihdr.height = img->height;
    ihdr.bit_depth = img->bits;
    ihdr.color_type = img->channels == 3 ? SPNG_COLOR_TYPE_TRUECOLOR : SPNG_COLOR_TYPE_GRAYSCALE;
    if ((e = spng_set_png_stream(ctx, png_sink, &mb)) || (e = spng_set_ihdr(ctx, &ihdr))) goto spng_err;

    struct spng_phys phys = {0};
    int have_phys = 0;
    if (src && src->has_phys) {
        /* keep the original chunk while the spacing is what it gave us */
        int same = src->phys.unit_specifier == 1
                       ? ((src->phys.ppu_x ? 1000.0 / src->phys.ppu_x : 0) == img->spacing[0] &&
                          (src->phys.ppu_y ? 1000.0 / src->phys.ppu_y : 0) == img->spacing[1])
                       : (img->spacing[0] == 0 && img->spacing[1] == 0);
        if (same) {
            phys = src->phys;
            have_phys = 1;
        }
    }
    if (!have_phys && img->spacing[0] > 0 && img->spacing[1] > 0) {
        phys.ppu_x = ppu_of(img->spacing[0]);
        phys.ppu_y = ppu_of(img->spacing[1]);
        phys.unit_specifier = 1;
        have_phys = phys.ppu_x && phys.ppu_y;
    }
    if (have_phys && (e = spng_set_phys(ctx, &phys))) goto spng_err;
    if (nt > 0 && (e = spng_set_text(ctx, texts, nt))) goto spng_err;
    if (img->aux_len > 0) {
        /* libspng keeps the pointer to the array: it lives until ctx is freed */
        aux_chunk.length = img->aux_len;
        aux_chunk.data = img->aux;
        aux_chunk.location = SPNG_AFTER_IDAT;
        memcpy(aux_chunk.type, PNG_AUX_CHUNK, 4);
        if ((e = spng_set_unknown_chunks(ctx, &aux_chunk, 1))) goto spng_err;
    }
    if ((e = spng_encode_image(ctx, img->pixels, img->nbytes, SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE)))
        goto spng_err;
    spng_ctx_free(ctx);
    ctx = NULL;
    mc_membuf_take(&mb, out, out_len);
    goto done;

spng_err:
    if (mb.failed) rc = mc_err_set(err, MC_ERR_NOMEM, "PNG write: out of memory");
    else rc = mc_err_set(err, MC_ERR_IO, "PNG encoding failed: %s", spng_strerror(e));
done:
    spng_ctx_free(ctx);
    mc_membuf_free(&mb);
    free(texts);
    free(meta_text);
    return rc;
}

int mc_png_read(const char *path, const mc_limits *lim, mc_image **out, mc_err *err) {
    return mc_read_path_with(path, lim, mc_png_read_mem, out, err);
}

int mc_png_write(const mc_image *img, const char *path, mc_err *err) {
    return mc_write_path_with(img, path, mc_png_write_mem, err);
}
