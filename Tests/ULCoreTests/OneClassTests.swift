import CLAPACKE
import XCTest
@testable import ULCore

/// Rows from a low-rank Gaussian plus noise, centred at `shift`.
func oneClassSample(rows n: Int, dimension d: Int, seed: UInt64, shift: Double = 0) -> (features: [Float], ids: [String]) {
    var g = SeededGenerator(seed: seed)
    let a = (0..<(d * 3)).map { _ in g.nextGaussian() }
    var f = [Float]()
    for _ in 0..<n {
        let z = (0..<3).map { _ in g.nextGaussian() }
        for c in 0..<d {
            var v = shift + 0.3 * g.nextGaussian()
            for k in 0..<3 { v += a[c * 3 + k] * z[k] }
            f.append(Float(v))
        }
    }
    return (f, (0..<n).map { "s\(seed)-\($0)" })
}

func withRow<T>(_ f: [Float], _ i: Int, _ d: Int, _ body: (UnsafeBufferPointer<Float>) -> T) -> T {
    f.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[i * d..<(i + 1) * d])) }
}

final class OneClassTests: XCTestCase {
    /// log N(x | μ, WWᵀ + σ²I) by a dense Cholesky factor.
    func denseLogLikelihood(_ m: PPCAModel, _ x: [Double]) -> Double {
        let d = m.dimension, q = m.components
        var c = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            for j in 0..<d {
                var s = i == j ? m.noiseVariance : 0
                for k in 0..<q { s += m.basis[i * q + k] * m.basis[j * q + k] * (m.eigenvalues[k] - m.noiseVariance) }
                c[i * d + j] = s
            }
        }
        XCTAssertEqual(LAPACKE_dpotrf(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "L")), Int32(d), &c, Int32(d)), 0)
        var r = (0..<d).map { x[$0] - m.mean[$0] }
        var logDet = 0.0
        for i in 0..<d { // forward substitution L z = r
            for k in 0..<i { r[i] -= c[i * d + k] * r[k] }
            r[i] /= c[i * d + i]
            logDet += 2 * log(c[i * d + i])
        }
        return -0.5 * (Double(d) * log(2 * Double.pi) + logDet + r.reduce(0) { $0 + $1 * $1 })
    }

    func testPPCALogLikelihoodEqualsDenseGaussian() throws {
        let d = 8
        let (f, ids) = oneClassSample(rows: 40, dimension: d, seed: 1)
        let m = try PPCAModel.fit(features: f, dimension: d, ids: ids, config: PPCAConfig(components: 3))
        XCTAssertEqual(m.components, 3)
        let (test, _) = oneClassSample(rows: 5, dimension: d, seed: 2, shift: 0.5)
        for i in 0..<5 {
            let direct = denseLogLikelihood(m, (0..<d).map { Double(test[i * d + $0]) })
            XCTAssertEqual(withRow(test, i, d) { m.score($0) }, direct, accuracy: 1e-9 * abs(direct))
        }
    }

    func testPPCAResidualVarianceIsTheMeanOfDiscardedEigenvalues() throws {
        let d = 6, n = 30
        let (f, ids) = oneClassSample(rows: n, dimension: d, seed: 3)
        let m = try PPCAModel.fit(features: f, dimension: d, ids: ids, config: PPCAConfig(components: 2))
        // Sample covariance (divisor n) and all its eigenvalues, naively.
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for c in 0..<d { mean[c] += Double(f[i * d + c]) / Double(n) } }
        var s = [Double](repeating: 0, count: d * d)
        for i in 0..<n { for a in 0..<d { for b in 0..<d {
            s[a * d + b] += (Double(f[i * d + a]) - mean[a]) * (Double(f[i * d + b]) - mean[b]) / Double(n)
        } } }
        var w = [Double](repeating: 0, count: d)
        XCTAssertEqual(LAPACKE_dsyev(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "N")), Int8(UInt8(ascii: "U")), Int32(d), &s, Int32(d), &w), 0)
        let desc = w.sorted(by: >)
        XCTAssertEqual(m.eigenvalues[0], desc[0], accuracy: 1e-9)
        XCTAssertEqual(m.eigenvalues[1], desc[1], accuracy: 1e-9)
        XCTAssertEqual(m.noiseVariance, desc[2...].reduce(0, +) / Double(d - 2), accuracy: 1e-9)
        for c in 0..<d { XCTAssertEqual(m.mean[c], mean[c], accuracy: 1e-12) }
    }

    func testFitsDependOnTheRowSetNotTheOrder() throws {
        let d = 5
        let (f, ids) = oneClassSample(rows: 30, dimension: d, seed: 4)
        let perm = (0..<30).reversed().map { ($0 * 7) % 30 }
        let f2 = perm.flatMap { f[$0 * d..<($0 + 1) * d] }
        let ids2 = perm.map { ids[$0] }
        XCTAssertEqual(try PPCAModel.fit(features: f, dimension: d, ids: ids),
                       try PPCAModel.fit(features: f2, dimension: d, ids: ids2))
        XCTAssertEqual(try MixturePPCAModel.fit(features: f, dimension: d, ids: ids, iterations: 3),
                       try MixturePPCAModel.fit(features: f2, dimension: d, ids: ids2, iterations: 3))
        XCTAssertEqual(try NearestNeighbourDescription.fit(features: f, dimension: d, ids: ids),
                       try NearestNeighbourDescription.fit(features: f2, dimension: d, ids: ids2))
    }

    func testTinyClassGetsTheVarianceFloor() throws {
        let d = 10
        let (f, ids) = oneClassSample(rows: 3, dimension: d, seed: 5)
        let m = try PPCAModel.fit(features: f, dimension: d, ids: ids, config: PPCAConfig(components: 20, varianceFloor: 0.01))
        XCTAssertEqual(m.components, 9)
        XCTAssertEqual(m.noiseVariance, 0.01)
        XCTAssertTrue(m.scores(features: f).allSatisfy(\.isFinite))
        let one = try PPCAModel.fit(features: Array(f.prefix(d)), dimension: d, ids: ["x"])
        XCTAssertTrue(one.scores(features: f).allSatisfy(\.isFinite))
        XCTAssertThrowsError(try PPCAModel.fit(features: [], dimension: d, ids: [])) { XCTAssertEqual($0 as? OneClassError, .noRows) }
        XCTAssertThrowsError(try PPCAModel.fit(features: [1, 2], dimension: d, ids: ["a"]))
        XCTAssertThrowsError(try PPCAModel.fit(features: Array(f.prefix(2 * d)), dimension: d, ids: ["a", "a"])) {
            XCTAssertEqual($0 as? OneClassError, .duplicateID("a"))
        }
        XCTAssertThrowsError(try MixturePPCAModel.fit(features: f, dimension: d, ids: ids,
                                                      config: MixturePPCAConfig(mixtureComponents: 0), iterations: 1))
        XCTAssertThrowsError(try NearestNeighbourDescription.fit(features: f, dimension: d, ids: ids, neighbours: 0))
    }

    func testMixtureContinuesFromACheckpointExactly() throws {
        let d = 6
        let (b1, i1) = oneClassSample(rows: 40, dimension: d, seed: 6)
        let (b2, i2) = oneClassSample(rows: 30, dimension: d, seed: 7, shift: 2)
        let cfg = MixturePPCAConfig(mixtureComponents: 3, ppca: PPCAConfig(components: 2))
        let five = try MixturePPCAModel.fit(features: b1, dimension: d, ids: i1, config: cfg, iterations: 5)
        let three = try MixturePPCAModel.fit(features: b1, dimension: d, ids: i1, config: cfg, iterations: 3)
        XCTAssertEqual(try MixturePPCAModel.fit(features: b1, dimension: d, ids: i1, config: cfg, startingFrom: three, iterations: 2), five)
        // Block 2 from the block-1 checkpoint; forgetting a block-2 row retrains only that step.
        let theta2 = try MixturePPCAModel.fit(features: b1 + b2, dimension: d, ids: i1 + i2, config: cfg, startingFrom: three, iterations: 2)
        XCTAssertEqual(theta2.iterations, 5)
        let (b2f, i2f) = removingRow(4, features: b2, ids: i2, dimension: d)
        let retrained = try MixturePPCAModel.fit(features: b2f + b1, dimension: d, ids: i2f + i1, config: cfg, startingFrom: three, iterations: 2)
        XCTAssertNotEqual(retrained, theta2)
        XCTAssertEqual(retrained, try MixturePPCAModel.fit(features: b1 + b2f, dimension: d, ids: i1 + i2f, config: cfg,
                                                             startingFrom: three, iterations: 2))
        XCTAssertThrowsError(try MixturePPCAModel.fit(features: Array(b1.prefix(4 * 5)), dimension: 5, ids: Array(i1.prefix(4)),
                                                      config: cfg, startingFrom: three, iterations: 1))
    }

    func testEMDoesNotDecreaseTheLikelihood() throws {
        let d = 6
        let (a, ia) = oneClassSample(rows: 50, dimension: d, seed: 8)
        let (b, ib) = oneClassSample(rows: 50, dimension: d, seed: 9, shift: 3)
        let cfg = MixturePPCAConfig(mixtureComponents: 3, ppca: PPCAConfig(components: 2))
        var m = try MixturePPCAModel.fit(features: a + b, dimension: d, ids: ia + ib, config: cfg, iterations: 0)
        var last = -Double.infinity
        for _ in 0..<8 {
            m = try MixturePPCAModel.fit(features: a + b, dimension: d, ids: ia + ib, config: cfg, startingFrom: m, iterations: 1)
            let total = m.calibration.mean * 100
            XCTAssertGreaterThanOrEqual(total, last - 1e-8 * abs(last))
            last = total
        }
        let single = try PPCAModel.fit(features: a + b, dimension: d, ids: ia + ib, config: PPCAConfig(components: 2))
        XCTAssertGreaterThan(m.calibration.mean, single.scores(features: a + b).reduce(0, +) / 100)
    }

    func testOneComponentMixtureIsPPCA() throws {
        let d = 5
        let (f, ids) = oneClassSample(rows: 25, dimension: d, seed: 10)
        let cfg = MixturePPCAConfig(mixtureComponents: 1, ppca: PPCAConfig(components: 2))
        let mix = try MixturePPCAModel.fit(features: f, dimension: d, ids: ids, config: cfg, iterations: 2)
        let ppca = try PPCAModel.fit(features: f, dimension: d, ids: ids, config: cfg.ppca)
        for (u, v) in zip(mix.scores(features: f), ppca.scores(features: f)) { XCTAssertEqual(u, v, accuracy: 1e-9 * abs(v)) }
    }

    func testNearestNeighbourScoreIsMinusMeanDistance() throws {
        let d = 3
        let f: [Float] = [0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 10]
        let m = try NearestNeighbourDescription.fit(features: f, dimension: d, ids: ["a", "b", "c", "d"], neighbours: 2)
        XCTAssertEqual(withRow([0, 0, 4] as [Float], 0, 3) { m.score($0) }, -(4 + 17.0.squareRoot()) / 2, accuracy: 1e-12)
        XCTAssertEqual(withRow(f, 0, 3) { m.score($0) }, -0.5, accuracy: 1e-12)
    }

    func testPerClassModelsClassify() throws {
        let d = 6
        var train = [[Float]](), trainIDs = [[String]](), test = [[Float]]()
        for k in 0..<3 {
            let (f, ids) = oneClassSample(rows: 60, dimension: d, seed: 20 + UInt64(k), shift: Double(k) * 2)
            train.append(Array(f.prefix(40 * d))); trainIDs.append(Array(ids.prefix(40))); test.append(Array(f.suffix(20 * d)))
        }
        let cfg = MixturePPCAConfig(mixtureComponents: 2, ppca: PPCAConfig(components: 2))
        let families: [[any OneClassModel]] = [
            try (0..<3).map { try PPCAModel.fit(features: train[$0], dimension: d, ids: trainIDs[$0], config: PPCAConfig(components: 2)) },
            try (0..<3).map { try MixturePPCAModel.fit(features: train[$0], dimension: d, ids: trainIDs[$0], config: cfg, iterations: 5) },
            try (0..<3).map { try NearestNeighbourDescription.fit(features: train[$0], dimension: d, ids: trainIDs[$0]) },
            (0..<3).map { AutoencoderModel.initial(dimension: d, hidden: 3, seed: 1, shard: $0)
                .trained(features: train[$0], order: { _ in Array(0..<40) }, epochs: 100, config: AutoencoderConfig(hidden: 3, learningRate: 0.01, batchSize: 10)) },
        ]
        for models in families {
            var correct = 0
            for k in 0..<3 { for i in 0..<20 {
                if argmaxScore(models.map { m in withRow(test[k], i, d) { m.score($0) } }) == k { correct += 1 }
            } }
            XCTAssertGreaterThan(correct, 50, "\(type(of: models[0]))")
        }
    }

    func roundTrip<M: OneClassModel & Equatable>(_ m: M) throws {
        var w = ByteWriter()
        m.encode(into: &w)
        var r = ByteReader(w.bytes)
        XCTAssertEqual(try M(from: &r), m)
        XCTAssertTrue(r.atEnd)
        for n in stride(from: 0, to: w.bytes.count, by: max(1, w.bytes.count / 50)) {
            var cut = ByteReader(Array(w.bytes.prefix(n)))
            XCTAssertThrowsError(try M(from: &cut), "\(M.self) cut at \(n)")
        }
    }

    func testSerialisationRoundTrips() throws {
        let d = 5
        let (f, ids) = oneClassSample(rows: 30, dimension: d, seed: 11)
        try roundTrip(try PPCAModel.fit(features: f, dimension: d, ids: ids, config: PPCAConfig(components: 2)))
        try roundTrip(try MixturePPCAModel.fit(features: f, dimension: d, ids: ids,
                                               config: MixturePPCAConfig(mixtureComponents: 2, ppca: PPCAConfig(components: 2)), iterations: 2))
        try roundTrip(try NearestNeighbourDescription.fit(features: f, dimension: d, ids: ids, neighbours: 3))
        try roundTrip(AutoencoderModel.initial(dimension: d, hidden: 3, seed: 1, shard: 0)
            .trained(features: f, order: { _ in Array(0..<30) }, epochs: 2, config: AutoencoderConfig(hidden: 3)))
    }

    /// The reconstruction loss's gradient equals central finite differences (all arithmetic is Double).
    func testAutoencoderGradientMatchesFiniteDifferences() throws {
        let d = 5, h = 3
        let (f, _) = oneClassSample(rows: 300, dimension: d, seed: 12)
        let start = AutoencoderModel.initial(dimension: d, hidden: h, seed: 4, shard: 2)
        // Away from the initial state, with biases that are not zero.
        let m = start.trained(features: f, order: { _ in Array(0..<300) }, epochs: 3, config: AutoencoderConfig(hidden: h, learningRate: 0.05))
        let rows = Array(0..<300).filter { $0 % 7 != 3 }
        let (value, gradient) = m.reconstructionLoss(features: f, rows: rows, gradient: true)
        XCTAssertEqual(value, m.reconstructionLoss(features: f, rows: rows, gradient: false).value)
        XCTAssertEqual(gradient.count, (d + 1) * h + (h + 1) * d)
        var direct = 0.0
        for r in rows { direct += -withRow(f, r, d) { m.score($0) } / 2 }
        XCTAssertEqual(value, direct, accuracy: 1e-9 * value)
        for i in gradient.indices {
            let eps = 1e-5
            func loss(_ delta: Double) -> Double {
                var p = m.parameters
                p[i] += delta
                return AutoencoderModel(dimension: d, hidden: h, epochs: 0, parameters: p)
                    .reconstructionLoss(features: f, rows: rows, gradient: false).value
            }
            let numeric = (loss(eps) - loss(-eps)) / (2 * eps)
            XCTAssertEqual(gradient[i], numeric, accuracy: 1e-6 * max(1, abs(numeric)), "θ[\(i)]")
        }
    }

    /// Training follows the order closure alone: the same rows at other positions give the same bits, twice;
    /// another order, seed or shard gives other bits; training lowers the loss.
    func testAutoencoderTrainingIsDeterministic() throws {
        let d = 6, n = 70
        let (f, ids) = oneClassSample(rows: n, dimension: d, seed: 13)
        let cfg = AutoencoderConfig(hidden: 4, l2: 0.5, learningRate: 0.01, batchSize: 16)
        let order = { (e: Int) in canonicalOrder(Array(0..<n), ids: ids, seed: 5, salt: UInt64(e + 1)) }
        let start = AutoencoderModel.initial(dimension: d, hidden: 4, seed: 5, shard: 1)
        let a = start.trained(features: f, order: order, epochs: 4, config: cfg)
        XCTAssertEqual(a, start.trained(features: f, order: order, epochs: 4, config: cfg))
        XCTAssertEqual(a.epochs, 4)
        // The rows reversed in memory, the order mapped to the same rows.
        var reversed = [Float]()
        for i in (0..<n).reversed() { reversed += f[i * d..<(i + 1) * d] }
        XCTAssertEqual(a, start.trained(features: reversed, order: { order($0).map { n - 1 - $0 } }, epochs: 4, config: cfg))
        XCTAssertNotEqual(a, start.trained(features: f, order: { order($0 + 1) }, epochs: 4, config: cfg))
        XCTAssertNotEqual(start, AutoencoderModel.initial(dimension: d, hidden: 4, seed: 5, shard: 2))
        XCTAssertNotEqual(start, AutoencoderModel.initial(dimension: d, hidden: 4, seed: 6, shard: 1))
        XCTAssertEqual(start, AutoencoderModel.initial(dimension: d, hidden: 4, seed: 5, shard: 1))
        let all = Array(0..<n)
        XCTAssertLessThan(start.trained(features: f, order: order, epochs: 40, config: cfg)
                            .reconstructionLoss(features: f, rows: all, gradient: false).value,
                          0.5 * start.reconstructionLoss(features: f, rows: all, gradient: false).value)
        // Two calls continue from the first call's weights.
        let twice = start.trained(features: f, order: order, epochs: 2, config: cfg).trained(features: f, order: order, epochs: 2, config: cfg)
        XCTAssertEqual(twice.epochs, 4)
        XCTAssertEqual(twice, start.trained(features: f, order: order, epochs: 2, config: cfg)
            .trained(features: f, order: order, epochs: 2, config: cfg))
        XCTAssertEqual(start.trained(features: f, order: order, epochs: 0, config: cfg), start)
    }
}
