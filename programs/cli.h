/* cli.h - shared helpers of the medcrypt command-line tool. */
#ifndef MC_CLI_H
#define MC_CLI_H
#include "medcrypt.h"

#include <stdint.h>
#include <stdio.h>

/* Exit statuses (documented in the README and medcrypt(1)). */
enum { EX_OK_ = 0, EX_USAGE_ = 1, EX_INPUT_ = 2, EX_AUTH_ = 3, EX_IO_ = 4 };

extern const char *g_prog; /* "medcrypt" */

/* "medcrypt: <msg>" on stderr, returns code. */
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

/* Atomic output: checks (overwrite, same as input, terminal), writes to a
 * temporary file in the target directory, fsyncs, renames. */
int cli_write_image(const mc_image *img, const char *in_path, const char *out_path, int force);
/* Refuse early (before expensive work) if the output exists or equals the input. */
int cli_check_output(const char *in_path, const char *out_path, int force);

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

/* An integer option value in [lo, hi] into *out; else a usage error naming
 * `cmd: what` (exit 1). */
int cli_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out, const char *cmd, const char *what);

/* Print s as a JSON string (with quotes). */
void cli_json_str(FILE *f, const char *s);
#endif
