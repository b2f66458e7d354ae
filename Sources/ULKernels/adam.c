#include "ULKernels.h"

#include <immintrin.h>
#include <math.h>

// Separate multiplies and adds, as the Swift reference does: contracting them into FMA would change the bits.
#pragma clang fp contract(off)

static inline void adam_one(size_t i, double *theta, double *m, double *v, const float *grad, double scale,
                            double decay, double b1, double b2, double r1, double r2, double a, double eps) {
    double g = (double)grad[i] * scale + decay * theta[i];
    m[i] = b1 * m[i] + r1 * g;
    v[i] = b2 * v[i] + r2 * g * g;
    theta[i] -= a * m[i] / (sqrt(v[i]) + eps);
}

__attribute__((target("avx")))
static void adam_avx(size_t lo, size_t hi, double *theta, double *m, double *v, const float *grad, double scale,
                     double decay, double b1, double b2, double a, double eps, float *mirror) {
    const double r1 = 1 - b1, r2 = 1 - b2;
    const __m256d S = _mm256_set1_pd(scale), DC = _mm256_set1_pd(decay), B1 = _mm256_set1_pd(b1),
                  B2 = _mm256_set1_pd(b2), R1 = _mm256_set1_pd(r1), R2 = _mm256_set1_pd(r2),
                  A = _mm256_set1_pd(a), E = _mm256_set1_pd(eps);
    size_t i = lo;
    for (; i + 4 <= hi; i += 4) {
        __m256d th = _mm256_loadu_pd(theta + i);
        __m256d g = _mm256_add_pd(_mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(grad + i)), S), _mm256_mul_pd(DC, th));
        __m256d mi = _mm256_add_pd(_mm256_mul_pd(B1, _mm256_loadu_pd(m + i)), _mm256_mul_pd(R1, g));
        __m256d vi = _mm256_add_pd(_mm256_mul_pd(B2, _mm256_loadu_pd(v + i)), _mm256_mul_pd(_mm256_mul_pd(R2, g), g));
        _mm256_storeu_pd(m + i, mi);
        _mm256_storeu_pd(v + i, vi);
        th = _mm256_sub_pd(th, _mm256_div_pd(_mm256_mul_pd(A, mi), _mm256_add_pd(_mm256_sqrt_pd(vi), E)));
        _mm256_storeu_pd(theta + i, th);
        _mm_storeu_ps(mirror + i, _mm256_cvtpd_ps(th));
    }
    for (; i < hi; i++) {
        adam_one(i, theta, m, v, grad, scale, decay, b1, b2, r1, r2, a, eps);
        mirror[i] = (float)theta[i];
    }
}

static void adam_sse2(size_t lo, size_t hi, double *theta, double *m, double *v, const float *grad, double scale,
                      double decay, double b1, double b2, double a, double eps, float *mirror) {
    const double r1 = 1 - b1, r2 = 1 - b2;
    const __m128d S = _mm_set1_pd(scale), DC = _mm_set1_pd(decay), B1 = _mm_set1_pd(b1), B2 = _mm_set1_pd(b2),
                  R1 = _mm_set1_pd(r1), R2 = _mm_set1_pd(r2), A = _mm_set1_pd(a), E = _mm_set1_pd(eps);
    size_t i = lo;
    for (; i + 2 <= hi; i += 2) {
        __m128d th = _mm_loadu_pd(theta + i);
        __m128d gf = _mm_cvtps_pd(_mm_castpd_ps(_mm_load_sd((const double *)(grad + i))));
        __m128d g = _mm_add_pd(_mm_mul_pd(gf, S), _mm_mul_pd(DC, th));
        __m128d mi = _mm_add_pd(_mm_mul_pd(B1, _mm_loadu_pd(m + i)), _mm_mul_pd(R1, g));
        __m128d vi = _mm_add_pd(_mm_mul_pd(B2, _mm_loadu_pd(v + i)), _mm_mul_pd(_mm_mul_pd(R2, g), g));
        _mm_storeu_pd(m + i, mi);
        _mm_storeu_pd(v + i, vi);
        th = _mm_sub_pd(th, _mm_div_pd(_mm_mul_pd(A, mi), _mm_add_pd(_mm_sqrt_pd(vi), E)));
        _mm_storeu_pd(theta + i, th);
        mirror[i] = (float)theta[i];
        mirror[i + 1] = (float)theta[i + 1];
    }
    for (; i < hi; i++) {
        adam_one(i, theta, m, v, grad, scale, decay, b1, b2, r1, r2, a, eps);
        mirror[i] = (float)theta[i];
    }
}

void ul_adam_update(size_t lo, size_t hi, double *theta, double *m, double *v, const float *grad, double scale,
                    double decay, double beta1, double beta2, double a, double eps, float *mirror) {
    if (ul_kernels_wide())
        adam_avx(lo, hi, theta, m, v, grad, scale, decay, beta1, beta2, a, eps, mirror);
    else
        adam_sse2(lo, hi, theta, m, v, grad, scale, decay, beta1, beta2, a, eps, mirror);
}
