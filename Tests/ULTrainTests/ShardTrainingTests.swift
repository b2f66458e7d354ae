import Foundation
import XCTest
@testable import ULCore
import ULTestSupport

/// Determinism and resumability of sharded block training: the properties exact forgetting builds on.
final class ShardTrainingTests: XCTestCase {
    static let digits: (Dataset, [String]) = (digitsDataset(scale: 1.0 / 16), digitLabels)

    /// Shard inputs from hashes of the ids (as ul-partition assigns them).
    func partition(_ data: Dataset, shards: Int, blocks: Int) -> [ShardInput] {
        var rows = [[Int]](repeating: [], count: shards)
        for i in 0..<data.count { rows[Int(stableHash(data.ids[i], seed: 42) % UInt64(shards))].append(i) }
        return rows.enumerated().map { s, r in
            let sub = data.subset(r)
            return ShardInput(shard: s, data: sub, blocks: sub.ids.map { Int(stableHash($0, seed: 42, salt: 9) % UInt64(blocks)) })
        }
    }

    func model(_ config: TrainConfig, shards: Int, blocks: Int, jobs: Int = 2, data: Dataset? = nil) throws -> [UInt8] {
        let (d, labels) = Self.digits
        var c = config
        c.shardCount = shards
        c.blockCount = blocks
        c.heldShards = Array(0..<shards)
        let records = try trainShards(partition(data ?? d, shards: shards, blocks: blocks), config: c, labels: labels, jobs: jobs)
        return try ModelFile(config: c, labels: labels, features: (0..<64).map { "px\($0)" }, shards: records).encode()
    }

    let softmax = TrainConfig(kind: .softmax, epochs: 15, l2: 1)
    let mlp = TrainConfig(kind: .mlp, epochs: 3, l2: 1, hidden: [16], batchSize: 32, seed: 7)
    /// The mlp trained by full-batch L-BFGS (epochs are iterations).
    let mlpLBFGS: TrainConfig = { var c = TrainConfig(kind: .mlp, epochs: 12, l2: 1, hidden: [16], seed: 7); c.optimizer = .lbfgs; return c }()

    func testSISAEpochRule() {
        let c = TrainConfig(kind: .mlp, epochs: 10, blockCount: 4)
        XCTAssertEqual((1...4).map { c.epochs(forStep: $0) }, [4, 4, 4, 4])
        let d = TrainConfig(kind: .mlp, epochs: 2, blockCount: 4)
        XCTAssertEqual((1...4).map { d.epochs(forStep: $0) }, [0, 1, 1, 1])
        XCTAssertEqual(TrainConfig(kind: .softmax, epochs: 7).epochs(forStep: 1), 7)
    }

    func testSameConfigurationTwiceGivesSameBytes() throws {
        for c in [softmax, mlp, mlpLBFGS] {
            XCTAssertTrue(try model(c, shards: 3, blocks: 2) == model(c, shards: 3, blocks: 2), "\(c.kind) \(c.optimizer)")
        }
    }

    func testJobsDoNotChangeTheBytes() throws {
        for c in [softmax, mlp, mlpLBFGS] {
            XCTAssertTrue(try model(c, shards: 3, blocks: 2, jobs: 1) == model(c, shards: 3, blocks: 2, jobs: 3), "\(c.kind) \(c.optimizer)")
        }
    }

    func testRowOrderDoesNotChangeTheBytes() throws {
        let (d, _) = Self.digits
        var g = SeededGenerator(seed: 5)
        let shuffled = d.subset(Array(0..<d.count).shuffled(using: &g))
        XCTAssertNotEqual(shuffled.ids, d.ids)
        for c in [softmax, mlp, mlpLBFGS] {
            XCTAssertTrue(try model(c, shards: 2, blocks: 3, data: d) == model(c, shards: 2, blocks: 3, data: shuffled), "\(c.kind) \(c.optimizer)")
        }
    }

    /// Encoding a model that reuses the checksums of the file it was read from gives the bytes of a fresh
    /// encoding: for the model unchanged, and with one shard retrained on fewer rows (its section differs).
    func testEncodingThatReusesChecksumsGivesTheSameBytes() throws {
        let bytes = try model(softmax, shards: 3, blocks: 2)
        let read = try ModelContainerReader(source: bytes)
        var m = try ModelFile.decode(read)
        XCTAssertEqual(try m.encode(reusing: read), bytes)
        let (d, labels) = Self.digits
        var input = partition(d, shards: 3, blocks: 2)[1]
        input.data.retain(Array(1..<input.data.count))
        input.blocks.removeFirst()
        var c = m.config
        c.heldShards = [1]
        m.shards[1] = try trainShards([input], config: c, labels: labels, jobs: 1)[0]
        let changed = try m.encode()
        XCTAssertNotEqual(changed, bytes)
        XCTAssertEqual(try m.encode(reusing: read), changed)
    }

