import Foundation
import XCTest
@testable import ULCore
import ULTestSupport

/// Exact forgetting in the core: for every forget set, `forgetExactly` must give the bytes of training the
/// same configuration from scratch on the remaining rows.
final class ExactForgetTests: XCTestCase {
    static let digits = digitsDataset(scale: 1.0 / 16)
    static let labels = (0..<10).map(String.init)

    /// Shard and block of a row from hashes of its id, as ul-partition assigns them.
    static func location(_ id: String, shards: Int, blocks: Int) -> RowLocation {
        RowLocation(shard: Int(stableHash(id, seed: 42) % UInt64(shards)), block: Int(stableHash(id, seed: 42, salt: 9) % UInt64(blocks)))
    }

    static func inputs(_ data: Dataset, shards: Int, blocks: Int) -> [ShardInput] {
        var rows = [[Int]](repeating: [], count: shards)
        for i in 0..<data.count { rows[location(data.ids[i], shards: shards, blocks: blocks).shard].append(i) }
        return rows.enumerated().map { s, r in
            let sub = data.subset(r)
            return ShardInput(shard: s, data: sub, blocks: sub.ids.map { location($0, shards: shards, blocks: blocks).block })
        }
    }

    static func train(_ config: TrainConfig, _ data: Dataset) throws -> ModelFile {
        let records = try trainShards(inputs(data, shards: config.shardCount, blocks: config.blockCount), config: config,
                                      labels: labels, jobs: 2)
        return ModelFile(config: config, labels: labels, features: (0..<64).map { "px\($0)" }, shards: records)
    }

    static func config(_ kind: ModelKind, shards: Int, blocks: Int, standardize: Bool = false,
                       optimizer: Optimizer = .adam) -> TrainConfig {
        if kind == .softmax {
            return TrainConfig(kind: .softmax, epochs: 12, l2: 1, standardize: standardize, shardCount: shards, blockCount: blocks)
        }
        var c = TrainConfig(kind: .mlp, epochs: optimizer == .lbfgs ? 12 : 3, l2: 1, hidden: [12], batchSize: 32, seed: 7,
                            standardize: standardize, shardCount: shards, blockCount: blocks)
        c.optimizer = optimizer
        return c
    }

    /// Named forget sets for a layout: each is a set of ids to forget.
    static func forgetSets(shards: Int, blocks: Int) -> [(String, Set<String>)] {
        let ids = digits.ids
        let loc = Dictionary(uniqueKeysWithValues: ids.map { ($0, location($0, shards: shards, blocks: blocks)) })
        var g = SeededGenerator(seed: 11)
        let shuffled = ids.shuffled(using: &g)
        let inShard0 = shuffled.filter { loc[$0]!.shard == 0 }
        return [
            ("one row", [shuffled[0]]),
            // With one block of one shard, a whole block is the whole data (see testWholeShardIsRefusedLikeTraining).
            ("many rows", Set(shuffled.prefix(60))),
            ("a whole block", shards * blocks == 1 ? [] : Set(ids.filter { loc[$0]! == RowLocation(shard: 0, block: blocks - 1) })),
            ("first block", Set(inShard0.filter { loc[$0]!.block == 0 }.prefix(3))),
            ("last block", Set(inShard0.filter { loc[$0]!.block == blocks - 1 }.prefix(3))),
            ("several shards", Set((0..<shards).compactMap { s in shuffled.first { loc[$0]!.shard == s } })),
        ].filter { !$0.1.isEmpty }
    }

