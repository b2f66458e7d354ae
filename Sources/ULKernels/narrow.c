// Products of a linear layer with few outputs (softmax regression's ten classes), which BLAS serves poorly:
// it copies the rows into packed panels twice per evaluation. One body, compiled for 128-bit and for
// 256-bit registers; both add the same products in the same order, so the bits are those of the plain loops.

#include "ULKernels.h"

#include <immintrin.h>
#include <stdlib.h>

#pragma clang fp contract(off)

// Eight floats, unaligned, which may alias the float arrays they are read from (macros rather than functions:
// a function passing one by value would have a different ABI in the two builds).
typedef float v8 __attribute__((vector_size(32), aligned(4), may_alias));
#define splat(a) ((v8){(a), (a), (a), (a), (a), (a), (a), (a)})
#define load(p) (*(const v8 *)(p))
#define store(p, a) (*(v8 *)(p) = (a))

typedef double d4 __attribute__((vector_size(32), aligned(4), may_alias));

// Six rows of a sixteen-column block holding ten columns that count (softmax's ten classes): columns c..c+7 as in
// `forward_body`, and columns c+8 and c+9 of the six rows packed into two registers, lanes (row 0 col 8, row 0
// col 9, row 1 col 8, …), against the pair (w[j][c+8], w[j][c+9]) repeated — twelve multiplies and twelve adds
// per feature become eight and eight. Every lane still adds its terms in order, so the bits are the plain loops';
// columns c+10..c+15 (zero weights) are left as they are.
static inline __attribute__((always_inline)) void forward_ten(size_t d, size_t kp, const float *const *x,
                                                               const float *const *next, const float *w, float *z0) {
    const float *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3], *x4 = x[4], *x5 = x[5];
    float *z1 = z0 + kp, *z2 = z0 + 2 * kp, *z3 = z0 + 3 * kp, *z4 = z0 + 4 * kp, *z5 = z0 + 5 * kp;
    v8 a0 = load(z0), a1 = load(z1), a2 = load(z2), a3 = load(z3), a4 = load(z4), a5 = load(z5);
    v8 p0 = {z0[8], z0[9], z1[8], z1[9], z2[8], z2[9], z3[8], z3[9]};
    v8 p1 = {z4[8], z4[9], z5[8], z5[9], z4[8], z4[9], z5[8], z5[9]};
    const float *wj = w;
    for (size_t j0 = 0; j0 < d; j0 += 16) {
        for (size_t r = 0; r < 6; r++) __builtin_prefetch(next[r] + j0);
        size_t j1 = j0 + 16 < d ? j0 + 16 : d;
        for (size_t j = j0; j < j1; j++, wj += kp) {
            v8 f = load(wj);
            double pw;
            __builtin_memcpy(&pw, wj + 8, sizeof pw);
            v8 pair = (v8)(d4){pw, pw, pw, pw};
            v8 s0 = splat(x0[j]), s1 = splat(x1[j]), s2 = splat(x2[j]), s3 = splat(x3[j]), s4 = splat(x4[j]),
               s5 = splat(x5[j]);
            a0 = a0 + s0 * f; a1 = a1 + s1 * f; a2 = a2 + s2 * f;
            a3 = a3 + s3 * f; a4 = a4 + s4 * f; a5 = a5 + s5 * f;
            v8 t01 = __builtin_shufflevector(s0, s1, 0, 1, 8, 9, 0, 1, 8, 9);
            v8 t23 = __builtin_shufflevector(s2, s3, 0, 1, 8, 9, 0, 1, 8, 9);
            v8 q0 = __builtin_shufflevector(t01, t23, 0, 1, 2, 3, 12, 13, 14, 15);
            v8 q1 = __builtin_shufflevector(s4, s5, 0, 1, 8, 9, 0, 1, 8, 9);
            p0 = p0 + q0 * pair;
            p1 = p1 + q1 * pair;
        }
    }
    store(z0, a0); store(z1, a1); store(z2, a2); store(z3, a3); store(z4, a4); store(z5, a5);
    z0[8] = p0[0]; z0[9] = p0[1]; z1[8] = p0[2]; z1[9] = p0[3]; z2[8] = p0[4]; z2[9] = p0[5]; z3[8] = p0[6]; z3[9] = p0[7];
    z4[8] = p1[0]; z4[9] = p1[1]; z5[8] = p1[2]; z5[9] = p1[3];
}

