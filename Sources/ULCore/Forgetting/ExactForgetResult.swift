import Dispatch
import Foundation

extension ModelFile {
    /// Shard `index`'s record as the resume engine may continue it (nil when this file holds no such
    /// shard). An approximately unlearned shard resumes from its last clean checkpoint: the blocks from its
    /// first dirty one on count as changed, whatever their digests say.
    public func resumableRecord(of index: Int) -> ShardRecord? {
        guard var recorded = shards.first(where: { $0.index == index }) else { return nil }
        if let a = approximate.first(where: { $0.shard == index }) {
            for b in recorded.blocks.indices where b >= a.firstDirtyBlock { recorded.blocks[b].digest = [] }
        }
        return recorded
    }

    /// This model with some shard records replaced (matched by index).
    public func replacingShards(_ records: [ShardRecord]) -> ModelFile {
        var byIndex = Dictionary(uniqueKeysWithValues: shards.map { ($0.index, $0) })
        for r in records { byIndex[r.index] = r }
        var out = self
        out.shards = byIndex.values.sorted { $0.index < $1.index }
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
        ShardResume(input: try remaining(shard), recorded: model.resumableRecord(of: shard))
    }, config: model.config, labels: model.labels, jobs: jobs, progress: progress)
    return ExactForgetResult(model: model.replacingShards(resumed.map(\.record)), shardsRetrained: affected,
                             cost: resumed.reduce(0) { $0 + $1.cost })
}
