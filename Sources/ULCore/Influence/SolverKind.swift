/// How H⁻¹ is applied: a Cholesky factor of the dense Hessian (`exact`), or preconditioned conjugate
/// gradient on Hessian-vector products with damping (`cg`).
public enum SolverKind: String, CaseIterable, Sendable {
    case exact
    case cg
}
