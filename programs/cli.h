/* cli.h - shared helpers of the medcrypt command-line tool. */
#ifndef MC_CLI_H
#define MC_CLI_H
#include "medcrypt.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses (documented in the README and medcrypt(1)). */
enum { EX_OK_ = 0, EX_USAGE_ = 1, EX_INPUT_ = 2, EX_AUTH_ = 3, EX_IO_ = 4 };

extern const char *g_prog; /* "medcrypt" */

/* Where a thread's messages go instead of stderr (directory mode's workers):
 * the first error and its status are kept, warnings are dropped. */
typedef struct cli_sink {
    int code;
    char msg[512];
} cli_sink;
extern _Thread_local cli_sink *cli_tls_sink;

/* "medcrypt: <msg>" on stderr (or into this thread's sink), returns code. */
int cli_error(int code, const char *fmt, ...) MC_PRINTF(2, 3);
/* Print err's message and return its exit code. */
int cli_fail(const mc_err *err);
void cli_warn(const char *fmt, ...) MC_PRINTF(1, 2);

/* Key options shared by encrypt / decrypt. */
typedef struct cli_keyopts {
    const char *keyfile;
    int passphrase;        /* --passphrase: the key is a passphrase */
    const char *passfile;  /* --passphrase-file: where a passphrase is read from
                              (the key's, or a protected key file's with -k) */
} cli_keyopts;
/* Load the key (key file or passphrase).  confirm: ask twice on a terminal. */
int cli_load_key(const cli_keyopts *ko, int confirm, mc_key **out);
/* Read a passphrase: MEDCRYPT_PASSPHRASE, --passphrase-file, else the terminal
 * without echo.  Returns length or negative status; buf is cap bytes. */
int cli_read_passphrase(const char *passfile, const char *prompt, int confirm, char *buf, size_t cap);

/* ------------------------------------------------ options (opts.c) */

#define CLI_MAX_PARAMS 32
/* Option sets a subcommand accepts (cli_parse). */
#define CLI_O_SCHEME 1u  /* -s, --scheme SCHEME */
#define CLI_O_KEY 2u     /* -k, --key KEY; --passphrase; --passphrase-file FILE */
#define CLI_O_PROFILE 4u /* --profile paper|hardened */
#define CLI_O_PARAM 8u   /* --param NAME=VALUE (repeatable) */
#define CLI_O_INPUTS 16u /* --key-image FILE, --model FILE */
#define CLI_O_OUTPUT 32u /* -o, --output OUT; -f, --force */

typedef struct cli_opts {
    const char *scheme;
    cli_keyopts key;
    mc_profile profile;
    int profile_given;
    const char *params[CLI_MAX_PARAMS];
    size_t np;
    const char *key_image, *model;
    const char *out;
    int force;
    int help;      /* -h / --help was given: print the help, exit 0 */
    int first_arg; /* argv index of the first operand */
} cli_opts;

/* A subcommand's own options: getopt_long entries (codes other than those of
 * the common sets it takes and 'h': letters, or >= 0x200), short letters in
 * getopt syntax, and a handler returning EX_OK_ or an exit status. */
typedef struct cli_extra {
    const struct option *longs; /* ends with a zero entry; may be NULL */
    const char *shorts;         /* may be NULL */
    int (*fn)(void *ud, int code, const char *arg);
    void *ud;
} cli_extra;

/* Parse argv (argv[0] is the subcommand) with the common options of `sets`
 * and `extra`.  Returns EX_OK_ or EX_USAGE_ (after a one-line message). */
int cli_parse(int argc, char **argv, const char *cmd, unsigned sets, const cli_extra *extra, cli_opts *o);
/* A cli_extra handler for a subcommand whose one own option is a flag:
 * sets *(int *)ud. */
int cli_flag_opt(void *ud, int code, const char *arg);
/* -k or --passphrase given, not both. */
int cli_need_key(const cli_opts *o, const char *cmd);
/* -k, --passphrase or --passphrase-file given (a subcommand whose key is
 * optional: train, model info). */
