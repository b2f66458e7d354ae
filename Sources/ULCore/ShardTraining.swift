import Dispatch
import Foundation

/// Per-feature affine map x' = (x − mean) · factor, computed from one shard's own rows.
public struct FeatureStandardization: Equatable, Sendable {
    public var mean: [Float]
    /// 1/standard deviation (1 for a constant feature).
    public var factor: [Float]

    /// Statistics of all rows of `data` (accumulated in Double, in row order of the canonical block order).
    public init(of data: Dataset, rows: [Int]) {
        let d = data.featureCount
        var sum = [Double](repeating: 0, count: d), sq = sum
        for r in rows {
            for j in 0..<d {
                let x = Double(data.features[r * d + j])
                sum[j] += x
                sq[j] += x * x
            }
        }
        let n = Double(max(rows.count, 1))
        mean = sum.map { Float($0 / n) }
        factor = (0..<d).map { j in
            let v = max(sq[j] / n - (sum[j] / n) * (sum[j] / n), 0)
            return v > 1e-12 ? Float(1 / v.squareRoot()) : 1
        }
    }

    public init(mean: [Float], factor: [Float]) {
        self.mean = mean
        self.factor = factor
    }

    public func apply(_ x: UnsafeMutablePointer<Float>, rows m: Int) {
        let d = mean.count
        for i in 0..<m { for j in 0..<d { x[i * d + j] = (x[i * d + j] - mean[j]) * factor[j] } }
    }
}

/// What one block of a shard holds after training.
public struct BlockRecord: Equatable, Sendable {
    /// Ids of the block's rows in canonical order (ascending UTF-8 bytes).
    public var ids: [String]
    /// SHA-256 of the block's rows in that order: per row the id and the label (each as u64 length and
    /// UTF-8 bytes), then the features as they are trained on before standardisation (after `--scale`),
    /// as little-endian Float32 bits.
    public var digest: [UInt8]
    /// θ after this block's step: exact Double bits.
    public var parameters: [Double]
    public var rowCount: Int { ids.count }

    public init(ids: [String], digest: [UInt8], parameters: [Double]) {
        self.ids = ids
        self.digest = digest
        self.parameters = parameters
    }
}

/// One shard's sub-model: standardisation (if any) and the block records; the last checkpoint is the
/// shard's final parameters.
public struct ShardRecord: Equatable, Sendable {
    public var index: Int
    public var standardization: FeatureStandardization?
    public var blocks: [BlockRecord]
    /// ARCANE: the shard's selection (count m and chosen ids in step order) when it was trained on selected rows.
    public var selection: ShardSelection?
    public var finalParameters: [Double] { blocks.last!.parameters }

    public init(index: Int, standardization: FeatureStandardization?, blocks: [BlockRecord], selection: ShardSelection? = nil) {
        self.index = index
        self.standardization = standardization
        self.blocks = blocks
        self.selection = selection
    }
}

/// Typed failures of training.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// A shard to be trained has no rows.
    case emptyShard(Int)
    /// A row's block is outside 0..<blockCount.
    case blockOutOfRange(id: String, block: Int, blocks: Int)
    /// Resuming needs the checkpoints of steps 1..<fromStep.
    case badResume(String)
    /// A one-class model kind met a shard holding more than one label (the row is the first of another label).
    case mixedClassShard(shard: Int, id: String)

    public var description: String {
        switch self {
        case let .emptyShard(s): return "shard \(s) has no rows"
        case let .blockOutOfRange(id, b, n): return "row '\(id)': block \(b) is outside 0..\(n - 1)"
        case let .badResume(why): return "cannot resume training: \(why)"
        case let .mixedClassShard(s, id):
            return "shard \(s) holds more than one label (row '\(id)'); one-class models need class shards (ul-partition --by class)"
        }
    }
}

/// Canonical order of `rows`: ascending stableHash(id, seed, salt) with ties broken by id bytes. It depends
/// only on the rows' ids, never on their position in a file or on rows that are absent.
public func canonicalOrder(_ rows: [Int], ids: [String], seed: UInt64, salt: UInt64) -> [Int] {
    let keyed = rows.map { (stableHash(ids[$0], seed: seed, salt: salt), $0) }
    return keyed.sorted { a, b in
        a.0 != b.0 ? a.0 < b.0 : ids[a.1].utf8.lexicographicallyPrecedes(ids[b.1].utf8)
    }.map { $0.1 }
}

/// Row indices of each block 0..<blockCount, each in canonical record order (ascending id bytes), as
/// block records and digests list them. A tool that checks data against a model digests these.
public func rowsByBlock(ids: [String], blocks: [Int], blockCount R: Int) throws -> [[Int]] {
    var out = [[Int]](repeating: [], count: R)
    for (i, b) in blocks.enumerated() {
        guard b >= 0, b < R else { throw TrainingError.blockOutOfRange(id: ids[i], block: b, blocks: R) }
        out[b].append(i)
    }
    for b in 0..<R { out[b].sort { ids[$0].utf8.lexicographicallyPrecedes(ids[$1].utf8) } }
    return out
}

/// Salt of the row order of block step `step`, epoch `epoch` (never zero).
public func orderSalt(step: Int, epoch: Int) -> UInt64 { (UInt64(step) << 32) | UInt64(epoch + 1) }

