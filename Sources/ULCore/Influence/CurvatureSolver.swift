import Foundation

/// Applies (H + δI)⁻¹ for one shard, H the Hessian of its objective at `curvatureTheta` (where the stored
/// curvature was computed: the trained θ̂, or for a shard changed approximately before, the parameters its
/// downdated factor was made at), gradients taken at `theta`; with `kind` `.gaussNewton`, H is the
/// generalised Gauss–Newton matrix instead (the same for softmax). With `downdate` rows, H is the Hessian without
/// those rows (`H₋ = H − Σ_{i∈F}∇²ℓᵢ`): the stored factor downdated, or refactored when that is cheaper or
/// the downdate fails (`exact`), or zero weights in the curvature-vector products (`cg`); with `Route.drop`
/// (`exact`), conjugate gradient on H₋ preconditioned by the stored factor.
public final class CurvatureSolver {
    public let objective: Objective
    /// Where gradients are taken (the shard's current parameters).
    public let theta: [Double]
    /// Where the stored curvature was computed.
    public let curvatureTheta: [Double]
    public private(set) var stored: StoredCurvature
    public let damping: Double
    /// The curvature of the conjugate-gradient products (the exact solver's factor is softmax's Hessian).
    public let kind: CurvatureKind
    /// Whether conjugate gradient is preconditioned by the stored diagonal (false: plain CG, for comparison).
    public var preconditioned = true
    /// Relative residual ‖r‖/‖b‖ at which conjugate gradient stops: by default 1e-10 for softmax (products in
    /// Double) and `networkTolerance` for a network, whose single-precision products cannot reach 1e-10.
    public var tolerance: Double
    public static let networkTolerance = 1e-4
    public var maxIterations = 1000
    /// Row weights of the Hessian-vector products (nil: all 1).
    private var weights: [Double]?
    /// With `Route.drop`, H₋ is not factored: solves run conjugate gradient on it, preconditioned by the
    /// stored factor of H (the removed rows are a small part of H, so a few iterations reach the tolerance);
    /// this multiplies by the removed rows' curvature, the only product it needs.
    private var removedProduct: (([Double]) -> [Double])?
    /// The rows `downdate` removed and what became of the stored curvature for keeping.
    private var removed: (rows: [Int], outcome: CurvatureDowndate.Outcome)?
    /// How the stored factor is brought to the remaining rows (nil: the cheaper, see `CurvatureDowndate.route`).
    public var route: CurvatureDowndate.Route?
    /// Seconds spent bringing the stored curvature to the remaining rows (`downdate`, `takeRemaining`).
    public private(set) var remainingSeconds = 0.0
    /// Conjugate-gradient iterations of the last solves (summed).
    public private(set) var iterations = 0

    public init(objective: Objective, theta: [Double], stored: StoredCurvature, damping: Double, curvatureTheta: [Double]? = nil,
                kind: CurvatureKind = .hessian) {
        self.objective = objective
        self.kind = kind
        tolerance = objective is NetworkObjective ? Self.networkTolerance : 1e-10
        self.theta = theta
        self.curvatureTheta = curvatureTheta ?? theta
        self.stored = stored
        self.damping = damping
    }

    /// Removes rows from H (Newton removal's H₋), at `curvatureTheta`. Exact: the stored factor is downdated
    /// (rank K·|F|) or refactored on the remaining rows, whichever is cheaper; a failed downdate is refactored,
    /// and only when that fails too is H₋ not positive definite. The solver then solves with H₋ alone.
    func downdate(rows: [Int]) throws {
        guard !rows.isEmpty else { return }
        let start = Date()
        defer { remainingSeconds += Date().timeIntervalSince(start) }
        switch stored {
        case .cholesky where route == .drop:
            guard let s = objective as? SoftmaxObjective else { throw CurvatureError.noExactHessian("mlp") }
            removedProduct = s.curvature.rowsHessianVectorProduct(at: curvatureTheta, rows: rows)
            removed = (rows, .dropped(CurvatureDowndate.dropReason))
        case .cholesky:
            guard let s = objective as? SoftmaxObjective else { throw CurvatureError.noExactHessian("mlp") }
            var outcome = CurvatureDowndate.remaining(taking: &stored, objective: objective, at: curvatureTheta, removing: rows, damping: damping,
                                                      route: route)
            if case .dropped = outcome {
                outcome = .kept(.cholesky(try CurvatureDowndate.refactored(s, at: curvatureTheta, removing: rows, damping: damping)), .refactor)
            }
            if case let .kept(f, _) = outcome { stored = f }
            removed = (rows, outcome)
        case .diagonal:
            var w = weights ?? [Double](repeating: 1, count: objective.rowCount)
            for r in rows { w[r] = 0 }
            weights = w
            var copy = stored
            let outcome = CurvatureDowndate.remaining(taking: &copy, objective: objective, at: curvatureTheta, removing: rows, damping: damping,
                                                      kind: kind)
            // The softmax and Gauss–Newton preconditioners follow the rows; mlp's Hessian one keeps
            // preconditioning H₋ as it did H.
            if case let .kept(d, _) = outcome { stored = d }
            removed = (rows, outcome)
        }
    }

