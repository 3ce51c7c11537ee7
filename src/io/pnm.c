/*
 * pnm.c - binary PGM (P5) and PPM (P6) reader and writer, in memory (a
 * read cursor over the caller's buffer; the writer fills an mc_membuf);
 * mc_pnm_read / mc_pnm_write are the path wrappers (io.h).
 *
 * A hand parser: Netpbm is trivial and not in our dependency set.
 *
 * Reading
 *   - P5 -> 1 channel, P6 -> 3 channels.  P1-P4 (ASCII / bitmap) and P7 (PAM)
 *     are MC_ERR_UNSUPPORTED.
 *   - Header: magic, width, height, maxval separated by whitespace and '#'
 *     comments (to end of line); then exactly one whitespace character (a
 *     comment directly after maxval also ends the header at its newline).
 *     Integers are overflow-checked: a width/height beyond 2^32-1 is
 *     MC_ERR_LIMITS, maxval must be 1..65535 (else MC_ERR_FORMAT).
 *   - maxval <= 255: 8-bit samples; > 255: 16-bit big-endian in the file,
 *     host-endian in memory.  bits_stored = ceil(log2(maxval + 1)).
 *     A sample above maxval is MC_ERR_FORMAT.  Short raster: MC_ERR_FORMAT.
 *     Anything but whitespace after the raster (a second image) is
 *     MC_ERR_UNSUPPORTED.
 *   - mc_check_geometry runs before the pixel allocation.
 *
 * Metadata: header comment lines written between the magic and the width:
 *     "# medcrypt-image signed=1"  (signed image: raw two's-complement bits)
 *     "# medcrypt <metadata line>" (scheme metadata, when img->has_meta)
 *   On read, a comment "# medcrypt <text>" is parsed with mc_meta_parse (more
 *   than one, or one longer than any valid metadata line, is MC_ERR_AUTH:
 *   tampering, as for metadata that does not parse); "# medcrypt-image ..." takes ';'-separated
 *   signed=0|1 entries (anything else MC_ERR_UNSUPPORTED).
 *
 * Aux blob (img->aux): header comment lines after the metadata comment,
 *     "# medcrypt-aux-size <bytes, decimal>"
 *     "# medcrypt-aux <base64>"   (one per 57 bytes: 76 characters, the last
 *                                  line 4..76, '='-padded; nothing else)
 *   one comment per line, so netpbm and every other reader skip them.  The
 *   size line comes first and once; the data lines follow it as consecutive
 *   comments (only whitespace between them), every line but the last exactly
 *   76 characters, canonical base64.  The header is read in one pass that
 *   validates and counts the data lines without storing them; once the
 *   geometry is known the declared size is checked against MC_AUX_MAX_BYTES
 *   (MC_ERR_LIMITS) and only then allocated and decoded in a second pass
 *   from the first data line's offset.  Any deviation (bad base64, a short
 *   line before the end, more or fewer bytes than declared, a second size
 *   line, data without the size line, an aux blob without the metadata) is
 *   MC_ERR_AUTH, like damaged metadata.  Other comments
 *   (up to 64 lines of up to 1 KiB) and the maxval are kept in img->src and
 *   written back when a PNM is written from a PNM.
 *
 * Writing: maxval is, in order of preference, the source file's maxval (if
 * the image came from a PNM, the sample width matches and every sample is
 * <= it), then 2^bits_stored - 1 (if bits_stored < bits and every sample
 * fits), else 255 / 65535.  A 16-bit image always gets a maxval > 255 so it
 * reads back as 16-bit; signed images always get 255 / 65535.  A full memory
 * is MC_ERR_NOMEM.  depth > 1: MC_ERR_UNSUPPORTED.
 */
#define _POSIX_C_SOURCE 200809L
#include "io/io.h"

#include <errno.h>
#include <stdlib.h>

#define PNM_KW_META "medcrypt"
#define PNM_KW_IMAGE "medcrypt-image"
#define PNM_KW_AUX "medcrypt-aux"
#define PNM_KW_AUX_SIZE "medcrypt-aux-size"
#define PNM_AUX_LINE 76 /* base64 characters per full line (57 bytes) */
#define PNM_MAX_COMMENTS 64
#define PNM_COMMENT_MAX 1024
/* longest comment we will buffer: the metadata line plus its keyword */
#define PNM_LINE_MAX (MC_META_TEXT_MAX + 64)

