/// A training objective `J(θ) = Σᵢ wᵢℓᵢ(θ) + (λ/2)‖θ‖² + bᵀθ` over a fixed list of rows, with the derivatives
/// the L-BFGS solver, influence, PUMA and Newton removal need. It is kept apart from the solvers (liblinear
/// style) so that every one of them minimises or differentiates the same function.
///
/// Every quantity is taken at an explicit θ. Row positions are positions in the objective's row order.
/// Where a method takes `weights`, nil means the objective's own (`terms.weights`, themselves nil for all 1);
/// the approximate methods pass other weights to drop rows (Newton) or reweight them (PUMA).
public protocol Objective: AnyObject {
    /// Length of θ.
    var parameterCount: Int { get }
    /// Number of rows the sum runs over.
    var rowCount: Int { get }
    /// λ, the row weights and the linear term.
    var terms: ObjectiveTerms { get }
    /// The data term Σᵢ wᵢℓᵢ(θ) and, with `gradient`, its gradient Σᵢ wᵢgᵢ(θ) (empty otherwise).
    func dataTerm(_ theta: [Double], weights: [Double]?, gradient: Bool) -> (value: Double, gradient: [Double])
    /// Σᵢ wᵢ∇²ℓᵢ(θ)·v, without the regulariser.
    func dataHessianVectorProduct(_ theta: [Double], _ v: [Double], weights: [Double]?) -> [Double]
    /// Σᵢ wᵢJᵢᵀ∇²_zℓᵢJᵢ·v, the generalised Gauss–Newton product (Jᵢ the Jacobian of row i's logits z in θ),
    /// without the regulariser.
    func dataGaussNewtonVectorProduct(_ theta: [Double], _ v: [Double], weights: [Double]?) -> [Double]
    /// diag(Σᵢ wᵢJᵢᵀ∇²_zℓᵢJᵢ), exactly, without the regulariser; weights (nil: the objective's own) ≥ 0.
    func gaussNewtonDiagonal(_ theta: [Double], weights: [Double]?) -> [Double]
    /// gᵢ = ∇ℓᵢ(θ) of one row: unweighted, without regulariser or linear term.
    func rowGradient(_ theta: [Double], row: Int) -> [Double]
    /// ℓᵢ(θ) of every row, unweighted.
    func rowLosses(at theta: [Double]) -> [Double]
    /// gᵢᵀv for every row (default: one row gradient at a time).
    func gradientDots(_ theta: [Double], _ v: [Double]) -> [Double]
    /// diag(Σᵢwᵢ∇²ℓᵢ(θ) + λI), exact or estimated: the preconditioner of conjugate gradient (default: Hutchinson).
    func hessianDiagonal(_ theta: [Double]) -> [Double]
}

extension Objective {
    /// J(θ).
    public func value(_ theta: [Double]) -> Double {
        var v = dataTerm(theta, weights: nil, gradient: false).value
        var none: [Double]? = nil
        terms.addRegulariser(theta, linear: terms.linear, value: &v, gradient: &none)
        return v
    }

    /// J(θ) and ∇J(θ) from one pass over the rows.
    func valueAndGradient(_ theta: [Double]) -> (value: Double, gradient: [Double]) {
        let r = dataTerm(theta, weights: nil, gradient: true)
        var v = r.value
        var g: [Double]? = r.gradient
        terms.addRegulariser(theta, linear: terms.linear, value: &v, gradient: &g)
        return (v, g!)
    }

    /// ∇J(θ) with the given row weights and, when given, `linear` as b instead of the terms' own.
    public func gradient(_ theta: [Double], weights: [Double]? = nil, linear: [Double]? = nil) -> [Double] {
        let r = dataTerm(theta, weights: weights, gradient: true)
        var v = r.value
        var g: [Double]? = r.gradient
        terms.addRegulariser(theta, linear: linear ?? terms.linear, value: &v, gradient: &g)
        return g!
    }

    /// ∇²J(θ)·v = (Σᵢwᵢ∇²ℓᵢ(θ) + λI)v.
    func hessianVectorProduct(_ theta: [Double], _ v: [Double], weights: [Double]? = nil) -> [Double] {
        precondition(v.count == parameterCount)
        var hv = dataHessianVectorProduct(theta, v, weights: weights)
        for i in hv.indices { hv[i] += terms.l2 * v[i] }
        return hv
    }

    /// (C + λI)·v for the curvature C of `kind` (the Hessian's data term or Gauss–Newton's).
    func curvatureVectorProduct(_ theta: [Double], _ v: [Double], weights: [Double]? = nil, kind: CurvatureKind) -> [Double] {
        switch kind {
        case .hessian:
            return hessianVectorProduct(theta, v, weights: weights)
        case .gaussNewton:
            precondition(v.count == parameterCount)
            var gv = dataGaussNewtonVectorProduct(theta, v, weights: weights)
            for i in gv.indices { gv[i] += terms.l2 * v[i] }
            return gv
        }
    }

    /// diag(C + λI) for the curvature of `kind`, the preconditioner of conjugate gradient: the Hessian's
    /// (`hessianDiagonal`), or Gauss–Newton's computed exactly, floored like it.
    func curvatureDiagonal(_ theta: [Double], kind: CurvatureKind) -> [Double] {
        switch kind {
        case .hessian: return hessianDiagonal(theta)
        case .gaussNewton: return gaussNewtonDiagonal(theta, weights: nil).map { max($0 + terms.l2, max(terms.l2, 1e-8)) }
        }
    }

    /// Σᵢ cᵢgᵢ(θ) for one coefficient per row.
    public func gradientSum(_ theta: [Double], coefficients c: [Double]) -> [Double] {
        dataTerm(theta, weights: c, gradient: true).gradient
    }

    /// Σᵢ gᵢ(θ) over the given rows.
    public func gradientSum(_ theta: [Double], rows: [Int]) -> [Double] {
        var c = [Double](repeating: 0, count: rowCount)
        for r in rows { c[r] += 1 }
        return gradientSum(theta, coefficients: c)
    }

    func gradientDots(_ theta: [Double], _ v: [Double]) -> [Double] {
        (0..<rowCount).map { dot(rowGradient(theta, row: $0), v) }
    }

    /// Hutchinson: diag(H) ≈ mean over seeded Rademacher v of v ⊙ Hv, floored at λ, because a non-convex
    /// objective's Hessian may be indefinite and the preconditioner must stay positive.
    func hessianDiagonal(_ theta: [Double]) -> [Double] {
        let probes = 32
        var g = SeededGenerator(seed: 0x4855_5443_4849_4E53)
        var acc = [Double](repeating: 0, count: parameterCount)
        for _ in 0..<probes {
            let v = (0..<parameterCount).map { _ in g.next() & 1 == 0 ? -1.0 : 1.0 }
            let hv = hessianVectorProduct(theta, v)
            for i in acc.indices { acc[i] += v[i] * hv[i] }
        }
        return acc.map { max($0 / Double(probes), max(terms.l2, 1e-8)) }
    }
}
