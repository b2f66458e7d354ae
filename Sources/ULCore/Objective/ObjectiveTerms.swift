/// The parts of an objective `J` outside its data term.
public struct ObjectiveTerms: Sendable, Equatable {
    /// λ of the L2 term (λ/2)‖θ‖², over every parameter (biases included).
    public var l2: Double
    /// wᵢ per row (in the objective's row order); nil means all 1.
    public var weights: [Double]?
    /// b of the linear term bᵀθ (the loss perturbation of certified removal); nil means none.
    public var linear: [Double]?

    public init(l2: Double, weights: [Double]? = nil, linear: [Double]? = nil) {
        self.l2 = l2
        self.weights = weights
        self.linear = linear
    }

    /// Adds (λ/2)‖θ‖² + bᵀθ to `value` and, when `gradient` is non-nil, λθ + b to it. The order of the
    /// additions is part of the trained models' bits: keep it.
    func addRegulariser(_ theta: [Double], linear: [Double]?, value: inout Double, gradient: inout [Double]?) {
        var sq = 0.0
        for t in theta { sq += t * t }
        value += 0.5 * l2 * sq
        if let b = linear { for i in theta.indices { value += b[i] * theta[i] } }
        if gradient != nil {
            for i in theta.indices { gradient![i] += l2 * theta[i] + (linear?[i] ?? 0) }
        }
    }
}
