import Foundation
import XCTest
@testable import ULCore
import ULTestSupport

/// The Gauss–Newton curvature of a network against brute force: Jᵀ(diag p − ppᵀ)J assembled in Double from
/// central differences of the network's logits, its exact diagonal, softmax's equality with the Hessian, the
/// stored diagonal following the rows, and the solver's conjugate gradient on it.
final class GaussNewtonTests: XCTestCase {
    /// The logits of `network` at θ for every row of `data`, in Double, from `DenseNetwork`'s layout (per layer
    /// the `sizes[l] × sizes[l+1]` weights row-major, then the biases; ReLU between layers).
    func logits(_ network: DenseNetwork, _ theta: [Double], _ data: Dataset) -> [[Double]] {
        let s = network.sizes
        return (0..<data.count).map { r in
            var h = (0..<s[0]).map { Double(data.features[r * s[0] + $0]) }
            for l in 0..<network.layerCount {
                let w = network.weightOffset(l), b = network.biasOffset(l)
                var out = (0..<s[l + 1]).map { theta[b + $0] }
                for i in 0..<s[l] { for j in 0..<s[l + 1] { out[j] += h[i] * theta[w + i * s[l + 1] + j] } }
                h = l + 1 < network.layerCount ? out.map { max($0, 0) } : out
            }
            return h
        }
    }

