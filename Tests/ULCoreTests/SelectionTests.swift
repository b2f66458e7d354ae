import CLAPACKE
import XCTest
@testable import ULCore

/// Random rows with a few outliers, so that selection has clear and unclear choices.
func selectionSample(rows n: Int, dimension d: Int, seed: UInt64) -> (features: [Float], ids: [String]) {
    var g = SeededGenerator(seed: seed)
    var f = [Float]()
    for i in 0..<n {
        let scale = i % 11 == 0 ? 3.0 : 1.0
        for _ in 0..<d { f.append(Float(g.nextGaussian() * scale)) }
    }
    let ids = (0..<n).map { "r\(($0 * 7919) % 1000)-\($0)" }
    return (f, ids)
}

func removingRow(_ r: Int, features: [Float], ids: [String], dimension d: Int) -> ([Float], [String]) {
    var f = features
    f.removeSubrange(r * d..<(r + 1) * d)
    var i = ids
    i.remove(at: r)
    return (f, i)
}

final class SelectionTests: XCTestCase {
    let d = 5
    var configs: [(String, EntropySelectionConfig, Bool)] {
        [("rbf", EntropySelectionConfig(), false),
         ("rbf-gamma", EntropySelectionConfig(kernel: .rbf(gamma: 0.5), noise: 0.1), false),
         ("linear", EntropySelectionConfig(kernel: .linear, noise: 1e-3), false),
         ("cells", EntropySelectionConfig(cells: 4, seed: 3), false),
         ("quality", EntropySelectionConfig(), true)]
    }
    /// Every configuration under both greedy rules (the name says which).
    var ruledConfigs: [(String, EntropySelectionConfig, Bool, GreedyRule)] {
        configs.map { ($0.0, $0.1, $0.2, GreedyRule.largestVariance) }
            + configs.map { ("spread-" + $0.0, $0.1, $0.2, GreedyRule.randomKey) }
            + [("spread-narrow", EntropySelectionConfig(kernel: .rbf(gamma: 2), noise: 0.01, seed: 5), false, .randomKey)]
    }

    /// A quality that depends only on the row itself.
    func quality(_ f: [Float]) -> [Double] {
        stride(from: 0, to: f.count, by: d).map { s in exp(-0.1 * f[s..<s + d].reduce(0.0) { $0 + Double($1 * $1) }) }
    }

    func testDeletingAnUnselectedRowChangesNothing() throws {
        let (f, ids) = selectionSample(rows: 60, dimension: d, seed: 1)
        for (name, cfg, useQ, rule) in ruledConfigs {
            let budget = SelectionBudget(count: 15)
            let base = try selectByEntropy(features: f, dimension: d, ids: ids, config: cfg, budget: budget,
                                           quality: useQ ? quality(f) : nil, rule: rule)
            XCTAssertEqual(base.order.count, 15, name)
            for r in 0..<ids.count where !base.selected[r] {
                let (f2, ids2) = removingRow(r, features: f, ids: ids, dimension: d)
                let after = try selectByEntropy(features: f2, dimension: d, ids: ids2, config: cfg, budget: budget,
                                                quality: useQ ? quality(f2) : nil, rule: rule)
                XCTAssertEqual(after.orderedIDs(ids2), base.orderedIDs(ids), "\(name) deleting \(ids[r])")
                XCTAssertEqual(after.conditionalVariances, base.conditionalVariances, name)
            }
        }
    }

    func testDeletingTheRowChosenAtStepTResumesExactly() throws {
        let (f, ids) = selectionSample(rows: 50, dimension: d, seed: 2)
        for (name, cfg, useQ, rule) in ruledConfigs {
            let budget = SelectionBudget(count: 12)
            let base = try selectByEntropy(features: f, dimension: d, ids: ids, config: cfg, budget: budget,
                                           quality: useQ ? quality(f) : nil, rule: rule)
            let previous = base.orderedIDs(ids)
            for t in 1...previous.count {
                let r = base.order[t - 1]
                let (f2, ids2) = removingRow(r, features: f, ids: ids, dimension: d)
                let q2 = useQ ? quality(f2) : nil
                let scratch = try selectByEntropy(features: f2, dimension: d, ids: ids2, config: cfg, budget: budget,
                                                  quality: q2, rule: rule)
                let resumed = try selectByEntropy(features: f2, dimension: d, ids: ids2, config: cfg, budget: budget,
                                                  quality: q2, rule: rule, resumingFrom: previous)
                XCTAssertEqual(Array(scratch.orderedIDs(ids2).prefix(t - 1)), Array(previous.prefix(t - 1)), "\(name) t=\(t)")
                XCTAssertEqual(Array(scratch.conditionalVariances.prefix(t - 1)), Array(base.conditionalVariances.prefix(t - 1)))
                XCTAssertEqual(resumed.replayedSteps, t - 1, "\(name) t=\(t)")
                XCTAssertEqual(resumed.orderedIDs(ids2), scratch.orderedIDs(ids2), "\(name) t=\(t)")
                XCTAssertEqual(resumed.conditionalVariances, scratch.conditionalVariances, "\(name) t=\(t)")
                XCTAssertEqual(resumed.step, scratch.step)
                XCTAssertEqual(scratch.order.count, 12, "a replacement keeps the recorded count")
            }
        }
    }

