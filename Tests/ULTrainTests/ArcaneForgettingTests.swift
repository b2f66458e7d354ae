import Foundation
import XCTest
@testable import ULCore

/// ARCANE forgetting on digits: class shards, selection, one-class sub-models. Forgetting must equal running
/// select → train from scratch on the remaining rows (with the recorded counts), bit for bit.
final class ArcaneForgettingTests: XCTestCase {
    /// Digits as read (0…16, scaled by 1/16 through the configurations), classes 0…2 only to keep the test short.
    static let digits: Dataset = {
        let (d, _) = ShardTrainingTests.digits
        var raw = d.filter { d.classes[$0] < 3 }
        raw.features = raw.features.map { $0 * 16 }
        return raw
    }()
    static let labels = (0..<10).map(String.init)
    static let blocks = 4

    func block(_ id: String) -> Int { Int(stableHash(id, seed: 7, salt: 3) % UInt64(Self.blocks)) }

    func config(_ kind: ModelKind) -> TrainConfig {
        var c = TrainConfig(kind: kind, epochs: kind == .mppca ? 6 : nil, seed: 3, scale: 0.0625,
                            shardCount: 3, blockCount: Self.blocks)
        c.components = 8
        c.mixtures = 2
        if kind == .autoencoder {
            c.hidden = [8]
            c.learningRate = 0.01
            c.batchSize = 16
        }
        return c
    }

    let entropy = SelectionSpec(method: .entropy, entropy: EntropySelectionConfig(kernel: .rbf(gamma: nil), noise: 0.01), scale: 0.0625)

    /// The class shard's rows of `data` (every candidate).
    func shard(_ s: Int, of data: Dataset) -> Dataset { data.filter { data.classes[$0] == Int32(s) } }

    /// select → train from scratch; `counts` nil: m from the fraction 0.5 (the first selection).
    func pipeline(_ data: Dataset, kind: ModelKind, spec: SelectionSpec, counts: [Int]? = nil) throws -> ModelFile {
        let c = config(kind)
        var records = [ShardRecord]()
        for s in 0..<3 {
            let rows = shard(s, of: data)
            let m = counts?[s] ?? SelectionBudget.count(fraction: 0.5, rows: rows.count)
            let outcome = try selectShard(features: rows.features, dimension: 64, ids: rows.ids, spec: spec, count: m)
            var train = rows.filter { outcome.selected[$0] }
            train.features = train.features.map { c.scaled($0) }
            var record = try trainShard(train, blocks: train.ids.map(block), shard: s, config: c, labels: Self.labels)
            record.selection = outcome.record
            records.append(record)
        }
        return ModelFile(config: c, labels: Self.labels, features: (0..<64).map { "px\($0)" }, shards: records, selection: spec)
    }

    /// Forgets `ids` shard by shard with `forgetInSelectedShard`.
    func forget(_ model: ModelFile, _ ids: Set<String>, data: Dataset, fromScratch: Bool = false) throws -> (ModelFile, [ArcaneShardForgetting]) {
        var out = model
        var results = [ArcaneShardForgetting]()
        let remaining = data.filter { !ids.contains(data.ids[$0]) }
        for s in 0..<3 {
            let gone = Set(shard(s, of: data).ids).intersection(ids)
            guard !gone.isEmpty || fromScratch else { continue }
            let rows = shard(s, of: remaining)
            let r = try forgetInSelectedShard(model.shards[s], candidates: rows, blocks: rows.ids.map(block), forgotten: gone,
                                              spec: model.selection!, config: model.config, labels: Self.labels, fromScratch: fromScratch)
            out.shards[s] = r.record
            results.append(r)
        }
        return (out, results)
    }

