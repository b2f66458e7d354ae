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

// Rows `rows` (at most `group`) from `i0` widened to double into w (group rows, `ld` apart), the missing ones as
// copies of the first: the products then broadcast each value straight from memory. With `mean`, each value is
// first standardised in single precision, (x − mean)·factor, as training does.
static inline __attribute__((always_inline)) void widen_rows(size_t i0, size_t rows, size_t group, size_t d, size_t ld,
                                                              const float *const *x, const float *mean,
                                                              const float *factor, double *w) {
    for (size_t q = 0; q < group; q++) {
        const float *r = x[i0 + (q < rows ? q : 0)];
        double *o = w + q * ld;
        if (mean)
            for (size_t j = 0; j < d; j++) o[j] = (double)((r[j] - mean[j]) * factor[j]);
        else
            for (size_t j = 0; j < d; j++) o[j] = (double)r[j];
    }
}

// Nine or ten columns (softmax's ten classes) in sixteen lanes would leave six idle: columns c0 + 8 and c0 + 9 go
// instead into one register of pairs, lanes (row or feature 0: c0 + 8, c0 + 9; 1: c0 + 8, c0 + 9; …) for four rows
// (the product) or four features (its transpose), ten multiply-adds a feature where sixteen were. Each lane still
// adds its terms in the same order, so the bits are those of the sixteen-lane code.
typedef double v4d __attribute__((vector_size(32), aligned(8), may_alias));
#define load4(p) (*(const v4d *)(p))
#define pairs(v) __builtin_shufflevector((v), (v), 0, 0, 1, 1, 2, 2, 3, 3)

// The columns' parameters as `take_columns` leaves them in t, and the pairs (c0 + 8, c0 + 9) of each of the d + 1
// rows repeated four times into p ((d + 1) × 8).
static void take_pairs(size_t d, const double *t, double *p) {
    for (size_t j = 0; j <= d; j++)
        for (size_t q = 0; q < 4; q++) {
            p[j * 8 + 2 * q] = t[j * 16 + 8];
            p[j * 8 + 2 * q + 1] = t[j * 16 + 9];
        }
}

// Four rows from i0 widened as `widen_rows` does, interleaved: w[4j + q] is feature j of row q, so the four rows'
// values of a feature are one load. Eight features of the four rows at a time, converted and then interleaved in
// registers.
typedef float v8f __attribute__((vector_size(32), aligned(4), may_alias));
// Features j..j + 7 of row r widened (standardised first with `mean`): a macro, since a function returning a
// vector by value would have a different ABI in the three builds.
#define widen8(r, mean, factor, j)                                                                                 \
    __builtin_convertvector((mean) ? (*(const v8f *)((r) + (j)) - *(const v8f *)((mean) + (j))) *                 \
                                         *(const v8f *)((factor) + (j))                                          \
                                   : *(const v8f *)((r) + (j)),                                                   \
                            v8d)
static inline __attribute__((always_inline)) void widen_interleaved(size_t i0, size_t rows, size_t d,
                                                                     const float *const *x, const float *mean,
                                                                     const float *factor, double *w) {
    const float *r0 = x[i0], *r1 = x[i0 + (rows > 1 ? 1 : 0)], *r2 = x[i0 + (rows > 2 ? 2 : 0)], *r3 = x[i0 + (rows > 3 ? 3 : 0)];
    size_t j = 0;
    for (; j + 8 <= d; j += 8) {
        v8d a = widen8(r0, mean, factor, j), b = widen8(r1, mean, factor, j);
        v8d c = widen8(r2, mean, factor, j), e = widen8(r3, mean, factor, j);
        v8d ab = __builtin_shufflevector(a, b, 0, 8, 1, 9, 2, 10, 3, 11), ce = __builtin_shufflevector(c, e, 0, 8, 1, 9, 2, 10, 3, 11);
        store8(w + 4 * j, __builtin_shufflevector(ab, ce, 0, 1, 8, 9, 2, 3, 10, 11));
        store8(w + 4 * j + 8, __builtin_shufflevector(ab, ce, 4, 5, 12, 13, 6, 7, 14, 15));
        ab = __builtin_shufflevector(a, b, 4, 12, 5, 13, 6, 14, 7, 15);
        ce = __builtin_shufflevector(c, e, 4, 12, 5, 13, 6, 14, 7, 15);
        store8(w + 4 * j + 16, __builtin_shufflevector(ab, ce, 0, 1, 8, 9, 2, 3, 10, 11));
        store8(w + 4 * j + 24, __builtin_shufflevector(ab, ce, 4, 5, 12, 13, 6, 7, 14, 15));
    }
    const float *r[4] = {r0, r1, r2, r3};
    for (; j < d; j++)
        for (size_t q = 0; q < 4; q++)
            w[4 * j + q] = mean ? (double)((r[q][j] - mean[j]) * factor[j]) : (double)r[q][j];
}

