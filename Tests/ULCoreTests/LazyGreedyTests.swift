import XCTest
@testable import ULCore

/// The lazy greedy engine against the eager engine it replaced (`eagerSelectByEntropy`, kept verbatim in the test
/// target): the same order, steps, conditional variances and replayed steps, bit for bit, over kernels, noise,
/// cells, quality weights, both rules, budgets, forced ties and resumption.
final class LazyGreedyTests: XCTestCase {
    /// Gaussian rows in a few clusters, with exact duplicates (every few rows repeats an earlier one, so variances
    /// tie), a block of identical rows and outliers; ids of varying length so that id order differs from row order.
    static func sample(rows n: Int, dimension d: Int, seed: UInt64) -> (features: [Float], ids: [String]) {
        var g = SeededGenerator(seed: seed)
        let centres = (0..<3).map { _ in (0..<d).map { _ in 2 * g.nextGaussian() } }
        var f = [Float]()
        for i in 0..<n {
            if i % 5 == 4 {
                let j = Int(g.next() % UInt64(i))
                f += f[j * d..<(j + 1) * d]
            } else if i % 13 == 7 {
                f += [Float](repeating: 0.5, count: d)
            } else {
                let c = centres[i % 3], spread = i % 11 == 0 ? 3.0 : 0.7
                f += c.map { Float($0 + spread * g.nextGaussian()) }
            }
        }
        let ids = (0..<n).map { i in i % 4 == 0 ? "z\(i)" : "r\((i * 7919) % 97)-\(i)" }
        return (f, ids)
    }

    struct Case {
        var name: String
        var config: EntropySelectionConfig
        var quality: Bool
        var rule: GreedyRule
    }

    var cases: [Case] {
        let configs: [(String, EntropySelectionConfig)] = [
            ("rbf", EntropySelectionConfig()),
            ("rbf-wide-noise", EntropySelectionConfig(kernel: .rbf(gamma: 0.05), noise: 0.5)),
            ("rbf-narrow", EntropySelectionConfig(kernel: .rbf(gamma: 3), noise: 0.001, seed: 5)),
            ("linear", EntropySelectionConfig(kernel: .linear, noise: 1e-3)),
            // σ² far below the rounding of the kernel: lazy evaluation is not proven exact, eager is used.
            ("linear-tiny-noise", EntropySelectionConfig(kernel: .linear, noise: 1e-14)),
            ("cells", EntropySelectionConfig(cells: 3, seed: 2)),
            ("cells-linear", EntropySelectionConfig(kernel: .linear, noise: 0.01, cells: 4, seed: 7)),
        ]
        var all = [Case]()
        for (name, cfg) in configs {
            for rule in [GreedyRule.largestVariance, .randomKey] {
                for q in [false, true] {
                    all.append(Case(name: "\(name)\(q ? "-quality" : "")-\(rule)", config: cfg, quality: q, rule: rule))
                }
            }
        }
        return all
    }

    func quality(_ f: [Float], _ d: Int) -> [Double] {
        stride(from: 0, to: f.count, by: d).map { s in 0.5 + exp(-0.05 * f[s..<s + d].reduce(0.0) { $0 + Double($1 * $1) }) }
    }

    /// Runs the library (automatic and forced eager evaluation) and the reference; returns the library's result.
    @discardableResult
    func assertSame(_ f: [Float], _ d: Int, _ ids: [String], _ c: Case, _ budget: SelectionBudget,
                    resumingFrom previous: [String] = [], _ label: String,
                    file: StaticString = #filePath, line: UInt = #line) throws -> EntropySelection {
        let q = c.quality ? quality(f, d) : nil
        let expected = try eagerSelectByEntropy(features: f, dimension: d, ids: ids, config: c.config, budget: budget,
                                                quality: q, rule: c.rule, resumingFrom: previous)
        for evaluation in [GreedyEvaluation.automatic, .eager] {
            let got = try greedySelection(features: f, dimension: d, ids: ids, config: c.config, budget: budget, quality: q,
                                          rule: c.rule, resumingFrom: previous, evaluation: evaluation).selection
            XCTAssertEqual(got.order, expected.order, "\(label) \(evaluation)", file: file, line: line)
            XCTAssertEqual(got.step, expected.step, "\(label) \(evaluation)", file: file, line: line)
            XCTAssertEqual(got.selected, expected.selected, "\(label) \(evaluation)", file: file, line: line)
            XCTAssertEqual(got.replayedSteps, expected.replayedSteps, "\(label) \(evaluation)", file: file, line: line)
            // Bit patterns, so that −0 and +0 or two NaNs could not pass for each other.
            XCTAssertEqual(got.conditionalVariances.map(\.bitPattern), expected.conditionalVariances.map(\.bitPattern),
                           "\(label) \(evaluation)", file: file, line: line)
        }
        return expected
    }

    func testSameSelectionAsEagerEvaluation() throws {
        for (n, d, seed) in [(1, 3, 1), (2, 1, 2), (9, 2, 3), (40, 3, 4), (120, 6, 5)] as [(Int, Int, UInt64)] {
            let (f, ids) = Self.sample(rows: n, dimension: d, seed: seed)
            for c in cases {
                let counts = Set([0, 1, n / 3, n / 2, n, n + 3])
                for m in counts.sorted() {
                    try assertSame(f, d, ids, c, SelectionBudget(count: m), "\(c.name) n=\(n) d=\(d) m=\(m)")
                }
                // The variance rule: no count, the factor grows from 64 columns by doubling.
                try assertSame(f, d, ids, c, .variance(atLeast: 0.05), "\(c.name) n=\(n) d=\(d) variance")
                try assertSame(f, d, ids, c, SelectionBudget(count: n / 2, minimumVariance: 0.2), "\(c.name) n=\(n) both")
            }
        }
    }

