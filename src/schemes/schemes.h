/* schemes.h - the registry of schemes: one `const mc_scheme` per file. */
#ifndef MC_SCHEMES_H
#define MC_SCHEMES_H
#include "medcrypt.h"

extern const mc_scheme mc_scheme_aead;

/* Add new schemes here and in MC_SCHEME_LIST. */
#define MC_SCHEME_LIST &mc_scheme_aead,

#endif