/// Digest of a block (see `BlockRecord.digest`); `rows` must be in canonical order.
public func blockDigest(_ data: Dataset, rows: [Int], labels: [String]) -> [UInt8] {
    let h = SHA256Digest()
    let d = data.featureCount
    data.features.withUnsafeBufferPointer { f in
        for r in rows {
            h.updateField(data.ids[r])
            h.updateField(labels[Int(data.classes[r])])
            if isLittleEndianHost {
                h.update(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: f[r * d ..< (r + 1) * d])))
            } else {
                for j in 0..<d { h.update(integer: f[r * d + j].bitPattern) }
            }
        }
    }
    return h.finish()
}

/// Trains one shard over its block steps. `data` holds this shard's rows (features already multiplied by
/// `config.scale`), `blocks[i]` the 0-based block of row i. Step r trains on blocks 0..<r (B1 ∪ … ∪ Br) from
/// θ(r−1), θ0 being the seeded initial state, in the canonical order of `orderSalt(step: r, epoch:)`.
///
/// Resuming (exact forgetting): with `fromStep: j` and `checkpoints` = θ1…θ(j−1) from the old model, steps
/// before j are not run and keep those checkpoints, and training continues from θ(j−1). With the same
/// rows this reproduces a full run bit for bit. With `standardize`, the statistics come from all of the
/// shard's rows, so any change in the shard requires `fromStep: 1`.
public func trainShard(_ data: Dataset, blocks: [Int], shard: Int, config: TrainConfig, labels: [String],
                       fromStep: Int = 1, checkpoints: [[Double]] = [],
                       progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> ShardRecord {
    precondition(blocks.count == data.count)
    guard data.count > 0 else { throw TrainingError.emptyShard(shard) }
    let R = config.blockCount
    guard fromStep >= 1, fromStep <= R + 1, checkpoints.count == fromStep - 1 else {
        throw TrainingError.badResume("step \(fromStep) needs \(fromStep - 1) checkpoints, got \(checkpoints.count)")
    }
    let blockRows = try rowsByBlock(ids: data.ids, blocks: blocks, blockCount: R)
    let learner = config.kind.learner(config: config, featureCount: data.featureCount, classCount: labels.count)
    if checkpoints.contains(where: { !learner.accepts($0) }) {
        throw TrainingError.badResume("a checkpoint does not fit the \(config.kind.rawValue) model")
    }
    if config.kind.isOneClass {
        if let i = data.classes.firstIndex(where: { $0 != data.classes[0] }) {
            throw TrainingError.mixedClassShard(shard: shard, id: data.ids[i])
        }
        guard !config.standardize else { throw TrainingError.badResume("one-class models take no per-shard standardisation") }
    }
    var standardization: FeatureStandardization? = nil
    var train = data
    if config.standardize {
        let s = FeatureStandardization(of: data, rows: blockRows.flatMap { $0 })
        train.features.withUnsafeMutableBufferPointer { s.apply($0.baseAddress!, rows: data.count) }
        standardization = s
    }
    let total = (1...R).reduce(0) { $0 + config.epochs(forStep: $1) }
    var done = (1..<fromStep).reduce(0) { $0 + config.epochs(forStep: $1) }
    var theta = checkpoints.last ?? learner.initialParameters(shard: shard)
    var records = [BlockRecord]()
    var stepRows = [Int]()
    for r in 1...R {
        let rows = blockRows[r - 1]
        stepRows += rows
        let parameters: [Double]
        if r < fromStep {
            parameters = checkpoints[r - 1]
        } else {
            let e = config.epochs(forStep: r)
            let all = stepRows
            let base = done
            theta = learner.trainStep(data: train, order: { canonicalOrder(all, ids: data.ids, seed: config.seed, salt: orderSalt(step: r, epoch: $0)) },
                                      from: theta, epochs: e, progress: { progress?(base + $0, total) })
            done += e
            progress?(done, total)
            parameters = theta
        }
        records.append(BlockRecord(ids: rows.map { data.ids[$0] }, digest: blockDigest(data, rows: rows, labels: labels),
                                   parameters: parameters))
    }
    return ShardRecord(index: shard, standardization: standardization, blocks: records)
}

/// One shard's input to `trainShards`.
public struct ShardInput: Sendable {
    public var shard: Int
    public var data: Dataset
    public var blocks: [Int]
    public init(shard: Int, data: Dataset, blocks: [Int]) {
        self.shard = shard
        self.data = data
        self.blocks = blocks
    }
}

/// Trains shards concurrently, at most `jobs` at a time; the records come back in input order and do
/// not depend on `jobs`. `progress` receives (shard position, done, total) from worker threads.
public func trainShards(_ inputs: [ShardInput], config: TrainConfig, labels: [String], jobs: Int,
                        progress: (@Sendable (Int, Int, Int) -> Void)? = nil) throws -> [ShardRecord] {
    try trainShards(inputs.indices.map { $0 }, load: { inputs[$0] }, config: config, labels: labels, jobs: jobs, progress: progress)
}

/// `trainShards` on rows loaded when their turn comes: a worker calls `load(items[i])` (from its own
/// thread) just before training that shard and lets the rows go after, so at most `jobs` shards' rows are
/// held at once. The records come back in item order and do not depend on `jobs`.
public func trainShards<Item>(_ items: [Item], load: (Item) throws -> ShardInput, config: TrainConfig, labels: [String], jobs: Int,
                              progress: (@Sendable (Int, Int, Int) -> Void)? = nil) throws -> [ShardRecord] {
    _ = blasSingleThreaded
    return try concurrentMap(items, workers: jobs) { i, item in
        let input = try load(item)
        return try trainShard(input.data, blocks: input.blocks, shard: input.shard, config: config, labels: labels,
                              progress: { progress?(i, $0, $1) })
    }
}
