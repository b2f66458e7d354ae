import Foundation
import ULCLI
import XCTest
@testable import ULCore
import ULTestSupport

/// The second-order machinery against brute force: the assembled Hessian against Hessian-vector products
/// and finite differences, conjugate gradient against Cholesky, influence against leave-one-out retraining,
/// Newton removal against retraining and its own bound, PUMA's weights and its plain-removal limit.
final class InfluenceTests: XCTestCase {
    /// examples/data/breast_cancer.csv, standardised over all rows.
    static let breastCancer: Dataset = {
        var data = breastCancerDataset()
        let s = FeatureStandardization(of: data, rows: Array(0..<data.count))
        let n = data.count
        data.features.withUnsafeMutableBufferPointer { s.apply($0.baseAddress!, rows: n) }
        return data
    }()

    /// Minimises J with row weights by Newton's method in Double, to ‖∇J‖ ≤ 1e-10.
    func newtonTrain(_ c: SoftmaxCurvature, weights: [Double]? = nil, from start: [Double]? = nil) throws -> [Double] {
        var theta = start ?? [Double](repeating: 0, count: c.parameterCount)
        let objective = SoftmaxObjective(curvature: c)
        for _ in 0..<100 {
            let g = objective.gradient(theta, weights: weights)
            if norm(g) <= 1e-10 { return theta }
            let f = try CholeskyFactor(symmetric: c.hessian(c.probabilities(theta), weights: weights), n: c.parameterCount)
            let step = f.solve(g)
            for i in theta.indices { theta[i] -= step[i] }
        }
        XCTFail("Newton did not converge")
        return theta
    }

