import Foundation

/// Brings a shard's stored curvature to its remaining rows after an approximate request, at the parameters
/// it was computed at: the Cholesky factor of H + δI becomes that of `H − Σ_{i∈F}∇²ℓᵢ + δI` and the
/// softmax and Gauss–Newton diagonal preconditioners lose the rows' exact diagonal terms. Nothing is
/// recomputed at the patched parameters. Failure (a downdate that is not positive definite, mlp's Hessian
/// preconditioner, which is a Hutchinson estimate over every row and cannot lose rows) means the entry is
/// dropped, never kept as it was.
public enum CurvatureDowndate {
    /// How the factor over the remaining rows is obtained.
    public enum Route: String, Sendable {
        /// Rank-K|F| downdate of the stored factor (`CholeskyFactor.downdate`), about 2·K|F|·P² operations.
        case downdate
        /// The Hessian over the remaining rows assembled and factored anew, about (n₋ + P/3)·P² operations.
        case refactor
        /// The diagonal preconditioner less the rows' diagonal terms.
        case diagonal
        /// Nothing kept: the entry leaves the sidecar and the next request computes the curvature anew. The
        /// request's own solves still use the stored factor (Newton's H₋ by conjugate gradient preconditioned
        /// with it, multiplying only by the removed rows' curvature), so a large request costs a few solves
        /// with the factor instead of a rank-K|F| downdate and a rewrite of the factor.
        case drop
    }

    /// What became of the stored curvature.
    public enum Outcome {
        case kept(StoredCurvature, Route)
        /// Dropped, with why (for the summary).
        case dropped(String)
    }

    /// Seconds of the downdate per unit of rank, over seconds of the refactorisation per row, both per P²,
    /// halved (the downdate's 2·rank·P² against (n + P/3)·P²). Measured on Fashion-MNIST softmax (10,000 rows,
    /// P = 7850, examples/bench/downdate.sh, a loaded machine): rank 1,000 took 47 s and rank 6,000 174 s,
    /// the refactorisation 107–122 s, so the two cross near 340 rows (rank 3,400): the downdate's panels and
    /// thin products run at about half the speed of dsyrk and dpotrf.
    static let downdateCost = 1.9

    /// Why an entry left with `Route.drop`.
    public static let dropReason = "--curvature-update drop"

    /// The cheaper way for a rank-`rank` removal from a factor of `parameters` over `remaining` rows.
    public static func route(rank: Int, remaining: Int, parameters: Int) -> Route {
        let downdate = downdateCost * 2 * Double(rank)
        let refactor = Double(remaining) + Double(parameters) / 3
        return downdate <= refactor ? .downdate : .refactor
    }

    /// The factor of the Hessian over `objective`'s rows but `rows`, at θ, assembled and factored anew.
    static func refactored(_ objective: SoftmaxObjective, at theta: [Double], removing rows: [Int], damping: Double) throws -> CholeskyFactor {
        var weights = [Double](repeating: 1, count: objective.rowCount)
        for r in rows { weights[r] = 0 }
        return try CholeskyFactor(symmetric: objective.hessian(theta, weights: weights, damping: damping), n: objective.parameterCount)
    }

    /// `stored` (computed for `objective`'s rows at θ with `damping`, of curvature `kind`) without `rows`.
    /// `route` forces a way for the exact solver (nil: the cheaper, see `route(rank:remaining:parameters:)`).
    /// The curvature is taken from `stored` (left empty), so a factor of hundreds of megabytes is changed in
    /// place, not copied.
    public static func remaining(taking stored: inout StoredCurvature, objective: Objective, at theta: [Double], removing rows: [Int],
                                 damping: Double, route forced: Route? = nil, kind: CurvatureKind = .hessian) -> Outcome {
        var taken = StoredCurvature.diagonal([])
        swap(&taken, &stored)
        if forced == .drop { return .dropped(Self.dropReason) }
        guard let softmax = objective as? SoftmaxObjective else {
            guard kind == .gaussNewton, case var .diagonal(d) = taken else {
                return .dropped("a Hutchinson estimate of the diagonal over every row cannot lose rows")
            }
            var only = [Double](repeating: 0, count: objective.rowCount)
            for r in rows { only[r] = 1 }
            let removed = objective.gaussNewtonDiagonal(theta, weights: only)
            for i in d.indices { d[i] = max(d[i] - removed[i], max(objective.terms.l2, 1e-8) + damping) }
            guard d.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                return .dropped("the diagonal over the remaining rows is not positive")
            }
            return .kept(.diagonal(d), .diagonal)
        }
        switch taken {
        case var .cholesky(factor):
            taken = .diagonal([])  // the factor's storage is now referenced once: downdated in place
            let (v, rank) = softmax.hessianFactorMatrix(theta, rows: rows)
            let remaining = objective.rowCount - Set(rows).count
            let route = forced == .refactor ? .refactor : forced == .downdate ? .downdate
                : Self.route(rank: rank, remaining: remaining, parameters: factor.n)
            if route == .refactor {
                factor = CholeskyFactor(n: 0, storage: [])  // not needed: one factor in memory at a time
                guard let f = try? refactored(softmax, at: theta, removing: rows, damping: damping) else {
                    return .dropped("the Hessian over the remaining rows is not positive definite")
                }
                return .kept(.cholesky(f), .refactor)
            }
            // A probe of the quadratic form catches a downdate that went wrong without failing a pivot.
            var g = SeededGenerator(seed: 0x444F_574E_4441_5445)
            let z = (0..<factor.n).map { _ in g.nextGaussian() }
            var vz = [Double](repeating: 0, count: rank)
            dgemm(true, false, rank, 1, factor.n, v, rank, z, 1, 0, &vz, 1)
            let before = factor.quadraticForm(z), removed = vz.reduce(0) { $0 + $1 * $1 }
            do {
                try factor.downdate(v, rank: rank)
            } catch {
                return .dropped("\(error)")
            }
            let after = factor.quadraticForm(z)
            guard after.isFinite, abs(after - (before - removed)) <= 1e-8 * before else {
                return .dropped("the downdated factor does not reproduce the Hessian over the remaining rows")
            }
            return .kept(.cholesky(factor), .downdate)
        case var .diagonal(d):
            let removed = softmax.rowsHessianDiagonal(theta, rows: rows)
            for i in d.indices { d[i] -= removed[i] }
            guard d.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                return .dropped("the diagonal over the remaining rows is not positive")
            }
            return .kept(.diagonal(d), .diagonal)
        }
    }
}
