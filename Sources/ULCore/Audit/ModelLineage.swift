/// The lineage of a model file: which forgotten ids its block records still hold, and whether each block's
/// recorded digest (`BlockRecord.digest`, over ids, labels and features) matches the rows it names.
public struct ModelLineageReport {
    /// Every forgotten id a block still records, in shard, block, then recorded order.
    public let remaining: [LineageFinding]
    /// Blocks whose rows were all supplied but whose digest over them differs from the recorded one.
    public let digestMismatches: [(shard: Int, block: Int)]
    /// Blocks whose digest could not be checked because some of their ids were not among the supplied rows.
    public let unverified: [(shard: Int, block: Int)]
    /// Blocks checked in all.
    public let blocks: Int

    /// No forgotten id remains and no checked digest differs (unverified blocks do not count against it).
    public var ok: Bool { remaining.isEmpty && digestMismatches.isEmpty }
}

/// Checks a model's block records against the forgotten ids and recomputes every block digest whose rows are all
/// in `rows` (raw features, class indices into the model's labels; ids must be unique across the sets). The
/// digest is recomputed over the rows in the block's recorded id order, features scaled as training scaled them.
public func checkModelLineage(_ model: ModelFile, forgotten: [String], rows sets: [Dataset]) -> ModelLineageReport {
    var blocks = [LineageBlock]()
    for s in model.shards {
        for (b, block) in s.blocks.enumerated() { blocks.append(LineageBlock(shard: s.index, block: b, ids: block.ids)) }
    }
    let remaining = checkLineage(blocks: blocks, forgotten: forgotten).remaining
    var lookup = [String: (set: Int, row: Int)]()
    for (k, d) in sets.enumerated() { for (i, id) in d.ids.enumerated() { lookup[id] = (k, i) } }
    let featureCount = model.features.count
    var mismatches = [(shard: Int, block: Int)](), unverified = [(shard: Int, block: Int)]()
    for s in model.shards {
        for (b, block) in s.blocks.enumerated() {
            var rows = Dataset(featureCount: featureCount)
            var complete = true, mismatched = false
            for id in block.ids {
                // A row whose label the model does not have cannot be one of its blocks' rows: the digest says so.
                guard let (k, i) = lookup[id], sets[k].featureCount == featureCount else { complete = false; break }
                guard sets[k].classes[i] >= 0 else { mismatched = true; break }
                let d = sets[k]
                rows.ids.append(id)
                rows.classes.append(d.classes[i])
                for j in 0..<featureCount { rows.features.append(model.config.scaled(d.features[i * featureCount + j])) }
            }
            if mismatched {
                mismatches.append((s.index, b))
            } else if !complete {
                unverified.append((s.index, b))
            } else if !block.matches(rows, rows: Array(0..<rows.count), labels: model.labels) {
                mismatches.append((s.index, b))
            }
        }
    }
    return ModelLineageReport(remaining: remaining, digestMismatches: mismatches, unverified: unverified, blocks: blocks.count)
}