    func checkExact(_ kind: ModelKind, shards: Int, blocks: Int, standardize: Bool = false, optimizer: Optimizer = .adam) throws {
        let config = Self.config(kind, shards: shards, blocks: blocks, standardize: standardize, optimizer: optimizer)
        let original = try Self.train(config, Self.digits)
        let originalBytes = try original.encode()
        for (name, forget) in Self.forgetSets(shards: shards, blocks: blocks) {
            let remaining = Self.digits.filter { !forget.contains(Self.digits.ids[$0]) }
            let byShard = Self.inputs(remaining, shards: shards, blocks: blocks)
            let result = try forgetExactly(original, ids: forget, remaining: { s in byShard[s] }, jobs: 2)
            let expected = try Self.train(config, remaining).encode()
            let what = "\(kind) \(optimizer) \(shards)×\(blocks)\(standardize ? " standardized" : ""), \(name) (\(forget.count) rows)"
            XCTAssertTrue(try result.model.encode() == expected, "\(what): not bit-identical to training on the remaining rows")
            let touched = Set(forget.map { Self.location($0, shards: shards, blocks: blocks).shard })
            XCTAssertEqual(result.shardsRetrained, touched.sorted(), what)
            // Untouched shards keep the bytes of their sections.
            let before = try ModelContainerReader(source: originalBytes), after = try ModelContainerReader(source: expected)
            for s in 0..<shards where !touched.contains(s) {
                XCTAssertEqual(try before.payload(ModelFile.shardTag(s)), try after.payload(ModelFile.shardTag(s)), "\(what): shard \(s)")
            }
            for s in touched {
                XCTAssertNotEqual(try before.payload(ModelFile.shardTag(s)), try after.payload(ModelFile.shardTag(s)), "\(what): shard \(s)")
            }
        }
    }

    func testSoftmaxOneShardOneBlock() throws { try checkExact(.softmax, shards: 1, blocks: 1) }
    func testSoftmaxThreeShardsFourBlocks() throws { try checkExact(.softmax, shards: 3, blocks: 4) }
    func testSoftmaxFiveShardsTwoBlocks() throws { try checkExact(.softmax, shards: 5, blocks: 2) }
    func testMLPOneShardOneBlock() throws { try checkExact(.mlp, shards: 1, blocks: 1) }
    func testMLPThreeShardsFourBlocks() throws { try checkExact(.mlp, shards: 3, blocks: 4) }
    func testMLPFiveShardsTwoBlocks() throws { try checkExact(.mlp, shards: 5, blocks: 2) }
    func testMLPByLBFGSThreeShardsFourBlocks() throws { try checkExact(.mlp, shards: 3, blocks: 4, optimizer: .lbfgs) }
    func testStandardizedShardsRetrainFromTheFirstBlock() throws { try checkExact(.softmax, shards: 3, blocks: 4, standardize: true) }

    /// Rows in the last block rerun only the last step: the earlier checkpoints are the old ones.
    func testLastBlockKeepsEarlierCheckpoints() throws {
        let config = Self.config(.mlp, shards: 3, blocks: 4)
        let original = try Self.train(config, Self.digits)
        let forget = Self.forgetSets(shards: 3, blocks: 4).first { $0.0 == "last block" }!.1
        let remaining = Self.digits.filter { !forget.contains(Self.digits.ids[$0]) }
        let byShard = Self.inputs(remaining, shards: 3, blocks: 4)
        let result = try forgetExactly(original, ids: forget, remaining: { byShard[$0] }, jobs: 1)
        XCTAssertEqual(result.model.shards[0].blocks.prefix(3).map(\.parameters), original.shards[0].blocks.prefix(3).map(\.parameters))
        XCTAssertNotEqual(result.model.shards[0].blocks[3].parameters, original.shards[0].blocks[3].parameters)
        // Cost: one step over the whole shard, e_4 epochs.
        XCTAssertEqual(result.cost, config.epochs(forStep: 4) * byShard[0].data.count)
    }

    /// A shard that loses every row becomes an empty shard (no parameters), as training it without rows gives.
    func testWholeShardBecomesEmptyLikeTraining() throws {
        let config = Self.config(.softmax, shards: 3, blocks: 2)
        let original = try Self.train(config, Self.digits)
        let forget = Set(Self.digits.ids.filter { Self.location($0, shards: 3, blocks: 2).shard == 1 })
        let remaining = Self.digits.filter { !forget.contains(Self.digits.ids[$0]) }
        let byShard = Self.inputs(remaining, shards: 3, blocks: 2)
        let scratch = try Self.train(config, remaining)
        XCTAssertTrue(scratch.shards[1].isEmpty)
        XCTAssertEqual(scratch.shards[1].blocks.map(\.parameters), [[], []])
        let result = try forgetExactly(original, ids: forget, remaining: { byShard[$0] }, jobs: 1)
        XCTAssertTrue(try result.model.encode() == scratch.encode())
    }

    func testNothingRecordedRetrainsNothing() throws {
        let config = Self.config(.softmax, shards: 2, blocks: 2)
        let original = try Self.train(config, Self.digits)
        let result = try forgetExactly(original, ids: ["no-such-id"], remaining: { _ in XCTFail(); throw TrainingError.badResume("no shard should be read") }, jobs: 1)
        XCTAssertEqual(result.model, original)
        XCTAssertEqual(result.shardsRetrained, [])
        XCTAssertEqual(result.cost, 0)
    }

