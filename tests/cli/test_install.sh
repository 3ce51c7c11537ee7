#!/usr/bin/env bash
# test_install.sh - `make install` puts library, header, pkg-config file, CLI
# and man page under a prefix, and a program builds against it with pkg-config.
. "$(dirname "$0")/lib.bash"
if [ "${MEDCRYPT_SANITIZE:-0}" = 1 ]; then
  echo "SKIP: install test runs in the plain build only (this one is sanitized)"; exit 77
fi
B=${MEDCRYPT_BUILD:?}
P="$T/prefix"
expect 0 "cmake --install" -- cmake --install "$B" --prefix "$P"
for f in include/medcrypt.h bin/medcrypt share/man/man1/medcrypt.1; do has_file "$P/$f" "installed $f"; done
pc=$(find "$P" -name medcrypt.pc | head -1)
has_file "$pc" "pkg-config file"
ls "$P"/lib*/libmedcrypt.so* >/dev/null 2>&1 && ok || bad "shared library installed"
cat > "$T/ex.c" <<'CEOF'
#include <medcrypt.h>
#include <stdio.h>
#include <string.h>
int main(void) {
    mc_image *img = NULL;
    mc_key *key = NULL;
    if (mc_init() || mc_phantom(&img, 64, 1, 16, NULL) || mc_key_generate(&key, NULL)) return 1;
    unsigned char copy[64 * 64 * 2];
    memcpy(copy, img->pixels, sizeof copy);
    if (mc_encrypt(img, "aead", MC_PROFILE_HARDENED, NULL, 0, key, NULL)) return 2;
    if (!memcmp(copy, img->pixels, sizeof copy)) return 3;
    if (mc_decrypt(img, key, NULL) || memcmp(copy, img->pixels, sizeof copy)) return 4;
    printf("ok %s\n", mc_scheme_at(0)->name);
    mc_key_free(key);
    mc_image_free(img);
    return 0;
}
CEOF
export PKG_CONFIG_PATH=$(dirname "$pc")
expect 0 "compile against installed library" -- cc -std=c11 -Wall -Werror "$T/ex.c" -o "$T/ex" $(pkg-config --cflags --libs medcrypt) -Wl,-rpath,"$(dirname "$(dirname "$pc")")"
expect 0 "run the example" -- "$T/ex"
grep -q "^ok aead" "$T/out" && ok || bad "example output: $(cat "$T/out")"
expect 0 "installed CLI runs" -- "$P/bin/medcrypt" list
finish
