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
    /// Cost of the block steps rerun (see `retrainingCost`).
    public var cost: Int
}

/// Exact forgetting (SISA, ARCANE) through the resume engine: every shard that holds one of `ids` is
/// resumed on `remaining(shard)` (that shard's rows without the forgotten ones, each with its block), so
/// it reloads the checkpoint before its earliest affected block and reruns the later block steps; other
/// shards keep their records. The result is bit-identical to training the model's configuration from
/// scratch on the remaining rows.
public func forgetExactly(_ model: ModelFile, ids: Set<String>, remaining: (Int) throws -> ShardInput, jobs: Int,
                          progress: (@Sendable (Int, Int, Int) -> Void)? = nil) throws -> ExactForgetResult {
    let affected = Set(model.rowLocations(of: ids).values.map(\.shard)).sorted()
    let resumed = try resumeShards(affected, load: { shard -> ShardResume in
        let rows = try remaining(shard)
        guard rows.data.count > 0 else { throw TrainingError.emptyShard(shard) }
        // An approximately unlearned shard's checkpoints still reflect its removed rows: nothing to resume from.
        let trusted = !model.approximate.contains { $0.shard == shard }
        return ShardResume(input: rows, recorded: trusted ? model.shards.first { $0.index == shard } : nil)
    }, config: model.config, labels: model.labels, jobs: jobs, progress: progress)
    return ExactForgetResult(model: model.replacingShards(resumed.map(\.record)), shardsRetrained: affected,
                             cost: resumed.reduce(0) { $0 + $1.cost })
}
