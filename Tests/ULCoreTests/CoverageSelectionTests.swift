import XCTest
import ULKernels
@testable import ULCore

/// Coverage selection (greedy facility location) and kernel herding: lazy greedy against an eager scan, bit for
/// bit; the gain kernel against a plain sum and across vector widths; what each objective prefers; the row limit.
final class CoverageSelectionTests: XCTestCase {
    /// The kernel as `coverageKernel` defines it, pair by pair.
    func kernel(_ x: [Float], d: Int, gamma: Double) -> [Float] {
        let n = x.count / d
        var k = [Float](repeating: 1, count: n * n)
        x.withUnsafeBufferPointer { p in
            for i in 0..<n {
                for j in (i + 1)..<max(n, i + 1) {
                    let v = Float(exp(-gamma * orderedSquaredDistance(p.baseAddress! + i * d, p.baseAddress! + j * d, d)))
                    k[i * n + j] = v
                    k[j * n + i] = v
                }
            }
        }
        return k
    }

    /// Eager greedy: every unchosen row's gain computed at every step, the largest taken, ties to the smallest id.
    func eager(_ x: [Float], d: Int, ids: [String], gamma: Double, count: Int) -> [Int] {
        let n = ids.count, k = kernel(x, d: d, gamma: gamma)
        var cover = [Float](repeating: 0, count: n), chosen = [Bool](repeating: false, count: n), order = [Int]()
        while order.count < min(count, n) {
            var best: (gain: Double, row: Int)? = nil
            for j in 0..<n where !chosen[j] {
                let g = k.withUnsafeBufferPointer { kb in ul_coverage_gain(kb.baseAddress! + j * n, cover, n) }
                if best == nil || g > best!.gain || (g == best!.gain && ids[j] < ids[best!.row]) { best = (g, j) }
            }
            let j = best!.row
            chosen[j] = true
            order.append(j)
            for i in 0..<n { cover[i] = max(cover[i], k[j * n + i]) }
        }
        return order
    }

    /// Two-dimensional rows in tight clusters (spread 0.3) around (0, 0), (10, 0) and (0, 10), and each row's cluster.
    func clusters(sizes: [Int], seed: UInt64) -> (features: [Float], cluster: [Int]) {
        var g = SeededGenerator(seed: seed)
        let centres: [[Double]] = [[0, 0], [10, 0], [0, 10]]
        var x = [Float](), cluster = [Int]()
        for (c, size) in sizes.enumerated() {
            for _ in 0..<size {
                x += centres[c].map { Float($0 + 0.3 * g.nextGaussian()) }
                cluster.append(c)
            }
        }
        return (x, cluster)
    }

    func testLazyEqualsEager() throws {
        for (seed, n, d, gamma, m) in [(1 as UInt64, 60, 5, 0.2, 30), (2, 97, 3, 1.0, 97), (3, 41, 8, 0.01, 10), (4, 120, 2, 5.0, 64)] {
            // Clustered rows with exact duplicates (equal gains: ties broken by id), ids not in row order.
            let (x, ids) = LazyGreedyTests.sample(rows: n, dimension: d, seed: seed)
            let lazy = try selectByCoverage(features: x, dimension: d, ids: ids, gamma: gamma, count: m)
            XCTAssertEqual(lazy, eager(x, d: d, ids: ids, gamma: gamma, count: m), "seed \(seed)")
            XCTAssertEqual(Set(lazy).count, min(m, n))
        }
    }

    func testGainIsTheSumOfPositiveExcessOnEveryPath() {
        var g = SeededGenerator(seed: 9)
        for n in [0, 1, 3, 4, 7, 64, 1001] {
            let k = (0..<n).map { _ in Float(g.nextUnit()) }, c = (0..<n).map { _ in Float(g.nextUnit()) }
            let plain = zip(k, c).reduce(0.0) { $0 + max(0, Double($1.0) - Double($1.1)) }
            let wide = ul_kernels_set_wide(1)
            let a = ul_coverage_gain(k, c, n)
            _ = ul_kernels_set_wide(0)
            let b = ul_coverage_gain(k, c, n)
            _ = ul_kernels_set_wide(wide)
            XCTAssertEqual(a.bitPattern, b.bitPattern, "n \(n)")
            XCTAssertEqual(a, plain, accuracy: 1e-12 * Double(max(n, 1)))
        }
    }

