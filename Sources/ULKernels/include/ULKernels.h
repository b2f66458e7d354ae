#ifndef UL_KERNELS_H
#define UL_KERNELS_H

// Elementwise kernels of ULCore written with the CPU's vector width picked at run time. Every path performs
// the same correctly rounded IEEE operations in the same order (no fused multiply-add), so results never
// depend on the CPU, only the speed does.

#include <stddef.h>

/// One Adam step on θ[lo, hi): g = scale·grad + decay·θ (grad in single precision), m = β₁m + (1 − β₁)g,
/// v = β₂v + ((1 − β₂)g)g, θ −= (a·m) / (√v + ε); then mirror = θ rounded to single precision.
void ul_adam_update(size_t lo, size_t hi, double *theta, double *m, double *v, const float *grad,
                    double scale, double decay, double beta1, double beta2, double a, double eps, float *mirror);

/// The same step on θ[0, n) following a double-precision gradient as it is (no scaling, no mirror).
void ul_adam_step(size_t n, double *theta, double *m, double *v, const double *grad, double beta1, double beta2,
                  double a, double eps);

/// A linear layer with few outputs (`k` columns in `kp`, a multiple of 8, the rest zero-padded): z (m × kp) +=
/// x (m × d) · w (d × kp), row i of x at x[i] (rows anywhere: a chunk of shuffled rows is read where it lies, not
/// gathered). Each of the first k outputs adds the terms j = 0, 1, …, d − 1 to its value on entry in order; the
/// padding columns of z are left as they are or given the padding's zero terms.
void ul_narrow_forward(size_t m, size_t d, size_t k, size_t kp, const float *const *x, const float *w, float *z);

/// Its weight gradient: g (d × k, rows `ldg` apart) += xᵀ e for x's rows at x[i] and e (m × k, rows `lde`
/// apart): each entry adds the rows' terms i = 0, 1, …, m − 1 to its value on entry in order (any k: no padding).
void ul_narrow_gradient(size_t m, size_t d, size_t k, const float *const *x, const float *e, size_t lde, float *g,
                        size_t ldg);

/// Single-precision rows times double-precision parameters: z (m × k) = x̃ θ for the rows at x[0], …, x[m − 1]
/// (d values each) with a bias, θ ((d + 1) × k, the bias row last): z[i][c] = θ[d][c] + x̃[i][0]·θ[0][c] + … in that
/// order. x̃ is x, or with `mean` (and `factor`, d values each) (x − mean)·factor in single precision.
void ul_rows_product(size_t m, size_t d, size_t k, const float *const *x, const float *mean, const float *factor,
                     const double *theta, double *z);

/// Its transpose: g ((d + 1) × k) = x̃ᵀ s for s (m × k): g[j][c] = Σ_i x̃[i][j]·s[i][c], g[d][c] = Σ_i s[i][c],
/// each sum adding the rows' terms in order i = 0, 1, …, m − 1 to 0.
void ul_rows_transposed_product(size_t m, size_t d, size_t k, const float *const *x, const float *mean,
                                const float *factor, const double *s, double *g);

/// Greedy log-det selection's sums, four at once, each with four lanes (lane l takes the elements l, l + 4, …)
/// added in order and reduced as (s₀ + s₁) + (s₂ + s₃) after any tail (which goes to lane 0):
/// the lane sums of Σ_k b_r[k]·a[k] for k < n, n a multiple of 4, into out[4r + l];
void ul_lane_sums4(const double *a, const double *b0, const double *b1, const double *b2, const double *b3, size_t n,
                   double *out);
/// Σ_k (a[k] − b_r[k])², widened to double, reduced, into out[r];
void ul_squared_distances4(const float *a, const float *b0, const float *b1, const float *b2, const float *b3, size_t n,
                           double *out);
/// Σ_k a[k]·b_r[k], widened to double, reduced, into out[r].
void ul_dots4(const float *a, const float *b0, const float *b1, const float *b2, const float *b3, size_t n, double *out);

/// Coverage selection's gain of a candidate whose kernel values are k: Σ_i max(0, k[i] − c[i]) over the
/// coverage c, each term widened to double, in the four lanes of `ul_lane_sums4`. Never larger for a larger c
/// (every operation is monotone), which lazy greedy's bounds rely on.
double ul_coverage_gain(const float *k, const float *c, size_t n);
/// c[i] = max(c[i], k[i]).
void ul_coverage_raise(float *c, const float *k, size_t n);

/// A spinning thread's pause (x86 PAUSE, ARM YIELD): it leaves the core's resources to a sibling thread that
/// is doing the work being waited for.
void ul_spin_pause(void);

/// Which path is used: 2 (the softmax layer's products at 512 bits, 256 bits elsewhere) when the CPU and OS support
/// AVX-512F, 1 (256-bit) with AVX, else 0 (128-bit), unless set otherwise.
int ul_kernels_wide(void);

/// The OpenBLAS core type (OPENBLAS_CORETYPE) whose kernels this CPU runs: Cooperlake, SkylakeX or Haswell by
/// its AVX-512 and AVX2 features; NULL for an older CPU.
const char *ul_openblas_core(void);

/// Uses path `wide` (0, 1 or 2; at most what the CPU supports): for tests, which check that every path gives
/// the same bits. Returns the previous setting.
int ul_kernels_set_wide(int wide);

#endif