    func testBlockDigestsDetectChangedRows() throws {
        let config = Self.config(.softmax, shards: 2, blocks: 3)
        let original = try Self.train(config, Self.digits)
        let input = Self.inputs(Self.digits, shards: 2, blocks: 3)[1]
        XCTAssertNoThrow(try original.shards[1].check(input.data, blocks: input.blocks, labels: Self.labels))
        var changed = input.data
        changed.features[5 * 64 + 10] += 1 / 16
        XCTAssertThrowsError(try original.shards[1].check(changed, blocks: input.blocks, labels: Self.labels)) { XCTAssertEqual($0 as? RecordMismatch, .digest(shard: 1, block: input.blocks[5])) }
        var relabelled = input.data
        relabelled.classes[7] = (relabelled.classes[7] + 1) % 10
        XCTAssertThrowsError(try original.shards[1].check(relabelled, blocks: input.blocks, labels: Self.labels)) { XCTAssertEqual($0 as? RecordMismatch, .digest(shard: 1, block: input.blocks[7])) }
        var moved = input.blocks
        moved[3] = (moved[3] + 1) % 3
        XCTAssertThrowsError(try original.shards[1].check(input.data, blocks: moved, labels: Self.labels))
    }

    /// SISA's cost unit: a forget in block j reruns steps j..R, each over B1 ∪ … ∪ Br for e_r epochs; a
    /// closed-form kind refits once per step.
    func testRetrainingCost() {
        let c = TrainConfig(kind: .mlp, epochs: 5, blockCount: 4)
        let e = (1...4).map { c.epochs(forStep: $0) }
        XCTAssertEqual(retrainingCost(blockSizes: [10, 20, 30, 40], fromStep: 1, config: c), e[0] * 10 + e[1] * 30 + e[2] * 60 + e[3] * 100)
        XCTAssertEqual(retrainingCost(blockSizes: [10, 20, 30, 40], fromStep: 4, config: c), e[3] * 100)
        XCTAssertEqual(retrainingCost(blockSizes: [10, 20, 30, 40], fromStep: 5, config: c), 0)
        let p = TrainConfig(kind: .ppca, epochs: 1, blockCount: 4)
        XCTAssertEqual(retrainingCost(blockSizes: [10, 20, 30, 40], fromStep: 2, config: p), 30 + 60 + 100)
    }

    /// The resume engine starts at the first block whose rows differ from the record: the earliest block
    /// that lost rows; none when nothing changed (same record); the first with per-shard standardisation
    /// or nothing recorded.
    func testResumeEngineStartsAtFirstChangedBlock() throws {
        for standardize in [false, true] {
            let config = Self.config(.softmax, shards: 2, blocks: 4, standardize: standardize)
            let original = try Self.train(config, Self.digits)
            let input = Self.inputs(Self.digits, shards: 2, blocks: 4)[1]
            let same = try resumeShard(ShardResume(input: input, recorded: original.shards[1]), config: config, labels: Self.labels)
            XCTAssertEqual(same.fromStep, 5)
            XCTAssertEqual(same.cost, 0)
            XCTAssertEqual(same.record, original.shards[1])
            // Drop one row of block 2 and one of block 1 (0-based): step 2 is the first to rerun.
            let dropped = [input.blocks.firstIndex(of: 2)!, input.blocks.firstIndex(of: 1)!]
            let keep = (0..<input.data.count).filter { !dropped.contains($0) }
            let fewer = ShardInput(shard: 1, data: input.data.subset(keep), blocks: keep.map { input.blocks[$0] })
            let resumed = try resumeShard(ShardResume(input: fewer, recorded: original.shards[1]), config: config, labels: Self.labels)
            XCTAssertEqual(resumed.fromStep, standardize ? 1 : 2)
            let scratch = try resumeShard(ShardResume(input: fewer, recorded: nil), config: config, labels: Self.labels)
            XCTAssertEqual(scratch.fromStep, 1)
            XCTAssertEqual(resumed.record, scratch.record, "resumed = from scratch, bit for bit")
            if !standardize { XCTAssertEqual(resumed.record.blocks[0], original.shards[1].blocks[0]) }
        }
    }
}
