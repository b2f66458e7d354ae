// Adam's step over a range of parameters, one body compiled for 128-bit and for 256-bit registers.

#include "ULKernels.h"

#include <math.h>

// Separate multiplies and adds: contracting them into FMA would make the bits depend on the CPU.
#pragma clang fp contract(off)

// The gradient of parameter i: grad64[i] when given (a whole step on a double-precision gradient), otherwise
// scale·grad32[i] + decay·θᵢ (a mini-batch's summed single-precision gradient, its mean and the L2 term).
static inline __attribute__((always_inline)) double gradient_at(size_t i, const double *theta, const float *grad32,
                                                                 const double *grad64, double scale, double decay) {
    return grad64 ? grad64[i] : (double)grad32[i] * scale + decay * theta[i];
}

typedef double v4 __attribute__((vector_size(32), aligned(8), may_alias));
typedef float f4 __attribute__((vector_size(16), aligned(4), may_alias));
#define splat(a) ((v4){(a), (a), (a), (a)})

// Four parameters at a time (one 256-bit register or two 128-bit ones), then the tail one by one; the same
// operations either way. With `mirror`, θ rounded to single precision is written there too.
static inline __attribute__((always_inline)) void adam_body(size_t lo, size_t hi, double *theta, double *m, double *v,
                                                             const float *grad32, const double *grad64, double scale,
                                                             double decay, double b1, double b2, double a, double eps,
                                                             float *mirror) {
    const double r1 = 1 - b1, r2 = 1 - b2;
    size_t i = lo;
    for (; i + 4 <= hi; i += 4) {
        v4 th = *(v4 *)(theta + i);
        v4 g = grad64 ? *(const v4 *)(grad64 + i)
                      : __builtin_convertvector(*(const f4 *)(grad32 + i), v4) * splat(scale) + splat(decay) * th;
        v4 mi = splat(b1) * *(v4 *)(m + i) + splat(r1) * g;
        v4 vi = splat(b2) * *(v4 *)(v + i) + splat(r2) * g * g;
        *(v4 *)(m + i) = mi;
        *(v4 *)(v + i) = vi;
        th = th - splat(a) * mi / (__builtin_elementwise_sqrt(vi) + splat(eps));
        *(v4 *)(theta + i) = th;
        if (mirror) *(f4 *)(mirror + i) = __builtin_convertvector(th, f4);
    }
    for (; i < hi; i++) {
        double g = gradient_at(i, theta, grad32, grad64, scale, decay);
        m[i] = b1 * m[i] + r1 * g;
        v[i] = b2 * v[i] + r2 * g * g;
        theta[i] -= a * m[i] / (sqrt(v[i]) + eps);
        if (mirror) mirror[i] = (float)theta[i];
    }
}

__attribute__((target("avx")))
static void adam_avx(size_t lo, size_t hi, double *theta, double *m, double *v, const float *grad32,
                     const double *grad64, double scale, double decay, double b1, double b2, double a, double eps,
                     float *mirror) {
    adam_body(lo, hi, theta, m, v, grad32, grad64, scale, decay, b1, b2, a, eps, mirror);
}

static void adam_sse2(size_t lo, size_t hi, double *theta, double *m, double *v, const float *grad32,
                      const double *grad64, double scale, double decay, double b1, double b2, double a, double eps,
                      float *mirror) {
    adam_body(lo, hi, theta, m, v, grad32, grad64, scale, decay, b1, b2, a, eps, mirror);
}

static void adam(size_t lo, size_t hi, double *theta, double *m, double *v, const float *grad32, const double *grad64,
                 double scale, double decay, double b1, double b2, double a, double eps, float *mirror) {
    if (ul_kernels_wide())
        adam_avx(lo, hi, theta, m, v, grad32, grad64, scale, decay, b1, b2, a, eps, mirror);
    else
        adam_sse2(lo, hi, theta, m, v, grad32, grad64, scale, decay, b1, b2, a, eps, mirror);
}

void ul_adam_update(size_t lo, size_t hi, double *theta, double *m, double *v, const float *grad, double scale,
                    double decay, double beta1, double beta2, double a, double eps, float *mirror) {
    adam(lo, hi, theta, m, v, grad, NULL, scale, decay, beta1, beta2, a, eps, mirror);
}

void ul_adam_step(size_t n, double *theta, double *m, double *v, const double *grad, double beta1, double beta2,
                  double a, double eps) {
    adam(0, n, theta, m, v, NULL, grad, 0, 0, beta1, beta2, a, eps, NULL);
}