typedef struct pnm_src {
    unsigned maxval;
    unsigned ncomments;
    char *comments[PNM_MAX_COMMENTS]; /* text after '#', without the newline */
} pnm_src;

static void pnm_src_free(void *p) {
    pnm_src *s = p;
    if (!s) return;
    for (unsigned i = 0; i < s->ncomments; i++) free(s->comments[i]);
    free(s);
}

/* --------------------------------------------------------------- parsing */

/* A read cursor over the file's bytes (getc / ungetc / tell / seek). */
typedef struct pnm_in {
    const uint8_t *b;
    size_t n, pos;
} pnm_in;
#define IN_EOF (-1)
static int in_getc(pnm_in *in) { return in->pos < in->n ? in->b[in->pos++] : IN_EOF; }
static void in_ungetc(pnm_in *in) {
    if (in->pos > 0) in->pos--;
}

typedef struct pnm_parse {
    pnm_in *f;
    char *line; /* PNM_LINE_MAX + 1 */
    pnm_src *src;
    int seen_meta, seen_image, is_signed;
    mc_meta meta;
    /* aux blob, first pass (validated and counted, decoded later) */
    unsigned long ncomments, ntokens; /* for the contiguity of the data lines */
    int aux_size_seen, aux_final;
    uint64_t aux_declared, aux_have;
    size_t aux_lines;
    size_t aux_first; /* offset of the '#' of the first data line */
    unsigned long aux_last_comment, aux_tokens;
} pnm_parse;

