// Products of a linear layer with few outputs (softmax regression's ten classes), which BLAS serves poorly:
// it copies the rows into packed panels twice per evaluation. One body, compiled for 128-bit and for
// 256-bit registers; both add the same products in the same order, so the bits are those of the plain loops.

#include "ULKernels.h"

#pragma clang fp contract(off)

// Eight floats, unaligned, which may alias the float arrays they are read from (macros rather than functions:
// a function passing one by value would have a different ABI in the two builds).
typedef float v8 __attribute__((vector_size(32), aligned(4), may_alias));
#define splat(a) ((v8){(a), (a), (a), (a), (a), (a), (a), (a)})
#define load(p) (*(const v8 *)(p))
#define store(p, a) (*(v8 *)(p) = (a))

// Six rows and sixteen columns at a time (twelve independent sums), then rows one at a time and columns
// eight at a time.
static inline __attribute__((always_inline)) void forward_body(size_t m, size_t d, size_t kp, const float *x,
                                                                size_t ldx, const float *w, float *z) {
    size_t i = 0, c = 0;
    for (; c + 16 <= kp; c += 16) {
        for (i = 0; i + 6 <= m; i += 6) {
            const float *x0 = x + i * ldx;
            float *z0 = z + i * kp + c;
            v8 a0 = load(z0), b0 = load(z0 + 8), a1 = load(z0 + kp), b1 = load(z0 + kp + 8);
            v8 a2 = load(z0 + 2 * kp), b2 = load(z0 + 2 * kp + 8), a3 = load(z0 + 3 * kp), b3 = load(z0 + 3 * kp + 8);
            v8 a4 = load(z0 + 4 * kp), b4 = load(z0 + 4 * kp + 8), a5 = load(z0 + 5 * kp), b5 = load(z0 + 5 * kp + 8);
            const float *wj = w + c;
            for (size_t j = 0; j < d; j++, wj += kp) {
                v8 f = load(wj), h = load(wj + 8), s;
                s = splat(x0[j]); a0 = a0 + s * f; b0 = b0 + s * h;
                s = splat(x0[ldx + j]); a1 = a1 + s * f; b1 = b1 + s * h;
                s = splat(x0[2 * ldx + j]); a2 = a2 + s * f; b2 = b2 + s * h;
                s = splat(x0[3 * ldx + j]); a3 = a3 + s * f; b3 = b3 + s * h;
                s = splat(x0[4 * ldx + j]); a4 = a4 + s * f; b4 = b4 + s * h;
                s = splat(x0[5 * ldx + j]); a5 = a5 + s * f; b5 = b5 + s * h;
            }
            store(z0, a0); store(z0 + 8, b0); store(z0 + kp, a1); store(z0 + kp + 8, b1);
            store(z0 + 2 * kp, a2); store(z0 + 2 * kp + 8, b2); store(z0 + 3 * kp, a3); store(z0 + 3 * kp + 8, b3);
            store(z0 + 4 * kp, a4); store(z0 + 4 * kp + 8, b4); store(z0 + 5 * kp, a5); store(z0 + 5 * kp + 8, b5);
        }
        for (; i < m; i++) {
            const float *xi = x + i * ldx;
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
            const float *xi = x + i * ldx;
            v8 a0 = load(z + i * kp + c);
            for (size_t j = 0; j < d; j++) a0 = a0 + splat(xi[j]) * load(w + j * kp + c);
            store(z + i * kp + c, a0);
        }
    }
}

