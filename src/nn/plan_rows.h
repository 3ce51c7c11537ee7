/*
 * plan_rows.h - the elementwise row operations of an inference plan's fused
 * epilogues (plan_exec.c), included once per vector width: plain (the
 * compiler's baseline vectors), and on x86-64 AVX2 and AVX-512 through
 * target attributes, chosen by the CPU-feature module.  Not a header: no
 * include guard, on purpose.  Each is the layer's own float operation on
 * the same operands in the same order (nn_ref.c, layer_merge.c,
 * layer_attention.c), so the width changes no bit.
 *
 * The includer defines PR_SFX (name suffix) and PR_ATTR (attributes).
 */
#ifndef PR_SFX
#error "plan_rows.h is included by plan_exec.c only"
#endif

#define PR_CAT2(a, b) a##_##b
#define PR_CAT(a, b) PR_CAT2(a, b)
#define PR(name) PR_CAT(name, PR_SFX)

/* mc_nn_ref_act_fwd's relu and leaky relu */
PR_ATTR static void PR(relu)(const float *s, float *d, size_t n) {
    for (size_t i = 0; i < n; i++) d[i] = s[i] > 0 ? s[i] : 0.0f;
}

PR_ATTR static void PR(leaky)(float alpha, const float *s, float *d, size_t n) {
    for (size_t i = 0; i < n; i++) {
        int32_t bits;
        memcpy(&bits, &s[i], sizeof bits);
        d[i] = (bits > 0 && bits <= 0x7f800000 ? 1.0f : alpha) * s[i];
    }
}

/* d = a + b, d = a * b (operand order as given) */
PR_ATTR static void PR(add)(const float *a, const float *b, float *d, size_t n) {
    for (size_t i = 0; i < n; i++) d[i] = a[i] + b[i];
}

PR_ATTR static void PR(mul)(const float *a, const float *b, float *d, size_t n) {
    for (size_t i = 0; i < n; i++) d[i] = a[i] * b[i];
}

/* d = a * v (channel attention's scaling) */
PR_ATTR static void PR(scale)(const float *restrict a, float v, float *restrict d, size_t n) {
    for (size_t i = 0; i < n; i++) d[i] = a[i] * v;
}

static const plan_rowops PR(rowops) = {PR(relu), PR(leaky), PR(add), PR(mul), PR(scale)};

#undef PR
#undef PR_CAT
#undef PR_CAT2