    /// L-BFGS is recorded (config layout 4) and read back; an Adam mlp keeps layout 1, and the two differ.
    func testOptimizerIsRecorded() throws {
        let (_, labels) = Self.digits
        var c = mlpLBFGS
        c.shardCount = 2
        c.heldShards = [0, 1]
        let records = try trainShards(partition(Self.digits.0, shards: 2, blocks: 1), config: c, labels: labels, jobs: 2)
        let bytes = try ModelFile(config: c, labels: labels, features: (0..<64).map { "px\($0)" }, shards: records).encode()
        let read = try ModelFile.decode(try ModelContainerReader(source: bytes))
        XCTAssertEqual(read.config, c)
        XCTAssertEqual(read.config.optimizer, .lbfgs)
        var w = ByteWriter(), v = ByteWriter()
        mlp.encode(into: &w)
        c.encode(into: &v)
        XCTAssertEqual(Array(w.bytes.prefix(4)), [1, 0, 0, 0])
        XCTAssertEqual(Array(v.bytes.prefix(4)), [4, 0, 0, 0])
        XCTAssertEqual(c.differences(from: { var a = c; a.optimizer = .adam; return a }()), ["optimizer adam → lbfgs"])
        XCTAssertTrue(try model(mlp, shards: 2, blocks: 2) != model({ var a = mlpLBFGS; a.epochs = 3; return a }(), shards: 2, blocks: 2))
    }

    /// Layout 4 names a known optimiser other than Adam, for an mlp only.
    func testOptimizerLayoutIsChecked() throws {
        var w = ByteWriter()
        mlpLBFGS.encode(into: &w)
        var r = ByteReader(w.bytes)
        XCTAssertEqual(try TrainConfig.decode(&r).optimizer, .lbfgs)
        func refused(_ bytes: [UInt8], _ why: String) {
            var r = ByteReader(bytes)
            XCTAssertThrowsError(try TrainConfig.decode(&r), why)
        }
        refused(Array(w.bytes.dropLast()) + Array("x".utf8), "unknown optimizer lbfgx")
        refused(Array(w.bytes.dropLast(9)) + [4, 0, 0, 0] + Array("adam".utf8), "adam is layout 1, never 4")
        let kind = w.bytes.firstRange(of: Array("mlp".utf8))!
        var knn = w.bytes
        knn.replaceSubrange(kind, with: Array("knn".utf8))
        refused(knn, "layout 4 for a one-class kind")
    }

    func testSeedChangesTheModel() throws {
        var other = mlp
        other.seed = 8
        XCTAssertTrue(try model(mlp, shards: 2, blocks: 2) != model(other, shards: 2, blocks: 2))
    }

    func testMergedPartsEqualOneProcess() throws {
        let (d, labels) = Self.digits
        var c = mlp
        c.shardCount = 4
        c.blockCount = 2
        let inputs = partition(d, shards: 4, blocks: 2)
        let whole = ModelFile(config: c, labels: labels, features: (0..<64).map { "px\($0)" },
                                  shards: try trainShards(inputs, config: c, labels: labels, jobs: 2))
        var parts = [ModelFile]()
        for held in [[0, 3], [2], [1]] {
            var pc = c
            pc.heldShards = held
            let records = try trainShards(held.map { inputs[$0] }, config: pc, labels: labels, jobs: 1)
            let part = ModelFile(config: pc, labels: labels, features: whole.features, shards: records)
            // Through the bytes, as the tool does.
            parts.append(try ModelFile.decode(try ModelContainerReader(source: try part.encode())))
        }
        XCTAssertFalse(parts[0].isComplete)
        XCTAssertTrue(try ModelFile.merge(parts).encode() == whole.encode())
        XCTAssertThrowsError(try ModelFile.merge([parts[0], parts[1]])) {
            XCTAssertEqual($0 as? ModelFile.MergeError, .missingShard(1))
        }
        XCTAssertThrowsError(try ModelFile.merge([parts[0], parts[0], parts[1], parts[2]])) {
            XCTAssertEqual($0 as? ModelFile.MergeError, .duplicateShard(0))
        }
    }