int cli_key_given(const cli_opts *o);
/* The optional key of such a subcommand: loaded when cli_key_given (same
 * checks and messages as cli_load_key), else *out = NULL. */
int cli_load_key_opt(const cli_opts *o, int confirm, mc_key **out);
/* -s given and known; --key-image / --model only for a scheme that takes them. */
int cli_check_scheme(const cli_opts *o, const char *cmd);

/* What the options name, loaded: the key, the key image, the model bytes,
 * and the mc_opts pointing at them. */
typedef struct cli_inputs {
    mc_key *key;
    mc_image *key_image;
    uint8_t *model;
    mc_opts opts;
} cli_inputs;
int cli_inputs_load(const cli_opts *o, int confirm, cli_inputs *in);
void cli_inputs_free(cli_inputs *in); /* wipes the key image, frees all */

/* ------------------------------------------------- output (output.c) */

#define CLI_OUT_PRIVATE 1u  /* plaintext: the file stays mode 0600 */
#define CLI_OUT_NO_CLEAN 2u /* the caller already ran cli_clean_stale on the directory */
#define CLI_OUT_NO_SYNC 4u  /* no fsync (the caller syncs later) */

typedef struct cli_written {
    uint64_t bytes;
    uint8_t sha256[32];
} cli_written;

/* Atomic output: checks (overwrite, same as input, terminal), writes to a
 * temporary file in the target directory, fsyncs, renames; OUT "-": standard
 * output, straight from memory.  wr (may be NULL): size and SHA-256 of what
 * was written. */
int cli_write_image(const mc_image *img, const char *in_path, const char *out_path, int force, unsigned flags);
int cli_write_image_ex(const mc_image *img, const char *in_path, const char *out_path, int force, unsigned flags,
                       cli_written *wr);
/* Refuse early (before expensive work) if the output exists or equals the input. */
int cli_check_output(const char *in_path, const char *out_path, int force);
/* A temporary name beside out_path for mkstemp (ends in XXXXXX), of the
 * form cli_clean_stale recognises; -1 if too long. */
int cli_tmp_name(const char *out_path, char *buf, size_t cap);
/* Remove the temporary files in dir left by dead medcrypt writers of this
 * host; returns how many. */
int cli_clean_stale(const char *dir);

/* ------------------------------------ encrypt / decrypt (cmd_crypt.c) */

typedef struct cli_crypt {
    int enc;                /* 1 encrypt, 0 decrypt */
    const cli_opts *o;      /* scheme, profile, params */
    const cli_inputs *in;   /* key, key image, model */
} cli_crypt;
/* Encrypt or decrypt img in place (in: its name for messages). */
int cli_crypt_image(const cli_crypt *c, mc_image *img, const char *in);
/* Read in, encrypt or decrypt, write out atomically (flags: CLI_OUT_*). */
int cli_crypt_file(const cli_crypt *c, const char *in, const char *out, unsigned flags, cli_written *wr);

/* Directory mode (cmd_tree.c). */
typedef struct cli_tree_opts {
    int enc, copy_other;
    const char *jobs, *progress; /* as given, or NULL */
} cli_tree_opts;
int cli_tree_run(const cli_opts *o, const cli_tree_opts *t, const char *in_dir);

int cmd_keygen(int argc, char **argv);
int cmd_encrypt(int argc, char **argv);
int cmd_decrypt(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_phantom(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_attack(int argc, char **argv);
int cmd_attack_surrogate(int argc, char **argv); /* cmd_surrogate.c */
int cmd_train(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_keyimage(int argc, char **argv);

/* An integer option value in [lo, hi] into *out; else a usage error naming
 * `cmd: what` (exit 1). */
int cli_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out, const char *cmd, const char *what);

/* An integer option value in [lo, hi] into *out; else a usage error naming
 * `cmd: what` (exit 1). */
int cli_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out, const char *cmd, const char *what);

/* Print s as a JSON string (with quotes). */
void cli_json_str(FILE *f, const char *s);
#endif