    /// Past `GreedyLogDet.minimumAdvance` columns rows may stop part way behind another; still the same.
    func testSameSelectionWhenRowsStopPartWay() throws {
        let n = 330, d = 3, m = 260
        let (f, ids) = Self.sample(rows: n, dimension: d, seed: 21)
        var stops = 0
        for c in cases where !c.quality && !c.name.hasPrefix("cells-") {
            try assertSame(f, d, ids, c, SelectionBudget(count: m), "\(c.name) n=\(n) m=\(m)")
            let q = c.quality ? quality(f, d) : nil
            stops += try greedySelection(features: f, dimension: d, ids: ids, config: c.config, budget: SelectionBudget(count: m),
                                         quality: q, rule: c.rule).work.stops
        }
        XCTAssertGreaterThan(stops, 0, "no row stopped part way: the test does not reach that path")
    }

    func testSameResumptionAsEagerEvaluation() throws {
        let n = 60, d = 4
        let (f, ids) = Self.sample(rows: n, dimension: d, seed: 9)
        for c in cases {
            let base = try assertSame(f, d, ids, c, SelectionBudget(count: 20), "\(c.name) base")
            let previous = base.orderedIDs(ids)
            // Resuming on the same rows replays everything; after deleting the row of step t, steps 1..t−1 replay.
            try assertSame(f, d, ids, c, SelectionBudget(count: 20), resumingFrom: previous, "\(c.name) same rows")
            try assertSame(f, d, ids, c, SelectionBudget(count: 30), resumingFrom: previous, "\(c.name) larger count")
            for t in [1, 2, 7, 20] where t <= base.order.count {
                let r = base.order[t - 1]
                let (f2, ids2) = removingRow(r, features: f, ids: ids, dimension: d)
                let resumed = try assertSame(f2, d, ids2, c, SelectionBudget(count: 20), resumingFrom: previous,
                                             "\(c.name) without step \(t)")
                XCTAssertEqual(resumed.replayedSteps, t - 1, c.name)
            }
            // An unchosen row deleted: everything replays.
            if let r = (0..<n).first(where: { !base.selected[$0] }) {
                let (f2, ids2) = removingRow(r, features: f, ids: ids, dimension: d)
                try assertSame(f2, d, ids2, c, SelectionBudget(count: 20), resumingFrom: previous, "\(c.name) unchosen")
            }
        }
    }

    /// A replayed id from the wrong cell is refused with the same error either way.
    func testInconsistentResumeIsRefusedAlike() throws {
        let (f, ids) = Self.sample(rows: 30, dimension: 3, seed: 4)
        let cfg = EntropySelectionConfig(cells: 3, seed: 1)
        let wrong = ids.first { cfg.cell(of: $0) != 0 }!
        XCTAssertThrowsError(try selectByEntropy(features: f, dimension: 3, ids: ids, config: cfg, budget: SelectionBudget(count: 5),
                                                 resumingFrom: [wrong])) {
            XCTAssertEqual($0 as? SelectionError, .inconsistentResume(id: wrong, step: 1))
        }
        XCTAssertThrowsError(try eagerSelectByEntropy(features: f, dimension: 3, ids: ids, config: cfg, budget: SelectionBudget(count: 5),
                                                      resumingFrom: [wrong])) {
            XCTAssertEqual($0 as? SelectionError, .inconsistentResume(id: wrong, step: 1))
        }
    }

    /// Lazy evaluation is used where it is proven exact, and there it computes fewer factor columns than eager
    /// evaluation, which brings the N − t candidates of step t + 1 up to date (Σ_{t=1}^{m−1} (N − t) columns);
    /// a noise below the kernel's rounding falls back to eager evaluation.
    func testLazyEvaluationSavesWorkWhereItIsExact() throws {
        let n = 300, d = 8, m = 150
        let (f, ids) = Self.sample(rows: n, dimension: d, seed: 12)
        let eagerColumns = (1..<m).reduce(0) { $0 + n - $1 }
        for rule in [GreedyRule.largestVariance, .randomKey] {
            for cfg in [EntropySelectionConfig(), EntropySelectionConfig(kernel: .rbf(gamma: 40.0 / Double(d)))] {
                let lazy = try greedySelection(features: f, dimension: d, ids: ids, config: cfg, budget: SelectionBudget(count: m), rule: rule)
                let eager = try greedySelection(features: f, dimension: d, ids: ids, config: cfg, budget: SelectionBudget(count: m), rule: rule,
                                                evaluation: .eager)
                XCTAssertEqual(lazy.selection, eager.selection)
                XCTAssertEqual(eager.work.columns, eagerColumns)
                XCTAssertLessThan(lazy.work.columns, eagerColumns, "\(rule) \(cfg)")
            }
        }
        let engine = { (cfg: EntropySelectionConfig) in
            GreedyLogDet(features: f, dimension: d, ids: ids, config: cfg, quality: nil, capacity: m)
        }
        XCTAssertTrue(engine(EntropySelectionConfig()).lazy)
        XCTAssertTrue(engine(EntropySelectionConfig(kernel: .linear, noise: 1e-3)).lazy)
        XCTAssertFalse(engine(EntropySelectionConfig(kernel: .linear, noise: 1e-14)).lazy)
        var bad = f
        bad[5] = .nan
        XCTAssertFalse(GreedyLogDet(features: bad, dimension: d, ids: ids, config: EntropySelectionConfig(), quality: nil, capacity: m).lazy)
    }
}
