import Foundation

/// A shard's training objective `J(θ) = Σᵢ wᵢℓᵢ(θ) + (λ/2)‖θ‖² + bᵀθ` seen row by row at the trained θ̂:
/// what influence, PUMA and Newton removal need. Two implementations: `SoftmaxObjective` (Double, exact
/// dense Hessian available) and `NetworkObjective` (any `DenseNetwork`, single-precision products,
/// Hessian-vector products only).
public protocol RowObjective: AnyObject {
    var parameterCount: Int { get }
    var rowCount: Int { get }
    /// θ̂, where gradients and curvature are taken.
    var theta: [Double] { get }
    var l2: Double { get }
    /// gᵢ = ∇ℓᵢ(θ̂), unweighted.
    func rowGradient(_ i: Int) -> [Double]
    /// Σᵢ cᵢgᵢ at θ̂.
    func gradientSum(_ c: [Double]) -> [Double]
    /// gᵢᵀv for every row.
    func gradientDots(_ v: [Double]) -> [Double]
    /// (Σᵢ wᵢ∇²ℓᵢ(θ̂) + λI)v; nil weights mean all 1.
    func hessianVectorProduct(_ v: [Double], weights: [Double]?) -> [Double]
    /// ∇J at any θ with the given row weights and linear term.
    func objectiveGradient(at theta: [Double], weights: [Double]?, linear: [Double]?) -> [Double]
    /// Per-row losses ℓᵢ at any θ.
    func rowLosses(at theta: [Double]) -> [Double]
    /// Per-row predicted class at any θ.
    func predictions(at theta: [Double]) -> [Int]
    /// The curvature preconditioner of conjugate gradient: diag(Σᵢ∇²ℓᵢ + λI), exact or estimated.
    func hessianDiagonal() -> [Double]
}

extension RowObjective {
    /// Σᵢ gᵢ over the given rows.
    public func gradientSum(rows: [Int]) -> [Double] {
        var c = [Double](repeating: 0, count: rowCount)
        for r in rows { c[r] += 1 }
        return gradientSum(c)
    }
}

/// Multinomial logistic regression on a shard's rows, in Double.
public final class SoftmaxObjective: RowObjective {
    public let curvature: SoftmaxCurvature
    public let theta: [Double]
    /// Class probabilities at θ̂.
    public let probabilities: [Double]
    public let residuals: [Double]

    public init(curvature: SoftmaxCurvature, theta: [Double]) {
        self.curvature = curvature
        self.theta = theta
        probabilities = curvature.probabilities(theta)
        residuals = curvature.residuals(probabilities)
    }

    public var parameterCount: Int { curvature.parameterCount }
    public var rowCount: Int { curvature.count }
    public var l2: Double { curvature.l2 }
    public func rowGradient(_ i: Int) -> [Double] { curvature.rowGradient(residuals, row: i) }
    public func gradientSum(_ c: [Double]) -> [Double] { curvature.weightedGradientSum(residuals, coefficients: c) }
    public func gradientDots(_ v: [Double]) -> [Double] {
        let z = curvature.logitChanges(v), k = curvature.classes
        return (0..<rowCount).map { i in (0..<k).reduce(0.0) { $0 + z[i * k + $1] * residuals[i * k + $1] } }
    }
    public func hessianVectorProduct(_ v: [Double], weights: [Double]?) -> [Double] {
        curvature.hessianVectorProduct(probabilities, v, weights: weights)
    }
    public func objectiveGradient(at theta: [Double], weights: [Double]?, linear: [Double]?) -> [Double] {
        curvature.objectiveGradient(theta, weights: weights, linear: linear)
    }
    public func rowLosses(at theta: [Double]) -> [Double] { curvature.losses(curvature.probabilities(theta)) }
    public func predictions(at theta: [Double]) -> [Int] {
        let p = curvature.probabilities(theta), k = curvature.classes
        return (0..<rowCount).map { i in argmax(p, row: i, k: k) }
    }
    public func hessianDiagonal() -> [Double] { curvature.hessianDiagonal(probabilities) }
    /// The dense Hessian with damping added to the diagonal.
    public func hessian(weights: [Double]? = nil, damping: Double, progress: ((Int, Int) -> Void)? = nil) -> [Double] {
        curvature.hessian(probabilities, weights: weights, damping: damping, progress: progress)
    }
}

