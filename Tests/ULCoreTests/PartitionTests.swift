import XCTest
@testable import ULCore

final class PartitionTests: XCTestCase {
    func ids(_ n: Int, prefix: String = "user") -> [String] { (0..<n).map { "\(prefix)\($0)" } }

    func hash(_ a: HashAssigner, _ id: String) -> UInt64 {
        var s = id
        return s.withUTF8 { a.idHash($0) }
    }

    func assign(_ a: HashAssigner, _ rows: [(id: String, label: String)], stratified: Bool) -> [String: (Int, Int)] {
        var out = [String: (Int, Int)]()
        for r in rows {
            let h = hash(a, r.id)
            var label = r.label
            let shard = stratified ? label.withUTF8 { a.stratifiedShard(idHash: h, label: $0) } : a.randomShard(idHash: h)
            out[r.id] = (shard, a.block(idHash: h))
        }
        return out
    }

    func testSaltedMatchesStringHash() {
        for id in ["", "a", "user42", "é"] {
            var s = id
            let h = s.withUTF8 { stableHash($0, seed: 11) }
            XCTAssertEqual(salted(h, 5), stableHash(id, seed: 11, salt: 5))
        }
    }

    func testDeletingRowsMovesNoOtherRow() {
        var g = SeededGenerator(seed: 3)
        let rows = ids(5000).map { (id: $0, label: String(Int.random(in: 0..<4, using: &g))) }
        let a = HashAssigner(shards: 7, blocks: 5, seed: 99)
        for stratified in [false, true] {
            let full = assign(a, rows, stratified: stratified)
            // Delete a third of the rows and shuffle the rest: no remaining row may move.
            var rest = rows.filter { _ in g.nextUnit() > 0.33 }
            rest.shuffle(using: &g)
            let after = assign(a, rest, stratified: stratified)
            for r in rest { XCTAssertTrue(after[r.id]! == full[r.id]!, "\(r.id) moved") }
            // The assignment is not constant: every shard and block is used.
            XCTAssertEqual(Set(full.values.map { $0.0 }).count, 7)
            XCTAssertEqual(Set(full.values.map { $0.1 }).count, 5)
        }
    }

    func testSeedChangesAssignment() {
        let a = HashAssigner(shards: 4, blocks: 1, seed: 1), b = HashAssigner(shards: 4, blocks: 1, seed: 2)
        let moved = ids(1000).filter { a.randomShard(idHash: hash(a, $0)) != b.randomShard(idHash: hash(b, $0)) }.count
        XCTAssertGreaterThan(moved, 650)  // about 3/4 expected
    }

    func testRandomShardsAreUniform() {
        let a = HashAssigner(shards: 8, blocks: 3, seed: 0)
        var shards = [Double](repeating: 0, count: 8), blocks = [Double](repeating: 0, count: 3)
        let n = 80_000
        for id in ids(n) {
            let h = hash(a, id)
            shards[a.randomShard(idHash: h)] += 1
            blocks[a.block(idHash: h)] += 1
        }
        func chi2(_ c: [Double]) -> Double { let e = Double(n) / Double(c.count); return c.reduce(0) { $0 + ($1 - e) * ($1 - e) / e } }
        XCTAssertLessThan(chi2(shards), 24.3)  // chi-square, 7 d.f., p = 0.001
        XCTAssertLessThan(chi2(blocks), 13.8)  // 2 d.f., p = 0.001
    }

    /// Stratified is only balanced in expectation: each (label, shard) count is Binomial(n_label, 1/S).
    func testStratifiedSpreadsEveryLabelOverShards() {
        let a = HashAssigner(shards: 5, blocks: 1, seed: 7)
        let perLabel = 2000
        for label in ["0", "1", "cat"] {
            var counts = [Double](repeating: 0, count: 5)
            for id in ids(perLabel, prefix: "x\(label)-") {
                var l = label
                counts[l.withUTF8 { a.stratifiedShard(idHash: hash(a, id), label: $0) }] += 1
            }
            let mean = Double(perLabel) / 5, sd = (Double(perLabel) * 0.2 * 0.8).squareRoot()
            for c in counts { XCTAssertLessThan(abs(c - mean), 4.5 * sd, "label \(label): \(counts)") }
        }
    }