    /// Exact forgetting: dropping rows of block j, reloading θ(j−1) and retraining steps j..R equals
    /// training from scratch on the remaining rows, bit for bit.
    func testResumingFromACheckpointReproducesTheFullRun() throws {
        let (_, labels) = Self.digits
        for base in [softmax, mlp, mlpLBFGS] {
            var c = base
            c.blockCount = 4
            let input = partition(Self.digits.0, shards: 2, blocks: 4)[1]
            let old = try trainShard(input.data, blocks: input.blocks, shard: 1, config: c, labels: labels)
            // Forget three rows of block index 2 (step 3).
            let forget = Set((0..<input.data.count).filter { input.blocks[$0] == 2 }.prefix(3))
            let keep = (0..<input.data.count).filter { !forget.contains($0) }
            let remaining = input.data.subset(keep)
            let remainingBlocks = keep.map { input.blocks[$0] }
            let scratch = try trainShard(remaining, blocks: remainingBlocks, shard: 1, config: c, labels: labels)
            let resumed = try trainShard(remaining, blocks: remainingBlocks, shard: 1, config: c, labels: labels,
                                         fromStep: 3, checkpoints: old.blocks.prefix(2).map(\.parameters))
            XCTAssertTrue(resumed == scratch, "\(c.kind) \(c.optimizer): resumed run differs")
            XCTAssertTrue(scratch.blocks[1] == old.blocks[1], "earlier blocks are untouched")
            XCTAssertTrue(scratch.finalParameters != old.finalParameters)
            XCTAssertEqual(scratch.blocks[2].rowCount, old.blocks[2].rowCount - 3)
            XCTAssertNotEqual(scratch.blocks[2].digest, old.blocks[2].digest)
        }
    }

    func testAccuracyAndAggregation() throws {
        let (d, labels) = Self.digits
        var c = softmax
        c.epochs = 50
        c.shardCount = 3
        c.blockCount = 2
        let records = try trainShards(partition(d, shards: 3, blocks: 2), config: c, labels: labels, jobs: 2)
        for agg in Aggregation.allCases {
            c.aggregation = agg
            let m = ModelFile(config: c, labels: labels, features: (0..<64).map { "px\($0)" }, shards: records)
            let predicted = Predictor(model: m).predict(d.features, rows: d.count)
            let accuracy = Double(zip(predicted, d.classes).filter { $0 == Int($1) }.count) / Double(d.count)
            XCTAssertGreaterThan(accuracy, 0.95, "\(agg)")
            let p = Predictor(model: m).probabilities(Array(d.features[0..<64 * 5]), rows: 5)
            for i in 0..<5 { XCTAssertEqual(p[i * 10..<i * 10 + 10].reduce(0, +), 1, accuracy: 1e-9) }
        }
    }

    func testStandardizationIsPerShardAndRecorded() throws {
        let (d, labels) = Self.digits
        var c = softmax
        c.standardize = true
        c.shardCount = 2
        let records = try trainShards(partition(d, shards: 2, blocks: 1), config: c, labels: labels, jobs: 2)
        XCTAssertNotNil(records[0].standardization)
        XCTAssertNotEqual(records[0].standardization, records[1].standardization)
        let m = ModelFile(config: c, labels: labels, features: (0..<64).map { "px\($0)" }, shards: records)
        XCTAssertTrue(try ModelFile.decode(try ModelContainerReader(source: try m.encode())) == m)
    }

    func testEmptyShardRecordsNothingAndBadResumeIsRefused() throws {
        let (d, labels) = Self.digits
        // A shard without rows is ordinary: no ids, no parameters, in every block.
        XCTAssertEqual(try trainShard(d.subset([]), blocks: [], shard: 3, config: softmax, labels: labels), .empty(index: 3, blockCount: 1))
        let small = d.subset(Array(0..<20))
        XCTAssertThrowsError(try trainShard(small, blocks: Array(repeating: 0, count: 20), shard: 0, config: softmax,
                                            labels: labels, fromStep: 2, checkpoints: []))
        XCTAssertThrowsError(try trainShard(small, blocks: Array(repeating: 1, count: 20), shard: 0, config: softmax, labels: labels)) {
            XCTAssertEqual($0 as? TrainingError, .blockOutOfRange(id: small.ids[0], block: 1, blocks: 1))
        }
    }
}
