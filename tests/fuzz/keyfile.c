/* keyfile.c - fuzz target: mc_keyfile_read on an untrusted key file (given to
 * it through a memory file, /proc/self/fd/N).  The passphrase callback gives
 * "fuzz" only when the file's Argon2id cost is small (ops <= 3, mem <= 1 MiB),
 * so an execution stays fast; a larger cost is still parsed and range-checked
 * but not derived.  A key that loads must be a usable raw key. */
#include "fuzz.h"

#include <sys/mman.h>
#include <unistd.h>

static int pass_cb(void *ud, char *buf, size_t cap) {
    (void)ud;
    if (cap < 5) return MC_ERR_ARG;
    memcpy(buf, "fuzz", 4);
    return 4;
}

/* Fields 3 and 4 of "medcrypt-key-v1 argon2id OPS MEM ..." small enough? */
static int cheap_cost(const uint8_t *d, size_t n) {
    char line[128];
    size_t k = n < sizeof line - 1 ? n : sizeof line - 1;
    memcpy(line, d, k);
    line[k] = 0;
    unsigned long long ops = 0, mem = 0;
    if (sscanf(line, "medcrypt-key-v1 argon2id %llu %llu", &ops, &mem) != 2) return 1; /* not derived anyway */
    return ops <= 3 && mem <= (1u << 20);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int init;
    if (!init) init = mc_init() == 0;
    int fd = memfd_create("fuzz-key", MFD_CLOEXEC);
    if (fd < 0) return 0;
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    mc_key *k = NULL;
    int insecure = 0;
    int rc = mc_keyfile_read(path, cheap_cost(data, size) ? pass_cb : NULL, NULL, &k, &insecure, NULL);
    close(fd);
    FUZZ_CHECK((rc == MC_OK) == (k != NULL), "a key exactly when the status is MC_OK");
    if (k) {
        uint8_t master[MC_KEY_BYTES];
        FUZZ_CHECK(!mc_key_is_passphrase(k), "a key file gives a raw key");
        FUZZ_CHECK(mc_key_master(k, NULL, 0, master, NULL) == MC_OK, "the key gives its master key");
        mc_key_free(k);
    }
    return 0;
}