    func checkForgetting(kind: ModelKind, spec: SelectionSpec) throws {
        let data = Self.digits
        let model = try pipeline(data, kind: kind, spec: spec)
        let bytes = try model.encode()
        XCTAssertEqual(try ModelFile.decode(try ModelContainerReader(source: bytes)).encode(), bytes, "round trip")
        let counts = model.shards.map { $0.selection!.count }
        let class1 = shard(1, of: data)
        let chosen = model.shards[1].selection!.order

        // An unselected row: nothing is retrained, the model bytes do not change.
        let unselected = class1.ids.first { !chosen.contains($0) }!
        let (after, results) = try forget(model, [unselected], data: data)
        XCTAssertFalse(results[0].retrained)
        XCTAssertNil(results[0].reselectedFromStep)
        XCTAssertEqual(try after.encode(), bytes)
        let remaining = data.filter { data.ids[$0] != unselected }
        XCTAssertEqual(try pipeline(remaining, kind: kind, spec: spec, counts: counts).encode(), bytes)

        // A selected row (chosen at step t, in the last block if there is one): re-selection resumes at step t,
        // the class retrains from the checkpoint before the first changed block, other classes keep their bytes.
        let t = chosen.firstIndex { block($0) == Self.blocks - 1 && chosen.firstIndex(of: $0)! > 3 }.map { $0 + 1 } ?? 5
        let victim = chosen[t - 1]
        let (after2, results2) = try forget(model, [victim], data: data)
        let r = results2[0]
        if spec.method != .random { XCTAssertEqual(r.reselectedFromStep, t) }
        XCTAssertTrue(r.retrained)
        let newChosen = Set(r.record.selection!.order)
        XCTAssertEqual(Array(r.record.selection!.order.prefix(t - 1)), Array(chosen.prefix(t - 1)))
        XCTAssertFalse(newChosen.contains(victim))
        let changedBlocks = Set(chosen).symmetricDifference(newChosen).map(block)
        XCTAssertEqual(r.fromStep, changedBlocks.min()! + 1)
        for b in 0..<(r.fromStep - 1) { XCTAssertEqual(r.record.blocks[b], model.shards[1].blocks[b]) }
        XCTAssertEqual(after2.shards[0], model.shards[0])
        XCTAssertEqual(after2.shards[2], model.shards[2])
        let remaining2 = data.filter { data.ids[$0] != victim }
        XCTAssertEqual(try after2.encode(), try pipeline(remaining2, kind: kind, spec: spec, counts: counts).encode())
        // The selection columns of the remaining rows equal a fresh selection's.
        let fresh = try selectShard(features: shard(1, of: remaining2).features, dimension: 64, ids: shard(1, of: remaining2).ids,
                                    spec: spec, count: counts[1])
        XCTAssertEqual(r.step, fresh.step)

        // Several rows at once, across classes, selected and not.
        let many: Set<String> = [victim, unselected, model.shards[0].selection!.order[0], shard(2, of: data).ids[7]]
        let (after3, _) = try forget(model, many, data: data)
        let remaining3 = data.filter { !many.contains(data.ids[$0]) }
        XCTAssertEqual(try after3.encode(), try pipeline(remaining3, kind: kind, spec: spec, counts: counts).encode())
        let (retrained, all) = try forget(model, many, data: data, fromScratch: true)
        XCTAssertEqual(all.map(\.fromStep), [1, 1, 1])
        XCTAssertEqual(try retrained.encode(), try after3.encode())
    }

    /// Coverage and herding count every row of the class in every step, so forgetting a row that was not chosen
    /// re-selects the class. Over unchosen rows, chosen rows at the first, a middle and the last step, and several
    /// classes at once: the model equals select → train on the remaining rows; the step reported is the first
    /// one whose row changed, and an unchanged order retrains nothing and keeps the bytes.
    /// Returns how many requests kept class 1's order and how many changed it.
    @discardableResult
    func checkForgettingWhereEveryRowCounts(kind: ModelKind, spec: SelectionSpec) throws -> (kept: Int, changed: Int) {
        let data = Self.digits
        let model = try pipeline(data, kind: kind, spec: spec)
        let bytes = try model.encode()
        let counts = model.shards.map { $0.selection!.count }
        let chosen = model.shards[1].selection!.order
        let unchosen = shard(1, of: data).ids.filter { !chosen.contains($0) }
        let requests: [Set<String>] = unchosen.prefix(12).map { [$0] } + [[chosen[0]], [chosen[chosen.count / 2]], [chosen.last!],
                                                                       [unchosen[20], chosen[3], model.shards[0].selection!.order[1], shard(2, of: data).ids[5]]]
        var kept = 0, changed = 0
        for ids in requests {
            let (after, results) = try forget(model, ids, data: data)
            let remaining = data.filter { !ids.contains(data.ids[$0]) }
            XCTAssertEqual(try after.encode(), try pipeline(remaining, kind: kind, spec: spec, counts: counts).encode(), "\(ids.sorted())")
            let r = results.first { $0.record.index == 1 }!
            let order = r.record.selection!.order
            if order == chosen {
                XCTAssertNil(r.reselectedFromStep)
                XCTAssertFalse(r.retrained)
                if results.count == 1 { XCTAssertEqual(try after.encode(), bytes) }
                kept += 1
            } else {
                XCTAssertEqual(r.reselectedFromStep, zip(order, chosen).prefix { $0 == $1 }.count + 1, "\(ids.sorted())")
                // The same rows in another order train the same sub-model: only the record of the order changes.
                XCTAssertEqual(r.retrained, Set(order) != Set(chosen).subtracting(ids), "\(ids.sorted())")
                changed += 1
            }
        }
        XCTAssertGreaterThan(changed, 0)
        return (kept, changed)
    }

