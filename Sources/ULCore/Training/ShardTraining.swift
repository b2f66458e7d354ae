import Dispatch
import Foundation

/// Canonical order of `rows`: ascending stableHash(id, seed, salt) with ties broken by id bytes. It depends
/// only on the rows' ids, never on their position in a file or on rows that are absent.
func canonicalOrder(_ rows: [Int], ids: [String], seed: UInt64, salt: UInt64) -> [Int] {
    let keyed = rows.map { (stableHash(ids[$0], seed: seed, salt: salt), $0) }
    return keyed.sorted { a, b in
        a.0 != b.0 ? a.0 < b.0 : ids[a.1].utf8.lexicographicallyPrecedes(ids[b.1].utf8)
    }.map { $0.1 }
}

/// Row indices of each block 0..<blockCount, each in canonical record order (ascending id bytes), as
/// block records and digests list them. A tool that checks data against a model digests these.
func rowsByBlock(ids: [String], blocks: [Int], blockCount R: Int) throws -> [[Int]] {
    var out = [[Int]](repeating: [], count: R)
    for (i, b) in blocks.enumerated() {
        guard b >= 0, b < R else { throw TrainingError.blockOutOfRange(id: ids[i], block: b, blocks: R) }
        out[b].append(i)
    }
    for b in 0..<R { out[b].sort { ids[$0].utf8.lexicographicallyPrecedes(ids[$1].utf8) } }
    return out
}

/// Salt of the row order of block step `step`, epoch `epoch` (never zero).
func orderSalt(step: Int, epoch: Int) -> UInt64 { (UInt64(step) << 32) | UInt64(epoch + 1) }

/// Digest of a block (see `BlockRecord.digest`); `rows` must be in canonical order.
func blockDigest(_ data: Dataset, rows: [Int], labels: [String]) -> [UInt8] {
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
/// With `fromStep: j` and `checkpoints` = θ1…θ(j−1), steps before j are not run and keep those checkpoints,
/// and training continues from θ(j−1): with the same rows this reproduces a full run bit for bit. The
/// resume engine (`resumeShard`) chooses j from the model's record; this is the step runner below it.
func trainShard(_ data: Dataset, blocks: [Int], shard: Int, config: TrainConfig, labels: [String],
                       fromStep: Int = 1, checkpoints: [[Double]] = [],
                       progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> ShardRecord {
    precondition(blocks.count == data.count)
    let layout = try ShardLayout(data, blocks: blocks, blockCount: config.blockCount, labels: labels)
    return try runBlockSteps(data, layout: layout, shard: shard, config: config, labels: labels, fromStep: fromStep,
                             checkpoints: checkpoints, progress: progress)
}

/// A shard's rows per block in record order, and each block's digest: what the record says and what
/// the resume engine compares, computed once per shard.
struct ShardLayout {
    let blockRows: [[Int]]
    let digests: [[UInt8]]

    /// `knownDigests`: digests of blocks whose rows were checked against them (`ShardInput.checkedDigests`).
    init(_ data: Dataset, blocks: [Int], blockCount: Int, labels: [String], knownDigests: [Int: [UInt8]] = [:]) throws {
        let rows = try rowsByBlock(ids: data.ids, blocks: blocks, blockCount: blockCount)
        blockRows = rows
        digests = rows.indices.map { knownDigests[$0] ?? blockDigest(data, rows: rows[$0], labels: labels) }
    }

    var blockSizes: [Int] { blockRows.map(\.count) }
}

/// Runs block steps `fromStep...R` of one shard (see `trainShard`).
func runBlockSteps(_ data: Dataset, layout: ShardLayout, shard: Int, config: TrainConfig, labels: [String],
                   fromStep: Int, checkpoints: [[Double]], progress: ((_ done: Int, _ total: Int) -> Void)?) throws -> ShardRecord {
    guard data.count > 0 else { return .empty(index: shard, blockCount: config.blockCount) }
    let R = config.blockCount
    guard fromStep >= 1, fromStep <= R + 1, checkpoints.count == fromStep - 1 else {
        throw TrainingError.badResume("step \(fromStep) needs \(fromStep - 1) checkpoints, got \(checkpoints.count)")
    }
    let blockRows = layout.blockRows
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
            theta = try fitErrors(shard: shard) { try learner.trainStep(data: train, order: { canonicalOrder(all, ids: data.ids, seed: config.seed, salt: orderSalt(step: r, epoch: $0)) },
                                      from: theta, epochs: e, progress: { progress?(base + $0, total) }) }
            done += e
            progress?(done, total)
            parameters = theta
        }
        records.append(BlockRecord(ids: rows.map { data.ids[$0] }, digest: layout.digests[r - 1], parameters: parameters))
    }
    return ShardRecord(index: shard, standardization: standardization, blocks: records)
}

/// Trains shards from scratch, concurrently, at most `jobs` at a time; the records come back in input
/// order and do not depend on `jobs`. `progress` receives (shard position, done, total) from worker threads.
public func trainShards(_ inputs: [ShardInput], config: TrainConfig, labels: [String], jobs: Int,
                        progress: (@Sendable (Int, Int, Int) -> Void)? = nil) throws -> [ShardRecord] {
    try trainShards(inputs.indices.map { $0 }, load: { inputs[$0] }, config: config, labels: labels, jobs: jobs, progress: progress)
}

/// `trainShards` on rows loaded when their turn comes (see `resumeShards`): the resume engine with nothing
/// recorded.
public func trainShards<Item>(_ items: [Item], load: (Item) throws -> ShardInput, config: TrainConfig, labels: [String], jobs: Int,
                              progress: (@Sendable (Int, Int, Int) -> Void)? = nil) throws -> [ShardRecord] {
    try resumeShards(items, load: { ShardResume(input: try load($0), recorded: nil) }, config: config, labels: labels,
                     jobs: jobs, progress: progress).map(\.record)
}

/// A one-class fit that fails (a LAPACK error) is a training error of its shard.
private func fitErrors<T>(shard: Int, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as OneClassError { throw TrainingError.fitFailed(shard: shard, "\(e)") }
}
