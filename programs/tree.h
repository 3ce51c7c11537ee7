/* tree.h - directory mode of encrypt / decrypt: shared by cmd_tree.c (walk,
 * workers, progress) and manifest.c (manifest and journal). */
#ifndef MC_TREE_H
#define MC_TREE_H
#include "cli.h"

#include <stdint.h>
#include <stdio.h>

#define TREE_MANIFEST "medcrypt-manifest.json"
#define TREE_JOURNAL ".medcrypt-journal.jsonl"

/* Kinds of input entries and statuses of their outcome. */
enum { K_IMAGE, K_OTHER, K_SKIP };
enum { T_PENDING, T_OK, T_RESUMED, T_COPIED, T_OTHER, T_SKIPPED, T_FAILED };

typedef struct tree_entry {
    char *rel;          /* path relative to IN_DIR (and to OUT_DIR) */
    int kind;           /* K_* */
    uint64_t size;      /* input bytes */
    int status;         /* T_* */
    int exit_code;      /* 0, or the exit status of this file's failure */
    uint64_t out_bytes; /* output bytes */
    uint8_t sha256[32]; /* of the output */
    char *msg;          /* failure or note, or NULL */
} tree_entry;

/* A complete file recorded by an earlier run. */
typedef struct tree_rec {
    char *rel;
    uint64_t bytes;
    uint8_t sha256[32];
    size_t seq; /* order read: later records win */
} tree_rec;

typedef struct tree_recs {
    tree_rec *v;
    size_t n, cap;
} tree_recs;

void tree_jstr(FILE *f, const char *s);
const char *tree_status_name(int st);
/* One entry as a one-line JSON object (no newline). */
void tree_entry_json(FILE *f, const tree_entry *e);
/* Records of complete files in OUT_DIR's manifest and journal (none: empty);
 * EX_USAGE_ when they belong to another run than `run`. */
int tree_recs_load(const char *out_dir, const char *run, tree_recs *r);
const tree_rec *tree_recs_find(const tree_recs *r, const char *rel);
void tree_recs_free(tree_recs *r);
#endif
