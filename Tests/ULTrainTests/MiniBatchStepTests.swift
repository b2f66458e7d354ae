import XCTest
import ULKernels
@testable import ULCore

/// The mini-batch step of mlp training: the batch gradient formed in slices against the evaluator's (which
/// LossTests checks against finite differences), and Adam's vector kernel against the scalar formula on
/// both vector widths, bit for bit.
final class MiniBatchStepTests: XCTestCase {
    func randomData(n: Int, d: Int, k: Int, seed: UInt64) -> Dataset {
        var g = SeededGenerator(seed: seed)
        var data = Dataset(featureCount: d)
        for i in 0..<n {
            let row = (0..<d).map { _ in Float(g.nextGaussian()) }
            row.withUnsafeBufferPointer { data.append(id: "r\(i)", classIndex: Int32(i % k), features: $0) }
        }
        return data
    }

    /// Every slice count gives the evaluator's gradient (to single precision) over shuffled rows, and each
    /// parameter is formed by exactly one slice.
    func testSlicedGradientEqualsTheEvaluators() {
        for (hidden, slices) in [([7], 1), ([7], 2), ([5, 3], 3), ([16], 4), ([2], 5)] {
            let data = randomData(n: 40, d: 6, k: 3, seed: UInt64(slices))
            let net = DenseNetwork(inputs: 6, hidden: hidden, classes: 3)
            var g = SeededGenerator(seed: 99)
            let theta = (0..<net.parameterCount).map { _ in 0.7 * g.nextGaussian() }
            let rows = [31, 4, 17, 0, 22, 9, 38, 13, 5, 27, 1, 33, 11]
            let reference = NetworkEvaluator(network: net, data: data, chunkRows: 1024, lanes: 1)
            let expected = rows.withUnsafeBufferPointer { reference.evaluate(theta, rows: $0, gradient: true).gradient }
            let batch = MiniBatchGradient(network: net, data: data, capacity: 16, slices: slices)
            var formed = [Int](repeating: 0, count: net.parameterCount)
            let lock = NSLock()
            theta.map { Float($0) }.withUnsafeBufferPointer { tf in
                rows.withUnsafeBufferPointer { r in
                    batch.compute(tf.baseAddress!, rows: r) { k in
                        lock.lock()
                        for range in batch.ranges[k] { for i in range { formed[i] += 1 } }
                        lock.unlock()
                    }
                }
            }
            XCTAssertEqual(formed, [Int](repeating: 1, count: net.parameterCount), "hidden \(hidden), slices \(slices)")
            let scale = max(1, expected.map(abs).max()!)
            for i in 0..<net.parameterCount {
                XCTAssertEqual(Double(batch.gradient[i]), expected[i], accuracy: 1e-5 * scale, "hidden \(hidden), slices \(slices), parameter \(i)")
            }
        }
    }

    /// Adam's kernel on any range equals the scalar formula, on the 128-bit and the 256-bit path alike.
    func testAdamKernelMatchesTheScalarFormulaOnEveryWidth() {
        let n = 37
        var g = SeededGenerator(seed: 5)
        let theta0 = (0..<n).map { _ in g.nextGaussian() }
        let m0 = (0..<n).map { _ in 0.1 * g.nextGaussian() }
        let v0 = (0..<n).map { _ in 0.01 * g.nextUnit() }
        let grad = (0..<n).map { _ in Float(g.nextGaussian()) }
        let (scale, decay, b1, b2, a, eps) = (1.0 / 128, 1e-4, 0.9, 0.999, 3e-4, 1e-8)
        var expected = (theta0, m0, v0)
        for i in 3..<34 {
            let gi = Double(grad[i]) * scale + decay * expected.0[i]
            expected.1[i] = b1 * expected.1[i] + (1 - b1) * gi
            expected.2[i] = b2 * expected.2[i] + (1 - b2) * gi * gi
            expected.0[i] -= a * expected.1[i] / (expected.2[i].squareRoot() + eps)
        }
        let before = ul_kernels_wide()
        defer { _ = ul_kernels_set_wide(before) }
        for wide in 0...before {
            _ = ul_kernels_set_wide(Int32(wide))
            var (theta, m, v) = (theta0, m0, v0)
            var mirror = [Float](repeating: .nan, count: n)
            // Two calls on adjacent ranges, starting at odd offsets: the vector body and the tails.
            for range in [3..<20, 20..<34] {
                ul_adam_update(range.lowerBound, range.upperBound, &theta, &m, &v, grad, scale, decay, b1, b2, a, eps, &mirror)
            }
            XCTAssertEqual(theta.map(\.bitPattern), expected.0.map(\.bitPattern), "wide \(wide)")
            XCTAssertEqual(m.map(\.bitPattern), expected.1.map(\.bitPattern), "wide \(wide)")
            XCTAssertEqual(v.map(\.bitPattern), expected.2.map(\.bitPattern), "wide \(wide)")
            for i in 0..<n {
                XCTAssertEqual(mirror[i].bitPattern, (3..<34).contains(i) ? Float(theta[i]).bitPattern : Float.nan.bitPattern, "wide \(wide), \(i)")
            }
        }
    }

