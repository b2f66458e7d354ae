import Foundation

/// The cross-entropy objective of a `DenseNetwork`: multinomial logistic regression (no hidden layer;
/// convex) or an MLP, over `rows` of `data`. Every sum goes through `NetworkEvaluator` (products in single
/// precision, θ rounded to Float32; losses and chunk sums in Double), so training and the approximate
/// methods see the same numbers. The Hessian-vector product is the exact one (R-operator) and may be
/// indefinite for an MLP; the Gauss–Newton product (R-forward, then plain back-propagation) never is. One instance must not be called from two threads at once (the
/// evaluator reuses its buffers).
final class NetworkObjective: Objective {
    let evaluator: NetworkEvaluator
    /// Row order of the sums (indices into the data set).
    let rows: [Int]
    let terms: ObjectiveTerms

    /// `chunkRows` and `lanes` fix the summation order: a trained model's bits depend on them.
    init(network: DenseNetwork, data: Dataset, rows: [Int]? = nil, terms: ObjectiveTerms,
                chunkRows: Int = 1024, lanes: Int = 8) {
        evaluator = NetworkEvaluator(network: network, data: data, chunkRows: chunkRows, lanes: lanes)
        self.rows = rows ?? Array(0..<data.count)
        self.terms = terms
        precondition(terms.weights == nil || terms.weights!.count == self.rows.count)
        precondition(terms.linear == nil || terms.linear!.count == network.parameterCount)
    }

    var network: DenseNetwork { evaluator.network }
    var parameterCount: Int { evaluator.network.parameterCount }
    var rowCount: Int { rows.count }

    private func run(_ theta: [Double], weights: [Double]?, gradient: Bool, direction: [Double]? = nil,
                     secondOrder: ChunkWorkspace.SecondOrder = .hessian) -> NetworkEvaluator.Result {
        precondition(theta.count == parameterCount)
        return rows.withUnsafeBufferPointer { r in
            if let w = weights ?? terms.weights {
                return w.withUnsafeBufferPointer {
                    evaluator.evaluate(theta, rows: r, weights: $0, gradient: gradient, direction: direction, secondOrder: secondOrder)
                }
            }
            return evaluator.evaluate(theta, rows: r, weights: nil, gradient: gradient, direction: direction, secondOrder: secondOrder)
        }
    }

    func dataTerm(_ theta: [Double], weights: [Double]?, gradient: Bool) -> (value: Double, gradient: [Double]) {
        let r = run(theta, weights: weights, gradient: gradient)
        return (r.value, r.gradient)
    }

    func dataHessianVectorProduct(_ theta: [Double], _ v: [Double], weights: [Double]?) -> [Double] {
        run(theta, weights: weights, gradient: false, direction: v).hessianVector
    }

    func dataGaussNewtonVectorProduct(_ theta: [Double], _ v: [Double], weights: [Double]?) -> [Double] {
        run(theta, weights: weights, gradient: false, direction: v, secondOrder: .gaussNewton).hessianVector
    }

    func gaussNewtonDiagonal(_ theta: [Double], weights: [Double]?) -> [Double] {
        run(theta, weights: weights, gradient: false, secondOrder: .gaussNewtonDiagonal).hessianVector
    }

    func rowGradient(_ theta: [Double], row: Int) -> [Double] {
        [rows[row]].withUnsafeBufferPointer { evaluator.evaluate(theta, rows: $0, gradient: true).gradient }
    }

    func rowLosses(at theta: [Double]) -> [Double] {
        let p = probabilities(theta), k = network.classCount
        return rows.enumerated().map { i, r in -log(max(p[i * k + Int(evaluator.data.classes[r])], 1e-300)) }
    }

    /// Class probabilities (`rowCount × K`, row-major) at θ.
    private func probabilities(_ theta: [Double]) -> [Double] {
        let d = network.inputCount
        var x = [Float](repeating: 0, count: rows.count * d)
        for (i, r) in rows.enumerated() {
            for j in 0..<d { x[i * d + j] = evaluator.data.features[r * d + j] }
        }
        return x.withUnsafeBufferPointer { evaluator.probabilities(theta.map { Float($0) }, x: $0.baseAddress!, m: rows.count) }
    }
}
