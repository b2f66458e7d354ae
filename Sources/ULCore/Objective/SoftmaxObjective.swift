/// Multinomial logistic regression on a shard's rows, in Double through `SoftmaxCurvature`: the objective
/// with an exact dense Hessian (for the Cholesky solver) and exact row Hessian factors (for downdating the stored factor).
///
/// The approximate methods take most quantities at one θ (the trained θ̂), so the probabilities and
/// residuals of the last θ asked for are kept rather than recomputed by every Hessian-vector product.
/// One instance must therefore not be called from two threads at once.
final class SoftmaxObjective: Objective {
    let curvature: SoftmaxCurvature
    let terms: ObjectiveTerms
    private var point: (theta: [Double], probabilities: [Double], residuals: [Double])?

    init(curvature: SoftmaxCurvature) {
        self.curvature = curvature
        terms = ObjectiveTerms(l2: curvature.l2)
    }

    var parameterCount: Int { curvature.parameterCount }
    var rowCount: Int { curvature.count }

    private func at(_ theta: [Double]) -> (theta: [Double], probabilities: [Double], residuals: [Double]) {
        if let p = point, p.theta == theta { return p }
        let p = curvature.probabilities(theta)
        let state = (theta, p, curvature.residuals(p))
        point = state
        return state
    }

    func dataTerm(_ theta: [Double], weights: [Double]?, gradient: Bool) -> (value: Double, gradient: [Double]) {
        let s = at(theta)
        let w = weights ?? terms.weights
        let losses = curvature.losses(s.probabilities)
        var value = 0.0
        for i in losses.indices { value += (w?[i] ?? 1) * losses[i] }
        guard gradient else { return (value, []) }
        return (value, curvature.weightedGradientSum(s.residuals, coefficients: w ?? [Double](repeating: 1, count: rowCount)))
    }

    func dataHessianVectorProduct(_ theta: [Double], _ v: [Double], weights: [Double]?) -> [Double] {
        curvature.dataHessianVectorProduct(at(theta).probabilities, v, weights: weights ?? terms.weights)
    }

    /// The logits are linear in θ: Gauss–Newton is the Hessian.
    func dataGaussNewtonVectorProduct(_ theta: [Double], _ v: [Double], weights: [Double]?) -> [Double] {
        dataHessianVectorProduct(theta, v, weights: weights)
    }

    func gaussNewtonDiagonal(_ theta: [Double], weights: [Double]?) -> [Double] {
        let d = curvature.hessianDiagonal(at(theta).probabilities, weights: weights ?? terms.weights)
        return d.map { $0 - terms.l2 }
    }

    func rowGradient(_ theta: [Double], row: Int) -> [Double] { curvature.rowGradient(at(theta).residuals, row: row) }

    func rowLosses(at theta: [Double]) -> [Double] { curvature.losses(at(theta).probabilities) }

    func gradientDots(_ theta: [Double], _ v: [Double]) -> [Double] {
        let r = at(theta).residuals
        let z = curvature.logitChanges(v), k = curvature.classes
        return (0..<rowCount).map { i in (0..<k).reduce(0.0) { $0 + z[i * k + $1] * r[i * k + $1] } }
    }

    func hessianDiagonal(_ theta: [Double]) -> [Double] {
        curvature.hessianDiagonal(at(theta).probabilities, weights: terms.weights)
    }

    /// The dense Hessian ∇²J(θ) with `damping` added to the diagonal.
    func hessian(_ theta: [Double], weights: [Double]? = nil, damping: Double, progress: ((Int, Int) -> Void)? = nil) -> [Double] {
        curvature.hessian(at(theta).probabilities, weights: weights ?? terms.weights, damping: damping, progress: progress)
    }

    /// Factors of row i's Hessian at θ (see `SoftmaxCurvature.rowHessianFactors`).
    func rowHessianFactors(_ theta: [Double], row: Int) -> [[Double]] {
        curvature.rowHessianFactors(at(theta).probabilities, row: row)
    }

    /// Σ_{i∈rows} ∇²ℓᵢ at θ as VVᵀ (see `SoftmaxCurvature.hessianFactorMatrix`).
    func hessianFactorMatrix(_ theta: [Double], rows: [Int]) -> (v: [Double], rank: Int) {
        curvature.hessianFactorMatrix(at(theta).probabilities, rows: rows)
    }

    /// Diagonal of Σ_{i∈rows} ∇²ℓᵢ at θ.
    func rowsHessianDiagonal(_ theta: [Double], rows: [Int]) -> [Double] {
        curvature.rowsHessianDiagonal(at(theta).probabilities, rows: rows)
    }
}
