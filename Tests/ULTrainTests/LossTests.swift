import XCTest
@testable import ULCore

/// Gradients and Hessian-vector products against central finite differences; the solver against the
/// optimality condition ∇J = 0.
final class LossTests: XCTestCase {
    func softmax(_ data: Dataset, classCount: Int, terms: ObjectiveTerms) -> NetworkObjective {
        NetworkObjective(network: DenseNetwork(inputs: data.featureCount, hidden: [], classes: classCount), data: data, terms: terms)
    }

    func mlp(_ data: Dataset, hidden: [Int], classCount: Int, terms: ObjectiveTerms) -> NetworkObjective {
        NetworkObjective(network: DenseNetwork(inputs: data.featureCount, hidden: hidden, classes: classCount), data: data, terms: terms)
    }

    func randomProblem(n: Int, d: Int, k: Int, seed: UInt64, weights: Bool = false) -> (Dataset, ObjectiveTerms) {
        var g = SeededGenerator(seed: seed)
        var data = Dataset(featureCount: d)
        for i in 0..<n {
            let row = (0..<d).map { _ in Float(g.nextGaussian()) }
            row.withUnsafeBufferPointer { data.append(id: "r\(i)", classIndex: Int32(i % k), features: $0) }
        }
        var terms = ObjectiveTerms(l2: 0.3)
        if weights { terms.weights = (0..<n).map { _ in 0.5 + g.nextUnit() } }
        return (data, terms)
    }

    func randomVector(_ n: Int, seed: UInt64, scale: Double) -> [Double] {
        var g = SeededGenerator(seed: seed)
        return (0..<n).map { _ in scale * g.nextGaussian() }
    }

