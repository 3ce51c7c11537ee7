/* meta.c - fuzz target: mc_meta_parse on untrusted text.  Text that parses
 * must serialise canonically: serialise, parse again, get the same entries,
 * serialise again, get the same bytes; the typed getters must not misbehave
 * on whatever values it holds. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static mc_meta m, back; /* 50 KB each: not on the stack */
    static char text[MC_META_TEXT_MAX], again[MC_META_TEXT_MAX];
    if (mc_meta_parse(&m, (const char *)data, size, NULL)) return 0;
    FUZZ_CHECK(m.n >= 1 && m.n <= MC_META_MAX_ENTRIES, "entry count within bounds");
    FUZZ_CHECK(mc_meta_get(&m, "medcrypt") && !strcmp(mc_meta_get(&m, "medcrypt"), "1"), "the version entry is 1");
    size_t n = 0, n2 = 0;
    FUZZ_CHECK(mc_meta_serialize(&m, NULL, text, sizeof text, &n) == MC_OK, "parsed metadata serialises");
    FUZZ_CHECK(n <= size && strlen(text) == n, "the serialisation is no longer than its source");
    FUZZ_CHECK(mc_meta_parse(&back, text, n, NULL) == MC_OK, "the serialisation parses");
    FUZZ_CHECK(fuzz_meta_equal(&m, &back), "the serialisation holds the same entries");
    FUZZ_CHECK(mc_meta_serialize(&back, NULL, again, sizeof again, &n2) == MC_OK && n2 == n && !memcmp(text, again, n),
               "the serialisation is canonical");
    /* every typed getter on every key: bounded, no crash */
    uint8_t hex[64];
    uint64_t v;
    for (size_t i = 0; i < m.n; i++) {
        (void)mc_meta_get_u64(&m, m.e[i].key, &v);
        (void)mc_meta_get_hex(&m, m.e[i].key, hex, 16);
        (void)mc_meta_get_hex(&m, m.e[i].key, hex, 24);
    }
    /* removing an entry keeps the others in order */
    const size_t before = m.n;
    if (mc_meta_remove(&m, m.e[0].key) == MC_OK) FUZZ_CHECK(m.n == before - 1, "remove drops one entry");
    return 0;
}