// Six features and sixteen columns at a time held in registers over all the rows (twelve independent sums,
// each taking the rows in order), then what is left one feature at a time.
static inline __attribute__((always_inline)) void gradient_body(size_t m, size_t d, size_t kp, const float *x,
                                                                 size_t ldx, const float *e, float *g) {
    size_t c = 0;
    for (; c + 16 <= kp; c += 16) {
        size_t j = 0;
        for (; j + 6 <= d; j += 6) {
            float *g0 = g + j * kp + c;
            v8 a0 = load(g0), b0 = load(g0 + 8), a1 = load(g0 + kp), b1 = load(g0 + kp + 8);
            v8 a2 = load(g0 + 2 * kp), b2 = load(g0 + 2 * kp + 8), a3 = load(g0 + 3 * kp), b3 = load(g0 + 3 * kp + 8);
            v8 a4 = load(g0 + 4 * kp), b4 = load(g0 + 4 * kp + 8), a5 = load(g0 + 5 * kp), b5 = load(g0 + 5 * kp + 8);
            const float *xi = x + j;
            const float *ei = e + c;
            for (size_t i = 0; i < m; i++, xi += ldx, ei += kp) {
                v8 f = load(ei), h = load(ei + 8), s;
                s = splat(xi[0]); a0 = a0 + s * f; b0 = b0 + s * h;
                s = splat(xi[1]); a1 = a1 + s * f; b1 = b1 + s * h;
                s = splat(xi[2]); a2 = a2 + s * f; b2 = b2 + s * h;
                s = splat(xi[3]); a3 = a3 + s * f; b3 = b3 + s * h;
                s = splat(xi[4]); a4 = a4 + s * f; b4 = b4 + s * h;
                s = splat(xi[5]); a5 = a5 + s * f; b5 = b5 + s * h;
            }
            store(g0, a0); store(g0 + 8, b0); store(g0 + kp, a1); store(g0 + kp + 8, b1);
            store(g0 + 2 * kp, a2); store(g0 + 2 * kp + 8, b2); store(g0 + 3 * kp, a3); store(g0 + 3 * kp + 8, b3);
            store(g0 + 4 * kp, a4); store(g0 + 4 * kp + 8, b4); store(g0 + 5 * kp, a5); store(g0 + 5 * kp + 8, b5);
        }
        for (; j < d; j++) {
            float *g0 = g + j * kp + c;
            v8 a0 = load(g0), b0 = load(g0 + 8);
            for (size_t i = 0; i < m; i++) {
                v8 s = splat(x[i * ldx + j]);
                a0 = a0 + s * load(e + i * kp + c);
                b0 = b0 + s * load(e + i * kp + c + 8);
            }
            store(g0, a0); store(g0 + 8, b0);
        }
    }
    for (; c < kp; c += 8) {
        for (size_t j = 0; j < d; j++) {
            float *g0 = g + j * kp + c;
            v8 a0 = load(g0);
            for (size_t i = 0; i < m; i++) a0 = a0 + splat(x[i * ldx + j]) * load(e + i * kp + c);
            store(g0, a0);
        }
    }
}

__attribute__((target("avx")))
static void forward_avx(size_t m, size_t d, size_t kp, const float *x, size_t ldx, const float *w, float *z) {
    forward_body(m, d, kp, x, ldx, w, z);
}

static void forward_sse2(size_t m, size_t d, size_t kp, const float *x, size_t ldx, const float *w, float *z) {
    forward_body(m, d, kp, x, ldx, w, z);
}

__attribute__((target("avx")))
static void gradient_avx(size_t m, size_t d, size_t kp, const float *x, size_t ldx, const float *e, float *g) {
    gradient_body(m, d, kp, x, ldx, e, g);
}

static void gradient_sse2(size_t m, size_t d, size_t kp, const float *x, size_t ldx, const float *e, float *g) {
    gradient_body(m, d, kp, x, ldx, e, g);
}

void ul_narrow_forward(size_t m, size_t d, size_t kp, const float *x, size_t ldx, const float *w, float *z) {
    if (ul_kernels_wide())
        forward_avx(m, d, kp, x, ldx, w, z);
    else
        forward_sse2(m, d, kp, x, ldx, w, z);
}

void ul_narrow_gradient(size_t m, size_t d, size_t kp, const float *x, size_t ldx, const float *e, float *g) {
    if (ul_kernels_wide())
        gradient_avx(m, d, kp, x, ldx, e, g);
    else
        gradient_sse2(m, d, kp, x, ldx, e, g);
}
