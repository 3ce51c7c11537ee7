#!/usr/bin/env bash
# test_install.sh - `make install` puts both libraries, their headers and
# pkg-config files, the CLI and the man page under a prefix, and a program
# builds against each library with pkg-config.
. "$(dirname "$0")/lib.bash"
if [ "${MEDCRYPT_SANITIZE:-0}" = 1 ]; then
  echo "SKIP: install test runs in the plain build only (this one is sanitized)"; exit 77
fi
B=${MEDCRYPT_BUILD:?}
P="$T/prefix"
expect 0 "cmake --install" -- cmake --install "$B" --prefix "$P"
for f in include/medcrypt.h include/medcrypt_lab.h bin/medcrypt share/man/man1/medcrypt.1; do has_file "$P/$f" "installed $f"; done
pc=$(find "$P" -name medcrypt.pc | head -1)
has_file "$pc" "pkg-config file"
has_file "$(dirname "$pc")/medcrypt_lab.pc" "lab pkg-config file"
ls "$P"/lib*/libmedcrypt.so* >/dev/null 2>&1 && ok || bad "shared library installed"
ls "$P"/lib*/libmedcrypt_lab.so* >/dev/null 2>&1 && ok || bad "lab library installed"
cat > "$T/ex.c" <<'CEOF'
#include <medcrypt.h>
#include <stdio.h>
#include <string.h>
int main(void) {
    mc_image *img = NULL;
    mc_key *key = NULL;
    if (mc_init() || mc_phantom(&img, 64, 1, 16, NULL) || mc_key_generate(&key, NULL)) return 1;
    if (mc_version_number() != MC_VERSION_NUMBER || strcmp(mc_version_string(), MC_VERSION)) return 9;
    unsigned char copy[64 * 64 * 2];
    memcpy(copy, img->pixels, sizeof copy);
    if (mc_encrypt(img, "aead", MC_PROFILE_HARDENED, NULL, 0, key, NULL, NULL)) return 2;
    if (!memcmp(copy, img->pixels, sizeof copy)) return 3;
    if (mc_decrypt(img, key, NULL, NULL) || memcmp(copy, img->pixels, sizeof copy)) return 4;
    /* a paper-profile (unauthenticated) file: refused by default ... */
    if (mc_encrypt(img, "logistic", MC_PROFILE_PAPER, NULL, 0, key, NULL, NULL)) return 5;
    mc_err err = {0};
    if (mc_decrypt(img, key, NULL, &err) != MC_ERR_AUTH || !img->has_meta) return 6;
    /* ... and decrypted only with the explicit flag */
    mc_opts unauth = {.flags = MC_DECRYPT_UNAUTHENTICATED};
    if (mc_decrypt(img, key, &unauth, NULL) || memcmp(copy, img->pixels, sizeof copy)) return 7;
    printf("ok %s; refused: %s\n", mc_scheme_at(0)->name, err.msg);
    mc_key_free(key);
    mc_image_free(img);
    return 0;
}
CEOF
cat > "$T/lab.c" <<'CEOF'
#include <medcrypt_lab.h>
#include <stdio.h>
int main(void) {
    mc_image *img = NULL;
    double h = 0;
    if (mc_init() || mc_phantom(&img, 64, 1, 8, NULL) || mc_entropy(img, MC_ALL, MC_ALL, &h, NULL)) return 1;
    printf("entropy %.4f\n", h);
    mc_image_free(img);
    return h > 0 && h < 8 ? 0 : 2;
}
CEOF
export PKG_CONFIG_PATH=$(dirname "$pc")
expect 0 "compile against installed library" -- cc -std=c11 -Wall -Werror "$T/ex.c" -o "$T/ex" $(pkg-config --cflags --libs medcrypt) -Wl,-rpath,"$(dirname "$(dirname "$pc")")"
expect 0 "run the example" -- "$T/ex"
grep -q "^ok aead; refused: paper-profile" "$T/out" && ok || bad "example output: $(cat "$T/out")"
expect 0 "compile against the installed lab library" -- cc -std=c11 -Wall -Werror "$T/lab.c" -o "$T/lab" $(pkg-config --cflags --libs medcrypt_lab) -Wl,-rpath,"$(dirname "$(dirname "$pc")")"
expect 0 "run the lab example" -- "$T/lab"
grep -q "^entropy " "$T/out" && ok || bad "lab example output: $(cat "$T/out")"
expect 0 "installed CLI runs" -- "$P/bin/medcrypt" list
finish