    func pearson(_ a: [Double], _ b: [Double]) -> Double {
        let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for i in a.indices { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) * (a[i] - ma); sbb += (b[i] - mb) * (b[i] - mb) }
        return sab / (saa * sbb).squareRoot()
    }

    func testHessianMatchesProductsAndFiniteDifferences() throws {
        let data = randomData(n: 60, d: 5, k: 3, seed: 1)
        var g = SeededGenerator(seed: 2)
        let weights = (0..<60).map { _ in 0.5 + g.nextUnit() }
        let c = SoftmaxCurvature(data: data, rows: Array(0..<60), classCount: 3, l2: 0.3)
        let theta = (0..<c.parameterCount).map { _ in 0.5 * g.nextGaussian() }
        let p = c.probabilities(theta)
        let h = c.hessian(p, weights: weights, chunkRows: 7)
        let P = c.parameterCount
        let net = NetworkObjective(network: DenseNetwork(inputs: 5, hidden: [], classes: 3), data: data,
                                   terms: ObjectiveTerms(l2: 0.3, weights: weights))
        let objective = SoftmaxObjective(curvature: c)
        for j in 0..<P {
            var e = [Double](repeating: 0, count: P)
            e[j] = 1
            let column = (0..<P).map { h[$0 * P + j] }
            let hv = objective.hessianVectorProduct(theta, e, weights: weights)
            for i in 0..<P { XCTAssertEqual(column[i], hv[i], accuracy: 1e-10 * max(1, abs(hv[i]))) }
            // The network loss's own R-operator product (single-precision products).
            let nv = net.hessianVectorProduct(theta, e)
            for i in 0..<P { XCTAssertEqual(column[i], nv[i], accuracy: 1e-4 * max(1, abs(nv[i]))) }
            // Central differences of the Double gradient.
            let step = 1e-5
            var tp = theta, tm = theta
            tp[j] += step
            tm[j] -= step
            let gp = objective.gradient(tp, weights: weights), gm = objective.gradient(tm, weights: weights)
            for i in 0..<P { XCTAssertEqual(column[i], (gp[i] - gm[i]) / (2 * step), accuracy: 1e-6 * max(1, abs(column[i]))) }
        }
        // Symmetric, and the row factors sum to the data part.
        for i in 0..<P { for j in 0..<P { XCTAssertEqual(h[i * P + j], h[j * P + i], accuracy: 1e-12) } }
        var sum = [Double](repeating: 0, count: P * P)
        for r in 0..<60 {
            for u in c.rowHessianFactors(p, row: r) { for i in 0..<P { for j in 0..<P { sum[i * P + j] += weights[r] * u[i] * u[j] } } }
        }
        for i in 0..<P { sum[i * P + i] += 0.3 }
        for i in 0..<P * P { XCTAssertEqual(sum[i], h[i], accuracy: 1e-9) }
    }

    func testConjugateGradientMatchesCholesky() throws {
        let data = randomData(n: 80, d: 6, k: 4, seed: 3)
        let c = SoftmaxCurvature(data: data, rows: Array(0..<80), classCount: 4, l2: 0.5)
        let objective = SoftmaxObjective(curvature: c), theta = try newtonTrain(c)
        let exact = CurvatureSolver(objective: objective, theta: theta,
                                    stored: try StoredCurvature.compute(objective, at: theta, solver: .exact, damping: 0.1), damping: 0.1)
        let cg = CurvatureSolver(objective: objective, theta: theta,
                                 stored: try StoredCurvature.compute(objective, at: theta, solver: .cg, damping: 0.1), damping: 0.1)
        var g = SeededGenerator(seed: 4)
        let b = (0..<c.parameterCount).map { _ in g.nextGaussian() }
        let x = try exact.solve(b), y = try cg.solve(b)
        XCTAssertLessThan(norm(zip(x, y).map { $0 - $1 }), 1e-8 * norm(x))
        XCTAssertGreaterThan(cg.iterations, 1)
        // And with rows removed: Woodbury on the factor against zero weights in the products.
        try exact.downdate(rows: [3, 17])
        try cg.downdate(rows: [3, 17])
        let x2 = try exact.solve(b), y2 = try cg.solve(b)
        XCTAssertLessThan(norm(zip(x2, y2).map { $0 - $1 }), 1e-8 * norm(x2))
        XCTAssertGreaterThan(norm(zip(x, x2).map { $0 - $1 }), 1e-6 * norm(x))
    }

    func testParameterInfluenceMatchesLeaveOneOut() throws {
        let data = Self.breastCancer
        // Train on 400 rows; the criterion is the mean loss on the other 169.
        let train = Array(0..<400), held = Array(400..<data.count)
        let c = SoftmaxCurvature(data: data, rows: train, classCount: 2, l2: 1)
        let theta = try newtonTrain(c)
        let objective = SoftmaxObjective(curvature: c)
        let valid = SoftmaxObjective(curvature: SoftmaxCurvature(data: data, rows: held, classCount: 2, l2: 1))
        let solver = CurvatureSolver(objective: objective, theta: theta,
                                     stored: try StoredCurvature.compute(objective, at: theta, solver: .exact, damping: 0), damping: 0)
        let all = try Influence.rows(Array(0..<train.count), objective: objective, solver: solver,
                                     criterionGradient: Influence.meanLossGradient(valid, at: theta))
        // 60 rows spread over the set, plus the 10 with the largest self-influence (the interesting tail).
        var rows = Array(stride(from: 0, to: train.count, by: 7))
        rows += (0..<train.count).sorted { all[$0].selfInfluence > all[$1].selfInfluence }.prefix(10).filter { !rows.contains($0) }
        XCTAssertGreaterThanOrEqual(rows.count, 50)
        var predicted = [Double](), actual = [Double](), predictedC = [Double](), actualC = [Double]()
        let criterionBefore = valid.rowLosses(at: theta).reduce(0, +) / Double(held.count)
        for r in rows {
            var w = [Double](repeating: 1, count: train.count)
            w[r] = 0
            let loo = try newtonTrain(c, weights: w, from: theta)
            actual.append(norm(zip(loo, theta).map { $0 - $1 }))
            predicted.append(all[r].parameters)
            actualC.append(valid.rowLosses(at: loo).reduce(0, +) / Double(held.count) - criterionBefore)
            predictedC.append(-all[r].criterion)
        }
        XCTAssertGreaterThanOrEqual(pearson(predicted, actual), 0.95)
        // The sign convention: removing z changes C by about −s_z.
        XCTAssertGreaterThanOrEqual(pearson(predictedC, actualC), 0.8)
    }

    func testNewtonRemovalBeatsOriginalAndRespectsBound() throws {
        let data = Self.breastCancer
        let c = SoftmaxCurvature(data: data, rows: Array(0..<data.count), classCount: 2, l2: 1)
        let theta = try newtonTrain(c)
        let objective = SoftmaxObjective(curvature: c)
        let stored = try StoredCurvature.compute(objective, at: theta, solver: .exact, damping: 0)
        let all = try Influence.rows(Array(0..<data.count), objective: objective,
                                     solver: CurvatureSolver(objective: objective, theta: theta, stored: stored, damping: 0),
                                     criterionGradient: Influence.meanLossGradient(objective, at: theta))
        // The most self-influential row (the hardest), and an ordinary one.
        let hardest = (0..<data.count).max { all[$0].selfInfluence < all[$1].selfInfluence }!
        for r in [hardest, 5] {
            let solver = CurvatureSolver(objective: objective, theta: theta, stored: stored, damping: 0)
            let result = try ApproximateRemoval.newton(objective: objective, solver: solver, forget: [r], linear: nil)
            var w = [Double](repeating: 1, count: data.count)
            w[r] = 0
            let retrained = try newtonTrain(c, weights: w, from: theta)
            let residual = norm(objective.gradient(result.theta, weights: w))
            XCTAssertEqual(residual, result.residual, accuracy: 1e-12)
            XCTAssertLessThanOrEqual(result.residual, result.bound!)
            XCTAssertGreaterThan(result.residual, 0)
            let before = norm(zip(theta, retrained).map { $0 - $1 })
            let after = norm(zip(result.theta, retrained).map { $0 - $1 })
            XCTAssertLessThan(after, 0.5 * before)
        }
    }

    func testNewtonWithPerturbationUsesTheLinearTerm() throws {
        let data = randomData(n: 100, d: 4, k: 3, seed: 9)
        let c = SoftmaxCurvature(data: data, rows: Array(0..<100), classCount: 3, l2: 0.5)
        var config = TrainConfig(kind: .softmax, l2: 0.5, seed: 7)
        config.perturbation = 0.2
        let b = ShardCurvature.perturbation(config: config, parameterCount: c.parameterCount)!
        // Optimum of the perturbed objective, by Newton with the linear term.
        let objective = SoftmaxObjective(curvature: c)
        var theta = [Double](repeating: 0, count: c.parameterCount)
        for _ in 0..<50 {
            let g = objective.gradient(theta, linear: b)
            let f = try CholeskyFactor(symmetric: c.hessian(c.probabilities(theta)), n: c.parameterCount)
            let s = f.solve(g)
            for i in theta.indices { theta[i] -= s[i] }
        }
        let solver = CurvatureSolver(objective: objective, theta: theta,
                                     stored: try StoredCurvature.compute(objective, at: theta, solver: .exact, damping: 0), damping: 0)
        let r = try ApproximateRemoval.newton(objective: objective, solver: solver, forget: [0, 1], linear: b)
        XCTAssertLessThanOrEqual(r.residual, r.bound!)
        var w = [Double](repeating: 1, count: 100)
        w[0] = 0
        w[1] = 0
        XCTAssertLessThan(r.residual, norm(objective.gradient(theta, weights: w, linear: b)))
    }

    func testPumaWeightsAndPlainRemoval() throws {
        let data = randomData(n: 200, d: 5, k: 3, seed: 5)
        let c = SoftmaxCurvature(data: data, rows: Array(0..<200), classCount: 3, l2: 1)
        let theta = try newtonTrain(c)
        let objective = SoftmaxObjective(curvature: c)
        let stored = try StoredCurvature.compute(objective, at: theta, solver: .exact, damping: 0)
        let solver = CurvatureSolver(objective: objective, theta: theta, stored: stored, damping: 0)
        let forget = [2, 40, 41, 99, 150]
        let valid = SoftmaxObjective(curvature: SoftmaxCurvature(data: randomData(n: 100, d: 5, k: 3, seed: 6), rows: Array(0..<100), classCount: 3, l2: 1))
        let criterion = Influence.meanLossGradient(valid, at: theta)
        // ε_r = 0: the plain influence removal θ̂ + H⁻¹Σ_F gᵢ.
        let plain = try ApproximateRemoval.puma(objective: objective, solver: solver, forget: forget, criterionGradient: criterion,
                                                settings: .init(iterations: 0))
        let step = try solver.solve(objective.gradientSum(theta, rows: forget))
        for i in theta.indices { XCTAssertEqual(plain.theta[i], theta[i] + step[i], accuracy: 1e-12) }
        XCTAssertEqual(plain.predictedChange, plain.naiveChange, accuracy: 1e-15)
        for (i, w) in plain.weights.enumerated() { XCTAssertEqual(w, forget.contains(i) ? 0 : 1) }
        // Reweighting: weights in [0, 2], zero on F, and the predicted change cancelled (α = 0) or shrunk.
        for eta in [0.5, 1.0, 50.0] {
            for alpha in [0.0, 0.1] {
                let r = try ApproximateRemoval.puma(objective: objective, solver: solver, forget: forget, criterionGradient: criterion,
                                                    settings: .init(eta: eta, alpha: alpha, iterations: 300))
                for (i, w) in r.weights.enumerated() {
                    XCTAssertTrue(w >= 0 && w <= 2, "weight \(w)")
                    if forget.contains(i) { XCTAssertEqual(w, 0) }
                }
                if eta <= 1 {
                    XCTAssertLessThan(abs(r.predictedChange), (alpha == 0 ? 1e-6 : 0.2) * abs(r.naiveChange))
                }
            }
        }
    }

    /// The softmax objective reads its rows in place (a row order and the standardisation applied row by row)
    /// and must hold exactly what a standardised copy of the rows gives.
    func testSoftmaxRowsInPlaceEqualStandardisedCopy() {
        let data = randomData(n: 40, d: 5, k: 3, seed: 11)
        let order = [7, 3, 39, 0, 12, 25, 5]
        let s = FeatureStandardization(of: data, rows: Array(0..<40))
        var copy = data.subset(order)
        copy.features.withUnsafeMutableBufferPointer { s.apply($0.baseAddress!, rows: order.count) }
        let a = SoftmaxCurvature(data: data, rows: order, classCount: 3, l2: 1, standardization: s)
        let b = SoftmaxCurvature(data: copy, rows: Array(0..<order.count), classCount: 3, l2: 1)
        let all = Array(0..<order.count)
        XCTAssertEqual(a.rowValues(all).map(\.bitPattern), b.rowValues(all).map(\.bitPattern))
        XCTAssertEqual(a.y, b.y)
        XCTAssertNotEqual(a.rowValues(all), SoftmaxCurvature(data: data, rows: order, classCount: 3, l2: 1).rowValues(all))
        // The products over all rows read the rows in place, standardising them as they go: the same bits as on the copy.
        var g = SeededGenerator(seed: 12)
        let theta = (0..<a.parameterCount).map { _ in g.nextGaussian() }
        XCTAssertEqual(a.product(theta, columns: 3).map(\.bitPattern), b.product(theta, columns: 3).map(\.bitPattern))
        let residuals = (0..<order.count * 3).map { _ in g.nextGaussian() }
        XCTAssertEqual(a.transposedProduct(residuals, columns: 3).map(\.bitPattern), b.transposedProduct(residuals, columns: 3).map(\.bitPattern))
    }

    /// A sidecar's computed factors start at a multiple of 64 bytes in the file whatever precedes them (entries
    /// with parameters of odd lengths, diagonals), and a request uses them from the file's map:
    /// the same values and solves as the factor in memory; changing a mapped factor copies it and leaves the
    /// file as it was. A factor in the layout of earlier versions (kind 0, unaligned) is still read, copied.
    func testFactorsAreAlignedAndReadInPlace() throws {
        let dir = try makeWorkDirectory("aligned-factors")
        let data = randomData(n: 40, d: 3, k: 3, seed: 9)
        let c = SoftmaxCurvature(data: data, rows: Array(0..<40), classCount: 3, l2: 1)
        let theta = [Double](repeating: 0.05, count: c.parameterCount)
        let stored = try StoredCurvature.compute(SoftmaxObjective(curvature: c), at: theta, solver: .exact, damping: 0.5)
        guard case let .cholesky(factor) = stored else { return XCTFail("not a factor") }
        let b = (0..<factor.n).map { Double($0 % 5) - 2 }
        /// The sidecar written to a file and opened as a request opens it; where a factor's values start.
        func opened(_ bytes: [UInt8], as name: String) throws -> (ModelContainerReader, CurvatureStore) {
            let path = dir.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let reader = try ModelContainerReader(source: try FileByteSource(path: path))
            return (reader, try CurvatureStore(reader))
        }
        func valuesStart(_ bytes: [UInt8], _ reader: ModelContainerReader, shard: Int) -> Int {
            let offset = reader.entry(CurvatureFile.tag(shard))!.offset
            return offset + 2 + Int(bytes[offset + 1]) + 16
        }
        var entries = [CurvatureFile.Entry]()
        for shard in 0..<5 {
            let key = [UInt8](repeating: UInt8(shard), count: 32)
            let curvature: StoredCurvature = shard == 2 ? .diagonal([1, 2, 3]) : stored
            entries.append(.init(shard: shard, key: key, curvature: curvature, theta: shard == 1 ? [1, 2, 3] : shard == 3 ? [4] : nil))
            let bytes = try CurvatureFile(solver: .exact, damping: 0.5, entries: entries).encode()
            let (reader, store) = try opened(bytes, as: "s\(shard).curv")
            for e in entries where e.shard != 2 {
                XCTAssertEqual(bytes[reader.entry(CurvatureFile.tag(e.shard))!.offset], 2)
                XCTAssertEqual(valuesStart(bytes, reader, shard: e.shard) % 64, 0, "shard \(e.shard) of \(entries.count)")
                guard case .cholesky(var read)? = try store.lookup(shard: e.shard, key: e.key, solver: .exact, damping: 0.5) else {
                    return XCTFail("no factor")
                }
                XCTAssertTrue(read.isMapped)
                XCTAssertEqual(read, factor)
                XCTAssertEqual(read.solve(b), factor.solve(b))
                var owned = factor
                let v = (0..<factor.n).map { 0.01 * Double($0 % 3) }
                try owned.downdate(v, rank: 1)
                try read.downdate(v, rank: 1)
                XCTAssertFalse(read.isMapped)
                XCTAssertEqual(read, owned)
            }
            XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("s\(shard).curv")), Data(bytes))
            // Carried over by a request that computes another shard: the sections keep their bytes, so a factor
            // is read in place where its values still lie aligned (the table before it changed length) and
            // copied where not, the same values either way.
            let update = CurvatureStore.updated(store, with: [.init(shard: 9, key: entries[0].key, curvature: .diagonal([5]))],
                                                solver: .exact, damping: 0.5)
            var carried = [UInt8]()
            try update.write { carried.append(contentsOf: $0) }
            let (carriedReader, carriedStore) = try opened(carried, as: "c\(shard).curv")
            for e in entries where e.shard != 2 {
                let aligned = valuesStart(carried, carriedReader, shard: e.shard) % 8 == 0
                guard case let .cholesky(read)? = try carriedStore.lookup(shard: e.shard, key: e.key, solver: .exact, damping: 0.5) else {
                    return XCTFail("no carried factor")
                }
                XCTAssertEqual(read.isMapped, aligned)
                XCTAssertEqual(read, factor)
            }
        }

        // Kind 0, as earlier versions wrote it: read and copied.
        var head = ByteWriter()
        head.u32(1); head.string("exact"); head.f64(0.5); head.int(1); head.int(0); head.raw(entries[0].key)
        var old = ByteWriter()
        old.u8(0); old.int(factor.n); old.doubles(factor.withValues { Array($0) })
        let oldBytes = try ModelContainer.encode([ModelSection(tag: "curvature", payload: head.bytes), ModelSection(tag: "curve0000", payload: old.bytes)])
        let (_, oldStore) = try opened(oldBytes, as: "old.curv")
        XCTAssertEqual(try oldStore.lookup(shard: 0, key: entries[0].key, solver: .exact, damping: 0.5), stored)
    }

    func testStoredCurvatureAndApproxSectionRoundTrip() throws {
        let data = randomData(n: 30, d: 3, k: 2, seed: 8)
        let c = SoftmaxCurvature(data: data, rows: Array(0..<30), classCount: 2, l2: 1)
        let objective = SoftmaxObjective(curvature: c)
        let stored = try StoredCurvature.compute(objective, at: [Double](repeating: 0.1, count: c.parameterCount), solver: .exact,
                                                 damping: 0.5)
        let key = [UInt8](repeating: 7, count: 32)
        let file = CurvatureFile(solver: .exact, damping: 0.5, entries: [.init(shard: 3, key: key, curvature: stored)])
        let bytes = try file.encode()
        let back = try CurvatureFile.decode(try ModelContainerReader(source: bytes))
        XCTAssertEqual(back, file)
        let store = try CurvatureStore(try ModelContainerReader(source: bytes))
        XCTAssertEqual(try store.lookup(shard: 3, key: key, solver: .exact, damping: 0.5), stored)
        XCTAssertNil(try store.lookup(shard: 3, key: key, solver: .exact, damping: 0.4))
        XCTAssertNil(try store.lookup(shard: 3, key: [UInt8](repeating: 8, count: 32), solver: .exact, damping: 0.5))
        XCTAssertNil(try store.lookup(shard: 2, key: key, solver: .exact, damping: 0.5))

        // Updating: a new entry of another shard joins the stored one; one of the same shard replaces it;
        // another solver or damping starts afresh.
        let other = CurvatureFile.Entry(shard: 1, key: key, curvature: .diagonal([1, 2]))
        XCTAssertEqual(try CurvatureStore.updated(store, with: [other], solver: .exact, damping: 0.5).file().entries.map(\.shard), [1, 3])
        let replaced = CurvatureFile.Entry(shard: 3, key: [UInt8](repeating: 9, count: 32), curvature: .diagonal([3]))
        XCTAssertEqual(try CurvatureStore.updated(store, with: [replaced], solver: .exact, damping: 0.5).file().entries, [replaced])
        XCTAssertEqual(try CurvatureStore.updated(store, with: [other], solver: .exact, damping: 0.4).file().entries, [other])

        // A damaged factor is found when the shard is read, not before.
        var damaged = bytes
        damaged[damaged.count - 3] ^= 0xff
        let lazy = try CurvatureStore(try ModelContainerReader(source: damaged))
        XCTAssertThrowsError(try lazy.lookup(shard: 3, key: key, solver: .exact, damping: 0.5)) {
            XCTAssertEqual($0 as? ModelFileError, .corruptSection("curve0003"))
        }

        // Sections with a valid checksum but impossible contents are refused as malformed, never trusted:
        // shorter than their header, a value count that is not the byte count, n·n ≠ count, an unknown kind,
        // padding of a factor that is not zero bytes or runs past the section.
        var head = ByteWriter()
        head.u32(1); head.string("exact"); head.f64(0.5); head.int(1); head.int(3); head.raw(key)
        func payload(kind: UInt8, n: Int, count: UInt64, values: Int) -> [UInt8] {
            var w = ByteWriter()
            w.u8(kind); w.int(n); w.u64(count)
            for v in 0..<values { w.f64(Double(v)) }
            return w.bytes
        }
        let badPadding: [UInt8] = [2, 3, 0, 1, 0] + Array(payload(kind: 2, n: 2, count: 4, values: 4).dropFirst())
        let bads: [[UInt8]] = [[UInt8](repeating: 0, count: 5), payload(kind: 0, n: 2, count: 9, values: 4),
                               payload(kind: 0, n: 3, count: 4, values: 4), payload(kind: 0, n: 1 << 40, count: 1, values: 1),
                               payload(kind: 7, n: 2, count: 4, values: 4), badPadding, [2, 200, 0, 0]]
        for bad in bads {
            let bytes = try ModelContainer.encode([ModelSection(tag: "curvature", payload: head.bytes),
                                                   ModelSection(tag: "curve0003", payload: bad)])
            let s = try CurvatureStore(try ModelContainerReader(source: bytes))
            XCTAssertThrowsError(try s.lookup(shard: 3, key: key, solver: .exact, damping: 0.5)) {
                guard case .malformedSection("curve0003", _)? = $0 as? ModelFileError else { return XCTFail("\($0)") }
            }
        }

        var config = TrainConfig(kind: .softmax)
        let shard = ShardRecord(index: 0, standardization: nil,
                                blocks: [BlockRecord(ids: ["a"], digest: [UInt8](repeating: 0, count: 32), parameters: [Double](repeating: 0, count: 8))])
        var model = ModelFile(config: config, labels: ["x", "y"], features: ["f1", "f2", "f3"], shards: [shard])
        let plainBytes = try model.encode()
        model.approximate = [ApproximateShard(shard: 0, removedCount: 1, firstDirtyBlock: 0, accumulatedBound: 0.25, requests: 1)]
        XCTAssertEqual(try ModelFile.decode(try ModelContainerReader(source: try model.encode())), model)
        // An unperturbed configuration keeps its version-1 bytes; a perturbed one round-trips.
        model.approximate = []
        XCTAssertEqual(try model.encode(), plainBytes)
        config.perturbation = 0.5
        var w = ByteWriter()
        config.encode(into: &w)
        var r = ByteReader(w.bytes)
        XCTAssertEqual(try TrainConfig.decode(&r), config)
        // A changed parameter changes the key.
        let k1 = ShardCurvature.key(config: config, featureCount: 3, classCount: 2, shard: shard)
        var moved = shard
        moved.blocks[0].parameters[0] = 1e-300
        XCTAssertNotEqual(k1, ShardCurvature.key(config: config, featureCount: 3, classCount: 2, shard: moved))
    }
}
