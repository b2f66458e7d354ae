/// A training objective with first and second derivatives, kept apart from the solver that minimises it
/// (liblinear style), so that influence, Newton removal and PUMA reuse it.
///
/// The objective is `J(θ) = Σᵢ wᵢ ℓ(zᵢ;θ) + (λ/2)‖θ‖² + bᵀθ`: per-row weights `wᵢ` (1 unless given), an L2
/// term over every parameter (biases included), and an optional linear term `b` (the loss perturbation of
/// certified removal). Sums run over the rows in the loss's row order.
public protocol TwiceDifferentiableLoss {
    /// Length of θ.
    var parameterCount: Int { get }
    /// Number of rows the sum runs over.
    var rowCount: Int { get }
    /// J(θ).
    func value(_ theta: [Double]) -> Double
    /// J(θ), with ∇J(θ) written into `gradient` (resized to `parameterCount`).
    func valueAndGradient(_ theta: [Double], into gradient: inout [Double]) -> Double
    /// ∇²J(θ)·v into `result`.
    func hessianVectorProduct(_ theta: [Double], _ v: [Double], into result: inout [Double])
    /// gᵢ = ∇ℓ(zᵢ;θ) for row `row` (position in the loss's row order): unweighted, without regulariser or linear term.
    func rowGradient(_ theta: [Double], row: Int, into gradient: inout [Double])
}

/// The parts of `J` outside the data term.
public struct ObjectiveTerms: Sendable, Equatable {
    /// λ of the L2 term (λ/2)‖θ‖².
    public var l2: Double
    /// wᵢ per row (in the loss's row order); nil means all 1.
    public var weights: [Double]?
    /// b of the linear term bᵀθ; nil means none.
    public var linear: [Double]?

    public init(l2: Double, weights: [Double]? = nil, linear: [Double]? = nil) {
        self.l2 = l2
        self.weights = weights
        self.linear = linear
    }

    /// Adds (λ/2)‖θ‖² + bᵀθ to `value` and its gradient to `gradient`.
    func addRegulariser(_ theta: [Double], value: inout Double, gradient: inout [Double]?) {
        var sq = 0.0
        for t in theta { sq += t * t }
        value += 0.5 * l2 * sq
        if let b = linear { for i in theta.indices { value += b[i] * theta[i] } }
        if gradient != nil {
            for i in theta.indices { gradient![i] += l2 * theta[i] + (linear?[i] ?? 0) }
        }
    }
}
