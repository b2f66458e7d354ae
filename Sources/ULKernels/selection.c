// The sums of greedy log-det selection (FactorColumns): four sums at once, each in four lanes of doubles.
// One body, compiled for 128-bit and for 256-bit registers, performing the operations of the Swift
// SIMD4<Double> code it replaces in the same order, so the selection keeps its bits on every CPU.

#include "ULKernels.h"

#pragma clang fp contract(off)

typedef double v4 __attribute__((vector_size(32), aligned(8), may_alias));
typedef float f4 __attribute__((vector_size(16), aligned(4), may_alias));
#define load(p) (*(const v4 *)(p))
#define widened(p) __builtin_convertvector(*(const f4 *)(p), v4)

static inline __attribute__((always_inline)) void lane_sums4_body(const double *a, const double *b0, const double *b1,
                                                                   const double *b2, const double *b3, size_t n,
                                                                   double *out) {
    v4 s0 = {0, 0, 0, 0}, s1 = s0, s2 = s0, s3 = s0;
    for (size_t k = 0; k + 3 < n; k += 4) {
        v4 va = load(a + k);
        s0 = s0 + load(b0 + k) * va;
        s1 = s1 + load(b1 + k) * va;
        s2 = s2 + load(b2 + k) * va;
        s3 = s3 + load(b3 + k) * va;
    }
    for (int l = 0; l < 4; l++) {
        out[l] = s0[l];
        out[4 + l] = s1[l];
        out[8 + l] = s2[l];
        out[12 + l] = s3[l];
    }
}

static inline __attribute__((always_inline)) void distances4_body(const float *a, const float *b0, const float *b1,
                                                                   const float *b2, const float *b3, size_t n,
                                                                   double *out) {
    v4 s0 = {0, 0, 0, 0}, s1 = s0, s2 = s0, s3 = s0;
    size_t k = 0;
    for (; k + 3 < n; k += 4) {
        v4 va = widened(a + k);
        v4 t0 = va - widened(b0 + k), t1 = va - widened(b1 + k), t2 = va - widened(b2 + k), t3 = va - widened(b3 + k);
        s0 = s0 + t0 * t0;
        s1 = s1 + t1 * t1;
        s2 = s2 + t2 * t2;
        s3 = s3 + t3 * t3;
    }
    for (; k < n; k++) {
        double ak = a[k];
        double t0 = ak - (double)b0[k], t1 = ak - (double)b1[k], t2 = ak - (double)b2[k], t3 = ak - (double)b3[k];
        s0[0] += t0 * t0;
        s1[0] += t1 * t1;
        s2[0] += t2 * t2;
        s3[0] += t3 * t3;
    }
    out[0] = (s0[0] + s0[1]) + (s0[2] + s0[3]);
    out[1] = (s1[0] + s1[1]) + (s1[2] + s1[3]);
    out[2] = (s2[0] + s2[1]) + (s2[2] + s2[3]);
    out[3] = (s3[0] + s3[1]) + (s3[2] + s3[3]);
}

static inline __attribute__((always_inline)) void dots4_body(const float *a, const float *b0, const float *b1,
                                                              const float *b2, const float *b3, size_t n, double *out) {
    v4 s0 = {0, 0, 0, 0}, s1 = s0, s2 = s0, s3 = s0;
    size_t k = 0;
    for (; k + 3 < n; k += 4) {
        v4 va = widened(a + k);
        s0 = s0 + va * widened(b0 + k);
        s1 = s1 + va * widened(b1 + k);
        s2 = s2 + va * widened(b2 + k);
        s3 = s3 + va * widened(b3 + k);
    }
    for (; k < n; k++) {
        double ak = a[k];
        s0[0] += ak * (double)b0[k];
        s1[0] += ak * (double)b1[k];
        s2[0] += ak * (double)b2[k];
        s3[0] += ak * (double)b3[k];
    }
    out[0] = (s0[0] + s0[1]) + (s0[2] + s0[3]);
    out[1] = (s1[0] + s1[1]) + (s1[2] + s1[3]);
    out[2] = (s2[0] + s2[1]) + (s2[2] + s2[3]);
    out[3] = (s3[0] + s3[1]) + (s3[2] + s3[3]);
}

#define DISPATCH(name, body, T, ...)                                                                              \
    __attribute__((target("avx"))) static void name##_avx(const T *a, const T *b0, const T *b1, const T *b2,      \
                                                          const T *b3, size_t n, double *out) {                  \
        body(a, b0, b1, b2, b3, n, out);                                                                          \
    }                                                                                                             \
    static void name##_sse2(const T *a, const T *b0, const T *b1, const T *b2, const T *b3, size_t n, double *out) { \
        body(a, b0, b1, b2, b3, n, out);                                                                          \
    }                                                                                                             \
    void name(const T *a, const T *b0, const T *b1, const T *b2, const T *b3, size_t n, double *out) {           \
        if (ul_kernels_wide())                                                                                    \
            name##_avx(a, b0, b1, b2, b3, n, out);                                                                \
        else                                                                                                      \
            name##_sse2(a, b0, b1, b2, b3, n, out);                                                               \
    }

DISPATCH(ul_lane_sums4, lane_sums4_body, double)
DISPATCH(ul_squared_distances4, distances4_body, float)
DISPATCH(ul_dots4, dots4_body, float)

// Facility location (coverage selection): a candidate's gain and the coverage update.

static inline __attribute__((always_inline)) double coverage_gain_body(const float *k, const float *c, size_t n) {
    v4 s = {0, 0, 0, 0}, zero = s;
    size_t i = 0;
    for (; i + 3 < n; i += 4) s = s + __builtin_elementwise_max(widened(k + i) - widened(c + i), zero);
    for (; i < n; i++) {
        double t = (double)k[i] - (double)c[i];
        s[0] += t > 0 ? t : 0;
    }
    return (s[0] + s[1]) + (s[2] + s[3]);
}

__attribute__((target("avx"))) static double coverage_gain_avx(const float *k, const float *c, size_t n) {
    return coverage_gain_body(k, c, n);
}
static double coverage_gain_sse2(const float *k, const float *c, size_t n) { return coverage_gain_body(k, c, n); }

double ul_coverage_gain(const float *k, const float *c, size_t n) {
    return ul_kernels_wide() ? coverage_gain_avx(k, c, n) : coverage_gain_sse2(k, c, n);
}

void ul_coverage_raise(float *c, const float *k, size_t n) {
    for (size_t i = 0; i < n; i++) c[i] = k[i] > c[i] ? k[i] : c[i];
}