// The six rows after the six at i (the block's own first row past the end), for the prefetches: rows may lie
// anywhere (shuffled), where the processor's own prefetching would stall at the start of every row.
static inline __attribute__((always_inline)) void next_rows(const float *const *x, size_t i, size_t m,
                                                             const float **next) {
    for (size_t r = 0; r < 6; r++) next[r] = i + 6 + r < m ? x[i + 6 + r] : x[i];
}

// Six rows and sixteen columns at a time (twelve independent sums; ten through `forward_ten` when only ten of the
// sixteen count), then rows one at a time and columns eight at a time.
static inline __attribute__((always_inline)) void forward_body(size_t m, size_t d, size_t k, size_t kp,
                                                                const float *const *x, const float *w, float *z) {
    size_t i = 0, c = 0;
    for (; c + 16 <= kp; c += 16) {
        for (i = 0; k - c == 10 && i + 6 <= m; i += 6) {
            const float *next[6];
            next_rows(x, i, m, next);
            forward_ten(d, kp, x + i, next, w + c, z + i * kp + c);
        }
        for (; i + 6 <= m; i += 6) {
            const float *x0 = x[i], *x1 = x[i + 1], *x2 = x[i + 2], *x3 = x[i + 3], *x4 = x[i + 4], *x5 = x[i + 5];
            float *z0 = z + i * kp + c;
            v8 a0 = load(z0), b0 = load(z0 + 8), a1 = load(z0 + kp), b1 = load(z0 + kp + 8);
            v8 a2 = load(z0 + 2 * kp), b2 = load(z0 + 2 * kp + 8), a3 = load(z0 + 3 * kp), b3 = load(z0 + 3 * kp + 8);
            v8 a4 = load(z0 + 4 * kp), b4 = load(z0 + 4 * kp + 8), a5 = load(z0 + 5 * kp), b5 = load(z0 + 5 * kp + 8);
            // The next six rows are fetched a cache line at a time while these are summed.
            const float *next[6];
            next_rows(x, i, m, next);
            const float *wj = w + c;
            for (size_t j0 = 0; j0 < d; j0 += 16) {
                for (size_t r = 0; r < 6; r++) __builtin_prefetch(next[r] + j0);
                size_t j1 = j0 + 16 < d ? j0 + 16 : d;
                for (size_t j = j0; j < j1; j++, wj += kp) {
                    v8 f = load(wj), h = load(wj + 8), s;
                    s = splat(x0[j]); a0 = a0 + s * f; b0 = b0 + s * h;
                    s = splat(x1[j]); a1 = a1 + s * f; b1 = b1 + s * h;
                    s = splat(x2[j]); a2 = a2 + s * f; b2 = b2 + s * h;
                    s = splat(x3[j]); a3 = a3 + s * f; b3 = b3 + s * h;
                    s = splat(x4[j]); a4 = a4 + s * f; b4 = b4 + s * h;
                    s = splat(x5[j]); a5 = a5 + s * f; b5 = b5 + s * h;
                }
            }
            store(z0, a0); store(z0 + 8, b0); store(z0 + kp, a1); store(z0 + kp + 8, b1);
            store(z0 + 2 * kp, a2); store(z0 + 2 * kp + 8, b2); store(z0 + 3 * kp, a3); store(z0 + 3 * kp + 8, b3);
            store(z0 + 4 * kp, a4); store(z0 + 4 * kp + 8, b4); store(z0 + 5 * kp, a5); store(z0 + 5 * kp + 8, b5);
        }
        for (; i < m; i++) {
            const float *xi = x[i];
            float *z0 = z + i * kp + c;
            v8 a0 = load(z0), b0 = load(z0 + 8);
            for (size_t j = 0; j < d; j++) {
                v8 s = splat(xi[j]);
                a0 = a0 + s * load(w + j * kp + c);
                b0 = b0 + s * load(w + j * kp + c + 8);
            }
            store(z0, a0); store(z0 + 8, b0);
        }
    }
    for (; c < kp; c += 8) {
        for (i = 0; i < m; i++) {
            const float *xi = x[i];
            v8 a0 = load(z + i * kp + c);
            for (size_t j = 0; j < d; j++) a0 = a0 + splat(xi[j]) * load(w + j * kp + c);
            store(z + i * kp + c, a0);
        }
    }
}

