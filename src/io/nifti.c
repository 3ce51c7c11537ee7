/*
 * nifti.c - NIfTI-1 single-file (.nii / .nii.gz) reader and writer.
 *
 * niftilib (nifti1_io.h) supplies the header layout, byte swapping, the
 * datatype names and the default header; file I/O is zlib's gz* (which reads
 * plain files transparently and reports truncation / CRC errors through
 * gzerror).  The read and write sequences are ours because niftilib's entry
 * points are unsafe or uncheckable for this use: nifti_image_write() returns
 * void (no error status) and derives file names from a prefix (it would not
 * write to an arbitrary temporary name), nifti_image_read() allocates
 * extensions and data before we can apply our limits, and znzlib hides
 * gzread's "unexpected end of file" status.  None of the niftilib functions
 * used here print or touch niftilib's global options.
 *
 * Reading (gzip detected from the content, not the name, so a spooled or
 * renamed file works)
 *   - 348-byte header, either byte order.  NIfTI-2 and the two-file "ni1"
 *     form and ANALYZE 7.5 are MC_ERR_UNSUPPORTED.
 *   - dim[0] 1..7, every used dim >= 1; dims 4..7 must be 1 (a 4D file with
 *     nt == 1 is fine, a time series is MC_ERR_UNSUPPORTED).
 *   - datatype DT_UINT8 (8-bit unsigned), DT_INT16 (16-bit signed),
 *     DT_UINT16 (16-bit unsigned); RGB24 and every other type are
 *     MC_ERR_UNSUPPORTED naming the type.  bitpix must agree.
 *   - voxels are raw stored values: scl_slope / scl_inter are NOT applied
 *     (they stay in the carried header, so a write-back keeps their meaning).
 *   - vox_offset must be an integer >= 348 and <= 352 + 64 MiB (bounds the
 *     extension memory); mc_check_geometry runs before any pixel allocation;
 *     the data is read with an exact length check and gzerror checks (short,
 *     cut or corrupt .gz -> MC_ERR_FORMAT); one more read reaches the end of
 *     the gzip member so its CRC and length are verified.
 *   - spacing (mm) from pixdim[1..3] using xyzt_units (metre, mm, micron;
 *     unknown is taken as mm); non-positive values give 0.
 *
 * Metadata: a NIfTI-1 header extension with ecode NIFTI_ECODE_COMMENT (6,
 * "plain ASCII text") whose content is the metadata line, which starts with
 * "medcrypt=" (NUL-padded to a multiple of 16).  On read the comment
 * extension starting with "medcrypt=" is parsed with mc_meta_parse (two of
 * them is MC_ERR_AUTH, tampering); on write any old one is dropped and the
 * current one is appended when img->has_meta.  A metadata line that does not begin with
 * "medcrypt=" cannot be stored (MC_ERR_ARG).
 *
 * Aux blob (img->aux): one more extension, written after the metadata one,
 * ecode 0 (NIFTI_ECODE_IGNORE, formerly "unknown": the registered code for
 * private data no other program should interpret, valid for niftilib's
 * nifti_is_valid_ecode; an unregistered number could be assigned to someone
 * else later, the registry grows), content
 *     "medcrypt-aux-v1\0" (16 bytes) || LE u64 length || blob || NUL padding
 * to esize, a multiple of 16.  Only an ecode-0 extension with that magic is
 * the aux blob; any other is carried as before.  The reader reads the 24
 * bytes of magic and length first and checks the length against
 * MC_AUX_MAX_BYTES (MC_ERR_LIMITS) and against esize before allocating; two
 * of them, a zero or mismatched length, non-zero padding, or one without
 * the metadata extension are MC_ERR_AUTH.
 *
 * Limits: the other extensions (metadata included) and any gap before the
 * voxels stay within 64 MiB as before; the aux extension comes on top, so
 * vox_offset may reach 352 + 64 MiB + the aux extension (at most 128 MiB and
 * 32 bytes after the header, which a float vox_offset still holds exactly).
 *
 * Carried through (img->src, a nifti_src owned by the image): the native-
 * order 348-byte header (qform/sform, descrip, intent, scl_*, units, ...) and
 * every other extension; a NIfTI written back from a NIfTI keeps them byte
 * for byte, changing only what the image dictates (dims if they changed,
 * datatype/bitpix, pixdim/units if the spacing changed, vox_offset).
 *
 * Writing: 1 channel only (RGB: MC_ERR_UNSUPPORTED); 8-bit unsigned ->
 * DT_UINT8, 16-bit -> DT_INT16 / DT_UINT16 by img->is_signed; signed 8-bit is
 * MC_ERR_UNSUPPORTED (DT_INT8 is not read back).  Dimensions are limited to
 * 32767 by the format.  Without a NIfTI source header: nifti_make_new_header
 * defaults, pixdim from the spacing in mm, qform_code = sform_code = 0
 * (orientation unknown: the standard's "method 1", i.e. the identity scaled
 * by pixdim).  The file is gzip-compressed when the path ends in ".gz",
 * written straight to the path in host byte order; errors -> MC_ERR_IO.
 */
