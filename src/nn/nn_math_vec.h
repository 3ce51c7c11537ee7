/*
 * nn_math_vec.h - the array versions of sigmoid and tanh on vectors of VM_W
 * doubles, included by nn_math.c once per width (2: SSE2 / NEON; 4: AVX2;
 * 8: AVX-512).  Not a header: no include guard, on purpose.
 *
 * The includer defines VM_SFX (name suffix), VM_ATTR (function attributes:
 * a target("...") clause or nothing) and VM_W (lanes).  Every lane does the
 * scalar function's double operations (nn_math.c) with its branches as
 * selects, so each lane's result has the scalar function's bits; the width
 * changes nothing (with -ffp-contract=off no multiply and add are fused).
 */
#ifndef VM_SFX
#error "nn_math_vec.h is included by nn_math.c only"
#endif

#define VM_CAT2(a, b) a##_##b
#define VM_CAT(a, b) VM_CAT2(a, b)
#define VM(name) VM_CAT(name, VM_SFX)

typedef double VM(vd) __attribute__((vector_size(8 * VM_W)));
typedef int64_t VM(vl) __attribute__((vector_size(8 * VM_W)));
typedef int32_t VM(vi) __attribute__((vector_size(4 * VM_W)));
typedef float VM(vf) __attribute__((vector_size(4 * VM_W)));

VM_ATTR static inline VM(vd) VM(sel)(VM(vl) m, VM(vd) a, VM(vd) b) { /* m ? a : b; m's lanes all ones or zero */
    VM(vl) ai, bi, r;
    VM(vd) o;
    memcpy(&ai, &a, sizeof ai);
    memcpy(&bi, &b, sizeof bi);
    r = (ai & m) | (bi & ~m);
    memcpy(&o, &r, sizeof o);
    return o;
}

/* expm1_small's polynomial without the final * r */
VM_ATTR static inline VM(vd) VM(horner)(VM(vd) r) {
    VM(vd) p = (VM(vd)){0} + INV_FACT14;
    for (size_t i = 0; i < N_INV_FACT; i++) p = p * r + inv_fact[i];
    return p;
}

/* exp_d's reduction: x = k ln2 + r (x: lanes already in range); *p2 = 2^k */
VM_ATTR static inline VM(vd) VM(reduce)(VM(vd) x, VM(vd) *p2) {
    const VM(vd) kd = x * INV_LN2;
    const VM(vd) kr = VM(sel)(kd >= 0, kd + 0.5, kd - 0.5);
    const VM(vi) k = __builtin_convertvector(kr, VM(vi)); /* truncation, as (int) */
    const VM(vd) kf = __builtin_convertvector(k, VM(vd));
    const VM(vl) bits = (__builtin_convertvector(k, VM(vl)) + 1023) << 52;
    memcpy(p2, &bits, sizeof *p2);
    return (x - kf * LN2_HI) - kf * LN2_LO;
}

/* exp_d lane by lane */
VM_ATTR static inline VM(vd) VM(exp_d)(VM(vd) x) {
    const VM(vd) zero = (VM(vd)){0}, huge = zero + 1e39;
    const VM(vl) nan = x != x, big = x > 89.0, small = x < -104.0;
    VM(vd) p2;
    const VM(vd) r = VM(reduce)(VM(sel)(nan | big | small, zero, x), &p2);
    VM(vd) e = (1.0 + VM(horner)(r) * r) * p2;
    e = VM(sel)(small, zero, e);
    e = VM(sel)(big, huge, e);
    return VM(sel)(nan, x, e);
}

VM_ATTR static inline VM(vd) VM(load)(const float *x) {
    VM(vf) f;
    memcpy(&f, x, sizeof f);
    return __builtin_convertvector(f, VM(vd));
}

/* y[0..W-1] = the float of r, or x itself where x is NaN */
VM_ATTR static inline void VM(store)(float *y, const float *x, VM(vd) r) {
    const VM(vf) f = __builtin_convertvector(r, VM(vf));
    float o[VM_W];
    memcpy(o, &f, sizeof o);
    for (int l = 0; l < VM_W; l++) y[l] = x[l] != x[l] ? x[l] : o[l];
}

/* sigmoid: x >= 0: 1 / (1 + exp_d(-x)), else e / (1 + e) with e = exp_d(x) */
VM_ATTR static inline VM(vd) VM(sigmoid)(VM(vd) a) {
    const VM(vl) ge = a >= 0;
    const VM(vd) one = (VM(vd)){0} + 1.0;
    const VM(vd) e = VM(exp_d)(VM(sel)(ge, -a, a));
    return VM(sel)(ge, one, e) / (1.0 + e);
}

/* tanh: s (e / (e + 2)), e = expm1_small(2a) (2a <= 0.5) or exp_d(2a) - 1
 * (2a <= 20 here: no range checks), 1 beyond a = 10 */
VM_ATTR static inline VM(vd) VM(tanh)(VM(vd) a) {
    const VM(vd) one = (VM(vd)){0} + 1.0;
    const VM(vl) neg = a < 0;
    const VM(vd) sg = VM(sel)(neg, -one, one);
    a = VM(sel)(neg, -a, a);
    const VM(vl) big = a > 10.0;
    const VM(vd) a2 = 2.0 * VM(sel)(big | (a != a), one, a); /* big and NaN lanes: any value in range */
    const VM(vl) small = a2 <= 0.5;
    VM(vd) p2;
    const VM(vd) r = VM(reduce)(a2, &p2);
    const VM(vd) t = VM(sel)(small, a2, r); /* one polynomial for both branches */
    const VM(vd) pm = VM(horner)(t) * t;
    const VM(vd) e = VM(sel)(small, pm, (1.0 + pm) * p2 - 1.0);
    return VM(sel)(big, sg, sg * (e / (e + 2.0)));
}

VM_ATTR static void VM(sigmoid_n)(const float *x, float *y, size_t n) {
    size_t i = 0;
    for (; i + 4 * VM_W <= n; i += 4 * VM_W) { /* four independent chains per step */
        VM(vd) r[4];
        MC_MATH_UNROLL
        for (int j = 0; j < 4; j++) r[j] = VM(sigmoid)(VM(load)(x + i + VM_W * j));
        MC_MATH_UNROLL
        for (int j = 0; j < 4; j++) VM(store)(y + i + VM_W * j, x + i + VM_W * j, r[j]);
    }
    for (; i < n; i++) y[i] = mc_nn_sigmoidf(x[i]);
}

VM_ATTR static void VM(tanh_n)(const float *x, float *y, size_t n) {
    size_t i = 0;
    for (; i + 4 * VM_W <= n; i += 4 * VM_W) {
        VM(vd) r[4];
        MC_MATH_UNROLL
        for (int j = 0; j < 4; j++) r[j] = VM(tanh)(VM(load)(x + i + VM_W * j));
        MC_MATH_UNROLL
        for (int j = 0; j < 4; j++) VM(store)(y + i + VM_W * j, x + i + VM_W * j, r[j]);
    }
    for (; i < n; i++) y[i] = mc_nn_tanhf(x[i]);
}

#undef VM
#undef VM_CAT
#undef VM_CAT2
