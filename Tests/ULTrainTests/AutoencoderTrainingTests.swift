import Foundation
import XCTest
@testable import ULCore
import ULTestSupport

/// The one-class autoencoder as a sharded, block-checkpointed model on digits: determinism and accuracy.
final class AutoencoderTrainingTests: XCTestCase {
    static let digits = digitsDataset(scale: 1.0 / 16)
    static let isTest: (String) -> Bool = { stableHash($0, seed: 1) % 4 == 0 }

    /// One class shard per digit over the training quarter-split, `blocks` blocks by a hash of the id.
    func train(_ config: TrainConfig, blocks: Int) throws -> ModelFile {
        let d = Self.digits
        var c = config
        c.shardCount = 10
        c.heldShards = Array(0..<10)
        c.blockCount = blocks
        let inputs = (0..<10).map { k -> ShardInput in
            let rows = d.filter { d.classes[$0] == Int32(k) && !Self.isTest(d.ids[$0]) }
            return ShardInput(shard: k, data: rows, blocks: rows.ids.map { Int(stableHash($0, seed: 2, salt: 5) % UInt64(blocks)) })
        }
        let records = try trainShards(inputs, config: c, labels: digitLabels, jobs: 2)
        return ModelFile(config: c, labels: digitLabels, features: (0..<64).map { "px\($0)" }, shards: records)
    }

    func accuracy(_ model: ModelFile) -> Double {
        let d = Self.digits
        let test = d.filter { Self.isTest(d.ids[$0]) }
        let predicted = Predictor(model: model).predict(test.features, rows: test.count)
        return Double(zip(predicted, test.classes).filter { $0 == Int($1) }.count) / Double(test.count)
    }

    /// Settings that fit digits' ~135 rows per class (the defaults suit thousands of rows per class).
    func config() -> TrainConfig {
        TrainConfig(kind: .autoencoder, epochs: 50, hidden: [16], learningRate: 0.01, batchSize: 32, seed: 3)
    }

    /// Measured: 0.978 raw and 0.973 calibrated with one block (chance is 0.1).
    func testAccuracyOnDigits() throws {
        var c = config()
        XCTAssertFalse(c.calibrate, "raw scores by default")
        XCTAssertGreaterThan(accuracy(try train(c, blocks: 1)), 0.93)
        XCTAssertGreaterThan(accuracy(try train(c, blocks: 4)), 0.93)
        c.calibrate = true
        XCTAssertGreaterThan(accuracy(try train(c, blocks: 1)), 0.93)
        // Untrained weights are far worse: the accuracy comes from training.
        c.epochs = 0
        XCTAssertLessThan(accuracy(try train(c, blocks: 1)), 0.8)
    }

    /// The same model bytes twice, whatever the number of shards trained at once; the model file round-trips.
    func testSameBytesTwice() throws {
        var c = config()
        c.epochs = 6
        let a = try train(c, blocks: 3).encode()
        XCTAssertEqual(a, try train(c, blocks: 3).encode())
        let d = Self.digits
        let inputs = (0..<10).map { k -> ShardInput in
            let rows = d.filter { d.classes[$0] == Int32(k) && !Self.isTest(d.ids[$0]) }
            return ShardInput(shard: k, data: rows, blocks: rows.ids.map { Int(stableHash($0, seed: 2, salt: 5) % 3) })
        }
        var serial = c
        serial.shardCount = 10
        serial.heldShards = Array(0..<10)
        serial.blockCount = 3
        let records = try trainShards(inputs, config: serial, labels: digitLabels, jobs: 1)
        XCTAssertEqual(try ModelFile(config: serial, labels: digitLabels, features: (0..<64).map { "px\($0)" }, shards: records).encode(), a)
        let decoded = try ModelFile.decode(try ModelContainerReader(source: a))
        XCTAssertEqual(decoded.config.hidden, [16])
        XCTAssertFalse(decoded.config.calibrate)
        XCTAssertEqual(try decoded.encode(), a)
    }

    /// Resuming at block step j from the checkpoints θ1…θ(j−1) reproduces the full run; every checkpoint fits
    /// the learner, one of another width does not; θ0 depends on the shard.
    func testResumeFromACheckpointEqualsTheFullRun() throws {
        var c = config()
        c.epochs = 8
        c.blockCount = 4
        c.shardCount = 10
        let d = Self.digits
        let rows = d.filter { d.classes[$0] == 7 }
        let blocks = rows.ids.map { Int(stableHash($0, seed: 2, salt: 5) % 4) }
        let full = try trainShard(rows, blocks: blocks, shard: 7, config: c, labels: digitLabels)
        let learner = ModelKind.autoencoder.learner(config: c, featureCount: 64, classCount: 10)
        for b in full.blocks { XCTAssertTrue(learner.accepts(b.parameters)) }
        XCTAssertEqual(Set(full.blocks.map(\.parameters)).count, 4)
        for j in 2...4 {
            let resumed = try trainShard(rows, blocks: blocks, shard: 7, config: c, labels: digitLabels, fromStep: j,
                                         checkpoints: full.blocks.prefix(j - 1).map(\.parameters))
            XCTAssertEqual(resumed, full, "from step \(j)")
        }
        // A first block without rows keeps the seeded weights as θ1, a checkpoint to resume from like any other.
        let late = blocks.map { max($0, 1) }
        let skipped = try trainShard(rows, blocks: late, shard: 7, config: c, labels: digitLabels)
        XCTAssertEqual(skipped.blocks[0].parameters, [7, 0, 1] + learner.initialParameters(shard: 7).dropFirst(3))
        XCTAssertTrue(learner.accepts(skipped.blocks[0].parameters))
        XCTAssertEqual(try trainShard(rows, blocks: late, shard: 7, config: c, labels: digitLabels, fromStep: 2,
                                      checkpoints: [skipped.blocks[0].parameters]), skipped)
        var wide = c
        wide.hidden = [17]
        XCTAssertFalse(ModelKind.autoencoder.learner(config: wide, featureCount: 64, classCount: 10).accepts(full.finalParameters))
        XCTAssertThrowsError(try trainShard(rows, blocks: blocks, shard: 7, config: wide, labels: digitLabels, fromStep: 2,
                                            checkpoints: [full.blocks[0].parameters]))
        XCTAssertFalse(learner.accepts(Array(full.finalParameters.dropLast())))
        XCTAssertNotEqual(learner.initialParameters(shard: 1), learner.initialParameters(shard: 2))
        // The final checkpoint: class 7, calibration (none), d, H, epochs run (3 per step by SISA's rule).
        XCTAssertEqual((1...4).map(c.epochs(forStep:)), [3, 3, 3, 3])
        XCTAssertEqual(Array(full.finalParameters.prefix(6)), [7, 0, 1, 64, 16, 12])
    }

    /// The configuration records the width and the calibration; a width list of another length is refused.
    func testConfigRoundTrip() throws {
        var c = config()
        c.calibrate = true
        var w = ByteWriter()
        c.encode(into: &w)
        var r = ByteReader(w.bytes)
        XCTAssertEqual(try TrainConfig.decode(&r), c)
        c.hidden = [16, 4]
        var w2 = ByteWriter()
        c.encode(into: &w2)
        var r2 = ByteReader(w2.bytes)
        XCTAssertThrowsError(try TrainConfig.decode(&r2))
    }
}