#define _POSIX_C_SOURCE 200809L
#include "io/io.h"

#include <errno.h>
#include <math.h>
#include <nifti1_io.h>
#include <stdlib.h>
#include <zlib.h>

#define NII_EXT_AREA_MAX (64u << 20) /* bytes between 352 and vox_offset */
#define NII_META_PREFIX "medcrypt="
#define NII_CHUNK (16u << 20)
#define NII_AUX_ECODE 0 /* NIFTI_ECODE_IGNORE */
#define NII_AUX_MAGIC "medcrypt-aux-v1" /* with its NUL: 16 bytes */
#define NII_AUX_HDR 24                  /* magic + LE u64 length */

typedef struct nii_ext {
    int ecode;
    size_t len; /* content bytes (esize - 8) */
    char *data;
} nii_ext;

typedef struct nifti_src {
    nifti_1_header hdr; /* native byte order */
    size_t next;
    nii_ext *ext;
} nifti_src;

static void nifti_src_free(void *p) {
    nifti_src *s = p;
    if (!s) return;
    for (size_t i = 0; i < s->next; i++) free(s->ext[i].data);
    free(s->ext);
    free(s);
}

static uint32_t bswap32(uint32_t v) {
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

static double unit_scale(int xyzt_units) {
    switch (XYZT_TO_SPACE(xyzt_units)) {
    case NIFTI_UNITS_METER: return 1000.0;
    case NIFTI_UNITS_MICRON: return 0.001;
    default: return 1.0; /* mm or unknown */
    }
}

static double spacing_of(const nifti_1_header *h, int i) {
    double v = (double)h->pixdim[i] * unit_scale(h->xyzt_units);
    return (v > 0 && isfinite(v)) ? v : 0.0;
}

static int gz_ok(gzFile fp) {
    int e = Z_OK;
    gzerror(fp, &e);
    return e == Z_OK;
}

/* Read exactly n bytes (in chunks); 0 on success.  gzread reports a cut
 * stream as a short read with Z_BUF_ERROR, hence the gzerror check. */
static int zread_all(gzFile fp, void *buf, size_t n) {
    uint8_t *p = buf;
    while (n > 0) {
        unsigned k = (unsigned)(n < NII_CHUNK ? n : NII_CHUNK);
        int got = gzread(fp, p, k);
        if (got < 0 || (unsigned)got != k || !gz_ok(fp)) return -1;
        p += k;
        n -= k;
    }
    return 0;
}

static int zwrite_all(gzFile fp, const void *buf, size_t n) {
    const uint8_t *p = buf;
    while (n > 0) {
        unsigned k = (unsigned)(n < NII_CHUNK ? n : NII_CHUNK);
        if (gzwrite(fp, p, k) != (int)k) return -1;
        p += k;
        n -= k;
    }
    return 0;
}

/* esize of an extension with len bytes of content */
static size_t ext_size(size_t len) { return (len + 8 + 15) / 16 * 16; }
#define NII_AUX_EXT_MAX ((uint64_t)(NII_AUX_HDR + 8 + 15) + MC_AUX_ABS_MAX_BYTES)

/* Skip n bytes of the stream. */
static int zskip(gzFile fp, size_t n) {
    uint8_t buf[4096];
    while (n > 0) {
        size_t k = n < sizeof buf ? n : sizeof buf;
        if (zread_all(fp, buf, k)) return -1;
        n -= k;
    }
    return 0;
}

static int has_meta_prefix(const nii_ext *e) {
    size_t n = sizeof NII_META_PREFIX - 1;
    return e->ecode == NIFTI_ECODE_COMMENT && e->len >= n && !memcmp(e->data, NII_META_PREFIX, n);
}

/* ------------------------------------------------------------------- read */

int mc_nifti_read(const char *path, const mc_limits *lim, mc_image **out, mc_err *err) {
    *out = NULL;
    int rc = MC_OK;
    mc_image *img = NULL;
    nifti_src *src = NULL;
    uint8_t *aux = NULL;
    size_t aux_len = 0, aux_esize = 0;
    errno = 0;
    gzFile fp = gzopen(path, "rb");
    if (!fp)
        return mc_err_set(err, errno ? MC_ERR_IO : MC_ERR_NOMEM, "%s: %s", mc_basename(path),
                          errno ? strerror(errno) : "out of memory");
    gzbuffer(fp, 1u << 20);

    src = calloc(1, sizeof *src);
    if (!src) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        goto done;
    }
    nifti_1_header *h = &src->hdr;
    if (zread_all(fp, h, sizeof *h)) {
        rc = mc_err_set(err, MC_ERR_FORMAT, "NIfTI: truncated or unreadable header");
        goto done;
    }
    int swapped;
    uint32_t sz = (uint32_t)h->sizeof_hdr;
    if (sz == 348) swapped = 0;
    else if (bswap32(sz) == 348) swapped = 1;
    else if (sz == 540 || bswap32(sz) == 540) {
        rc = mc_err_set(err, MC_ERR_UNSUPPORTED, "NIfTI-2 files are not supported (NIfTI-1 only)");
        goto done;
    } else {
        rc = mc_err_set(err, MC_ERR_FORMAT, "not a NIfTI-1 file (header size %u)", sz);
        goto done;
    }
    if (swapped) swap_nifti_header(h, 1);
    if (!memcmp(h->magic, "ni1", 4)) {
        rc = mc_err_set(err, MC_ERR_UNSUPPORTED, "two-file NIfTI (.hdr/.img) is not supported; use .nii or .nii.gz");
        goto done;
    }
    if (memcmp(h->magic, "n+1", 4)) {
        rc = mc_err_set(err, MC_ERR_UNSUPPORTED, "not a NIfTI-1 file (ANALYZE 7.5 or bad magic)");
        goto done;
    }
    int ndim = h->dim[0];
    if (ndim < 1 || ndim > 7) {
        rc = mc_err_set(err, MC_ERR_FORMAT, "NIfTI: invalid dim[0] = %d", ndim);
        goto done;
    }
    for (int i = 1; i <= ndim; i++)
        if (h->dim[i] < 1) {
            rc = mc_err_set(err, MC_ERR_FORMAT, "NIfTI: invalid dim[%d] = %d", i, h->dim[i]);
            goto done;
        }
    for (int i = 4; i <= ndim; i++)
        if (h->dim[i] != 1) {
            rc = mc_err_set(err, MC_ERR_UNSUPPORTED,
                            "NIfTI with %d dimensions (dim[%d] = %d) is not supported; 2D/3D volumes only",
                            ndim, i, h->dim[i]);
            goto done;
        }
    uint32_t nx = (uint32_t)h->dim[1], ny = ndim >= 2 ? (uint32_t)h->dim[2] : 1,
             nz = ndim >= 3 ? (uint32_t)h->dim[3] : 1;
    unsigned bits;
    int is_signed;
    switch (h->datatype) {
    case DT_UINT8: bits = 8; is_signed = 0; break;
    case DT_INT16: bits = 16; is_signed = 1; break;
    case DT_UINT16: bits = 16; is_signed = 0; break;
    case DT_RGB24:
        rc = mc_err_set(err, MC_ERR_UNSUPPORTED, "RGB NIfTI (DT_RGB24) is not supported");
        goto done;
    default:
        rc = mc_err_set(err, MC_ERR_UNSUPPORTED,
                        "NIfTI datatype %s (%d) is not supported (need UINT8, INT16 or UINT16)",
                        nifti_datatype_string(h->datatype), h->datatype);
        goto done;
    }
    if (h->bitpix != (short)bits) {
        rc = mc_err_set(err, MC_ERR_FORMAT, "NIfTI: bitpix %d does not match datatype %s", h->bitpix,
                        nifti_datatype_string(h->datatype));
        goto done;
    }
    double vo = h->vox_offset;
    if (!(vo >= 348.0) || vo != floor(vo)) {
        rc = mc_err_set(err, MC_ERR_FORMAT, "NIfTI: invalid vox_offset %g", vo);
        goto done;
    }
    if (vo > 352.0 + NII_EXT_AREA_MAX + (double)NII_AUX_EXT_MAX) {
        rc = mc_err_set(err, MC_ERR_LIMITS, "NIfTI: vox_offset %.0f beyond the 64 MiB extension limit", vo);
        goto done;
    }
    size_t vox_offset = (size_t)vo;
    size_t nbytes;
    if ((rc = mc_check_geometry(nx, ny, nz, 1, bits, lim, &nbytes, err))) goto done;
    if ((uint64_t)vox_offset > 352 + NII_EXT_AREA_MAX + ext_size(NII_AUX_HDR + (size_t)MC_AUX_MAX_BYTES(nbytes))) {
        rc = mc_err_set(err, MC_ERR_LIMITS, "NIfTI: vox_offset %.0f beyond the 64 MiB extension limit", vo);
        goto done;
    }

    /* extensions */
    size_t pos = sizeof *h;
    if (vox_offset >= pos + 4) {
        uint8_t extender[4];
        if (zread_all(fp, extender, 4)) {
            rc = mc_err_set(err, MC_ERR_FORMAT, "NIfTI: truncated extension area");
            goto done;
        }
        pos += 4;
        int seen_meta = 0;
        size_t others = 0;
        while (extender[0] && pos + 8 <= vox_offset) {
            int32_t eh[2];
            if (zread_all(fp, eh, 8)) {
                rc = mc_err_set(err, MC_ERR_FORMAT, "NIfTI: truncated extension");
                goto done;
            }
            pos += 8;
            if (swapped) nifti_swap_4bytes(2, eh);
            if (eh[0] == 0) break; /* zero padding: no more extensions */
            if (eh[0] < 8 || (size_t)eh[0] - 8 > vox_offset - pos) {
                rc = mc_err_set(err, MC_ERR_FORMAT, "NIfTI: invalid extension size %d", (int)eh[0]);
                goto done;
            }
            size_t len = (size_t)eh[0] - 8, have = 0;
            uint8_t ah[NII_AUX_HDR];
            if (eh[1] == NII_AUX_ECODE && len >= NII_AUX_HDR) {
                /* perhaps the aux blob: magic and length before any allocation */
                if (zread_all(fp, ah, sizeof ah)) {
                    rc = mc_err_set(err, MC_ERR_FORMAT, "NIfTI: truncated extension");
                    goto done;
                }
                pos += sizeof ah;
                have = sizeof ah;
                if (!memcmp(ah, NII_AUX_MAGIC, sizeof NII_AUX_MAGIC)) {
                    uint64_t n = mc_get_le64(ah + sizeof NII_AUX_MAGIC);
                    uint8_t pad[16];
                    if (aux) {
                        rc = mc_err_set(err, MC_ERR_AUTH, "NIfTI: more than one medcrypt aux extension (tampered?)");
                        goto done;
                    }
                    if (n == 0) {
                        rc = mc_err_set(err, MC_ERR_AUTH, "NIfTI: empty medcrypt aux extension (tampered?)");
                        goto done;
                    }
                    if ((rc = mc_aux_check_len(n, nbytes, "NIfTI", err))) goto done;
                    if (ext_size(NII_AUX_HDR + (size_t)n) != (size_t)eh[0]) {
                        rc = mc_err_set(err, MC_ERR_AUTH,
                                        "NIfTI: aux length %llu does not match its extension (esize %d, tampered?)",
                                        (unsigned long long)n, (int)eh[0]);
                        goto done;
                    }
                    size_t padn = len - NII_AUX_HDR - (size_t)n; /* < 16 */
                    aux = malloc((size_t)n);
                    if (!aux) {
                        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory allocating a %llu-byte aux blob",
                                        (unsigned long long)n);
                        goto done;
                    }
                    aux_len = (size_t)n;
                    aux_esize = (size_t)eh[0];
                    if (zread_all(fp, aux, aux_len) || zread_all(fp, pad, padn)) {
                        rc = mc_err_set(err, MC_ERR_FORMAT, "NIfTI: truncated extension");
                        goto done;
                    }
                    for (size_t i = 0; i < padn; i++)
                        if (pad[i]) {
                            rc = mc_err_set(err, MC_ERR_AUTH, "NIfTI: non-zero padding in the aux extension (tampered?)");
                            goto done;
                        }
                    pos += len - NII_AUX_HDR;
                    continue;
                }
            }
            /* an ordinary extension: within the 64 MiB of the others */
            others += (size_t)eh[0];
            if (others > NII_EXT_AREA_MAX) {
                rc = mc_err_set(err, MC_ERR_LIMITS, "NIfTI: header extensions beyond the 64 MiB extension limit");
                goto done;
            }
            char *data = malloc(len ? len : 1);
            if (!data) {
                rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
                goto done;
            }
            memcpy(data, ah, have);
            if (zread_all(fp, data + have, len - have)) {
                free(data);
                rc = mc_err_set(err, MC_ERR_FORMAT, "NIfTI: truncated extension");
                goto done;
            }
            pos += len - have;
            nii_ext e = {eh[1], len, data};
            if (has_meta_prefix(&e)) {
                if (seen_meta++) {
                    free(data);
                    rc = mc_err_set(err, MC_ERR_AUTH, "NIfTI: more than one medcrypt extension (tampered?)");
                    goto done;
                }
            }
            nii_ext *ne = realloc(src->ext, (src->next + 1) * sizeof *ne);
            if (!ne) {
                free(data);
                rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
                goto done;
            }
            src->ext = ne;
            src->ext[src->next++] = e;
        }
    }
    /* the 64 MiB for everything but the aux extension, as before it existed */
    if (vox_offset > 352 + NII_EXT_AREA_MAX + aux_esize) {
        rc = mc_err_set(err, MC_ERR_LIMITS, "NIfTI: vox_offset %.0f beyond the 64 MiB extension limit", vo);
        goto done;
    }
    /* skip to the voxels */
    if (pos < vox_offset && zskip(fp, vox_offset - pos)) {
        rc = mc_err_set(err, MC_ERR_FORMAT, "NIfTI: truncated before the voxel data");
        goto done;
    }

    if ((rc = mc_image_new(&img, nx, ny, nz, 1, bits, is_signed, lim, err))) goto done;
    img->format = MC_FMT_NIFTI;
    if (zread_all(fp, img->pixels, nbytes)) {
        rc = mc_err_set(err, MC_ERR_FORMAT, "NIfTI: truncated or corrupt voxel data (need %zu bytes)", nbytes);
        goto done;
    }
    {
        /* reach the end of a gzip member so zlib verifies its CRC */
        uint8_t tail[64];
        int got = gzread(fp, tail, sizeof tail);
        if (got < 0 || !gz_ok(fp)) {
            rc = mc_err_set(err, MC_ERR_FORMAT, "NIfTI: corrupt compressed data");
            goto done;
        }
    }
    if (swapped && bits == 16) nifti_swap_2bytes(nbytes / 2, img->pixels);
    img->spacing[0] = spacing_of(h, 1);
    img->spacing[1] = spacing_of(h, 2);
    img->spacing[2] = spacing_of(h, 3);

    for (size_t i = 0; i < src->next; i++) {
        if (!has_meta_prefix(&src->ext[i])) continue;
        if ((rc = mc_meta_parse(&img->meta, src->ext[i].data, src->ext[i].len, err))) goto done;
        img->has_meta = 1;
        free(src->ext[i].data);
        memmove(&src->ext[i], &src->ext[i + 1], (src->next - i - 1) * sizeof *src->ext);
        src->next--;
        break;
    }
    if (aux) {
        if (!img->has_meta) {
            rc = mc_err_set(err, MC_ERR_AUTH, "NIfTI: aux extension without medcrypt metadata (tampered?)");
            goto done;
        }
        mc_image_take_aux(img, aux, aux_len);
        aux = NULL;
    }
    mc_image_set_src(img, src, nifti_src_free);
    src = NULL;