    /// Dense K_S + σ²I (with quality weights) for the chosen rows, in step order.
    func denseGram(_ f: [Float], _ rows: [Int], _ cfg: EntropySelectionConfig, _ q: [Double]?) -> [Double] {
        let m = rows.count
        var a = [Double](repeating: 0, count: m * m)
        for (u, i) in rows.enumerated() {
            for (v, j) in rows.enumerated() {
                var k = 0.0
                if let g = cfg.gamma(dimension: d) {
                    var s = 0.0
                    for c in 0..<d { let t = Double(f[i * d + c]) - Double(f[j * d + c]); s += t * t }
                    k = exp(-g * s)
                } else {
                    for c in 0..<d { k += Double(f[i * d + c]) * Double(f[j * d + c]) }
                }
                a[u * m + v] = k * (q?[i] ?? 1) * (q?[j] ?? 1) + (u == v ? cfg.noise : 0)
            }
        }
        return a
    }

    func lapackLogDet(_ a: [Double], _ m: Int) -> Double {
        var a = a
        let info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "L")), Int32(m), &a, Int32(m))
        XCTAssertEqual(info, 0)
        return (0..<m).reduce(0.0) { $0 + 2 * log(a[$1 * m + $1]) }
    }

    func testIncrementalLogDetEqualsLAPACKAndEveryStepIsGreedy() throws {
        let (f, ids) = selectionSample(rows: 30, dimension: d, seed: 4)
        for (name, cfg, useQ) in configs where cfg.cells == 1 {
            let q = useQ ? quality(f) : nil
            let sel = try selectByEntropy(features: f, dimension: d, ids: ids, config: cfg,
                                          budget: SelectionBudget(count: 10), quality: q)
            let direct = lapackLogDet(denseGram(f, sel.order, cfg, q), sel.order.count)
            XCTAssertEqual(sel.logDeterminant, direct, accuracy: 1e-9 * max(1, abs(direct)), name)
            // Each step maximises log det of the enlarged set over all candidates.
            for t in 1...sel.order.count {
                let prefix = Array(sel.order.prefix(t - 1))
                var bestValue = -Double.infinity
                for i in 0..<ids.count where !prefix.contains(i) {
                    bestValue = max(bestValue, lapackLogDet(denseGram(f, prefix + [i], cfg, q), t))
                }
                let chosenValue = lapackLogDet(denseGram(f, Array(sel.order.prefix(t)), cfg, q), t)
                XCTAssertEqual(chosenValue, bestValue, accuracy: 1e-8 * max(1, abs(bestValue)), "\(name) step \(t)")
            }
            XCTAssertEqual(sel.entropy, 0.5 * (10 * log(2 * Double.pi * M_E) + direct), accuracy: 1e-8)
        }
    }

    func testTiesGoToTheSmallestID() throws {
        // Identical rows: every conditional variance ties at every step.
        let f = [Float](repeating: 1, count: 4 * d)
        let ids = ["c", "a", "d", "b"]
        let sel = try selectByEntropy(features: f, dimension: d, ids: ids, budget: SelectionBudget(count: 3))
        XCTAssertEqual(sel.orderedIDs(ids), ["a", "b", "c"])
        XCTAssertEqual(sel.step, [3, 1, 0, 2])
        XCTAssertEqual(sel.selected, [true, true, false, true])
    }

    func testCellsAreVisitedRoundRobin() throws {
        let (f, ids) = selectionSample(rows: 40, dimension: d, seed: 5)
        let cfg = EntropySelectionConfig(cells: 3, seed: 9)
        let sel = try selectByEntropy(features: f, dimension: d, ids: ids, config: cfg, budget: SelectionBudget(count: 40))
        XCTAssertEqual(sel.order.count, 40)
        let cells = sel.order.map { cfg.cell(of: ids[$0]) }
        var sizes = [0, 0, 0]
        for id in ids { sizes[cfg.cell(of: id)] += 1 }
        XCTAssertTrue(sizes.allSatisfy { $0 > 0 })
        // Until the smallest cell runs out, steps cycle 0, 1, 2.
        for t in 0..<(3 * sizes.min()!) { XCTAssertEqual(cells[t], t % 3) }
    }

    func testVarianceStoppingRuleIgnoresUnselectedRows() throws {
        // More than 64 chosen rows, so the factor grows past its initial size.
        let (f, ids) = selectionSample(rows: 150, dimension: d, seed: 6)
        let budget = SelectionBudget.variance(atLeast: 0.2)
        let cfg = EntropySelectionConfig(kernel: .rbf(gamma: 0.5))
        let base = try selectByEntropy(features: f, dimension: d, ids: ids, config: cfg, budget: budget)
        XCTAssertTrue(base.order.count > 64 && base.order.count < 150, "\(base.order.count)")
        XCTAssertTrue(base.conditionalVariances.allSatisfy { $0 >= 0.2 })
        let counted = try selectByEntropy(features: f, dimension: d, ids: ids, config: cfg,
                                          budget: SelectionBudget(count: base.order.count))
        XCTAssertEqual(counted, base)
        for r in stride(from: 0, to: ids.count, by: 7) where !base.selected[r] {
            let (f2, ids2) = removingRow(r, features: f, ids: ids, dimension: d)
            let after = try selectByEntropy(features: f2, dimension: d, ids: ids2, config: cfg, budget: budget)
            XCTAssertEqual(after.orderedIDs(ids2), base.orderedIDs(ids))
        }
    }

    /// Spread's step t takes the smallest E(id)/v_t over the candidates, v_t the conditional variance given the
    /// rows chosen before (computed here from a dense LAPACK factor, independently of the incremental one).
    func testSpreadTakesTheSmallestKeyOverVarianceAtEveryStep() throws {
        let (f, ids) = selectionSample(rows: 30, dimension: d, seed: 4)
        let cfg = EntropySelectionConfig(kernel: .rbf(gamma: 0.3), noise: 0.05, seed: 2)
        let sel = try selectByEntropy(features: f, dimension: d, ids: ids, config: cfg, budget: SelectionBudget(count: 12),
                                      rule: .randomKey)
        XCTAssertEqual(sel.order.count, 12)
        for t in 1...sel.order.count {
            let prefix = Array(sel.order.prefix(t - 1))
            let before = t == 1 ? 0 : lapackLogDet(denseGram(f, prefix, cfg, nil), t - 1)
            var best = (key: Double.infinity, row: -1)
            for i in 0..<ids.count where !prefix.contains(i) {
                let v = exp(lapackLogDet(denseGram(f, prefix + [i], cfg, nil), t) - before)
                let key = selectionKey(of: ids[i], seed: 2) / v
                if key < best.key { best = (key, i) }
            }
            XCTAssertEqual(sel.order[t - 1], best.row, "step \(t)")
        }
    }

    /// Without repulsion (a kernel so narrow that distinct rows are uncorrelated) spread is random selection with a
    /// count: the m rows of smallest hash, in hash order.
    func testSpreadWithoutRepulsionIsRandomSelectionByCount() throws {
        let (f, ids) = selectionSample(rows: 80, dimension: d, seed: 3)
        var spread = SelectionSpec(method: .spread, entropy: EntropySelectionConfig(kernel: .rbf(gamma: 1e6), seed: 4))
        spread.countRule = .perShard(20)
        let random = SelectionSpec(method: .random, entropy: EntropySelectionConfig(seed: 4), countRule: .perShard(20))
        let a = try selectShard(features: f, dimension: d, ids: ids, spec: spread, count: 20)
        let b = try selectShard(features: f, dimension: d, ids: ids, spec: random, count: 20)
        XCTAssertEqual(a.record.order, b.record.order)
        XCTAssertEqual(a.step, b.step)
    }

    /// Near-duplicates give way: 12 tight clusters of 10 rows, 12 rows chosen. Random selection by hash repeats
    /// clusters; spread, whose variance of a row whose cluster was already chosen is about σ², reaches more of them.
    func testSpreadSkipsNearDuplicates() throws {
        var g = SeededGenerator(seed: 11)
        let centres = (0..<12).map { _ in (0..<d).map { _ in 4 * g.nextGaussian() } }
        var f = [Float](), ids = [String](), cluster = [Int]()
        for c in 0..<12 { for k in 0..<10 {
            f += centres[c].map { Float($0 + 0.01 * g.nextGaussian()) }
            ids.append("c\(c)-\(k)"); cluster.append(c)
        } }
        for seed: UInt64 in 1...3 {
            let cfg = EntropySelectionConfig(kernel: .rbf(gamma: 1), noise: 0.001, seed: seed)
            let spread = try selectByEntropy(features: f, dimension: d, ids: ids, config: cfg, budget: SelectionBudget(count: 12),
                                             rule: .randomKey)
            let random = try selectShard(features: f, dimension: d, ids: ids,
                                         spec: SelectionSpec(method: .random, entropy: cfg, countRule: .perShard(12)), count: 12)
            let spreadClusters = Set(spread.order.map { cluster[$0] }).count
            let randomClusters = Set((0..<ids.count).filter { random.selected[$0] }.map { cluster[$0] }).count
            XCTAssertEqual(spreadClusters, 12, "seed \(seed)")
            XCTAssertLessThan(randomClusters, 12, "seed \(seed): random by hash should repeat a cluster")
        }
    }

    func testBudgetFromFraction() {
        XCTAssertEqual(SelectionBudget.count(fraction: 0.25, rows: 10), 3)
        XCTAssertEqual(SelectionBudget.count(fraction: 0.5, rows: 7), 4)
        XCTAssertEqual(SelectionBudget.count(fraction: 0.01, rows: 7), 1)
        XCTAssertEqual(SelectionBudget.count(fraction: 1, rows: 7), 7)
        XCTAssertEqual(SelectionBudget.count(fraction: 0, rows: 7), 0)
    }

    func testRandomSelectionDependsOnlyOnTheRow() {
        let ids = (0..<4000).map { "id\($0)" }
        let chosen = ids.filter { isRandomlySelected(id: $0, fraction: 0.25, seed: 7) }
        XCTAssertEqual(Double(chosen.count) / 4000, 0.25, accuracy: 0.03)
        XCTAssertNotEqual(chosen, ids.filter { isRandomlySelected(id: $0, fraction: 0.25, seed: 8) })
        // Nested in the fraction: a row chosen at 0.25 is chosen at 0.5.
        XCTAssertTrue(chosen.allSatisfy { isRandomlySelected(id: $0, fraction: 0.5, seed: 7) })
        XCTAssertTrue(ids.allSatisfy { isRandomlySelected(id: $0, fraction: 1, seed: 7) })
    }

    func testBadInputIsRefused() {
        let (f, ids) = selectionSample(rows: 10, dimension: d, seed: 1)
        let b = SelectionBudget(count: 3)
        XCTAssertThrowsError(try selectByEntropy(features: Array(f.dropLast()), dimension: d, ids: ids, budget: b))
        XCTAssertThrowsError(try selectByEntropy(features: f, dimension: d, ids: ids.map { _ in "x" }, budget: b)) {
            XCTAssertEqual($0 as? SelectionError, .duplicateID("x"))
        }
        XCTAssertThrowsError(try selectByEntropy(features: f, dimension: d, ids: ids,
                                                 config: EntropySelectionConfig(noise: 0), budget: b))
        XCTAssertThrowsError(try selectByEntropy(features: f, dimension: d, ids: ids, budget: b,
                                                 quality: Array(repeating: -1, count: 10)))
        XCTAssertThrowsError(try selectByEntropy(features: f, dimension: d, ids: ids,
                                                 config: EntropySelectionConfig(cells: 0), budget: b))
        // Replaying the same id twice is not a possible earlier order.
        XCTAssertThrowsError(try selectByEntropy(features: f, dimension: d, ids: ids, budget: b,
                                                 resumingFrom: [ids[0], ids[0]])) {
            XCTAssertEqual($0 as? SelectionError, .inconsistentResume(id: ids[0], step: 2))
        }
    }
}
