/// Approximate removal of rows from a trained shard: PUMA and the Newton step of certified removal. Both
/// start from the solver's θ̂ and return new parameters; neither retrains.
public enum ApproximateRemoval {
    /// PUMA's settings. The weight problem is `min (Σᵢ εᵢsᵢ)² + α·‖s_r‖²·‖ε_r‖²` over the remaining rows'
    /// ε_r ∈ [−1, 1] (weights 1 + ε_r ∈ [0, 2]); α is relative to ‖s_r‖², so α = 0 asks for full cancellation
    /// and larger α keeps the weights nearer 1. Projected gradient steps are `eta / L`, L the gradient's
    /// Lipschitz constant 2(1 + α)‖s_r‖², so `eta` in (0, 1] is scale-free.
    public struct PumaSettings: Sendable {
        public var eta: Double = 0.5
        public var alpha: Double = 0.1
        public var iterations: Int = 200
        public init(eta: Double = 0.5, alpha: Double = 0.1, iterations: Int = 200) {
            self.eta = eta
            self.alpha = alpha
            self.iterations = iterations
        }
    }

    public struct PumaResult {
        public var theta: [Double]
        /// 1 + εᵢ per row of the objective: 0 on the forgotten rows, in [0, 2] elsewhere.
        public var weights: [Double]
        /// Σᵢ εᵢsᵢ: the first-order change of the criterion.
        public var predictedChange: Double
        /// −Σ_{i∈F} sᵢ: the first-order change of plain removal (ε_r = 0).
        public var naiveChange: Double
    }

    /// PUMA: `s = −G H⁻¹∇C` for every row (one solve), weights by projected gradient, then the patch
    /// `θ_new = θ̂ − H⁻¹ Σᵢ εᵢgᵢ` with the training Hessian. With `settings.iterations == 0`, ε_r = 0 and this
    /// is plain influence removal `θ̂ + H⁻¹Σ_{i∈F}gᵢ`.
    public static func puma(objective: Objective, solver: CurvatureSolver, forget: [Int], criterionGradient: [Double],
                            settings: PumaSettings) throws -> PumaResult {
        let n = objective.rowCount
        let v = try solver.solve(criterionGradient)
        let s = objective.gradientDots(solver.theta, v).map { -$0 }
        var eps = [Double](repeating: 0, count: n)
        var removed = [Bool](repeating: false, count: n)
        for r in forget { eps[r] = -1; removed[r] = true }
        var naive = 0.0
        for r in forget { naive -= s[r] }
        var s2 = 0.0
        for i in 0..<n where !removed[i] { s2 += s[i] * s[i] }
        if s2 > 0, settings.iterations > 0 {
            let alpha = settings.alpha * s2
            let step = settings.eta / (2 * (s2 + alpha))
            for _ in 0..<settings.iterations {
                var total = 0.0
                for i in 0..<n { total += eps[i] * s[i] }
                for i in 0..<n where !removed[i] {
                    let g = 2 * total * s[i] + 2 * alpha * eps[i]
                    eps[i] = min(1, max(-1, eps[i] - step * g))
                }
            }
        }
        var predicted = 0.0
        for i in 0..<n { predicted += eps[i] * s[i] }
        let delta = try solver.solve(objective.gradientSum(solver.theta, coefficients: eps))
        var theta = solver.theta
        for i in theta.indices { theta[i] -= delta[i] }
        return PumaResult(theta: theta, weights: eps.map { 1 + $0 }, predictedChange: predicted, naiveChange: naive)
    }

    public struct NewtonResult {
        public var theta: [Double]
        /// ‖∇J₋(θ⁻)‖, measured on the remaining rows.
        public var residual: Double
        /// Data-dependent bound on ‖∇J₋(θ⁻)‖ (nil when the model kind has none).
        public var bound: Double?
        /// ‖θ⁻ − θ̂‖.
        public var step: Double
    }

    /// Lipschitz constant of z ↦ diag p − ppᵀ (softmax of z) in the spectral norm: its derivative along u is
    /// diag(Au) − (Au)pᵀ − p(Au)ᵀ with ‖A‖ ≤ 1/2 and ‖p‖ ≤ 1, hence ≤ 1/2 + 2·1/2.
    static let softmaxHessianLipschitz = 1.5

    /// Newton removal (Guo et al. 2020): `θ⁻ = θ̂ + H₋⁻¹Σ_{i∈F}gᵢ`, H₋ the Hessian without the forgotten rows
    /// (the stored factor downdated to the remaining rows). The step undoes only the forgotten rows' gradient, not
    /// whatever gradient ∇J(θ̂) training left (a full Newton step from an unconverged θ̂ can overshoot);
    /// that remainder stays in the residual and in the bound. `linear` is the loss perturbation b, if any.
    ///
    /// The bound (softmax) follows from ∇J₋(θ⁻) = e + Σᵢ x̃ᵢ ⊗ rᵢ, rᵢ = ∫₀¹(A(zᵢ + tΔzᵢ) − A(zᵢ))dt Δzᵢ, with
    /// e = ∇J₋(θ̂) + H₋Δ (training's remainder ∇J(θ̂) plus the linear-solve error), A the softmax Hessian in
    /// the logits and Δzᵢ = ΔΘᵀx̃ᵢ. Each ‖rᵢ‖ ≤ (γ/2)‖Δzᵢ‖², γ = 1.5, and Σᵢ x̃ᵢ ⊗ rᵢ = X̃₋ᵀR, so over the
    /// remaining rows both ‖X̃₋‖₂·‖R‖_F and Σᵢ‖x̃ᵢ‖‖rᵢ‖ bound it:
    /// ‖∇J₋(θ⁻)‖ ≤ ‖e‖ + (γ/2)·min(‖X̃₋‖₂ (Σᵢ‖Δzᵢ‖⁴)^½, Σᵢ‖x̃ᵢ‖‖Δzᵢ‖²).
    public static func newton(objective: Objective, solver: CurvatureSolver, forget: [Int], linear: [Double]?) throws -> NewtonResult {
        let n = objective.rowCount
        var weights = [Double](repeating: 1, count: n)
        for r in forget { weights[r] = 0 }
        let grad = objective.gradient(solver.theta, weights: weights, linear: linear)
        try solver.downdate(rows: forget)
        let delta = try solver.solve(objective.gradientSum(solver.theta, rows: forget))
        var theta = solver.theta
        for i in theta.indices { theta[i] += delta[i] }
        let residual = norm(objective.gradient(theta, weights: weights, linear: linear))
        var bound: Double? = nil
        if let s = objective as? SoftmaxObjective {
            var e = s.hessianVectorProduct(solver.theta, delta, weights: weights)
            for i in e.indices { e[i] += grad[i] }
            let dz = s.curvature.logitChanges(delta)
            let k = s.curvature.classes
            var fourth = 0.0, rowWeighted = 0.0
            for i in 0..<n where weights[i] != 0 {
                var q = 0.0
                for c in 0..<k { q += dz[i * k + c] * dz[i * k + c] }
                let xx = s.curvature.squaredNorm(row: i)
                fourth += q * q
                rowWeighted += xx.squareRoot() * q
            }
            let spectral = s.curvature.spectralNorm(weights: weights) * fourth.squareRoot()
            bound = norm(e) + 0.5 * softmaxHessianLipschitz * min(spectral, rowWeighted)
        }
        return NewtonResult(theta: theta, residual: residual, bound: bound, step: norm(delta))
    }
}