// Eight features (one register) against NC columns: NC independent sums of eight entries each, a row's eight
// features loaded once for all NC columns. Rows go in blocks of `gradientRows` (their features stay in cache
// while every group of eight features passes over them; a whole chunk would not), the sums kept between blocks
// in a transposed copy of g. Each entry still adds the rows' terms in order, as the plain loop does.
enum { gradientRows = 32 };
#define GRADIENT_COLUMNS(NC)                                                                                       \
    static inline __attribute__((always_inline)) void gradient_columns_##NC(                                      \
        size_t m, size_t d, const float *const *x, const float *e, size_t lde, float *g, size_t ldg, float *t) {  \
        size_t groups = d / 8;                                                                                    \
        for (size_t q = 0; q < groups; q++)                                                                       \
            for (size_t l = 0; l < 8; l++)                                                                        \
                for (size_t c = 0; c < NC; c++) t[(q * NC + c) * 8 + l] = g[(8 * q + l) * ldg + c];               \
        for (size_t i0 = 0; i0 < m; i0 += gradientRows) {                                                         \
            size_t i1 = i0 + gradientRows < m ? i0 + gradientRows : m;                                            \
            for (size_t q = 0; q < groups; q++) {                                                                 \
                v8 a[NC];                                                                                         \
                for (size_t c = 0; c < NC; c++) a[c] = load(t + (q * NC + c) * 8);                                \
                const float *ei = e + i0 * lde;                                                                   \
                for (size_t i = i0; i < i1; i++, ei += lde) {                                                     \
                    v8 f = load(x[i] + 8 * q);                                                                    \
                    for (size_t c = 0; c < NC; c++) a[c] = a[c] + f * splat(ei[c]);                               \
                }                                                                                                 \
                for (size_t c = 0; c < NC; c++) store(t + (q * NC + c) * 8, a[c]);                                \
            }                                                                                                     \
        }                                                                                                         \
        for (size_t q = 0; q < groups; q++)                                                                       \
            for (size_t l = 0; l < 8; l++)                                                                        \
                for (size_t c = 0; c < NC; c++) g[(8 * q + l) * ldg + c] = t[(q * NC + c) * 8 + l];               \
    }
GRADIENT_COLUMNS(12)
GRADIENT_COLUMNS(10)
GRADIENT_COLUMNS(8)
GRADIENT_COLUMNS(4)
GRADIENT_COLUMNS(2)
GRADIENT_COLUMNS(1)

// Columns in blocks of 12, 10 (softmax's ten classes in one pass), 8, 4, 2 and 1 through COLUMNS##NC; the
// features past the last multiple of eight one at a time.
#define GRADIENT_BLOCKS(COLUMNS)                                                                                   \
    size_t c = 0;                                                                                                 \
    float *t = malloc((d / 8 + 1) * 12 * 8 * sizeof(float));                                                      \
    for (; c + 12 <= k; c += 12) COLUMNS##12(m, d, x, e + c, lde, g + c, ldg, t);                                 \
    for (; c + 10 <= k; c += 10) COLUMNS##10(m, d, x, e + c, lde, g + c, ldg, t);                                 \
    for (; c + 8 <= k; c += 8) COLUMNS##8(m, d, x, e + c, lde, g + c, ldg, t);                                    \
    for (; c + 4 <= k; c += 4) COLUMNS##4(m, d, x, e + c, lde, g + c, ldg, t);                                    \
    for (; c + 2 <= k; c += 2) COLUMNS##2(m, d, x, e + c, lde, g + c, ldg, t);                                    \
    for (; c < k; c++) COLUMNS##1(m, d, x, e + c, lde, g + c, ldg, t);                                            \
    free(t);                                                                                                      \
    for (size_t j = d & ~(size_t)7; j < d; j++)                                                                   \
        for (size_t c = 0; c < k; c++) {                                                                          \
            float s = g[j * ldg + c];                                                                             \
            for (size_t i = 0; i < m; i++) s = s + x[i][j] * e[i * lde + c];                                      \
            g[j * ldg + c] = s;                                                                                   \
        }

