/// `J(θ) = Σᵢ wᵢ ℓ(zᵢ;θ) + (λ/2)‖θ‖² + bᵀθ` for a `DenseNetwork` with cross-entropy ℓ: multinomial logistic
/// regression (`softmax`, no hidden layer; convex) or an MLP. Heavy products run in single precision
/// (sgemm, parameters rounded to Float32); losses, chunk sums and the regulariser accumulate in Double.
/// The MLP's Hessian-vector product is the exact one (R-operator), not Gauss–Newton, and may be indefinite.
public final class NetworkLoss: TwiceDifferentiableLoss {
    public let evaluator: NetworkEvaluator
    /// Row order of the sums (indices into the data set).
    public let rows: [Int]
    public let terms: ObjectiveTerms

    public init(network: DenseNetwork, data: Dataset, rows: [Int]? = nil, terms: ObjectiveTerms,
                chunkRows: Int = 1024, lanes: Int = 8) {
        evaluator = NetworkEvaluator(network: network, data: data, chunkRows: chunkRows, lanes: lanes)
        self.rows = rows ?? Array(0..<data.count)
        self.terms = terms
        precondition(terms.weights == nil || terms.weights!.count == self.rows.count)
        precondition(terms.linear == nil || terms.linear!.count == network.parameterCount)
    }

    /// Multinomial logistic regression: d×K weights then K biases, all regularised.
    public static func softmax(data: Dataset, classCount: Int, terms: ObjectiveTerms, rows: [Int]? = nil) -> NetworkLoss {
        NetworkLoss(network: DenseNetwork(inputs: data.featureCount, hidden: [], classes: classCount), data: data, rows: rows, terms: terms)
    }

    /// MLP with ReLU hidden layers of the given widths.
    public static func mlp(data: Dataset, hidden: [Int], classCount: Int, terms: ObjectiveTerms, rows: [Int]? = nil) -> NetworkLoss {
        NetworkLoss(network: DenseNetwork(inputs: data.featureCount, hidden: hidden, classes: classCount), data: data, rows: rows, terms: terms)
    }

    public var network: DenseNetwork { evaluator.network }
    public var parameterCount: Int { evaluator.network.parameterCount }
    public var rowCount: Int { rows.count }

    private func run(_ theta: [Double], gradient: Bool, direction: [Double]? = nil) -> NetworkEvaluator.Result {
        precondition(theta.count == parameterCount)
        return rows.withUnsafeBufferPointer { r in
            if let w = terms.weights {
                return w.withUnsafeBufferPointer { evaluator.evaluate(theta, rows: r, weights: $0, gradient: gradient, direction: direction) }
            }
            return evaluator.evaluate(theta, rows: r, weights: nil, gradient: gradient, direction: direction)
        }
    }

    public func value(_ theta: [Double]) -> Double {
        var v = run(theta, gradient: false).value
        var none: [Double]? = nil
        terms.addRegulariser(theta, value: &v, gradient: &none)
        return v
    }

    public func valueAndGradient(_ theta: [Double], into gradient: inout [Double]) -> Double {
        let r = run(theta, gradient: true)
        var v = r.value
        var g: [Double]? = r.gradient
        terms.addRegulariser(theta, value: &v, gradient: &g)
        gradient = g!
        return v
    }

    public func hessianVectorProduct(_ theta: [Double], _ v: [Double], into result: inout [Double]) {
        precondition(v.count == parameterCount)
        var hv = run(theta, gradient: false, direction: v).hessianVector
        for i in hv.indices { hv[i] += terms.l2 * v[i] }
        result = hv
    }

    public func rowGradient(_ theta: [Double], row: Int, into gradient: inout [Double]) {
        let one = [rows[row]]
        gradient = one.withUnsafeBufferPointer { evaluator.evaluate(theta, rows: $0, gradient: true).gradient }
    }
}