static int is_ws(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

/* "# medcrypt-aux-size N": N decimal, no sign or leading zero, >= 1. */
static int aux_size_line(pnm_parse *p, const char *t, size_t n, mc_err *err) {
    if (p->aux_size_seen++)
        return mc_err_set(err, MC_ERR_AUTH, "PNM: more than one %s comment (tampered?)", PNM_KW_AUX_SIZE);
    if (p->aux_lines)
        return mc_err_set(err, MC_ERR_AUTH, "PNM: %s after the aux data (tampered?)", PNM_KW_AUX_SIZE);
    uint64_t v = 0;
    if (n == 0 || n > 19 || t[0] == '0') goto bad;
    for (size_t i = 0; i < n; i++) {
        if (t[i] < '0' || t[i] > '9') goto bad;
        v = v * 10 + (uint64_t)(t[i] - '0'); /* 19 digits cannot overflow */
    }
    p->aux_declared = v;
    return MC_OK;
bad:
    return mc_err_set(err, MC_ERR_AUTH, "PNM: malformed %s comment (tampered?)", PNM_KW_AUX_SIZE);
}

/* "# medcrypt-aux <base64>", first pass: validate and count only. */
static int aux_data_line(pnm_parse *p, size_t at, const char *t, size_t n, mc_err *err) {
    if (!p->aux_size_seen)
        return mc_err_set(err, MC_ERR_AUTH, "PNM: %s data without a %s comment (tampered?)", PNM_KW_AUX, PNM_KW_AUX_SIZE);
    if (p->aux_lines && (p->aux_final || p->ncomments != p->aux_last_comment + 1 || p->ntokens != p->aux_tokens))
        return mc_err_set(err, MC_ERR_AUTH, "PNM: %s lines out of order or interrupted (tampered?)", PNM_KW_AUX);
    uint8_t tmp[PNM_AUX_LINE / 4 * 3];
    size_t got;
    if (n < 4 || n > PNM_AUX_LINE || mc_b64_decode(tmp, sizeof tmp, t, n, &got))
        return mc_err_set(err, MC_ERR_AUTH, "PNM: malformed base64 in a %s comment (tampered?)", PNM_KW_AUX);
    if (got > p->aux_declared - p->aux_have)
        return mc_err_set(err, MC_ERR_AUTH, "PNM: more aux data than the declared %llu bytes (tampered?)",
                          (unsigned long long)p->aux_declared);
    if (!p->aux_lines) {
        p->aux_first = at;
        p->aux_tokens = p->ntokens;
    }
    p->aux_have += got;
    p->aux_final = n < PNM_AUX_LINE || got < sizeof tmp;
    p->aux_last_comment = p->ncomments;
    p->aux_lines++;
    return MC_OK;
}

/* After a '#': read the comment to the end of line.  *endc gets the
 * terminating character ('\n', '\r' or EOF). */
static int read_comment(pnm_parse *p, int *endc, mc_err *err) {
    size_t n = 0;
    int c, overflow = 0;
    size_t at = p->f->pos - 1; /* the '#' */
    p->ncomments++;
    while ((c = in_getc(p->f)) != IN_EOF && c != '\n' && c != '\r') {
        if (n < PNM_LINE_MAX) p->line[n++] = (char)c;
        else overflow = 1;
    }
    /* a header comment always ends with a newline before the raster */
    if (c == IN_EOF) return mc_err_set(err, MC_ERR_FORMAT, "PNM: truncated header (in a comment)");
    *endc = c;
    p->line[n] = 0;
    const size_t km = sizeof(" " PNM_KW_META " ") - 1, ki = sizeof(" " PNM_KW_IMAGE " ") - 1;
    const size_t ka = sizeof(" " PNM_KW_AUX " ") - 1, ks = sizeof(" " PNM_KW_AUX_SIZE " ") - 1;
    if (n >= ka && !memcmp(p->line, " " PNM_KW_AUX " ", ka)) {
        if (overflow) return mc_err_set(err, MC_ERR_AUTH, "PNM: %s comment too long (tampered?)", PNM_KW_AUX);
        return aux_data_line(p, at, p->line + ka, n - ka, err);
    }
    if (n >= ks && !memcmp(p->line, " " PNM_KW_AUX_SIZE " ", ks)) {
        if (overflow) return mc_err_set(err, MC_ERR_AUTH, "PNM: %s comment too long (tampered?)", PNM_KW_AUX_SIZE);
        return aux_size_line(p, p->line + ks, n - ks, err);
    }
    if (n >= km && !memcmp(p->line, " " PNM_KW_META " ", km)) {
        if (overflow) return mc_err_set(err, MC_ERR_AUTH, "PNM: medcrypt metadata comment too long (tampered?)");
        if (p->seen_meta++)
            return mc_err_set(err, MC_ERR_AUTH, "PNM: more than one medcrypt metadata comment (tampered?)");
        return mc_meta_parse(&p->meta, p->line + km, n - km, err);
    }
    if (n >= ki && !memcmp(p->line, " " PNM_KW_IMAGE " ", ki)) {
        if (overflow) return mc_err_set(err, MC_ERR_FORMAT, "PNM: %s comment too long", PNM_KW_IMAGE);
        if (p->seen_image++) return mc_err_set(err, MC_ERR_FORMAT, "PNM: more than one %s comment", PNM_KW_IMAGE);
        return mc_image_text_parse(p->line + ki, n - ki, &p->is_signed, "PNM " PNM_KW_IMAGE " comment", err);
    }
    /* an ordinary comment: keep a bounded number of short ones */
    if (!overflow && n <= PNM_COMMENT_MAX && p->src->ncomments < PNM_MAX_COMMENTS) {
        char *d = malloc(n + 1);
        if (!d) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        memcpy(d, p->line, n + 1);
        p->src->comments[p->src->ncomments++] = d;
    }
    return MC_OK;
}

/* Skip whitespace and comments, then read an unsigned decimal; the character
 * that ended it is pushed back.  Values above max give over_status. */
static int read_uint(pnm_parse *p, const char *what, uint64_t max, int over_status, uint64_t *out, mc_err *err) {
    int c, rc;
    for (;;) {
        c = in_getc(p->f);
        if (c == '#') {
            int endc;
            if ((rc = read_comment(p, &endc, err))) return rc;
            continue;
        }
        if (!is_ws(c)) break;
    }
    if (c == IN_EOF) return mc_err_set(err, MC_ERR_FORMAT, "PNM: truncated header (missing %s)", what);
    if (c < '0' || c > '9') return mc_err_set(err, MC_ERR_FORMAT, "PNM: bad header (expected %s)", what);
    uint64_t v = 0;
    int over = 0;
    while (c >= '0' && c <= '9') {
        if (v > (UINT64_MAX - 9) / 10) over = 1;
        else v = v * 10 + (uint64_t)(c - '0');
        if (v > max) over = 1;
        c = in_getc(p->f);
    }
    if (over) return mc_err_set(err, over_status, "PNM: %s out of range", what);
    if (c != IN_EOF) in_ungetc(p->f);
    *out = v;
    p->ntokens++;
    return MC_OK;
}

/* Second pass over the aux data lines (validated by the first): decode them
 * into out (exactly len bytes). */
static int read_aux_lines(pnm_parse *p, uint8_t *out, size_t len, mc_err *err) {
    const size_t ka = sizeof(" " PNM_KW_AUX " ") - 1;
    size_t o = 0;
    p->f->pos = p->aux_first;
    for (size_t i = 0; i < p->aux_lines; i++) {
        int c;
        while ((c = in_getc(p->f)) != IN_EOF && is_ws(c)) {
        }
        size_t n = 0;
        if (c == '#')
            while ((c = in_getc(p->f)) != IN_EOF && c != '\n' && c != '\r' && n < ka + PNM_AUX_LINE) p->line[n++] = (char)c;
        size_t got;
        if (n < ka || memcmp(p->line, " " PNM_KW_AUX " ", ka) ||
            mc_b64_decode(out + o, len - o, p->line + ka, n - ka, &got))
            return mc_err_set(err, MC_ERR_AUTH, "PNM: %s lines changed while reading (tampered?)", PNM_KW_AUX);
        o += got;
    }
    if (o != len) return mc_err_set(err, MC_ERR_AUTH, "PNM: %s lines changed while reading (tampered?)", PNM_KW_AUX);
    return MC_OK;
}

int mc_pnm_read_mem(const uint8_t *buf, size_t len, const mc_limits *lim, mc_image **out, mc_err *err) {
    *out = NULL;
    pnm_in in = {buf, buf ? len : 0, 0}, *f = &in;
    int rc = MC_OK;
    mc_image *img = NULL;
    pnm_parse *p = calloc(1, sizeof *p);
    if (p) {
        p->f = f;
        p->line = malloc(PNM_LINE_MAX + 1);
        p->src = calloc(1, sizeof *p->src);
    }
    if (!p || !p->line || !p->src) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        goto done;
    }

    int m0 = in_getc(f), m1 = in_getc(f);
    if (m0 != 'P' || m1 == IN_EOF) {
        rc = mc_err_set(err, MC_ERR_FORMAT, "not a PNM file");
        goto done;
    }
    unsigned channels;
    if (m1 == '5') channels = 1;
    else if (m1 == '6') channels = 3;
    else if (m1 >= '1' && m1 <= '4') {
        rc = mc_err_set(err, MC_ERR_UNSUPPORTED, "PNM P%c (plain/bitmap) is not supported; use binary P5 or P6", m1);
        goto done;
    } else if (m1 == '7') {
        rc = mc_err_set(err, MC_ERR_UNSUPPORTED, "PAM (P7) is not supported; use binary P5 or P6");
        goto done;
    } else {
        rc = mc_err_set(err, MC_ERR_FORMAT, "not a PNM file");
        goto done;
    }
    int c = in_getc(f);
    if (c == '#') in_ungetc(f);
    else if (!is_ws(c)) {
        rc = mc_err_set(err, MC_ERR_FORMAT, "PNM: bad magic number");
        goto done;
    }

    uint64_t w, h, maxval;
    if ((rc = read_uint(p, "width", UINT32_MAX, MC_ERR_LIMITS, &w, err)) ||
        (rc = read_uint(p, "height", UINT32_MAX, MC_ERR_LIMITS, &h, err)) ||
        (rc = read_uint(p, "maxval", 65535, MC_ERR_FORMAT, &maxval, err)))
        goto done;
    if (maxval == 0) {
        rc = mc_err_set(err, MC_ERR_FORMAT, "PNM: maxval 0 is invalid");
        goto done;
    }
    /* exactly one whitespace character, or a comment ending in a newline */
    c = in_getc(f);
    if (c == '#') {
        int endc;
        if ((rc = read_comment(p, &endc, err))) goto done;
        c = endc;
    }
    if (c == IN_EOF) {
        rc = mc_err_set(err, MC_ERR_FORMAT, "PNM: truncated (no raster)");
        goto done;
    }
    if (!is_ws(c)) {
        rc = mc_err_set(err, MC_ERR_FORMAT, "PNM: bad header after maxval");
        goto done;
    }

    unsigned bits = maxval > 255 ? 16 : 8;
    size_t nbytes;
    if ((rc = mc_check_geometry((uint32_t)w, (uint32_t)h, 1, channels, bits, lim, &nbytes, err))) goto done;
    if (p->aux_size_seen) {
        /* the declared size against the cap, before anything is allocated */
        if ((rc = mc_aux_check_len(p->aux_declared, nbytes, "PNM", err))) goto done;
        if (p->aux_have != p->aux_declared) {
            rc = mc_err_set(err, MC_ERR_AUTH, "PNM: aux blob truncated: %llu of %llu bytes (tampered?)",
                            (unsigned long long)p->aux_have, (unsigned long long)p->aux_declared);
            goto done;
        }
        if (!p->seen_meta) {
            rc = mc_err_set(err, MC_ERR_AUTH, "PNM: aux blob without medcrypt metadata (tampered?)");
            goto done;
        }
    }
    if ((rc = mc_image_new(&img, (uint32_t)w, (uint32_t)h, 1, channels, bits, p->is_signed, lim, err))) goto done;
    img->format = MC_FMT_PNM;
    unsigned bs = 0;
    while (bs < 16 && (1u << bs) - 1 < maxval) bs++;
    img->bits_stored = (uint8_t)(p->is_signed ? bits : bs);

    /* raster: read straight into the pixel buffer, then fix byte order */
    if (f->n - f->pos < nbytes) {
        rc = mc_err_set(err, MC_ERR_FORMAT, "PNM: truncated raster (need %zu bytes)", nbytes);
        goto done;
    }
    memcpy(img->pixels, f->b + f->pos, nbytes);
    f->pos += nbytes;
    size_t ns = nbytes / (bits / 8);
    if (bits == 16) {
        uint16_t *s = img->pixels;
        const uint8_t *b = img->pixels;
        for (size_t i = 0; i < ns; i++) {
            uint16_t v = (uint16_t)(b[2 * i] << 8 | b[2 * i + 1]);
            s[i] = v;
            if (v > maxval && !p->is_signed) {
                rc = mc_err_set(err, MC_ERR_FORMAT, "PNM: sample %u exceeds maxval %u", v, (unsigned)maxval);
                goto done;
            }
        }
    } else if (maxval < 255 && !p->is_signed) {
        const uint8_t *b = img->pixels;
        for (size_t i = 0; i < ns; i++)
            if (b[i] > maxval) {
                rc = mc_err_set(err, MC_ERR_FORMAT, "PNM: sample %u exceeds maxval %u", b[i], (unsigned)maxval);
                goto done;
            }
    }
    /* only whitespace may follow (no multi-image files) */
    while ((c = in_getc(f)) != IN_EOF)
        if (!is_ws(c)) {
            rc = mc_err_set(err, MC_ERR_UNSUPPORTED, "PNM: data after the image (multi-image files are not supported)");
            goto done;
        }
    if (p->seen_meta) {
        img->meta = p->meta;
        img->has_meta = 1;
    }
    if (p->aux_size_seen) {
        uint8_t *aux = malloc((size_t)p->aux_declared);
        if (!aux) {
            rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory allocating a %llu-byte aux blob",
                            (unsigned long long)p->aux_declared);
            goto done;
        }
        mc_image_take_aux(img, aux, (size_t)p->aux_declared);
        if ((rc = read_aux_lines(p, img->aux, img->aux_len, err))) goto done;
    }
    p->src->maxval = (unsigned)maxval;
    mc_image_set_src(img, p->src, pnm_src_free);
    p->src = NULL;