done:
    free(aux);
    nifti_src_free(src);
    gzclose(fp);
    if (rc) {
        mc_image_free(img);
        return rc;
    }
    *out = img;
    return MC_OK;
}

/* ------------------------------------------------------------------ write */

static int ends_with_gz(const char *path) {
    size_t n = strlen(path);
    if (n < 3) return 0;
    const char *s = path + n - 3;
    return s[0] == '.' && (s[1] == 'g' || s[1] == 'G') && (s[2] == 'z' || s[2] == 'Z');
}


static int write_ext(gzFile fp, int ecode, const char *data, size_t len) {
    size_t es = ext_size(len);
    int32_t eh[2] = {(int32_t)es, ecode};
    static const uint8_t zeros[16];
    if (zwrite_all(fp, eh, 8) || zwrite_all(fp, data, len) || zwrite_all(fp, zeros, es - 8 - len)) return -1;
    return 0;
}

int mc_nifti_write(const mc_image *img, const char *path, mc_err *err) {
    if (!img || !img->pixels || !path) return mc_err_set(err, MC_ERR_ARG, "NIfTI write: no image");
    size_t nbytes;
    int rc = mc_check_geometry(img->width, img->height, img->depth, img->channels, img->bits, NULL, &nbytes, err);
    if (rc) return rc;
    if (nbytes != img->nbytes) return mc_err_set(err, MC_ERR_ARG, "NIfTI write: inconsistent image size");
    if (img->channels != 1) return mc_err_set(err, MC_ERR_UNSUPPORTED, "RGB images cannot be written as NIfTI");
    int dtype;
    if (img->bits == 8) {
        if (img->is_signed)
            return mc_err_set(err, MC_ERR_UNSUPPORTED, "signed 8-bit images cannot be written as NIfTI");
        dtype = DT_UINT8;
    } else {
        dtype = img->is_signed ? DT_INT16 : DT_UINT16;
    }
    if (img->width > 32767 || img->height > 32767 || img->depth > 32767)
        return mc_err_set(err, MC_ERR_LIMITS, "NIfTI-1 dimensions are limited to 32767 (image %ux%ux%u)",
                          img->width, img->height, img->depth);

    const nifti_src *src = (img->src && img->src_free == nifti_src_free) ? img->src : NULL;
    nifti_1_header h;
    int have_src_dims = 0;
    if (src) {
        h = src->hdr;
        int nd = h.dim[0];
        uint32_t sx = nd >= 1 ? (uint32_t)h.dim[1] : 1, sy = nd >= 2 ? (uint32_t)h.dim[2] : 1,
                 sz = nd >= 3 ? (uint32_t)h.dim[3] : 1;
        have_src_dims = sx == img->width && sy == img->height && sz == img->depth;
        for (int i = 4; i <= nd && i <= 7; i++)
            if (h.dim[i] != 1) have_src_dims = 0;
    } else {
        int dims[8] = {img->depth > 1 ? 3 : 2, (int)img->width, (int)img->height, (int)img->depth, 1, 1, 1, 1};
        nifti_1_header *nh = nifti_make_new_header(dims, dtype);
        if (!nh) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        h = *nh;
        free(nh);
        h.pixdim[0] = 1.0f; /* qfac */
        have_src_dims = 1;
    }
    if (!have_src_dims) {
        h.dim[0] = (short)(img->depth > 1 ? 3 : 2);
        h.dim[1] = (short)img->width;
        h.dim[2] = (short)img->height;
        h.dim[3] = (short)img->depth;
        for (int i = 4; i < 8; i++) h.dim[i] = 1;
    }
    h.sizeof_hdr = 348;
    h.datatype = (short)dtype;
    h.bitpix = (short)img->bits;
    memcpy(h.magic, "n+1", 4);
    /* pixdim: keep the source's values while they give the same spacing */
    int same = src != NULL;
    for (int i = 0; i < 3 && same; i++)
        if (spacing_of(&h, i + 1) != img->spacing[i]) same = 0;
    if (!same) {
        /* spacing in mm; an unknown axis keeps its pixdim, converted to mm */
        double sc = unit_scale(h.xyzt_units);
        for (int i = 0; i < 3; i++) {
            double s = img->spacing[i];
            h.pixdim[i + 1] = (float)(s > 0 && isfinite(s) ? s : h.pixdim[i + 1] * sc);
        }
        h.xyzt_units = (char)((h.xyzt_units & 0x38) | NIFTI_UNITS_MM);
    }

    if ((rc = mc_aux_check_write(img, "NIfTI write", err))) return rc;
    /* extensions: the carried ones (no medcrypt), then the current metadata,
     * then the aux blob */
    char *meta_text = NULL;
    size_t meta_len = 0;
    if (img->has_meta) {
        if ((rc = mc_meta_to_text(&img->meta, &meta_text, &meta_len)))
            return mc_err_set(err, rc, "NIfTI write: cannot serialise the metadata");
        if (meta_len < sizeof NII_META_PREFIX - 1 || memcmp(meta_text, NII_META_PREFIX, sizeof NII_META_PREFIX - 1)) {
            free(meta_text);
            return mc_err_set(err, MC_ERR_ARG, "NIfTI write: metadata must begin with \"%s\"", NII_META_PREFIX);
        }
    }
    size_t ext_total = 0;
    if (src)
        for (size_t i = 0; i < src->next; i++)
            if (!has_meta_prefix(&src->ext[i])) ext_total += ext_size(src->ext[i].len);
    if (meta_text) ext_total += ext_size(meta_len);
    if (ext_total > NII_EXT_AREA_MAX) {
        free(meta_text);
        return mc_err_set(err, MC_ERR_LIMITS, "NIfTI write: header extensions too large");
    }
    size_t aux_ext = img->aux_len ? ext_size(NII_AUX_HDR + img->aux_len) : 0;
    h.vox_offset = (float)(352 + ext_total + aux_ext);

    /* "T": transparent (uncompressed) writing through the same interface */
    errno = 0;
    gzFile fp = gzopen(path, ends_with_gz(path) ? "wb6" : "wbT");
    if (!fp) {
        free(meta_text);
        return mc_err_set(err, MC_ERR_IO, "%s: %s", mc_basename(path), errno ? strerror(errno) : "cannot open");
    }
    gzbuffer(fp, 1u << 20);
    uint8_t extender[4] = {ext_total + aux_ext ? 1 : 0, 0, 0, 0};
    int bad = zwrite_all(fp, &h, sizeof h) || zwrite_all(fp, extender, 4);
    if (src)
        for (size_t i = 0; i < src->next && !bad; i++)
            if (!has_meta_prefix(&src->ext[i]))
                bad = write_ext(fp, src->ext[i].ecode, src->ext[i].data, src->ext[i].len);
    if (!bad && meta_text) bad = write_ext(fp, NIFTI_ECODE_COMMENT, meta_text, meta_len);
    if (!bad && aux_ext) {
        uint8_t ah[NII_AUX_HDR];
        static const uint8_t zeros[16];
        int32_t eh[2] = {(int32_t)aux_ext, NII_AUX_ECODE};
        memcpy(ah, NII_AUX_MAGIC, sizeof NII_AUX_MAGIC);
        mc_put_le64(ah + sizeof NII_AUX_MAGIC, (uint64_t)img->aux_len);
        bad = zwrite_all(fp, eh, 8) || zwrite_all(fp, ah, sizeof ah) || zwrite_all(fp, img->aux, img->aux_len) ||
              zwrite_all(fp, zeros, aux_ext - 8 - NII_AUX_HDR - img->aux_len);
    }
    if (!bad) bad = zwrite_all(fp, img->pixels, img->nbytes);
    free(meta_text);
    int cl = gzclose(fp);
    if (bad || cl != Z_OK)
        return mc_err_set(err, MC_ERR_IO, "%s: write error", mc_basename(path));
    return MC_OK;
}
