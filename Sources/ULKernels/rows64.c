// Products of single-precision rows with double-precision parameters (softmax's curvature: the rows as training
// sees them, every other quantity in double). BLAS would need the rows converted to double first and serves ten
// columns poorly; here each row is widened as it is read. One body, compiled for 128-, 256- and 512-bit
// registers; the operations and their order are the same in each, so are the bits.

#include "ULKernels.h"

#include <stdlib.h>
#include <string.h>

#pragma clang fp contract(off)

// Eight doubles: one 512-bit register, two 256-bit or four 128-bit ones, the same arithmetic.
typedef double v8d __attribute__((vector_size(64), aligned(8), may_alias));
#define splat8(a) ((v8d){(a), (a), (a), (a), (a), (a), (a), (a)})
#define load8(p) (*(const v8d *)(p))
#define store8(p, a) (*(v8d *)(p) = (a))

// Columns are taken sixteen at a time (two registers of eight): `t` holds those columns of the parameters,
// zero-padded, (d + 1) rows of sixteen (the bias row last).
static void take_columns(size_t d, size_t k, size_t c0, const double *theta, double *t) {
    size_t n = k - c0 < 16 ? k - c0 : 16;
    for (size_t j = 0; j <= d; j++) {
        memset(t + j * 16, 0, 16 * sizeof(double));
        memcpy(t + j * 16, theta + j * k + c0, n * sizeof(double));
    }
}

// Rows `rows` (at most `group`) from `i0` widened to double into w (group × d), the missing ones as copies of the
// first: the products then broadcast each value straight from memory. With `mean`, each value is first
// standardised in single precision, (x − mean)·factor, as training does.
static inline __attribute__((always_inline)) void widen_rows(size_t i0, size_t rows, size_t group, size_t d,
                                                              const float *const *x, const float *mean,
                                                              const float *factor, double *w) {
    for (size_t q = 0; q < group; q++) {
        const float *r = x[i0 + (q < rows ? q : 0)];
        double *o = w + q * d;
        if (mean)
            for (size_t j = 0; j < d; j++) o[j] = (double)((r[j] - mean[j]) * factor[j]);
        else
            for (size_t j = 0; j < d; j++) o[j] = (double)r[j];
    }
}

// z[i][c] = θ[d][c] + x[i][0]·θ[0][c] + x[i][1]·θ[1][c] + …, the terms added in that order; four rows at a time.
static inline __attribute__((always_inline)) void product_body(size_t m, size_t d, size_t k, const float *const *x,
                                                                const float *mean, const float *factor,
                                                                const double *theta, double *z, double *t, double *w) {
    for (size_t c0 = 0; c0 < k; c0 += 16) {
        size_t n = k - c0 < 16 ? k - c0 : 16;
        take_columns(d, k, c0, theta, t);
        const double *bias = t + d * 16;
        for (size_t i0 = 0; i0 < m; i0 += 4) {
            // A group of fewer than four rows repeats its first row and stores only its own.
            size_t rows = m - i0 < 4 ? m - i0 : 4;
            widen_rows(i0, rows, 4, d, x, mean, factor, w);
            const double *w0 = w, *w1 = w + d, *w2 = w + 2 * d, *w3 = w + 3 * d;
            v8d a0 = load8(bias), b0 = load8(bias + 8), a1 = a0, b1 = b0, a2 = a0, b2 = b0, a3 = a0, b3 = b0;
            const double *tj = t;
            for (size_t j = 0; j < d; j++, tj += 16) {
                v8d lo = load8(tj), hi = load8(tj + 8), s;
                s = splat8(w0[j]); a0 = a0 + s * lo; b0 = b0 + s * hi;
                s = splat8(w1[j]); a1 = a1 + s * lo; b1 = b1 + s * hi;
                s = splat8(w2[j]); a2 = a2 + s * lo; b2 = b2 + s * hi;
                s = splat8(w3[j]); a3 = a3 + s * lo; b3 = b3 + s * hi;
            }
            double out[4][16];
            store8(out[0], a0); store8(out[0] + 8, b0); store8(out[1], a1); store8(out[1] + 8, b1);
            store8(out[2], a2); store8(out[2] + 8, b2); store8(out[3], a3); store8(out[3] + 8, b3);
            for (size_t q = 0; q < rows; q++) memcpy(z + (i0 + q) * k + c0, out[q], n * sizeof(double));
        }
    }
}

