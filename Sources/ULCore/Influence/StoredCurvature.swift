/// What is computed once per shard and stored for later requests: the Cholesky factor of
/// `H + δI`, or the diagonal preconditioner of conjugate gradient on `H + δI`.
public enum StoredCurvature: Equatable, Sendable {
    case cholesky(CholeskyFactor)
    case diagonal([Double])

    /// How many f64 values the stored part holds (n·n for a factor, n for a diagonal).
    var valueCount: Int {
        switch self {
        case let .cholesky(f): return f.n * f.n
        case let .diagonal(d): return d.count
        }
    }

    public var solverKind: SolverKind {
        switch self {
        case .cholesky: return .exact
        case .diagonal: return .cg
        }
    }

    /// Computes the stored part for `objective` at θ (`.exact` needs a `SoftmaxObjective`, whose Hessian is
    /// its Gauss–Newton matrix); `kind` says which curvature's diagonal preconditions conjugate gradient.
    static func compute(_ objective: Objective, at theta: [Double], solver: SolverKind, kind: CurvatureKind = .hessian, damping: Double,
                               progress: ((Int, Int) -> Void)? = nil) throws -> StoredCurvature {
        switch solver {
        case .exact:
            guard let s = objective as? SoftmaxObjective else { throw CurvatureError.noExactHessian("mlp") }
            let h = s.hessian(theta, damping: damping, progress: progress)
            return .cholesky(try CholeskyFactor(symmetric: h, n: s.parameterCount))
        case .cg:
            return .diagonal(objective.curvatureDiagonal(theta, kind: kind).map { $0 + damping })
        }
    }
}
