/* regression.c - the plain driver of the fuzz targets (zstd's habit): links
 * with one target and feeds LLVMFuzzerTestOneInput every file named on the
 * command line, directories read in name order (hidden files and README*
 * skipped).  A missing directory counts as empty (a target without crashers
 * has no crashers/NAME), but no file at all is an error: the corpus path
 * must be right.  ctest runs it as fuzz.NAME on corpus/NAME and crashers/NAME
 * in every build, gcc included, so every input that once crashed is replayed
 * by `make test`. */
#define _DEFAULT_SOURCE 1
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return -1;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) break;
            buf = nb, cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0) break;
        n += got;
    }
    int bad = ferror(f) || !buf;
    fclose(f);
    if (bad) {
        free(buf);
        fprintf(stderr, "%s: read error\n", path);
        return -1;
    }
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b) {
    return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv) {
    long files = 0;
    int errors = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) continue; /* no such folder: empty */
        if (!S_ISDIR(st.st_mode)) {
            errors += run_file(argv[i]) != 0;
            files++;
            continue;
        }
        struct dirent **ents = NULL;
        int n = scandir(argv[i], &ents, NULL, by_name);
        for (int e = 0; e < n; e++) {
            const char *name = ents[e]->d_name;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], name);
            if (name[0] != '.' && strncmp(name, "README", 6) && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                errors += run_file(path) != 0;
                files++;
            }
            free(ents[e]);
        }
        free(ents);
    }
    printf("%ld inputs replayed\n", files);
    if (files == 0) fprintf(stderr, "no input found in the folders given\n");
    return files == 0 || errors ? 1 : 0;
}
