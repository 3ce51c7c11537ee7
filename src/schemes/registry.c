/* registry.c - the list of schemes.  Core knows only the mc_scheme interface
 * (medcrypt.h); the schemes and their list live here, above it.  A new scheme
 * adds its `const mc_scheme` to schemes.h and to the table below. */
#include "schemes/schemes.h"

#include <string.h>

static const mc_scheme *const g_schemes[] = {MC_SCHEME_LIST};

size_t mc_scheme_count(void) {
    return sizeof g_schemes / sizeof g_schemes[0];
}

const mc_scheme *mc_scheme_at(size_t i) {
    return i < mc_scheme_count() ? g_schemes[i] : NULL;
}

const mc_scheme *mc_scheme_find(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; i < mc_scheme_count(); i++)
        if (!strcmp(g_schemes[i]->name, name)) return g_schemes[i];
    return NULL;
}