/// Any cross-entropy `DenseNetwork` (the MLP) through `NetworkEvaluator`: exact Hessian-vector products
/// (R-operator) in single-precision products with Double sums.
public final class NetworkObjective: RowObjective {
    public let evaluator: NetworkEvaluator
    public let rows: [Int]
    public let theta: [Double]
    public let l2: Double
    /// Rademacher probes of the Hutchinson estimate of the Hessian diagonal.
    public var diagonalProbes = 32

    public init(network: DenseNetwork, data: Dataset, rows: [Int], l2: Double, theta: [Double]) {
        evaluator = NetworkEvaluator(network: network, data: data, chunkRows: 256, lanes: 4)
        self.rows = rows
        self.l2 = l2
        self.theta = theta
    }

    public var parameterCount: Int { evaluator.network.parameterCount }
    public var rowCount: Int { rows.count }

    private func evaluate(_ theta: [Double], weights: [Double]?, gradient: Bool, direction: [Double]? = nil) -> NetworkEvaluator.Result {
        rows.withUnsafeBufferPointer { r in
            if let w = weights {
                return w.withUnsafeBufferPointer { evaluator.evaluate(theta, rows: r, weights: $0, gradient: gradient, direction: direction) }
            }
            return evaluator.evaluate(theta, rows: r, weights: nil, gradient: gradient, direction: direction)
        }
    }

    public func rowGradient(_ i: Int) -> [Double] {
        [rows[i]].withUnsafeBufferPointer { evaluator.evaluate(theta, rows: $0, gradient: true).gradient }
    }
    public func gradientSum(_ c: [Double]) -> [Double] { evaluate(theta, weights: c, gradient: true).gradient }
    public func gradientDots(_ v: [Double]) -> [Double] { (0..<rowCount).map { dot(rowGradient($0), v) } }
    public func hessianVectorProduct(_ v: [Double], weights: [Double]?) -> [Double] {
        var hv = evaluate(theta, weights: weights, gradient: false, direction: v).hessianVector
        for i in hv.indices { hv[i] += l2 * v[i] }
        return hv
    }
    public func objectiveGradient(at theta: [Double], weights: [Double]?, linear: [Double]?) -> [Double] {
        var g = evaluate(theta, weights: weights, gradient: true).gradient
        for i in g.indices { g[i] += l2 * theta[i] + (linear?[i] ?? 0) }
        return g
    }
    public func rowLosses(at theta: [Double]) -> [Double] {
        probabilities(theta).enumerated().map { -log(max($0.element[Int(evaluator.data.classes[rows[$0.offset]])], 1e-300)) }
    }
    public func predictions(at theta: [Double]) -> [Int] {
        probabilities(theta).map { p in p.indices.max { p[$0] < p[$1] || (p[$0] == p[$1] && $0 > $1) }! }
    }
    private func probabilities(_ theta: [Double]) -> [[Double]] {
        let d = evaluator.network.inputCount, k = evaluator.network.classCount
        var x = [Float](repeating: 0, count: rows.count * d)
        for (i, r) in rows.enumerated() {
            for j in 0..<d { x[i * d + j] = evaluator.data.features[r * d + j] }
        }
        let p = x.withUnsafeBufferPointer { evaluator.probabilities(theta.map { Float($0) }, x: $0.baseAddress!, m: rows.count) }
        return (0..<rows.count).map { Array(p[$0 * k ..< ($0 + 1) * k]) }
    }
    /// Hutchinson: diag(H) ≈ mean over Rademacher v of v ⊙ Hv, seeded, floored at λ (the MLP Hessian may be
    /// indefinite; the preconditioner must stay positive).
    public func hessianDiagonal() -> [Double] {
        var g = SeededGenerator(seed: 0x4855_5443_4849_4E53)
        var acc = [Double](repeating: 0, count: parameterCount)
        for _ in 0..<diagonalProbes {
            let v = (0..<parameterCount).map { _ in g.next() & 1 == 0 ? -1.0 : 1.0 }
            let hv = hessianVectorProduct(v, weights: nil)
            for i in acc.indices { acc[i] += v[i] * hv[i] }
        }
        return acc.map { max($0 / Double(diagonalProbes), max(l2, 1e-8)) }
    }
}
