/// What changed between a model and the model resumed from it, as ul-train --resume reports it and its
/// ledger line records it. Rows are compared by id over the shards the new model holds; a row whose id
/// stayed but whose features or label changed is seen only through its block's digest, so corrections are
/// counted per block.
public struct ResumeSummary: Equatable, Sendable {
    /// Ids in the new records that the old ones did not have.
    public var added: [String] = []
    /// Ids the old records had that the new ones do not.
    public var removed: [String] = []
    /// Ids in both whose shard or block changed.
    public var moved = 0
    /// Ids in both.
    public var kept = 0
    /// Blocks whose ids are as recorded but whose rows are not (a corrected feature or label).
    public var correctedBlocks = 0
    /// Block steps run and block steps in all (shards × blocks).
    public var stepsRerun = 0, steps = 0
    /// Shards whose steps ran, ascending.
    public var shardsRetrained: [Int] = []
    /// Cost of the steps run (see `retrainingCost`).
    public var cost = 0

    /// Compares `old`'s records of the shards in `resumed` with the new ones; `blockCount` is the new model's.
    public init(old: ModelFile, resumed: [ResumedShard], blockCount: Int) {
        var before = [String: (shard: Int, block: Int)]()
        let held = Set(resumed.map(\.record.index))
        for s in old.shards where held.contains(s.index) {
            for (b, block) in s.blocks.enumerated() { for id in block.ids { before[id] = (s.index, b) } }
        }
        var seen = Set<String>()
        for r in resumed {
            let record = r.record
            let recorded = old.shards.first { $0.index == record.index }
            for (b, block) in record.blocks.enumerated() {
                for id in block.ids {
                    seen.insert(id)
                    if let where_ = before[id] {
                        kept += 1
                        if where_ != (record.index, b) { moved += 1 }
                    } else {
                        added.append(id)
                    }
                }
                if let o = recorded, o.blocks.count == record.blocks.count, o.blocks[b].ids == block.ids, o.blocks[b].digest != block.digest {
                    correctedBlocks += 1
                }
            }
            if r.retrained {
                shardsRetrained.append(record.index)
                stepsRerun += blockCount - r.fromStep + 1
            }
            cost += r.cost
        }
        removed = before.keys.filter { !seen.contains($0) }.sorted()
        steps = resumed.count * blockCount
        shardsRetrained.sort()
    }

    /// The run in a line: "rows added A, removed D, moved M, corrected in C blocks; block steps rerun N of T".
    public var description: String {
        var rows = "rows added \(added.count), removed \(removed.count)"
        if moved > 0 { rows += ", moved \(moved)" }
        rows += ", corrected in \(correctedBlocks) block\(correctedBlocks == 1 ? "" : "s")"
        return rows + "; block steps rerun \(stepsRerun) of \(steps)"
    }
}
