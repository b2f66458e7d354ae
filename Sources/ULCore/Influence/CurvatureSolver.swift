/// Applies (H + δI)⁻¹ for one shard, H the Hessian of its objective at θ (the trained θ̂). With `downdate`
/// rows, H is the Hessian without those rows (`H₋ = H − Σ_{i∈F}∇²ℓᵢ`): exactly through Woodbury's identity on the stored factor (`exact`), or by
/// zero weights in the Hessian-vector products (`cg`).
public final class CurvatureSolver {
    public let objective: Objective
    /// Where H is taken.
    public let theta: [Double]
    public let stored: StoredCurvature
    public let damping: Double
    var tolerance = 1e-10
    var maxIterations = 1000
    /// Row weights of the Hessian-vector products (nil: all 1).
    private var weights: [Double]?
    /// Woodbury terms: U (P × r, columns contiguous), H⁻¹U, and the Cholesky factor of I − UᵀH⁻¹U.
    private var woodbury: (u: [Double], hInvU: [Double], small: CholeskyFactor, rank: Int)?
    /// Conjugate-gradient iterations of the last solves (summed).
    public private(set) var iterations = 0

    public init(objective: Objective, theta: [Double], stored: StoredCurvature, damping: Double) {
        self.objective = objective
        self.theta = theta
        self.stored = stored
        self.damping = damping
    }

    /// Removes rows from H (Newton removal's H₋). Exact: rank-(K·|F|) Woodbury downdate, costing one
    /// multi-column solve with the stored factor; no new factorisation of H.
    func downdate(rows: [Int]) throws {
        guard !rows.isEmpty else { return }
        switch stored {
        case let .cholesky(f):
            guard let s = objective as? SoftmaxObjective else { throw CurvatureError.noExactHessian("mlp") }
            var u = [Double]()
            for r in rows { for col in s.rowHessianFactors(theta, row: r) { u += col } }
            let P = f.n, rank = u.count / P
            let hInvU = f.solve(u, columns: rank)
            // S = I − UᵀH⁻¹U (rank × rank), symmetric positive definite when H₋ is.
            var small = [Double](repeating: 0, count: rank * rank)
            dgemm(false, true, rank, rank, P, u, P, hInvU, P, 0, &small, rank)
            for a in 0..<rank {
                for b in 0..<rank { small[a * rank + b] = (a == b ? 1 : 0) - 0.5 * (small[a * rank + b] + small[b * rank + a]) }
            }
            woodbury = (u, hInvU, try CholeskyFactor(symmetric: small, n: rank), rank)
        case .diagonal:
            var w = weights ?? [Double](repeating: 1, count: objective.rowCount)
            for r in rows { w[r] = 0 }
            weights = w
        }
    }

    /// (H + δI)⁻¹b.
    func solve(_ b: [Double]) throws -> [Double] {
        switch stored {
        case let .cholesky(f):
            var x = f.solve(b)
            if let w = woodbury {
                // H₋⁻¹b = H⁻¹b + H⁻¹U S⁻¹ Uᵀ H⁻¹b.
                var t = [Double](repeating: 0, count: w.rank)
                dgemm(false, false, w.rank, 1, f.n, w.u, f.n, x, 1, 0, &t, 1)
                let s = w.small.solve(t)
                dgemm(true, false, f.n, 1, w.rank, w.hInvU, f.n, s, 1, 1, &x, 1)
            }
            return x
        case let .diagonal(d):
            return try conjugateGradient(b, preconditioner: d)
        }
    }

    /// (H + δI)⁻¹B for contiguous columns.
    func solve(columns b: [Double], count: Int) throws -> [Double] {
        let P = objective.parameterCount
        if case let .cholesky(f) = stored, woodbury == nil { return f.solve(b, columns: count) }
        var out = [Double]()
        out.reserveCapacity(b.count)
        for c in 0..<count { out += try solve(Array(b[c * P ..< (c + 1) * P])) }
        return out
    }

    /// Preconditioned conjugate gradient on (H + δI)x = b, from x = 0.
    func conjugateGradient(_ b: [Double], preconditioner m: [Double]) throws -> [Double] {
        let n = b.count
        var x = [Double](repeating: 0, count: n)
        var r = b
        let bn = norm(b)
        guard bn > 0 else { return x }
        var z = (0..<n).map { r[$0] / m[$0] }
        var p = z
        var rz = dot(r, z)
        for it in 1...maxIterations {
            var ap = objective.hessianVectorProduct(theta, p, weights: weights)
            for i in 0..<n { ap[i] += damping * p[i] }
            let pap = dot(p, ap)
            guard pap > 0 else { throw CurvatureError.notConverged(iterations: it, residual: norm(r) / bn) }
            let alpha = rz / pap
            axpy(alpha, p, &x)
            axpy(-alpha, ap, &r)
            iterations += 1
            if norm(r) <= tolerance * bn { return x }
            z = (0..<n).map { r[$0] / m[$0] }
            let rzNew = dot(r, z)
            let beta = rzNew / rz
            rz = rzNew
            for i in 0..<n { p[i] = z[i] + beta * p[i] }
        }
        let rel = norm(r) / bn
        if rel <= 1e-5 { return x }
        throw CurvatureError.notConverged(iterations: maxIterations, residual: rel)
    }
}