static inline __attribute__((always_inline)) void gradient_body(size_t m, size_t d, size_t k, const float *const *x,
                                                                 const float *e, size_t lde, float *g, size_t ldg) {
    GRADIENT_BLOCKS(gradient_columns_)
}

__attribute__((target("avx")))
static void forward_avx(size_t m, size_t d, size_t k, size_t kp, const float *const *x, const float *w, float *z) {
    forward_body(m, d, k, kp, x, w, z);
}

static void forward_sse2(size_t m, size_t d, size_t k, size_t kp, const float *const *x, const float *w, float *z) {
    forward_body(m, d, k, kp, x, w, z);
}

__attribute__((target("avx")))
static void gradient_avx(size_t m, size_t d, size_t k, const float *const *x, const float *e, size_t lde, float *g,
                         size_t ldg) {
    gradient_body(m, d, k, x, e, lde, g, ldg);
}

static void gradient_sse2(size_t m, size_t d, size_t k, const float *const *x, const float *e, size_t lde, float *g,
                          size_t ldg) {
    gradient_body(m, d, k, x, e, lde, g, ldg);
}

// The gradient's 512-bit path: sixteen features a register (a full shard's retraining 7 % less CPU time than
// at 256 bits). Each entry still adds its terms in the plain loops' order, so the bits are the other paths'.
typedef float v16 __attribute__((vector_size(64), aligned(4), may_alias));
#define splat16(a) ((v16){(a), (a), (a), (a), (a), (a), (a), (a), (a), (a), (a), (a), (a), (a), (a), (a)})
#define load16(p) (*(const v16 *)(p))
#define store16(p, a) (*(v16 *)(p) = (a))

// As GRADIENT_COLUMNS, sixteen features a register (then one group of eight when d mod 16 ≥ 8), the transposed
// sums in t as groups of sixteen followed by the group of eight.
#define GRADIENT_COLUMNS16(NC)                                                                                     \
    __attribute__((target("avx512f"))) static inline void gradient16_columns_##NC(                                \
        size_t m, size_t d, const float *const *x, const float *e, size_t lde, float *g, size_t ldg, float *t) {  \
        size_t groups = d / 16, eight = d % 16 >= 8;                                                              \
        float *t8 = t + groups * NC * 16;                                                                         \
        for (size_t q = 0; q < groups; q++)                                                                       \
            for (size_t l = 0; l < 16; l++)                                                                       \
                for (size_t c = 0; c < NC; c++) t[(q * NC + c) * 16 + l] = g[(16 * q + l) * ldg + c];             \
        for (size_t l = 0; l < 8 * eight; l++)                                                                    \
            for (size_t c = 0; c < NC; c++) t8[c * 8 + l] = g[(16 * groups + l) * ldg + c];                       \
        for (size_t i0 = 0; i0 < m; i0 += gradientRows) {                                                         \
            size_t i1 = i0 + gradientRows < m ? i0 + gradientRows : m;                                            \
            for (size_t q = 0; q < groups; q++) {                                                                 \
                v16 a[NC];                                                                                        \
                for (size_t c = 0; c < NC; c++) a[c] = load16(t + (q * NC + c) * 16);                             \
                const float *ei = e + i0 * lde;                                                                   \
                for (size_t i = i0; i < i1; i++, ei += lde) {                                                     \
                    v16 f = load16(x[i] + 16 * q);                                                                \
                    for (size_t c = 0; c < NC; c++) a[c] = a[c] + f * splat16(ei[c]);                             \
                }                                                                                                 \
                for (size_t c = 0; c < NC; c++) store16(t + (q * NC + c) * 16, a[c]);                             \
            }                                                                                                     \
            if (eight) {                                                                                          \
                v8 a[NC];                                                                                         \
                for (size_t c = 0; c < NC; c++) a[c] = load(t8 + c * 8);                                          \
                const float *ei = e + i0 * lde;                                                                   \
                for (size_t i = i0; i < i1; i++, ei += lde) {                                                     \
                    v8 f = load(x[i] + 16 * groups);                                                              \
                    for (size_t c = 0; c < NC; c++) a[c] = a[c] + f * splat(ei[c]);                               \
                }                                                                                                 \
                for (size_t c = 0; c < NC; c++) store(t8 + c * 8, a[c]);                                          \
            }                                                                                                     \
        }                                                                                                         \
        for (size_t q = 0; q < groups; q++)                                                                       \
            for (size_t l = 0; l < 16; l++)                                                                       \
                for (size_t c = 0; c < NC; c++) g[(16 * q + l) * ldg + c] = t[(q * NC + c) * 16 + l];             \
        for (size_t l = 0; l < 8 * eight; l++)                                                                    \
            for (size_t c = 0; c < NC; c++) g[(16 * groups + l) * ldg + c] = t8[c * 8 + l];                       \
    }
