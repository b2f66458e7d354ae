import Foundation
import XCTest
@testable import ULCore
import ULTestSupport

/// The audit on real training: an over-fitted network leaks membership, exact forgetting removes the leak down to
/// the retrained model's level, and the lineage check sees forgotten ids and tampered records.
final class ForgettingAuditTests: XCTestCase {
    static let labels = (0..<10).map(String.init)

    /// digits.csv, features raw (0…16); the configuration scales them by 1/16.
    static let digits = digitsDataset(scale: 1)

    /// Deliberately over-fitted: 200 training rows, 150 epochs, no L2. One shard, two blocks.
    static let config = TrainConfig(kind: .mlp, epochs: 150, l2: 0, hidden: [64], learningRate: 3e-3, batchSize: 32,
                                    seed: 3, scale: 1.0 / 16, shardCount: 1, blockCount: 2)

    static let train = digits.subset(Array(0..<200))
    static let test = digits.subset(Array(1000..<1500))
    /// Block of a training row: by a hash of its id, as ul-partition assigns blocks.
    static func block(_ id: String) -> Int { Int(stableHash(id, seed: 11) % 2) }
    /// The forgotten rows: 40 rows of the last block.
    static let forgottenRows = (0..<200).filter { block(train.ids[$0]) == 1 }.prefix(40).map { $0 }

    static func fit(_ d: Dataset, fromStep: Int = 1, checkpoints: [[Double]] = []) throws -> ModelFile {
        var scaled = d
        scaled.features = d.features.map { config.scaled($0) }
        let shard = try trainShard(scaled, blocks: d.ids.map(block), shard: 0, config: config, labels: labels,
                                   fromStep: fromStep, checkpoints: checkpoints)
        return ModelFile(config: config, labels: labels, features: (0..<64).map { "px\($0)" }, shards: [shard])
    }

    struct Models {
        let data: AuditData
        let original: ModelFile
        let exact: ModelFile
        let retrained: ModelFile
    }

    static let models: Models = {
        let gone = Set(forgottenRows)
        let remaining = train.filter { !gone.contains($0) }
        let original = try! fit(train)
        // Exact forgetting: every forgotten row is in block 2, so training resumes from the checkpoint θ1.
        let exact = try! fit(remaining, fromStep: 2, checkpoints: [original.shards[0].blocks[0].parameters])
        let retrained = try! fit(remaining)
        return Models(data: AuditData(retain: remaining, forget: train.subset(forgottenRows), test: test),
                      original: original, exact: exact, retrained: retrained)
    }()

    func measure(_ m: ModelFile, shadows: ShadowScores? = nil) throws -> ModelMeasurement {
        let d = Self.models.data
        return try ModelMeasurement(outputs: ModelOutputs(model: m, data: d), data: d, shadows: shadows)
    }

    func testOverfittedModelLeaksMembership() throws {
        let m = try measure(Self.models.original)
        // Measured: loss AUC 0.737; accuracy 1.0 on the forgotten rows against 0.88 on the test rows.
        XCTAssertGreaterThanOrEqual(m.lossCurve.auc, 0.6)
        XCTAssertEqual(m.accuracyForget, 1)
        XCTAssertLessThan(m.accuracyTest, 0.95)
    }

    func testExactForgettingFallsToTheRetrainedLevel() throws {
        let ms = Self.models
        XCTAssertEqual(try ms.exact.encode(), try ms.retrained.encode(), "exact forgetting must equal retraining")
        let original = try measure(ms.original), exact = try measure(ms.exact), retrained = try measure(ms.retrained)
        XCTAssertEqual(exact.lossCurve.auc, retrained.lossCurve.auc)
        XCTAssertEqual(exact.resistance, retrained.resistance)
        // Measured: loss AUC 0.651 after forgetting (the retrained model's too) against 0.737; resistance 0.375
        // against 0.125.
        XCTAssertLessThan(exact.lossCurve.auc, original.lossCurve.auc - 0.05)
        XCTAssertGreaterThan(exact.resistance, original.resistance)
    }

