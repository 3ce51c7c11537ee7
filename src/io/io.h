/* io.h - the readers and writers behind mc_image_read / mc_image_write and
 * their _mem forms (internal to libmedcrypt; tests may use it).
 *
 * Every format reads from and writes to memory; the path functions are thin
 * wrappers (file -> buffer -> reader; writer -> buffer -> file), except
 * NIfTI: zlib's gz* and niftilib want a path or descriptor, so NIfTI reads
 * and writes paths natively and its _mem forms go through an anonymous
 * memory file (memfd: RAM, never a directory entry).  Nothing goes through a
 * file under $TMPDIR.
 *
 * Buffers that may hold plaintext pixels (a membuf, a file read into memory)
 * are wiped before they are freed or grown (mc_buffer_free). */
#ifndef MC_IO_H
#define MC_IO_H

#include "core/internal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A growable output buffer; every reallocation wipes the old block. */
typedef struct mc_membuf {
    uint8_t *p;
    size_t len, cap;
    int failed; /* an append ran out of memory: the content is incomplete */
} mc_membuf;
/* Append n bytes (sets failed and returns MC_ERR_NOMEM when out of memory). */
int mc_membuf_append(mc_membuf *b, const void *data, size_t n);
int mc_membuf_printf(mc_membuf *b, const char *fmt, ...) MC_PRINTF(2, 3);
/* Hand the bytes to the caller (*out, *len; the buffer is left empty). */
void mc_membuf_take(mc_membuf *b, uint8_t **out, size_t *len);
/* Wipe and free. */
void mc_membuf_free(mc_membuf *b);

/* Largest file a path reader loads into memory for these limits (lim NULL:
 * defaults): twice the pixel limit plus 256 MiB for headers, metadata and
 * the aux blob.  A larger file is MC_ERR_LIMITS before anything is read. */
uint64_t mc_input_cap(const mc_limits *lim);
/* Read a whole regular file (at most cap bytes) into a new buffer, released
 * with mc_buffer_free(*out, *len).  `name` is used in messages. */
int mc_file_read_all(const char *path, const char *name, uint64_t cap, uint8_t **out, size_t *len, mc_err *err);
/* The same from an open descriptor (standard input), read to its end. */
int mc_fd_read_all(int fd, const char *name, uint64_t cap, uint8_t **out, size_t *len, mc_err *err);
/* Create or truncate path and write len bytes. */
int mc_file_write_all(const char *path, const uint8_t *buf, size_t len, mc_err *err);

typedef int (*mc_mem_reader)(const uint8_t *buf, size_t len, const mc_limits *lim, mc_image **out, mc_err *err);
typedef int (*mc_mem_writer)(const mc_image *img, uint8_t **out, size_t *len, mc_err *err);
/* The path wrappers: read the file (mc_input_cap) and hand it to rd; run wr
 * and write its buffer to path. */
int mc_read_path_with(const char *path, const mc_limits *lim, mc_mem_reader rd, mc_image **out, mc_err *err);
int mc_write_path_with(const mc_image *img, const char *path, mc_mem_writer wr, mc_err *err);

/* Per-format readers from memory (buf need not outlive the call) and writers
 * into a new buffer (*out of *len bytes, released with mc_buffer_free). */
int mc_png_read_mem(const uint8_t *buf, size_t len, const mc_limits *lim, mc_image **out, mc_err *err);
int mc_png_write_mem(const mc_image *img, uint8_t **out, size_t *len, mc_err *err);
int mc_pnm_read_mem(const uint8_t *buf, size_t len, const mc_limits *lim, mc_image **out, mc_err *err);
int mc_pnm_write_mem(const mc_image *img, uint8_t **out, size_t *len, mc_err *err);
int mc_dicom_read_mem(const uint8_t *buf, size_t len, const mc_limits *lim, mc_image **out, mc_err *err);
int mc_dicom_write_mem(const mc_image *img, uint8_t **out, size_t *len, mc_err *err);
/* NIfTI through a memfd (io_mem.c); writes an uncompressed .nii. */
int mc_nifti_read_mem(const uint8_t *buf, size_t len, const mc_limits *lim, mc_image **out, mc_err *err);
int mc_nifti_write_mem(const mc_image *img, uint8_t **out, size_t *len, mc_err *err);

/* The same from and to a path (thin wrappers; NIfTI native). */
int mc_png_read(const char *path, const mc_limits *lim, mc_image **out, mc_err *err);
int mc_png_write(const mc_image *img, const char *path, mc_err *err);
int mc_pnm_read(const char *path, const mc_limits *lim, mc_image **out, mc_err *err);
int mc_pnm_write(const mc_image *img, const char *path, mc_err *err);
int mc_dicom_read(const char *path, const mc_limits *lim, mc_image **out, mc_err *err);
int mc_dicom_write(const mc_image *img, const char *path, mc_err *err);
int mc_nifti_read(const char *path, const mc_limits *lim, mc_image **out, mc_err *err);
int mc_nifti_write(const mc_image *img, const char *path, mc_err *err);

#ifdef __cplusplus
}
#endif
#endif
