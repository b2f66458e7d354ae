import Dispatch
import Foundation

/// Where a trained row sits in a model's record (both 0-based).
public struct RowLocation: Equatable, Sendable {
    public var shard: Int
    public var block: Int
    public init(shard: Int, block: Int) {
        self.shard = shard
        self.block = block
    }
}

extension ModelFile {
    /// Every recorded id with its shard and block.
    public func rowLocations() -> [String: RowLocation] {
        var out = [String: RowLocation](minimumCapacity: shards.reduce(0) { $0 + $1.blocks.reduce(0) { $0 + $1.rowCount } })
        for s in shards {
            for (b, block) in s.blocks.enumerated() {
                for id in block.ids { out[id] = RowLocation(shard: s.index, block: b) }
            }
        }
        return out
    }

    /// The shard and block of those of `ids` that the model holds: memory follows `ids`, not the model.
    public func rowLocations(of ids: Set<String>) -> [String: RowLocation] {
        var out = [String: RowLocation]()
        for s in shards {
            for (b, block) in s.blocks.enumerated() {
                for id in block.ids where ids.contains(id) { out[id] = RowLocation(shard: s.index, block: b) }
            }
        }
        return out
    }
}

/// First block step (1-based) to rerun when the given 0-based blocks of a shard lose rows: the step of
/// the earliest such block, or 1 with `standardize` (the statistics cover the whole shard).
public func firstStepToRetrain<C: Collection>(affectedBlocks: C, config: TrainConfig) -> Int where C.Element == Int {
    guard let first = affectedBlocks.min() else { return config.blockCount + 1 }
    return config.standardize ? 1 : first + 1
}

/// The first 0-based block of `record` whose digest differs from that of the rows `data` holds for it
/// (`blocks[i]` is row i's block), or nil when every block matches. Uses the digest training records.
public func firstMismatchingBlock(_ record: ShardRecord, data: Dataset, blocks: [Int], labels: [String]) -> Int? {
    var rows = [[Int]](repeating: [], count: record.blocks.count)
    for (i, b) in blocks.enumerated() {
        guard b >= 0, b < rows.count else { return max(0, min(b, rows.count - 1)) }
        rows[b].append(i)
    }
    for b in rows.indices {
        let sorted = rows[b].sorted { data.ids[$0].utf8.lexicographicallyPrecedes(data.ids[$1].utf8) }
        if blockDigest(data, rows: sorted, labels: labels) != record.blocks[b].digest { return b }
    }
    return nil
}

/// Row-epochs of block steps `fromStep...R` of a shard whose blocks hold `blockSizes` rows: each row
/// counted once per epoch of every step that trains on it (the cost unit of SISA's formulas).
public func rowEpochs(blockSizes: [Int], fromStep: Int, config: TrainConfig) -> Int {
    var total = 0, cumulative = 0
    for r in 1...max(1, blockSizes.count) {
        cumulative += r <= blockSizes.count ? blockSizes[r - 1] : 0
        if r >= fromStep { total += config.epochs(forStep: r) * cumulative }
    }
    return total
}

/// One shard to retrain from a checkpoint: its remaining rows, their blocks, and the old record whose
/// checkpoints θ1…θ(fromStep−1) are kept.
public struct ResumeInput: Sendable {
    public var old: ShardRecord
    public var data: Dataset
    public var blocks: [Int]
    public var fromStep: Int
    public init(old: ShardRecord, data: Dataset, blocks: [Int], fromStep: Int) {
        self.old = old
        self.data = data
        self.blocks = blocks
        self.fromStep = fromStep
    }
}

/// Retrains shards from their checkpoints (`trainShard(fromStep:checkpoints:)`), at most `jobs` at a time;
/// the records come back in input order and do not depend on `jobs`. With the remaining rows of a
/// shard this gives, bit for bit, what training that shard from scratch on them gives.
public func resumeShards(_ inputs: [ResumeInput], config: TrainConfig, labels: [String], jobs: Int,
                         progress: (@Sendable (Int, Int, Int) -> Void)? = nil) throws -> [ShardRecord] {
    try concurrentMap(inputs, workers: jobs) { i, input in
        try trainShard(input.data, blocks: input.blocks, shard: input.old.index, config: config, labels: labels,
                       fromStep: input.fromStep,
                       checkpoints: input.old.blocks.prefix(input.fromStep - 1).map(\.parameters),
                       progress: { progress?(i, $0, $1) })
    }
}

extension ModelFile {
    /// This model with some shard records replaced (matched by index).
    public func replacingShards(_ records: [ShardRecord]) -> ModelFile {
        var byIndex = Dictionary(uniqueKeysWithValues: shards.map { ($0.index, $0) })
        for r in records { byIndex[r.index] = r }
        var out = ModelFile(config: config, labels: labels, features: features, shards: byIndex.values.sorted { $0.index < $1.index })
        // A replaced shard is retrained: no longer approximate.
        out.approximate = approximate.filter { a in !records.contains { $0.index == a.shard } }
        return out
    }
}

/// The outcome of exact forgetting.
public struct ExactForgetResult: Sendable {
    public var model: ModelFile
    /// Shards retrained, ascending.
    public var shardsRetrained: [Int]
    /// Row-epochs of the block steps rerun (see `rowEpochs`).
    public var rowEpochs: Int
}

/// Exact forgetting (SISA, ARCANE): every shard that holds one of `ids` reloads the checkpoint before its
/// earliest affected block and reruns the later block steps on `remaining(shard)` (that shard's rows
/// without the forgotten ones, each with its block); other shards keep their records. The result is
/// bit-identical to training the model's configuration from scratch on the remaining rows.
public func forgetExactly(_ model: ModelFile, ids: Set<String>, remaining: (Int) throws -> ShardInput, jobs: Int,
                          progress: (@Sendable (Int, Int, Int) -> Void)? = nil) throws -> ExactForgetResult {
    var affected = [Int: Set<Int>]()
    let locations = model.rowLocations(of: ids)
    for id in ids { if let l = locations[id] { affected[l.shard, default: []].insert(l.block) } }
    var inputs = [ResumeInput]()
    var cost = 0
    for shard in affected.keys.sorted() {
        let rows = try remaining(shard)
        guard rows.data.count > 0 else { throw TrainingError.emptyShard(shard) }
        // An approximately unlearned shard's checkpoints still reflect its removed rows: retrain it from step 1.
        let approximate = model.approximate.contains { $0.shard == shard }
        let fromStep = approximate ? 1 : firstStepToRetrain(affectedBlocks: affected[shard]!, config: model.config)
        var sizes = [Int](repeating: 0, count: model.config.blockCount)
        for b in rows.blocks where b >= 0 && b < sizes.count { sizes[b] += 1 }
        cost += rowEpochs(blockSizes: sizes, fromStep: fromStep, config: model.config)
        inputs.append(ResumeInput(old: model.shards.first { $0.index == shard }!, data: rows.data, blocks: rows.blocks, fromStep: fromStep))
    }
    let records = try resumeShards(inputs, config: model.config, labels: model.labels, jobs: jobs, progress: progress)
    return ExactForgetResult(model: model.replacingShards(records), shardsRetrained: affected.keys.sorted(), rowEpochs: cost)
}
