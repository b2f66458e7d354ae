/// Typed failures of the second-order machinery.
public enum CurvatureError: Error, Equatable, CustomStringConvertible {
    /// The Hessian (plus damping) is not positive definite: Cholesky failed at this column.
    case notPositiveDefinite(column: Int)
    /// A downdated Cholesky factor lost positive definiteness (or every digit of a pivot) at this column.
    case downdateNotPositiveDefinite(column: Int)
    /// Conjugate gradient did not reach the tolerance within the iteration limit.
    case notConverged(iterations: Int, residual: Double)
    /// The model kind has no exact Hessian.
    case noExactHessian(String)

    public var description: String {
        switch self {
        case let .notPositiveDefinite(c):
            return "the Hessian is not positive definite (Cholesky failed at column \(c)); raise --damping"
        case let .downdateNotPositiveDefinite(c):
            return "the Hessian without the forgotten rows is not positive definite (downdate failed at column \(c))"
        case let .notConverged(n, r):
            return "conjugate gradient did not converge in \(n) iterations (relative residual \(r)); raise --damping"
        case let .noExactHessian(kind):
            return "model kind \(quotedForMessage(kind)) has no exact Hessian; use --solver cg"
        }
    }
}