    func testLiRAWithShadowModelsSeparatesTheOriginalMoreThanTheForgotten() throws {
        let ms = Self.models
        let training = ShadowTraining(model: ms.original, count: 4, seed: 1)
        let shadows = try ShadowScores(shadows: training.train(pool: ms.data.retain, jobs: 2), data: ms.data)
        XCTAssertEqual(shadows.forget.map(\.count), [Int](repeating: 4, count: ms.data.forget.count))
        let original = try measure(ms.original, shadows: shadows), exact = try measure(ms.exact, shadows: shadows)
        let o = try XCTUnwrap(original.liraCurve?.auc), e = try XCTUnwrap(exact.liraCurve?.auc)
        // Measured: LiRA AUC 0.682 on the original, 0.578 after exact forgetting.
        XCTAssertGreaterThanOrEqual(o, 0.6)
        XCTAssertLessThan(e, o)
    }

    /// Online LiRA (IN and OUT shadows per row) on the over-fitted original: stronger than the loss attack; after
    /// exact forgetting the same attack sees the retrained model's level, to the bit.
    func testOnlineLiRABeatsTheLossAttackAndExactForgettingEqualsRetraining() throws {
        let ms = Self.models
        let shadows = try ShadowScores.online(model: ms.original, count: 8, seed: 1, data: ms.data, jobs: 2)
        let inCounts = try XCTUnwrap(shadows.forgetIn).map(\.count)
        XCTAssertEqual(zip(inCounts, shadows.forget.map(\.count)).map { $0 + $1 }, [Int](repeating: 8, count: ms.data.forget.count))
        XCTAssertEqual(Set(inCounts), [4], "complementary pairs: every row IN for exactly half of the shadows")
        let original = try measure(ms.original, shadows: shadows)
        let online = try XCTUnwrap(original.liraCurve?.auc)
        XCTAssertGreaterThan(online, original.lossCurve.auc, "online LiRA must beat the loss attack on an over-fitted model")
        let exact = try measure(ms.exact, shadows: shadows), retrained = try measure(ms.retrained, shadows: shadows)
        XCTAssertEqual(exact.liraCurve, retrained.liraCurve)
        XCTAssertLessThan(try XCTUnwrap(exact.liraCurve?.auc), online)
    }

    func testComplementaryHalvesPartitionThePool() {
        let pool = Self.digits.subset(Array(0..<101))
        let t = ShadowTraining(model: Self.models.original, count: 4, seed: 5, complementary: true)
        for pair in 0..<2 {
            let a = t.half(2 * pair, of: pool), b = t.half(2 * pair + 1, of: pool)
            XCTAssertEqual(Set(a).union(b), Set(0..<101))
            XCTAssertTrue(Set(a).isDisjoint(with: b))
        }
        XCTAssertNotEqual(t.half(0, of: pool), t.half(2, of: pool))
    }

    func testShadowHalvesAreSeededAndIndependentOfRowOrder() {
        let pool = Self.digits.subset(Array(0..<101))
        let t = ShadowTraining(model: Self.models.original, count: 3, seed: 5)
        let h0 = t.half(0, of: pool), h1 = t.half(1, of: pool)
        XCTAssertEqual(h0.count, 51)
        XCTAssertNotEqual(h0, h1)
        XCTAssertEqual(h0, t.half(0, of: pool))
        let reversed = pool.subset(Array((0..<101).reversed()))
        XCTAssertEqual(Set(t.half(0, of: reversed).map { reversed.ids[$0] }), Set(h0.map { pool.ids[$0] }))
        XCTAssertNotEqual(ShadowTraining(model: Self.models.original, count: 3, seed: 6).half(0, of: pool), h0)
    }