GRADIENT_COLUMNS16(12)
GRADIENT_COLUMNS16(10)
GRADIENT_COLUMNS16(8)
GRADIENT_COLUMNS16(4)
GRADIENT_COLUMNS16(2)
GRADIENT_COLUMNS16(1)

__attribute__((target("avx512f")))
static void gradient_avx512(size_t m, size_t d, size_t k, const float *const *x, const float *e, size_t lde, float *g,
                            size_t ldg) {
    GRADIENT_BLOCKS(gradient16_columns_)
}

// The forward product's 512-bit path: sixteen rows in the lanes of a register and one register per column
// (at most twelve), so no lane is padding. Each block of eight features of the sixteen rows is transposed in
// registers (two rows a register, then unpacks and a two-source permute), leaving register f with feature f of
// the sixteen rows in order; each feature then adds its term to every column, in feature order as the plain
// loops do. A group of fewer than sixteen rows repeats its first row in the spare lanes and stores only its own.
#define FORWARD_ROWS16(NC)                                                                                         \
    __attribute__((target("avx512f"))) static void forward16_rows_##NC(size_t m, size_t d, size_t kp,             \
                                                                        const float *const *x, const float *w,     \
                                                                        float *z) {                               \
        const __m512i lo = _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);            \
        const __m512i hi = _mm512_setr_epi32(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);          \
        for (size_t i0 = 0; i0 < m; i0 += 16) {                                                                    \
            size_t n = m - i0 < 16 ? m - i0 : 16;                                                                 \
            const float *r[16];                                                                                   \
            for (size_t q = 0; q < 16; q++) r[q] = x[i0 + (q < n ? q : 0)];                                       \
            __m512 acc[NC];                                                                                       \
            for (size_t c = 0; c < NC; c++) {                                                                     \
                float t[16];                                                                                      \
                for (size_t q = 0; q < 16; q++) t[q] = z[(i0 + (q < n ? q : 0)) * kp + c];                       \
                acc[c] = _mm512_loadu_ps(t);                                                                      \
            }                                                                                                     \
            size_t j0 = 0;                                                                                        \
            for (; j0 + 8 <= d; j0 += 8) {                                                                        \
                __m512 a[8], b[8];                                                                                \
                _Pragma("clang loop unroll(full)") for (size_t q = 0; q < 8; q++) a[q] =                          \
                    _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(_mm256_loadu_ps(r[q] + j0))), \
                                                        _mm256_castps_pd(_mm256_loadu_ps(r[q + 8] + j0)), 1));    \
                _Pragma("clang loop unroll(full)") for (size_t q = 0; q < 8; q += 2) {                            \
                    b[q] = _mm512_unpacklo_ps(a[q], a[q + 1]);                                                    \
                    b[q + 1] = _mm512_unpackhi_ps(a[q], a[q + 1]);                                                \
                }                                                                                                 \
                _Pragma("clang loop unroll(full)") for (size_t q = 0; q < 8; q += 4) {                            \
                    __m512d b0 = _mm512_castps_pd(b[q]), b1 = _mm512_castps_pd(b[q + 1]);                         \
                    __m512d b2 = _mm512_castps_pd(b[q + 2]), b3 = _mm512_castps_pd(b[q + 3]);                     \
                    a[q] = _mm512_castpd_ps(_mm512_unpacklo_pd(b0, b2));                                          \
                    a[q + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(b0, b2));                                      \
                    a[q + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b1, b3));                                      \
                    a[q + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b1, b3));                                      \
                }                                                                                                 \
                _Pragma("clang loop unroll(full)") for (size_t q = 0; q < 4; q++) {                               \
                    b[q] = _mm512_permutex2var_ps(a[q], lo, a[q + 4]);                                            \
                    b[q + 4] = _mm512_permutex2var_ps(a[q], hi, a[q + 4]);                                        \
                }                                                                                                 \
                _Pragma("clang loop unroll(full)") for (size_t f = 0; f < 8; f++) {                               \
                    const float *wj = w + (j0 + f) * kp;                                                          \
                    _Pragma("clang loop unroll(full)") for (size_t c = 0; c < NC; c++)                            \
                        acc[c] = _mm512_add_ps(acc[c], _mm512_mul_ps(b[f], _mm512_set1_ps(wj[c])));               \
                }                                                                                                 \
            }                                                                                                     \
            for (; j0 < d; j0++) {                                                                                \
                float t[16];                                                                                      \
                for (size_t q = 0; q < 16; q++) t[q] = r[q][j0];                                                  \
                __m512 xf = _mm512_loadu_ps(t);                                                                   \
                const float *wj = w + j0 * kp;                                                                    \
                for (size_t c = 0; c < NC; c++) acc[c] = _mm512_add_ps(acc[c], _mm512_mul_ps(xf, _mm512_set1_ps(wj[c]))); \
            }                                                                                                     \
            for (size_t c = 0; c < NC; c++) {                                                                     \
                float t[16];                                                                                      \
                _mm512_storeu_ps(t, acc[c]);                                                                      \
                for (size_t q = 0; q < n; q++) z[(i0 + q) * kp + c] = t[q];                                       \
            }                                                                                                     \
        }                                                                                                         \
    }