    func softmax(_ z: [Double]) -> [Double] {
        let m = z.max()!
        let e = z.map { exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// Σᵢ wᵢJᵢᵀ(diag pᵢ − pᵢpᵢᵀ)Jᵢ (P × P, row-major), J by central differences of the Double logits.
    func assembledGaussNewton(_ network: DenseNetwork, _ theta: [Double], _ data: Dataset, weights: [Double]) -> [Double] {
        let P = network.parameterCount, k = network.classCount, n = data.count
        let step = 1e-6
        // jac[i][c][j] = ∂z_ic/∂θ_j
        var jac = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 0, count: P), count: k), count: n)
        for j in 0..<P {
            var tp = theta, tm = theta
            tp[j] += step
            tm[j] -= step
            let zp = logits(network, tp, data), zm = logits(network, tm, data)
            for i in 0..<n { for c in 0..<k { jac[i][c][j] = (zp[i][c] - zm[i][c]) / (2 * step) } }
        }
        let z = logits(network, theta, data)
        var g = [Double](repeating: 0, count: P * P)
        for i in 0..<n where weights[i] != 0 {
            let p = softmax(z[i])
            // A = J (k × P) premultiplied by diag p − ppᵀ.
            var hj = [[Double]](repeating: [Double](repeating: 0, count: P), count: k)
            for c in 0..<k {
                for d in 0..<k {
                    let h = (c == d ? p[c] : 0) - p[c] * p[d]
                    if h == 0 { continue }
                    for j in 0..<P { hj[c][j] += h * jac[i][d][j] }
                }
            }
            for c in 0..<k { for a in 0..<P where jac[i][c][a] != 0 { for b in 0..<P { g[a * P + b] += weights[i] * jac[i][c][a] * hj[c][b] } } }
        }
        return g
    }

    func testGaussNewtonProductsMatchFiniteDifferencesOfTheOutputs() {
        let data = randomData(n: 24, d: 4, k: 3, seed: 5)
        let network = DenseNetwork(inputs: 4, hidden: [5, 3], classes: 3)
        var gen = SeededGenerator(seed: 6)
        let weights = (0..<24).map { $0 % 5 == 0 ? 0 : 0.5 + gen.nextUnit() }
        let theta = network.initialParameters(seed: 9, shard: 0).map { $0 + 0.1 * gen.nextGaussian() }
        let objective = NetworkObjective(network: network, data: data, terms: ObjectiveTerms(l2: 0.3, weights: weights), chunkRows: 7, lanes: 2)
        let P = network.parameterCount
        // The Double logits are the network's: their softmax is the evaluator's probabilities.
        let probabilities = data.features.withUnsafeBufferPointer {
            objective.evaluator.probabilities(theta.map { Float($0) }, x: $0.baseAddress!, m: data.count)
        }
        for (i, z) in logits(network, theta, data).enumerated() {
            for (c, p) in softmax(z).enumerated() { XCTAssertEqual(p, probabilities[i * 3 + c], accuracy: 1e-5) }
        }
        let g = assembledGaussNewton(network, theta, data, weights: weights)
        let scale = g.map(abs).max()!
        for j in 0..<P {
            var e = [Double](repeating: 0, count: P)
            e[j] = 1
            let gv = objective.dataGaussNewtonVectorProduct(theta, e, weights: nil)
            for i in 0..<P { XCTAssertEqual(gv[i], g[i * P + j], accuracy: 1e-4 * scale, "G[\(i), \(j)]") }
        }
        // A dense direction, through the regulariser too.
        let v = (0..<P).map { _ in gen.nextGaussian() }
        let gv = objective.curvatureVectorProduct(theta, v, kind: .gaussNewton)
        for i in 0..<P {
            var ref = 0.3 * v[i]
            for j in 0..<P { ref += g[i * P + j] * v[j] }
            XCTAssertEqual(gv[i], ref, accuracy: 1e-4 * scale * max(1, abs(ref)))
        }
        // The exact diagonal, and positive semi-definiteness where the Hessian is not.
        let diagonal = objective.gaussNewtonDiagonal(theta, weights: nil)
        for i in 0..<P { XCTAssertEqual(diagonal[i], g[i * P + i], accuracy: 1e-5 * scale) }
        var hessian = [Double](repeating: 0, count: P * P)
        for j in 0..<P {
            var e = [Double](repeating: 0, count: P)
            e[j] = 1
            let hv = objective.dataHessianVectorProduct(theta, e, weights: nil)
            for i in 0..<P { hessian[i * P + j] = hv[i] }
        }
        for i in 0..<P { for j in 0..<i { hessian[i * P + j] = (hessian[i * P + j] + hessian[j * P + i]) / 2; hessian[j * P + i] = hessian[i * P + j] } }
        XCTAssertGreaterThan(smallestEigenvalue(g, P), -1e-9 * scale)
        XCTAssertLessThan(smallestEigenvalue(hessian, P), -1e-3 * scale, "the Hessian of this network should be indefinite")
    }

    func testGaussNewtonIsTheHessianWithoutHiddenLayers() throws {
        let data = randomData(n: 40, d: 5, k: 3, seed: 1)
        var gen = SeededGenerator(seed: 2)
        let weights = (0..<40).map { _ in 0.5 + gen.nextUnit() }
        let network = DenseNetwork(inputs: 5, hidden: [], classes: 3)
        let net = NetworkObjective(network: network, data: data, terms: ObjectiveTerms(l2: 0.3, weights: weights))
        let c = SoftmaxCurvature(data: data, rows: Array(0..<40), classCount: 3, l2: 0.3)
        let softmaxObjective = SoftmaxObjective(curvature: c)
        let P = c.parameterCount
        let theta = (0..<P).map { _ in 0.5 * gen.nextGaussian() }
        for _ in 0..<5 {
            let v = (0..<P).map { _ in gen.nextGaussian() }
            // The network's two products run the same passes when the logits are linear in θ: equal bits.
            XCTAssertEqual(net.curvatureVectorProduct(theta, v, kind: .gaussNewton), net.curvatureVectorProduct(theta, v, kind: .hessian))
            XCTAssertEqual(softmaxObjective.curvatureVectorProduct(theta, v, weights: weights, kind: .gaussNewton),
                           softmaxObjective.curvatureVectorProduct(theta, v, weights: weights, kind: .hessian))
        }
        // Assembled from the logits' finite differences, Gauss–Newton is softmax's dense Hessian.
        let g = assembledGaussNewton(network, theta, data, weights: weights)
        let h = c.hessian(c.probabilities(theta), weights: weights)
        for i in 0..<P { for j in 0..<P { XCTAssertEqual(g[i * P + j] + (i == j ? 0.3 : 0), h[i * P + j], accuracy: 1e-6 * max(1, abs(h[i * P + j]))) } }
        let nd = net.gaussNewtonDiagonal(theta, weights: nil), sd = softmaxObjective.gaussNewtonDiagonal(theta, weights: weights)
        for i in 0..<P { XCTAssertEqual(nd[i], sd[i], accuracy: 1e-5 * max(1, sd[i])) }
    }

    func testGaussNewtonDiagonalFollowsTheRows() throws {
        let data = randomData(n: 50, d: 3, k: 2, seed: 1)
        let mlp = NetworkObjective(network: DenseNetwork(inputs: 3, hidden: [4], classes: 2), data: data, rows: Array(0..<50),
                                   terms: ObjectiveTerms(l2: 1), chunkRows: 256, lanes: 4)
        let theta = mlp.network.initialParameters(seed: 3, shard: 0)
        var stored = try StoredCurvature.compute(mlp, at: theta, solver: .cg, kind: .gaussNewton, damping: 0.25)
        let forget = [1, 7, 30]
        guard case let .kept(.diagonal(d), .diagonal) = CurvatureDowndate.remaining(taking: &stored, objective: mlp, at: theta, removing: forget,
                                                                                   damping: 0.25, kind: .gaussNewton) else {
            return XCTFail("dropped")
        }
        var weights = [Double](repeating: 1, count: 50)
        for r in forget { weights[r] = 0 }
        let reference = mlp.gaussNewtonDiagonal(theta, weights: weights).map { $0 + 1 + 0.25 }
        for i in d.indices { XCTAssertEqual(d[i], reference[i], accuracy: 1e-5 * reference[i]) }
        // The Hessian's Hutchinson estimate cannot lose rows.
        var hutchinson = try StoredCurvature.compute(mlp, at: theta, solver: .cg, kind: .hessian, damping: 0.25)
        guard case .dropped = CurvatureDowndate.remaining(taking: &hutchinson, objective: mlp, at: theta, removing: forget, damping: 0.25) else {
            return XCTFail("kept")
        }
    }

    func testConjugateGradientSolvesTheGaussNewtonSystem() throws {
        let data = randomData(n: 60, d: 4, k: 3, seed: 8)
        let network = DenseNetwork(inputs: 4, hidden: [6], classes: 3)
        let mlp = NetworkObjective(network: network, data: data, terms: ObjectiveTerms(l2: 0.5))
        let theta = network.initialParameters(seed: 4, shard: 0)
        let P = network.parameterCount
        let g = assembledGaussNewton(network, theta, data, weights: [Double](repeating: 1, count: 60))
        var gen = SeededGenerator(seed: 1)
        let b = (0..<P).map { _ in gen.nextGaussian() }
        for preconditioned in [true, false] {
            let solver = CurvatureSolver(objective: mlp, theta: theta,
                                         stored: try StoredCurvature.compute(mlp, at: theta, solver: .cg, kind: .gaussNewton, damping: 0.01),
                                         damping: 0.01, kind: .gaussNewton)
            solver.preconditioned = preconditioned
            let x = try solver.solve(b)
            // (G + λI + δI)x = b in Double, to the single-precision products' accuracy.
            var worst = 0.0
            for i in 0..<P {
                var r = (0.5 + 0.01) * x[i] - b[i]
                for j in 0..<P { r += g[i * P + j] * x[j] }
                worst = max(worst, abs(r))
            }
            XCTAssertLessThan(worst, 1e-3 * norm(b), "preconditioned: \(preconditioned)")
            XCTAssertGreaterThan(solver.iterations, 0)
        }
    }

    func testCurvatureFileKeepsTheKind() throws {
        let key = [UInt8](repeating: 7, count: 32)
        let file = CurvatureFile(solver: .cg, kind: .gaussNewton, damping: 0.01, entries: [.init(shard: 2, key: key, curvature: .diagonal([1, 2, 3]))])
        let store = try CurvatureStore(try ModelContainerReader(source: try file.encode()))
        XCTAssertEqual(store.kind, .gaussNewton)
        XCTAssertEqual(try store.lookup(shard: 2, key: key, solver: .cg, kind: .gaussNewton, damping: 0.01), .diagonal([1, 2, 3]))
        XCTAssertNil(try store.lookup(shard: 2, key: key, solver: .cg, kind: .hessian, damping: 0.01))
        XCTAssertEqual(try store.file(), file)
        // A Hessian sidecar keeps the layout (version 1) it had before kinds.
        let hessian = try CurvatureFile(solver: .cg, damping: 0.01, entries: [.init(shard: 2, key: key, curvature: .diagonal([1, 2, 3]))]).encode()
        XCTAssertEqual(try CurvatureStore(try ModelContainerReader(source: hessian)).kind, .hessian)
    }

    func smallestEigenvalue(_ a: [Double], _ n: Int) -> Double {
        -symmetricLargestEigenvalue(a.map { -$0 }, n: n)
    }
}