// `product_body`'s block of n = 9 or 10 columns at c0 (t and p taken), four rows at a time.
static inline __attribute__((always_inline)) void product_ten(size_t m, size_t d, size_t k, size_t c0, size_t n,
                                                               const float *const *x, const float *mean,
                                                               const float *factor, double *z, const double *t,
                                                               const double *p, double *w) {
    for (size_t i0 = 0; i0 < m; i0 += 4) {
        size_t rows = m - i0 < 4 ? m - i0 : 4;
        widen_interleaved(i0, rows, d, x, mean, factor, w);
        v8d a0 = load8(t + d * 16), a1 = a0, a2 = a0, a3 = a0, b = load8(p + d * 8);
        const double *tj = t, *pj = p, *wj = w;
        for (size_t j = 0; j < d; j++, tj += 16, pj += 8, wj += 4) {
            v8d lo = load8(tj);
            a0 = a0 + splat8(wj[0]) * lo;
            a1 = a1 + splat8(wj[1]) * lo;
            a2 = a2 + splat8(wj[2]) * lo;
            a3 = a3 + splat8(wj[3]) * lo;
            v4d v = load4(wj);
            b = b + pairs(v) * load8(pj);
        }
        double out[4][8], pair[8];
        store8(out[0], a0); store8(out[1], a1); store8(out[2], a2); store8(out[3], a3); store8(pair, b);
        for (size_t q = 0; q < rows; q++) {
            memcpy(z + (i0 + q) * k + c0, out[q], 8 * sizeof(double));
            memcpy(z + (i0 + q) * k + c0 + 8, pair + 2 * q, (n - 8) * sizeof(double));
        }
    }
}