FORWARD_ROWS16(1)
FORWARD_ROWS16(2)
FORWARD_ROWS16(3)
FORWARD_ROWS16(4)
FORWARD_ROWS16(5)
FORWARD_ROWS16(6)
FORWARD_ROWS16(7)
FORWARD_ROWS16(8)
FORWARD_ROWS16(9)
FORWARD_ROWS16(10)
FORWARD_ROWS16(11)
FORWARD_ROWS16(12)

typedef void (*forward16_rows)(size_t, size_t, size_t, const float *const *, const float *, float *);
static const forward16_rows forward16_by_columns[13] = {
    NULL, forward16_rows_1, forward16_rows_2, forward16_rows_3, forward16_rows_4, forward16_rows_5, forward16_rows_6,
    forward16_rows_7, forward16_rows_8, forward16_rows_9, forward16_rows_10, forward16_rows_11, forward16_rows_12};

void ul_narrow_forward(size_t m, size_t d, size_t k, size_t kp, const float *const *x, const float *w, float *z) {
    switch (ul_kernels_wide()) {
    case 2:
        if (k >= 1 && k <= 12) {
            forward16_by_columns[k](m, d, kp, x, w, z);
            break;
        }
        // more columns: the 256-bit path
    case 1: forward_avx(m, d, k, kp, x, w, z); break;
    default: forward_sse2(m, d, k, kp, x, w, z);
    }
}

void ul_narrow_gradient(size_t m, size_t d, size_t k, const float *const *x, const float *e, size_t lde, float *g,
                        size_t ldg) {
    switch (ul_kernels_wide()) {
    case 2: gradient_avx512(m, d, k, x, e, lde, g, ldg); break;
    case 1: gradient_avx(m, d, k, x, e, lde, g, ldg); break;
    default: gradient_sse2(m, d, k, x, e, lde, g, ldg);
    }
}
