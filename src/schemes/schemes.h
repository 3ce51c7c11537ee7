/* schemes.h - the registry of schemes: one `const mc_scheme` per file. */
#ifndef MC_SCHEMES_H
#define MC_SCHEMES_H
#include "medcrypt.h"

extern const mc_scheme mc_scheme_aead;
extern const mc_scheme mc_scheme_logistic, mc_scheme_zigzag, mc_scheme_latin;
extern const mc_scheme mc_scheme_tpe_h2mwd, mc_scheme_tpe_pair, mc_scheme_tpe2;
extern const mc_scheme mc_scheme_at_resnet_cm, mc_scheme_resnet_cm;
extern const mc_scheme mc_scheme_deep_kedi, mc_scheme_edg_net;

/* Add new schemes here and in MC_SCHEME_LIST. */
#define MC_SCHEME_LIST &mc_scheme_aead, &mc_scheme_logistic, &mc_scheme_zigzag, &mc_scheme_latin, &mc_scheme_tpe_h2mwd, &mc_scheme_tpe_pair, &mc_scheme_tpe2, &mc_scheme_at_resnet_cm, &mc_scheme_resnet_cm, &mc_scheme_deep_kedi, &mc_scheme_edg_net,

#endif