// g[j][c] = Σ_i x[i][j]·s[i][c] (j < d) and g[d][c] = Σ_i s[i][c], each adding the rows' terms in order
// i = 0, 1, … to 0; eight rows a pass over the sixteen columns' sums (a short group's missing rows have zero s,
// and adding their +0 terms leaves every sum as it is: a sum that starts at +0 and adds a term never becomes −0).
static inline __attribute__((always_inline)) void transposed_body(size_t m, size_t d, size_t k, const float *const *x,
                                                                   const float *mean, const float *factor,
                                                                   const double *s, double *g, double *t, double *w) {
    for (size_t c0 = 0; c0 < k; c0 += 16) {
        size_t n = k - c0 < 16 ? k - c0 : 16;
        memset(t, 0, (d + 1) * 16 * sizeof(double));
        double *bias = t + d * 16;
        for (size_t i0 = 0; i0 < m; i0 += 8) {
            size_t rows = m - i0 < 8 ? m - i0 : 8;
            widen_rows(i0, rows, 8, d, x, mean, factor, w);
            double e[8][16];
            memset(e, 0, sizeof e);
            for (size_t q = 0; q < rows; q++) memcpy(e[q], s + (i0 + q) * k + c0, n * sizeof(double));
            v8d e0 = load8(e[0]), f0 = load8(e[0] + 8), e1 = load8(e[1]), f1 = load8(e[1] + 8);
            v8d e2 = load8(e[2]), f2 = load8(e[2] + 8), e3 = load8(e[3]), f3 = load8(e[3] + 8);
            v8d e4 = load8(e[4]), f4 = load8(e[4] + 8), e5 = load8(e[5]), f5 = load8(e[5] + 8);
            v8d e6 = load8(e[6]), f6 = load8(e[6] + 8), e7 = load8(e[7]), f7 = load8(e[7] + 8);
            const double *w0 = w, *w1 = w + d, *w2 = w + 2 * d, *w3 = w + 3 * d;
            const double *w4 = w + 4 * d, *w5 = w + 5 * d, *w6 = w + 6 * d, *w7 = w + 7 * d;
            double *tj = t;
            for (size_t j = 0; j < d; j++, tj += 16) {
                v8d lo = load8(tj), hi = load8(tj + 8), v;
                v = splat8(w0[j]); lo = lo + v * e0; hi = hi + v * f0;
                v = splat8(w1[j]); lo = lo + v * e1; hi = hi + v * f1;
                v = splat8(w2[j]); lo = lo + v * e2; hi = hi + v * f2;
                v = splat8(w3[j]); lo = lo + v * e3; hi = hi + v * f3;
                v = splat8(w4[j]); lo = lo + v * e4; hi = hi + v * f4;
                v = splat8(w5[j]); lo = lo + v * e5; hi = hi + v * f5;
                v = splat8(w6[j]); lo = lo + v * e6; hi = hi + v * f6;
                v = splat8(w7[j]); lo = lo + v * e7; hi = hi + v * f7;
                store8(tj, lo); store8(tj + 8, hi);
            }
            v8d lo = load8(bias), hi = load8(bias + 8);
            lo = lo + e0; hi = hi + f0; lo = lo + e1; hi = hi + f1; lo = lo + e2; hi = hi + f2; lo = lo + e3; hi = hi + f3;
            lo = lo + e4; hi = hi + f4; lo = lo + e5; hi = hi + f5; lo = lo + e6; hi = hi + f6; lo = lo + e7; hi = hi + f7;
            store8(bias, lo); store8(bias + 8, hi);
        }
        for (size_t j = 0; j <= d; j++) memcpy(g + j * k + c0, t + j * 16, n * sizeof(double));
    }
}

// The rows' arguments of both products, one parameter list for the three builds.
#define ROWS_ARGS size_t m, size_t d, size_t k, const float *const *x, const float *mean, const float *factor
#define ROWS_PASS m, d, k, x, mean, factor

// A body built for 512-, 256- and 128-bit registers (NAME_avx512, NAME_avx, NAME_sse2), and the call of the
// one the CPU takes (`ul_kernels_wide`).
#define BUILDS(NAME, BODY, PARAMS, ARGS)                                                                           \
    __attribute__((target("avx512f"))) static void NAME##_avx512 PARAMS { BODY ARGS; }                              \
    __attribute__((target("avx"))) static void NAME##_avx PARAMS { BODY ARGS; }                                     \
    static void NAME##_sse2 PARAMS { BODY ARGS; }
#define CALL_WIDEST(NAME, ...)                                                                                     \
    switch (ul_kernels_wide()) {                                                                                   \
    case 2: NAME##_avx512(__VA_ARGS__); break;                                                                     \
    case 1: NAME##_avx(__VA_ARGS__); break;                                                                        \
    default: NAME##_sse2(__VA_ARGS__);                                                                             \
    }

BUILDS(product, product_body, (ROWS_ARGS, const double *theta, double *z, double *t, double *w), (ROWS_PASS, theta, z, t, w))
BUILDS(transposed, transposed_body, (ROWS_ARGS, const double *s, double *g, double *t, double *w), (ROWS_PASS, s, g, t, w))

// Scratch of both products: the sixteen columns' parameters or sums ((d + 1) × 16) and the widened rows
// (at most 8 × d), on a cache line's boundary: a 512-bit load across two lines costs two.
static double *scratch(size_t d) {
    size_t bytes = ((d + 1) * 16 + 8 * d) * sizeof(double);
    double *t = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!t) abort();
    return t;
}

void ul_rows_product(ROWS_ARGS, const double *theta, double *z) {
    if (m == 0 || k == 0) return;
    double *t = scratch(d), *w = t + (d + 1) * 16;
    CALL_WIDEST(product, ROWS_PASS, theta, z, t, w)
    free(t);
}

void ul_rows_transposed_product(ROWS_ARGS, const double *s, double *g) {
    if (k == 0) return;
    double *t = scratch(d), *w = t + (d + 1) * 16;
    CALL_WIDEST(transposed, ROWS_PASS, s, g, t, w)
    free(t);
}