    /// Three tight clusters of 50, 30 and 20 rows far apart: three steps take one row of each, largest cluster
    /// first, and that row is the cluster's most central one (it covers its cluster best).
    func testOneRowPerClusterLargestFirst() throws {
        let (x, cluster) = clusters(sizes: [50, 30, 20], seed: 4)
        let ids = (0..<cluster.count).map { String(format: "r%03d", $0) }
        let order = try selectByCoverage(features: x, dimension: 2, ids: ids, gamma: 1, count: 3)
        XCTAssertEqual(order.map { cluster[$0] }, [0, 1, 2])
        // The first row is the one of largest total kernel to all rows.
        let k = kernel(x, d: 2, gamma: 1), n = ids.count
        let totals = (0..<n).map { j in (0..<n).reduce(0.0) { $0 + Double(k[j * n + $1]) } }
        XCTAssertEqual(order[0], totals.indices.max { totals[$0] < totals[$1] })
    }

    /// Herding keeps the shard's proportions: three far-apart clusters of 60, 30 and 10 rows, ten steps take
    /// 6, 3 and 1, and the first is the row of largest kernel mean.
    func testHerdingKeepsClusterProportions() throws {
        let (x, cluster) = clusters(sizes: [60, 30, 10], seed: 8)
        let ids = (0..<cluster.count).map { String(format: "r%03d", ($0 * 37) % 100) }
        let order = try selectByHerding(features: x, dimension: 2, ids: ids, gamma: 1, count: 10)
        XCTAssertEqual((0..<3).map { c in order.filter { cluster[$0] == c }.count }, [6, 3, 1])
        let k = kernel(x, d: 2, gamma: 1), n = ids.count
        let totals = (0..<n).map { j in (0..<n).reduce(0.0) { $0 + Double(k[j * n + $1]) } }
        XCTAssertEqual(order[0], totals.indices.max { totals[$0] < totals[$1] })
        // Coverage, on the same rows, takes every cluster in its first three steps instead.
        let covered = try selectByCoverage(features: x, dimension: 2, ids: ids, gamma: 1, count: 3)
        XCTAssertEqual(Set(covered.map { cluster[$0] }), [0, 1, 2])
    }

    /// The maximum mean discrepancy between the chosen rows and all rows: herding's subset is closer to the shard
    /// than random subsets of the same size (it minimises that distance greedily), on clustered rows with outliers.
    func testHerdingMatchesTheKernelMeanBetterThanRandomSubsets() throws {
        let (x, ids) = LazyGreedyTests.sample(rows: 150, dimension: 4, seed: 3)
        let gamma = 0.1, n = ids.count, k = kernel(x, d: 4, gamma: gamma)
        func discrepancy(_ s: [Int]) -> Double {
            let m = Double(s.count)
            let within = s.reduce(0.0) { a, i in s.reduce(a) { $0 + Double(k[i * n + $1]) } } / (m * m)
            let across = s.reduce(0.0) { a, i in (0..<n).reduce(a) { $0 + Double(k[i * n + $1]) } } / (m * Double(n))
            return within - 2 * across
        }
        let herded = discrepancy(try selectByHerding(features: x, dimension: 4, ids: ids, gamma: gamma, count: 30))
        var g = SeededGenerator(seed: 1)
        for _ in 0..<20 {
            let random = Array((0..<n).shuffled(using: &g).prefix(30))
            XCTAssertLessThan(herded, discrepancy(random))
        }
    }

    func testRefusals() {
        let ids = (0...kernelMatrixRowLimit).map { "r\($0)" }
        XCTAssertThrowsError(try selectByCoverage(features: [Float](repeating: 0, count: ids.count), dimension: 1, ids: ids, gamma: 1, count: 1)) {
            XCTAssertEqual($0 as? SelectionError, .tooManyRows(rows: kernelMatrixRowLimit + 1, limit: kernelMatrixRowLimit, method: "coverage"))
        }
        XCTAssertThrowsError(try selectByCoverage(features: [0, 1], dimension: 1, ids: ["a", "a"], gamma: 1, count: 1)) {
            XCTAssertEqual($0 as? SelectionError, .duplicateID("a"))
        }
        XCTAssertThrowsError(try selectByCoverage(features: [0, 1], dimension: 1, ids: ["a", "b"], gamma: 0, count: 1))
        var spec = SelectionSpec(method: .coverage, entropy: EntropySelectionConfig(kernel: .linear))
        spec.countRule = .perShard(1)
        XCTAssertThrowsError(try selectShard(features: [0, 1], dimension: 1, ids: ["a", "b"], spec: spec, count: 1))
        XCTAssertEqual(try SelectionSpec(parsing: SelectionSpec(method: .coverage).description).method, .coverage)
        XCTAssertEqual(try SelectionSpec(parsing: SelectionSpec(method: .herding).description).method, .herding)
        XCTAssertThrowsError(try selectByHerding(features: [0, 1], dimension: 1, ids: ["a", "a"], gamma: 1, count: 1)) {
            XCTAssertEqual($0 as? SelectionError, .duplicateID("a"))
        }
    }
}