    func testLineageNamesARemainingIdAndVerifiesDigests() {
        let ms = Self.models
        let sets = [ms.data.retain, ms.data.forget]
        let held = checkModelLineage(ms.original, forgotten: ms.data.forget.ids, rows: sets)
        XCTAssertFalse(held.ok)
        XCTAssertEqual(Set(held.remaining.map(\.id)), Set(ms.data.forget.ids))
        XCTAssertTrue(held.remaining.allSatisfy { $0.shard == 0 && $0.block == 1 })
        XCTAssertTrue(held.digestMismatches.isEmpty)
        XCTAssertTrue(held.unverified.isEmpty)

        let clean = checkModelLineage(ms.exact, forgotten: ms.data.forget.ids, rows: sets)
        XCTAssertTrue(clean.ok)
        XCTAssertTrue(clean.unverified.isEmpty)
        XCTAssertEqual(clean.blocks, 2)

        // A record with the id struck out but the old digest kept: the digest gives it away.
        var tampered = ms.original
        let id = ms.data.forget.ids[0]
        tampered.shards[0].blocks[1].ids.removeAll { $0 == id }
        let t = checkModelLineage(tampered, forgotten: [id], rows: sets)
        XCTAssertTrue(t.remaining.isEmpty)
        XCTAssertEqual(t.digestMismatches.map(\.block), [1])
        XCTAssertFalse(t.ok)

        // Without the rows a digest cannot be checked, which is reported rather than passed silently.
        let partial = checkModelLineage(ms.exact, forgotten: [], rows: [ms.data.forget])
        XCTAssertTrue(partial.ok)
        XCTAssertEqual(partial.unverified.count, 2)
    }

    func testReferenceComparisonAndReportKeys() throws {
        let ms = Self.models
        let d = ms.data
        let original = try ModelOutputs(model: ms.original, data: d), exact = try ModelOutputs(model: ms.exact, data: d)
        let retrained = try ModelOutputs(model: ms.retrained, data: d)
        let same = try ReferenceComparison(model: ms.exact, reference: ms.retrained, outputs: exact, referenceOutputs: retrained)
        XCTAssertEqual(same.parameterDistance, 0)
        XCTAssertEqual(same.agreement, 1)
        XCTAssertEqual(same.kl, 0)
        let differs = try ReferenceComparison(model: ms.original, reference: ms.retrained, outputs: original, referenceOutputs: retrained)
        XCTAssertGreaterThan(try XCTUnwrap(differs.parameterDistance), 0)
        XCTAssertGreaterThan(differs.kl, 0)
        XCTAssertGreaterThan(differs.klTest, 0)

        // Another layout (two shards) has no parameter distance, but the output comparisons still hold.
        var twoShards = ms.retrained
        twoShards.config.shardCount = 2
        var second = twoShards.shards[0]
        second.index = 1
        twoShards = ModelFile(config: twoShards.config, labels: twoShards.labels, features: twoShards.features,
                              shards: twoShards.shards + [second])
        let other = try ReferenceComparison(model: ms.exact, reference: twoShards, outputs: exact,
                                            referenceOutputs: try ModelOutputs(model: twoShards, data: d))
        XCTAssertNil(other.parameterDistance)
        XCTAssertEqual(other.kl, 0, accuracy: 1e-9)

        var report = AuditReport()
        try ModelMeasurement(outputs: exact, data: d, shadows: nil).record(into: &report)
        same.record(into: &report)
        try ModelMeasurement(outputs: retrained, data: d, shadows: nil).record(into: &report, prefix: "reference_")
        report.set(AuditMetric.lineageOK, true)
        report.set(AuditMetric.remanenceOK, true)
        for name in AuditMetric.all { XCTAssertNotNil(report[name], name) }
        XCTAssertTrue(report[AuditMetric.miaLiRAAUC]!.isNaN, "no LiRA without shadow models")
        XCTAssertEqual(report["reference_mia_loss_auc"], report[AuditMetric.miaLossAUC])
        XCTAssertEqual(report["reference_accuracy_test"], report[AuditMetric.accuracyTest])
    }
}