    func testClassOrder() {
        XCTAssertEqual(classOrder(["10", "9", "2", "9"]), ["2", "9", "10"])
        XCTAssertEqual(classOrder(["-1", "1", "0.5"]), ["-1", "0.5", "1"])
        XCTAssertEqual(classOrder(["malignant", "benign"]), ["benign", "malignant"])
        XCTAssertEqual(classOrder(["10", "9", "b"]), ["10", "9", "b"])  // not all numbers: byte order
    }

    func testSortByPutsLikelyDeletionsInLastBlocks() {
        var g = SeededGenerator(seed: 5)
        let n = 1000
        let p = (0..<n).map { _ in g.nextUnit() }
        let tie = (0..<n).map { _ in g.next() }
        let shard = (0..<n).map { $0 % 2 }
        let block = blocksByRank(shard: shard, probability: p, tie: tie, blocks: 4)
        for s in 0..<2 {
            let rows = (0..<n).filter { shard[$0] == s }
            XCTAssertEqual((0..<4).map { b in rows.filter { block[$0] == b }.count }, [125, 125, 125, 125])
            for i in rows { for j in rows where block[i] < block[j] { XCTAssertLessThanOrEqual(p[i], p[j]) } }
        }
        // Input order does not matter: ties are broken by the id hash, not by position.
        let perm = (0..<n).reversed().map { $0 }
        let again = blocksByRank(shard: perm.map { shard[$0] }, probability: perm.map { p[$0] }, tie: perm.map { tie[$0] }, blocks: 4)
        XCTAssertEqual(perm.map { block[$0] }, again)
        let tied = blocksByRank(shard: [0, 0, 0, 0], probability: [0.5, 0.5, 0.5, 0.5], tie: [4, 1, 3, 2], blocks: 2)
        XCTAssertEqual(tied, [1, 0, 1, 0])
    }

    func testCapacityFillsShardsInProbabilityOrder() {
        var g = SeededGenerator(seed: 8)
        let p = (0..<500).map { _ in g.nextUnit() * 0.2 }
        let tie = (0..<500).map { _ in g.next() }
        let capacity = 3.0
        let shard = capacityShards(probability: p, tie: tie, capacity: capacity)
        let count = shard.max()! + 1
        XCTAssertEqual(count, Int((p.reduce(0, +) / capacity).rounded(.up)), accuracy: 1)
        for s in 0..<count {
            let rows = (0..<p.count).filter { shard[$0] == s }
            let load = rows.map { p[$0] }.reduce(0, +)
            if s < count - 1 {
                XCTAssertGreaterThanOrEqual(load, capacity)
                XCTAssertLessThan(load - rows.map { p[$0] }.max()!, capacity)  // closed as soon as it reached C
            } else {
                XCTAssertLessThanOrEqual(load, capacity + 0.2)
            }
            if s > 0 {  // later shards hold likelier deletions, so fewer rows
                let prev = (0..<p.count).filter { shard[$0] == s - 1 }
                XCTAssertLessThanOrEqual(prev.map { p[$0] }.max()!, rows.map { p[$0] }.min()!)
            }
        }
    }

    func testFingerprintSetFindsRepeats() {
        var set = FingerprintSet()
        for i in 0..<100_000 { XCTAssertTrue(set.insert(mix64(UInt64(i)))) }
        XCTAssertEqual(set.count, 100_000)
        for i in stride(from: 0, to: 100_000, by: 997) { XCTAssertFalse(set.insert(mix64(UInt64(i)))) }
        XCTAssertTrue(set.insert(0))
        XCTAssertFalse(set.insert(0))
    }
}
