import XCTest
@testable import ULCore
import ULTestSupport

/// What ul-train --resume reports and records: the configuration differences that make every shard retrain,
/// the rows added, removed and corrected, the block steps rerun, and the ledger chain ul-audit follows.
final class ResumeSummaryTests: XCTestCase {
    let config: TrainConfig = {
        var c = TrainConfig(kind: .softmax, epochs: 4, l2: 1, shardCount: 2, blockCount: 3)
        c.heldShards = [0, 1]
        return c
    }()

    /// Shard inputs: row i in shard i % 2, block (i / 2) % 3.
    func inputs(_ data: Dataset) -> [ShardInput] {
        (0..<2).map { s in
            let rows = (0..<data.count).filter { Int(data.ids[$0].dropFirst())! % 2 == s }
            return ShardInput(shard: s, data: data.subset(rows), blocks: rows.map { (Int(data.ids[$0].dropFirst())! / 2) % 3 })
        }
    }

    func model(_ data: Dataset) throws -> ModelFile {
        let records = try trainShards(inputs(data), config: config, labels: digitLabels, jobs: 1)
        return ModelFile(config: config, labels: digitLabels, features: (0..<64).map { "px\($0)" }, shards: records)
    }

    func resumed(_ old: ModelFile, _ data: Dataset) throws -> [ResumedShard] {
        let byShard = inputs(data)
        return try resumeShards([0, 1], load: { ShardResume(input: byShard[$0], recorded: old.resumableRecord(of: $0)) },
                                config: config, labels: digitLabels, jobs: 1)
    }

    /// Digits rows 0..<n with ids "r0", "r1", ... (so that the partition above reads them).
    func rows(_ n: Int) -> Dataset {
        var d = digitsDataset(scale: 1.0 / 16).subset(Array(0..<n))
        d.ids = (0..<n).map { "r\($0)" }
        return d
    }

    func testNothingChangedRerunsNothing() throws {
        let data = rows(120)
        let old = try model(data)
        let s = ResumeSummary(old: old, resumed: try resumed(old, data), blockCount: 3)
        XCTAssertEqual(s.stepsRerun, 0)
        XCTAssertEqual(s.steps, 6)
        XCTAssertEqual(s.kept, 120)
        XCTAssertEqual(s.description, "rows added 0, removed 0, corrected in 0 blocks; block steps rerun 0 of 6")
    }

    func testAddedRemovedAndCorrectedRowsAreCountedAndTheBytesAreThoseOfTrainingFromScratch() throws {
        let old = try model(rows(120))
        var data = rows(130)  // r120..r129 added
        data = data.subset((0..<130).filter { $0 != 7 })  // r7 (shard 1, block 0) removed
        let corrected = data.ids.firstIndex(of: "r4")!  // shard 0, block 2: features changed, same id
        data.features[corrected * 64 + 10] += 1
        let result = try resumed(old, data)
        let s = ResumeSummary(old: old, resumed: result, blockCount: 3)
        XCTAssertEqual(s.added.count, 10)
        XCTAssertEqual(s.removed, ["r7"])
        XCTAssertEqual(s.correctedBlocks, 0, "block 2 of shard 0 also gained rows, so its correction is not counted apart")
        XCTAssertEqual(s.shardsRetrained, [0, 1])
        XCTAssertEqual(result.map(\.fromStep), [1, 1], "r7 was in block 0 of shard 1; r120 (block 0) joins shard 0")
        let scratch = try model(data)
        XCTAssertEqual(try old.replacingShards(result.map(\.record)).encode(), try scratch.encode())
    }

    func testACorrectionAloneIsCountedInItsBlockAndRerunsFromIt() throws {
        let data = rows(120)
        let old = try model(data)
        var changed = data
        changed.features[4 * 64 + 10] += 1  // r4: shard 0, block 2
        let result = try resumed(old, changed)
        let s = ResumeSummary(old: old, resumed: result, blockCount: 3)
        XCTAssertEqual(s.correctedBlocks, 1)
        XCTAssertEqual(s.stepsRerun, 1)
        XCTAssertEqual(result.map(\.fromStep), [3, 4])
        XCTAssertEqual(try old.replacingShards(result.map(\.record)).encode(), try model(changed).encode())
    }

    func testConfigurationDifferencesNameEachFieldButNotTheShardsHeld() {
        var other = config
        other.l2 = 0.5
        other.seed = 3
        other.heldShards = [1]
        XCTAssertEqual(other.differences(from: config), ["l2 1.0 → 0.5", "seed 0 → 3"])
        XCTAssertEqual(config.differences(from: config), [])
    }

    func testLedgerChainBreaksWhereAModelChangedWithoutALine() {
        func line(_ before: String, _ after: String) -> LedgerEntry {
            LedgerEntry(time: "t", requestsDigest: "d", requestCount: 0, method: "resume", modelBefore: before, modelAfter: after,
                        shardsRetrained: "", rowsRetrained: 0)
        }
        XCTAssertEqual(ledgerChainBreaks([line("a", "b"), line("b", "c"), line("c", "c")]), [])
        XCTAssertEqual(ledgerChainBreaks([line("a", "b"), line("x", "c"), line("c", "d")]), [1])
        XCTAssertEqual(ledgerChainBreaks([]), [])
    }
}