    /// The stored curvature without `rows` (those `downdate` removed, or now), for keeping; see
    /// `CurvatureDowndate`. The solver cannot solve afterwards: its curvature is handed over.
    public func takeRemaining(removing rows: [Int]) -> CurvatureDowndate.Outcome {
        if let r = removed, r.rows == rows {
            removed = nil
            stored = .diagonal([])
            return r.outcome
        }
        let start = Date()
        defer { remainingSeconds += Date().timeIntervalSince(start) }
        return CurvatureDowndate.remaining(taking: &stored, objective: objective, at: curvatureTheta, removing: rows, damping: damping,
                                           route: route, kind: kind)
    }

    /// (H + δI)⁻¹b.
    func solve(_ b: [Double]) throws -> [Double] {
        switch stored {
        case let .cholesky(f):
            guard let removedProduct else { return f.solve(b) }
            return try factorPreconditionedCG(b, factor: f, removed: removedProduct)
        case let .diagonal(d):
            return try conjugateGradient(b, preconditioner: d)
        }
    }

    /// (H + δI)⁻¹B for contiguous columns.
    func solve(columns b: [Double], count: Int) throws -> [Double] {
        let P = objective.parameterCount
        if case let .cholesky(f) = stored, removedProduct == nil { return f.solve(b, columns: count) }
        var out = [Double]()
        out.reserveCapacity(b.count)
        for c in 0..<count { out += try solve(Array(b[c * P ..< (c + 1) * P])) }
        return out
    }

    /// Conjugate gradient on (H − D + δI)x = b, D the removed rows' curvature (`removed` multiplies by it),
    /// preconditioned by the factor of H + δI: with z = (H + δI)⁻¹r and p = z + βp, (H + δI)p = r + β(H + δI)p
    /// follows without a product, so an iteration is one solve with the factor and a product over the
    /// removed rows, none over the others.
    func factorPreconditionedCG(_ b: [Double], factor f: CholeskyFactor, removed: ([Double]) -> [Double]) throws -> [Double] {
        var hp = b  // (H + δI)p, p starting as (H + δI)⁻¹b
        return try preconditionedCG(b, precondition: { f.solve($0) }, product: { p in
            let dp = removed(p)
            var ap = hp
            for i in 0..<ap.count { ap[i] -= dp[i] }
            return ap
        }, directionChanged: { r, beta in
            for i in 0..<hp.count { hp[i] = r[i] + beta * hp[i] }
        })
    }

    /// Preconditioned conjugate gradient on (H + δI)x = b, from x = 0.
    func conjugateGradient(_ b: [Double], preconditioner m: [Double]) throws -> [Double] {
        let m = preconditioned ? m : [Double](repeating: 1, count: b.count)
        return try preconditionedCG(b, precondition: { r in (0..<r.count).map { r[$0] / m[$0] } }, product: { p in
            var ap = objective.curvatureVectorProduct(theta, p, weights: weights, kind: kind)
            for i in 0..<ap.count { ap[i] += damping * p[i] }
            return ap
        })
    }

    /// The loop both solvers share, from x = 0: `precondition` gives z = M⁻¹r, `product` A·p, and
    /// `directionChanged(r, β)` is told each p ← z + βp (for state that follows p).
    private func preconditionedCG(_ b: [Double], precondition: ([Double]) -> [Double], product: ([Double]) -> [Double],
                                  directionChanged: ((_ r: [Double], _ beta: Double) -> Void)? = nil) throws -> [Double] {
        let n = b.count
        var x = [Double](repeating: 0, count: n)
        var r = b
        let bn = norm(b)
        guard bn > 0 else { return x }
        var z = precondition(r)
        var p = z
        var rz = dot(r, z)
        for it in 1...maxIterations {
            let ap = product(p)
            let pap = dot(p, ap)
            guard pap > 0 else { throw CurvatureError.notConverged(iterations: it, residual: norm(r) / bn) }
            let alpha = rz / pap
            axpy(alpha, p, &x)
            axpy(-alpha, ap, &r)
            iterations += 1
            if norm(r) <= tolerance * bn { return x }
            z = precondition(r)
            let rzNew = dot(r, z)
            let beta = rzNew / rz
            rz = rzNew
            for i in 0..<n { p[i] = z[i] + beta * p[i] }
            directionChanged?(r, beta)
        }
        let rel = norm(r) / bn
        if rel <= max(tolerance, 1e-5) { return x }
        throw CurvatureError.notConverged(iterations: maxIterations, residual: rel)
    }
}
