/* builtin_models.h - the models compiled into the library: every
 * models/NAME.mcnn, embedded by cmake/embed_models.cmake (a glob: a new model
 * file is embedded without editing any list; an empty one fails the build). */
#ifndef MC_BUILTIN_MODELS_H
#define MC_BUILTIN_MODELS_H
#include <stddef.h>
#include <stdint.h>

typedef struct mc_builtin_model {
    const char *name; /* the file name without .mcnn, e.g. "at-resnet-cm" */
    const uint8_t *data;
    size_t len;
} mc_builtin_model;

extern const mc_builtin_model mc_builtin_models[]; /* ends with a NULL name */
extern const size_t mc_builtin_model_count;

/* The built-in model NAME, or NULL. */
static inline const mc_builtin_model *mc_builtin_model_find(const char *name) {
    for (size_t i = 0; i < mc_builtin_model_count; i++) {
        const char *a = mc_builtin_models[i].name, *b = name;
        while (*a && *a == *b) a++, b++;
        if (*a == *b) return &mc_builtin_models[i];
    }
    return NULL;
}

/* The symbols of the schemes' own models (one per models/NAME.mcnn). */
extern const uint8_t mc_builtin_model_at_resnet_cm[];
extern const size_t mc_builtin_model_at_resnet_cm_len;
extern const uint8_t mc_builtin_model_resnet_cm[];
extern const size_t mc_builtin_model_resnet_cm_len;

#endif