    /// The whole-step form on a double-precision gradient (the autoencoder's) equals the scalar formula too.
    func testAdamStepOnADoubleGradientMatchesTheScalarFormulaOnEveryWidth() {
        let n = 23
        var g = SeededGenerator(seed: 6)
        let theta0 = (0..<n).map { _ in g.nextGaussian() }
        let grad = (0..<n).map { _ in g.nextGaussian() }
        let (b1, b2, a, eps) = (0.9, 0.999, 1e-3, 1e-8)
        var expected = (theta0, [Double](repeating: 0.05, count: n), [Double](repeating: 0.002, count: n))
        for i in 0..<n {
            expected.1[i] = b1 * expected.1[i] + (1 - b1) * grad[i]
            expected.2[i] = b2 * expected.2[i] + (1 - b2) * grad[i] * grad[i]
            expected.0[i] -= a * expected.1[i] / (expected.2[i].squareRoot() + eps)
        }
        let before = ul_kernels_wide()
        defer { _ = ul_kernels_set_wide(before) }
        for wide in 0...before {
            _ = ul_kernels_set_wide(Int32(wide))
            var theta = theta0, m = [Double](repeating: 0.05, count: n), v = [Double](repeating: 0.002, count: n)
            ul_adam_step(n, &theta, &m, &v, grad, b1, b2, a, eps)
            XCTAssertEqual(theta.map(\.bitPattern), expected.0.map(\.bitPattern), "wide \(wide)")
            XCTAssertEqual(m.map(\.bitPattern), expected.1.map(\.bitPattern), "wide \(wide)")
            XCTAssertEqual(v.map(\.bitPattern), expected.2.map(\.bitPattern), "wide \(wide)")
        }
    }

    /// Every slice runs exactly once per round, over many short rounds (helpers spinning and sleeping in
    /// between); with a second team alive, the slices run on the caller's thread; teams end without hanging.
    func testSliceTeamRunsEverySliceOncePerRound() {
        for slices in [1, 2, 3] {
            let team = SliceTeam(slices: slices)
            let counts = UnsafeMutablePointer<Int>.allocate(capacity: slices)
            counts.initialize(repeating: 0, count: slices)
            defer { counts.deallocate() }
            for round in 0..<2_000 {
                if round % 500 == 499 { usleep(2_000) }  // long enough for the helpers to fall asleep
                team.run { k in counts[k] += 1 }
                for k in 0..<slices { XCTAssertEqual(counts[k], round + 1, "slices \(slices), slice \(k)") }
            }
        }
        let first = SliceTeam(slices: 2), second = SliceTeam(slices: 2)
        let caller = Thread.current
        var threads = [Thread?](repeating: nil, count: 2)
        first.run { k in threads[k] = Thread.current }
        XCTAssertTrue(threads.allSatisfy { $0 === caller })
        _ = second
    }
}