done:
    if (p) {
        free(p->line);
        pnm_src_free(p->src);
        free(p);
    }
    if (rc) {
        mc_image_free(img);
        return rc;
    }
    *out = img;
    return MC_OK;
}

/* ------------------------------------------------------------------ write */

static int samples_fit(const mc_image *img, unsigned maxval) {
    size_t n = img->nbytes / (img->bits / 8);
    if (img->bits == 16) {
        const uint16_t *s = img->pixels;
        for (size_t i = 0; i < n; i++)
            if (s[i] > maxval) return 0;
    } else {
        const uint8_t *s = img->pixels;
        for (size_t i = 0; i < n; i++)
            if (s[i] > maxval) return 0;
    }
    return 1;
}

int mc_pnm_write_mem(const mc_image *img, uint8_t **out, size_t *out_len, mc_err *err) {
    *out = NULL;
    *out_len = 0;
    if (!img || !img->pixels) return mc_err_set(err, MC_ERR_ARG, "PNM write: no image");
    if (img->depth > 1)
        return mc_err_set(err, MC_ERR_UNSUPPORTED,
                          "PGM/PPM holds one 2D image; use DICOM or NIfTI for volumes (%u slices)", img->depth);
    size_t nbytes;
    int rc = mc_check_geometry(img->width, img->height, img->depth, img->channels, img->bits, NULL, &nbytes, err);
    if (rc) return rc;
    if (nbytes != img->nbytes) return mc_err_set(err, MC_ERR_ARG, "PNM write: inconsistent image size");

    const pnm_src *src = (img->src && img->src_free == pnm_src_free) ? img->src : NULL;
    unsigned full = img->bits == 16 ? 65535u : 255u, maxval = full;
    if (!img->is_signed) {
        unsigned cand = 0;
        if (src && src->maxval && (src->maxval > 255) == (img->bits == 16) && src->maxval < full)
            cand = src->maxval;
        if (cand && samples_fit(img, cand)) maxval = cand;
        else if (img->bits_stored >= 1 && img->bits_stored < img->bits) {
            cand = (1u << img->bits_stored) - 1;
            if ((img->bits == 8 || cand > 255) && samples_fit(img, cand)) maxval = cand;
        }
    }

    if ((rc = mc_aux_check_write(img, "PNM write", err))) return rc;
    char *meta_text = NULL;
    size_t meta_len = 0;
    if (img->has_meta && (rc = mc_meta_to_text(&img->meta, &meta_text, &meta_len)))
        return mc_err_set(err, rc, "PNM write: cannot serialise the metadata");

    mc_membuf mb = {0}, *f = &mb;
    mc_membuf_printf(f, "P%c\n", img->channels == 3 ? '6' : '5');
    if (img->is_signed) mc_membuf_printf(f, "# %s signed=1\n", PNM_KW_IMAGE);
    if (meta_text && meta_len > 0) mc_membuf_printf(f, "# %s %s\n", PNM_KW_META, meta_text);
    if (img->aux_len > 0) {
        char line[PNM_AUX_LINE];
        const size_t per = PNM_AUX_LINE / 4 * 3;
        mc_membuf_printf(f, "# %s %zu\n", PNM_KW_AUX_SIZE, img->aux_len);
        for (size_t o = 0; o < img->aux_len; o += per) {
            size_t k = img->aux_len - o < per ? img->aux_len - o : per;
            mc_b64_encode(line, img->aux + o, k);
            mc_membuf_printf(f, "# %s %.*s\n", PNM_KW_AUX, (int)MC_B64_LEN(k), line);
        }
    }
    if (src)
        for (unsigned i = 0; i < src->ncomments; i++) mc_membuf_printf(f, "#%s\n", src->comments[i]);
    mc_membuf_printf(f, "%u %u\n%u\n", img->width, img->height, maxval);
    free(meta_text);

    if (img->bits == 8) {
        mc_membuf_append(f, img->pixels, img->nbytes);
    } else {
        uint8_t buf[8192];
        const uint16_t *s = img->pixels;
        size_t n = img->nbytes / 2, i = 0;
        while (i < n && !f->failed) {
            size_t k = 0;
            for (; k < sizeof buf / 2 && i < n; k++, i++) {
                buf[2 * k] = (uint8_t)(s[i] >> 8);
                buf[2 * k + 1] = (uint8_t)s[i];
            }
            mc_membuf_append(f, buf, 2 * k);
        }
    }
    if (f->failed) {
        mc_membuf_free(f);
        return mc_err_set(err, MC_ERR_NOMEM, "PNM write: out of memory");
    }
    mc_membuf_take(f, out, out_len);
    return MC_OK;
}

int mc_pnm_read(const char *path, const mc_limits *lim, mc_image **out, mc_err *err) {
    return mc_read_path_with(path, lim, mc_pnm_read_mem, out, err);
}

int mc_pnm_write(const mc_image *img, const char *path, mc_err *err) {
    return mc_write_path_with(img, path, mc_pnm_write_mem, err);
}