    /// Largest |a − b| relative to max(1, ‖b‖∞).
    func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        let scale = max(1, b.map(abs).max() ?? 0)
        return zip(a, b).map { abs($0 - $1) }.max()! / scale
    }

    /// ReLU sign pattern of every hidden pre-activation over all rows: finite differences are only
    /// meaningful between points with the same pattern (no kink crossed).
    func signPattern(_ loss: NetworkObjective, _ theta: [Double]) -> [Bool] {
        let net = loss.network
        let data = loss.evaluator.data
        let ws = ChunkWorkspace(net: net, capacity: data.count)
        data.features.withUnsafeBufferPointer { ws.x.update(from: $0.baseAddress!, count: $0.count) }
        theta.map { Float($0) }.withUnsafeBufferPointer { ws.forward($0.baseAddress!, m: data.count) }
        var out = [Bool]()
        for l in 1..<net.layerCount { for i in 0..<data.count * net.sizes[l] { out.append(ws.a[l][i] > 0) } }
        return out
    }

    /// Checks derivatives at random points whose finite-difference stencils cross no ReLU kink;
    /// returns how many points were checked.
    @discardableResult
    func checkDerivatives(_ loss: NetworkObjective, seed: UInt64, points: Int = 3) -> Int {
        var checked = 0
        var s = seed
        while checked < points, s < seed + 50 {
            s += 1
            let theta = randomVector(loss.parameterCount, seed: s, scale: 0.5)
            let v = randomVector(loss.parameterCount, seed: s &+ 1000, scale: 1)
            let pattern = signPattern(loss, theta)
            let spread = [1e-3, -1e-3].map { e in signPattern(loss, zip(theta, v).map { $0 + e * $1 }) }
            var axes = true
            for i in 0..<loss.parameterCount where axes {
                for e in [1e-3, -1e-3] {
                    var t = theta
                    t[i] += e
                    if signPattern(loss, t) != pattern { axes = false }
                }
            }
            guard axes, spread.allSatisfy({ $0 == pattern }) else { continue }
            checkDerivatives(loss, theta: theta, v: v)
            checked += 1
        }
        XCTAssertEqual(checked, points, "too few kink-free points")
        return checked
    }

    func checkDerivatives(_ loss: NetworkObjective, theta: [Double], v: [Double]) {
        let P = loss.parameterCount
        let (f, g) = loss.valueAndGradient(theta)
        XCTAssertEqual(f, loss.value(theta), accuracy: 1e-9 * max(1, abs(f)))
        let h = 1e-3
        var fd = [Double](repeating: 0, count: P)
        for i in 0..<P {
            var tp = theta, tm = theta
            tp[i] += h; tm[i] -= h
            fd[i] = (loss.value(tp) - loss.value(tm)) / (2 * h)
        }
        XCTAssertLessThan(relativeError(g, fd), 2e-3, "gradient vs finite differences")

        let hv = loss.hessianVectorProduct(theta, v)
        let e = 1e-3
        var tp = theta, tm = theta
        for i in 0..<P { tp[i] += e * v[i]; tm[i] -= e * v[i] }
        let gp = loss.valueAndGradient(tp).gradient
        let gm = loss.valueAndGradient(tm).gradient
        let fdHv = (0..<P).map { (gp[$0] - gm[$0]) / (2 * e) }
        XCTAssertLessThan(relativeError(hv, fdHv), 5e-3, "Hessian-vector product vs finite differences of the gradient")

        // Per-row gradients sum (with weights) to the data part of the gradient.
        var sum = [Double](repeating: 0, count: P)
        for r in 0..<loss.rowCount {
            let gi = loss.rowGradient(theta, row: r)
            let w = loss.terms.weights?[r] ?? 1
            for j in 0..<P { sum[j] += w * gi[j] }
        }
        for j in 0..<P { sum[j] += loss.terms.l2 * theta[j] + (loss.terms.linear?[j] ?? 0) }
        XCTAssertLessThan(relativeError(sum, g), 1e-4)
    }

    func testSoftmaxDerivatives() {
        let (data, terms) = randomProblem(n: 40, d: 5, k: 3, seed: 1)
        checkDerivatives(softmax(data, classCount: 3, terms: terms), seed: 2)
    }

    func testSoftmaxWeightedWithLinearTerm() {
        var (data, terms) = randomProblem(n: 25, d: 4, k: 4, seed: 3, weights: true)
        terms.linear = randomVector(DenseNetwork(inputs: 4, hidden: [], classes: 4).parameterCount, seed: 9, scale: 0.2)
        data.classes[0] = 3
        checkDerivatives(softmax(data, classCount: 4, terms: terms), seed: 4)
    }

    func testMLPDerivatives() {
        let (data, terms) = randomProblem(n: 12, d: 5, k: 3, seed: 5, weights: true)
        checkDerivatives(mlp(data, hidden: [6], classCount: 3, terms: terms), seed: 6)
    }

    func testTwoHiddenLayerMLPDerivatives() {
        let (data, terms) = randomProblem(n: 12, d: 4, k: 3, seed: 7)
        checkDerivatives(mlp(data, hidden: [5, 4], classCount: 3, terms: terms), seed: 8)
    }

    /// Chunking and lanes change only the summation grouping, not the value beyond rounding.
    func testChunkedSumsAgree() {
        let (data, terms) = randomProblem(n: 50, d: 5, k: 3, seed: 11)
        let net = DenseNetwork(inputs: 5, hidden: [4], classes: 3)
        let a = NetworkObjective(network: net, data: data, terms: terms, chunkRows: 7, lanes: 3)
        let b = NetworkObjective(network: net, data: data, terms: terms, chunkRows: 1024, lanes: 1)
        let theta = net.initialParameters(seed: 1, shard: 0)
        XCTAssertEqual(a.value(theta), b.value(theta), accuracy: 1e-4)
    }

    func testLBFGSReachesTheOptimum() {
        let (data, terms) = randomProblem(n: 60, d: 6, k: 3, seed: 13)
        let loss = softmax(data, classCount: 3, terms: terms)
        let theta0 = [Double](repeating: 0, count: loss.parameterCount)
        let g0 = loss.valueAndGradient(theta0).gradient
        let (theta, _) = LBFGS(maxIterations: 500).minimize(loss, from: theta0)
        let g = loss.valueAndGradient(theta).gradient
        XCTAssertLessThan(norm(g), 1e-4 * norm(g0))
        // Strong convexity: a random perturbation never lowers J at the optimum.
        let v = randomVector(theta.count, seed: 3, scale: 1e-2)
        XCTAssertGreaterThan(loss.value(zip(theta, v).map { $0 + $1 }), loss.value(theta))
    }
}