// z[i][c] = θ[d][c] + x[i][0]·θ[0][c] + x[i][1]·θ[1][c] + …, the terms added in that order; four rows at a time.
static inline __attribute__((always_inline)) void product_body(size_t m, size_t d, size_t k, const float *const *x,
                                                                const float *mean, const float *factor,
                                                                const double *theta, double *z, double *t, double *p,
                                                                double *w) {
    for (size_t c0 = 0; c0 < k; c0 += 16) {
        size_t n = k - c0 < 16 ? k - c0 : 16;
        take_columns(d, k, c0, theta, t);
        if (n == 9 || n == 10) {
            take_pairs(d, t, p);
            product_ten(m, d, k, c0, n, x, mean, factor, z, t, p, w);
            continue;
        }
        const double *bias = t + d * 16;
        for (size_t i0 = 0; i0 < m; i0 += 4) {
            // A group of fewer than four rows repeats its first row and stores only its own.
            size_t rows = m - i0 < 4 ? m - i0 : 4;
            widen_rows(i0, rows, 4, d, d, x, mean, factor, w);
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

// The residuals s of `rows` rows from i0, columns c0..c0 + n − 1, into e (eight rows of sixteen; the missing rows
// and columns zero).
static inline __attribute__((always_inline)) void take_residuals(size_t i0, size_t rows, size_t k, size_t c0, size_t n,
                                                                  const double *s, double e[8][16]) {
    memset(e, 0, 8 * 16 * sizeof(double));
    for (size_t q = 0; q < rows; q++) memcpy(e[q], s + (i0 + q) * k + c0, n * sizeof(double));
}

// The sixteen bias sums add the eight rows' residuals, in row order.
static inline __attribute__((always_inline)) void add_bias(double *bias, double e[8][16]) {
    v8d lo = load8(bias), hi = load8(bias + 8);
    for (size_t q = 0; q < 8; q++) {
        lo = lo + load8(e[q]);
        hi = hi + load8(e[q] + 8);
    }
    store8(bias, lo);
    store8(bias + 8, hi);
}

// `transposed_body`'s block of n = 9 or 10 columns at c0, eight rows at a time: columns c0..c0 + 7 as there, and
// the pairs (c0 + 8, c0 + 9) of four features a register, their sums in p ((d + 3) / 4 groups × 8).
static inline __attribute__((always_inline)) void transposed_ten(size_t m, size_t d, size_t k, size_t c0, size_t n,
                                                                  const float *const *x, const float *mean,
                                                                  const float *factor, const double *s, double *g,
                                                                  double *t, double *p, double *w) {
    size_t groups = (d + 3) / 4;
    memset(t, 0, (d + 1) * 16 * sizeof(double));
    memset(p, 0, groups * 8 * sizeof(double));
    double *bias = t + d * 16;
    for (size_t i0 = 0; i0 < m; i0 += 8) {
        size_t rows = m - i0 < 8 ? m - i0 : 8;
        widen_rows(i0, rows, 8, d, 4 * groups, x, mean, factor, w);
        // Features past d (the last group's) read as zero.
        for (size_t q = 0; q < 8; q++)
            for (size_t j = d; j < 4 * groups; j++) w[q * 4 * groups + j] = 0;
        double e[8][16];
        take_residuals(i0, rows, k, c0, n, s, e);
        v8d e0 = load8(e[0]), e1 = load8(e[1]), e2 = load8(e[2]), e3 = load8(e[3]);
        v8d e4 = load8(e[4]), e5 = load8(e[5]), e6 = load8(e[6]), e7 = load8(e[7]);
        size_t ld = 4 * groups;
        const double *w0 = w, *w1 = w + ld, *w2 = w + 2 * ld, *w3 = w + 3 * ld;
        const double *w4 = w + 4 * ld, *w5 = w + 5 * ld, *w6 = w + 6 * ld, *w7 = w + 7 * ld;
        double *tj = t;
        for (size_t j = 0; j < d; j++, tj += 16) {
            v8d lo = load8(tj);
            lo = lo + splat8(w0[j]) * e0; lo = lo + splat8(w1[j]) * e1;
            lo = lo + splat8(w2[j]) * e2; lo = lo + splat8(w3[j]) * e3;
            lo = lo + splat8(w4[j]) * e4; lo = lo + splat8(w5[j]) * e5;
            lo = lo + splat8(w6[j]) * e6; lo = lo + splat8(w7[j]) * e7;
            store8(tj, lo);
        }
        v4d h0 = load4(e[0] + 8), h1 = load4(e[1] + 8), h2 = load4(e[2] + 8), h3 = load4(e[3] + 8);
        v4d h4 = load4(e[4] + 8), h5 = load4(e[5] + 8), h6 = load4(e[6] + 8), h7 = load4(e[7] + 8);
        // (s[c0 + 8], s[c0 + 9]) of each row, four times.
        v8d f0 = __builtin_shufflevector(h0, h0, 0, 1, 0, 1, 0, 1, 0, 1), f1 = __builtin_shufflevector(h1, h1, 0, 1, 0, 1, 0, 1, 0, 1);
        v8d f2 = __builtin_shufflevector(h2, h2, 0, 1, 0, 1, 0, 1, 0, 1), f3 = __builtin_shufflevector(h3, h3, 0, 1, 0, 1, 0, 1, 0, 1);
        v8d f4 = __builtin_shufflevector(h4, h4, 0, 1, 0, 1, 0, 1, 0, 1), f5 = __builtin_shufflevector(h5, h5, 0, 1, 0, 1, 0, 1, 0, 1);
        v8d f6 = __builtin_shufflevector(h6, h6, 0, 1, 0, 1, 0, 1, 0, 1), f7 = __builtin_shufflevector(h7, h7, 0, 1, 0, 1, 0, 1, 0, 1);
        double *pg = p;
        for (size_t j = 0; j < 4 * groups; j += 4, pg += 8) {
            v8d a = load8(pg);
            a = a + pairs(load4(w0 + j)) * f0; a = a + pairs(load4(w1 + j)) * f1;
            a = a + pairs(load4(w2 + j)) * f2; a = a + pairs(load4(w3 + j)) * f3;
            a = a + pairs(load4(w4 + j)) * f4; a = a + pairs(load4(w5 + j)) * f5;
            a = a + pairs(load4(w6 + j)) * f6; a = a + pairs(load4(w7 + j)) * f7;
            store8(pg, a);
        }
        add_bias(bias, e);
    }
    for (size_t j = 0; j < d; j++) {
        memcpy(g + j * k + c0, t + j * 16, 8 * sizeof(double));
        memcpy(g + j * k + c0 + 8, p + (j / 4) * 8 + 2 * (j % 4), (n - 8) * sizeof(double));
    }
    memcpy(g + d * k + c0, t + d * 16, n * sizeof(double));
}

// g[j][c] = Σ_i x[i][j]·s[i][c] (j < d) and g[d][c] = Σ_i s[i][c], each adding the rows' terms in order
// i = 0, 1, … to 0; eight rows a pass over the sixteen columns' sums (a short group's missing rows have zero s,
// and adding their +0 terms leaves every sum as it is: a sum that starts at +0 and adds a term never becomes −0).
static inline __attribute__((always_inline)) void transposed_body(size_t m, size_t d, size_t k, const float *const *x,
                                                                   const float *mean, const float *factor,
                                                                   const double *s, double *g, double *t, double *p,
                                                                   double *w) {
    for (size_t c0 = 0; c0 < k; c0 += 16) {
        size_t n = k - c0 < 16 ? k - c0 : 16;
        if (n == 9 || n == 10) {
            transposed_ten(m, d, k, c0, n, x, mean, factor, s, g, t, p, w);
            continue;
        }
        memset(t, 0, (d + 1) * 16 * sizeof(double));
        double *bias = t + d * 16;
        for (size_t i0 = 0; i0 < m; i0 += 8) {
            size_t rows = m - i0 < 8 ? m - i0 : 8;
            widen_rows(i0, rows, 8, d, d, x, mean, factor, w);
            double e[8][16];
            take_residuals(i0, rows, k, c0, n, s, e);
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
            add_bias(bias, e);
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

BUILDS(product, product_body, (ROWS_ARGS, const double *theta, double *z, double *t, double *p, double *w),
       (ROWS_PASS, theta, z, t, p, w))
BUILDS(transposed, transposed_body, (ROWS_ARGS, const double *s, double *g, double *t, double *p, double *w),
       (ROWS_PASS, s, g, t, p, w))

// Scratch of both products: the sixteen columns' parameters or sums ((d + 1) × 16), the pairs' ((d + 4) × 8) and
// the widened rows (8 × (d + 3)), on a cache line's boundary: a 512-bit load across two lines costs two.
static size_t pairs_size(size_t d) { return (d + 4) * 8; }
static double *scratch(size_t d) {
    size_t bytes = ((d + 1) * 16 + pairs_size(d) + 8 * (d + 3)) * sizeof(double);
    double *t = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!t) abort();
    return t;
}

void ul_rows_product(ROWS_ARGS, const double *theta, double *z) {
    if (m == 0 || k == 0) return;
    double *t = scratch(d), *p = t + (d + 1) * 16, *w = p + pairs_size(d);
    CALL_WIDEST(product, ROWS_PASS, theta, z, t, p, w)
    free(t);
}

void ul_rows_transposed_product(ROWS_ARGS, const double *s, double *g) {
    if (k == 0) return;
    double *t = scratch(d), *p = t + (d + 1) * 16, *w = p + pairs_size(d);
    CALL_WIDEST(transposed, ROWS_PASS, s, g, t, p, w)
    free(t);
}