    func testKNNCoverage() throws {
        let (kept, _) = try checkForgettingWhereEveryRowCounts(kind: .knn, spec: SelectionSpec(method: .coverage, scale: 0.0625))
        XCTAssertGreaterThan(kept, 0, "no request kept the order: the unchanged path went untested")
    }
    func testPPCAHerding() throws { try checkForgettingWhereEveryRowCounts(kind: .ppca, spec: SelectionSpec(method: .herding, scale: 0.0625)) }

    func testPPCAEntropy() throws { try checkForgetting(kind: .ppca, spec: entropy) }
    func testMixtureEntropy() throws { try checkForgetting(kind: .mppca, spec: entropy) }
    func testKNNSpread() throws {
        try checkForgetting(kind: .knn, spec: SelectionSpec(method: .spread, entropy: EntropySelectionConfig(seed: 6), scale: 0.0625))
    }
    func testAutoencoderEntropy() throws { try checkForgetting(kind: .autoencoder, spec: entropy) }
    func testAutoencoderRandomCount() throws {
        try checkForgetting(kind: .autoencoder, spec: SelectionSpec(method: .random, entropy: EntropySelectionConfig(seed: 5), scale: 0.0625))
    }
    func testPPCARandomCount() throws {
        try checkForgetting(kind: .ppca, spec: SelectionSpec(method: .random, entropy: EntropySelectionConfig(seed: 5), scale: 0.0625))
    }
    func testKNNEntropyWithCells() throws {
        var spec = entropy
        spec.entropy.cells = 4
        try checkForgetting(kind: .knn, spec: spec)
    }

    /// Random selection by a fraction: a deleted selected row is simply dropped, no replacement.
    func testRandomFractionNeedsNoReselection() throws {
        let spec = SelectionSpec(method: .random, entropy: EntropySelectionConfig(seed: 5), fraction: 0.5, scale: 0.0625)
        let data = Self.digits
        let model = try pipeline(data, kind: .ppca, spec: spec)
        XCTAssertEqual(model.shards[1].selection!.count, -1)
        let victim = model.shards[1].selection!.order[3]
        let (after, results) = try forget(model, [victim], data: data)
        XCTAssertEqual(results[0].record.selection!.order, model.shards[1].selection!.order.filter { $0 != victim })
        XCTAssertEqual(try after.encode(), try pipeline(data.filter { data.ids[$0] != victim }, kind: .ppca, spec: spec).encode())
    }

    /// One-class kinds refuse a shard with two labels; predictions are the argmax of class scores.
    func testOneClassTrainingAndPrediction() throws {
        let (d, labels) = ShardTrainingTests.digits
        var c = TrainConfig(kind: .ppca, shardCount: 1, blockCount: 1)
        c.components = 8
        XCTAssertThrowsError(try trainShard(d, blocks: Array(repeating: 0, count: d.count), shard: 0, config: c, labels: labels)) {
            guard case TrainingError.mixedClassShard(shard: 0, _)? = $0 as? TrainingError else { return XCTFail("\($0)") }
        }
        c.shardCount = 10
        var records = [ShardRecord]()
        for k in 0..<10 {
            let rows = d.filter { d.classes[$0] == Int32(k) && stableHash(d.ids[$0], seed: 1) % 4 != 0 }
            records.append(try trainShard(rows, blocks: Array(repeating: 0, count: rows.count), shard: k, config: c, labels: labels))
        }
        let model = ModelFile(config: c, labels: labels, features: (0..<64).map { "px\($0)" }, shards: records)
        let test = d.filter { stableHash(d.ids[$0], seed: 1) % 4 == 0 }
        let predictor = Predictor(model: model)
        let predicted = predictor.predict(test.features, rows: test.count)
        let accuracy = Double(zip(predicted, test.classes).filter { $0 == Int($1) }.count) / Double(test.count)
        XCTAssertGreaterThan(accuracy, 0.9)
        let p = predictor.probabilities(test.features, rows: test.count)
        for i in 0..<test.count {
            let row = Array(p[i * 10..<(i + 1) * 10])
            XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-9)
            XCTAssertEqual(argmaxScore(row), predicted[i])
        }
        // Each class shard's model is the PPCA of that class's rows.
        let rows3 = d.filter { d.classes[$0] == 3 && stableHash(d.ids[$0], seed: 1) % 4 != 0 }
        let direct = try PPCAModel.fit(features: rows3.features, dimension: 64, ids: rows3.ids, config: PPCAConfig(components: 8))
        let x = Array(test.features[0..<64])
        let viaModel = x.withUnsafeBufferPointer { (OneClassLearner(kind: .ppca, config: c, dimension: 64, classCount: 10)
            .scores(records[3].finalParameters, x: $0.baseAddress!, m: 1)) }
        XCTAssertEqual(viaModel.classIndex, 3)
        XCTAssertEqual(viaModel.scores[0], x.withUnsafeBufferPointer { direct.score($0) })
    }
}
