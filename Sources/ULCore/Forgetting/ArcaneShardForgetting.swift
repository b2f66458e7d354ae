/// Result of forgetting rows of one selected shard (ARCANE).
public struct ArcaneShardForgetting: Sendable {
    /// The shard's new record (the old one, same bits, when no forgotten row had been selected).
    public var record: ShardRecord
    /// Per remaining candidate row: selected or not, and its step (0 if not), as ul-select on the remaining
    /// rows with the recorded count would write them.
    public var selected: [Bool]
    public var step: [Int]
    /// First block step retrained (blockCount + 1: none).
    public var fromStep: Int
    /// Selection steps replayed (kept) before re-selection continued; nil when nothing was re-selected.
    public var reselectedFromStep: Int?
    /// Rows per block of the new training set (selected rows).
    var blockSizes: [Int]
    /// Cost of the block steps rerun (see `retrainingCost`).
    public var cost: Int
    public var retrained: Bool { fromStep <= blockSizes.count }
}

/// Forgets rows of one shard of a model trained on selected rows. `candidates` are the shard's remaining rows
/// — selected or not, the forgotten rows already removed — with features as read (before any scaling), and
/// `blocks` their blocks. `forgotten` are the ids removed from this shard.
///
/// * No forgotten row had been selected: nothing is re-selected or retrained; the record is returned as is.
///   Coverage and herding selection, whose steps depend on every row, re-select when the shard lost any row,
///   and keep the record when the same rows come out in the same order.
/// * Otherwise the shard is re-selected with the recorded count m, resuming from the recorded order (steps
///   before the first forgotten one are replayed), and its sub-model retrains from the checkpoint before the
///   first block whose selected rows changed.
///
/// Either way the result equals selecting (with m) and training from scratch on the remaining rows, bit for bit.
/// `fromScratch` does exactly that instead (re-selection from step 1, training from block step 1): the
/// reference `--method retrain` computes.
public func forgetInSelectedShard(_ old: ShardRecord, candidates: Dataset, blocks: [Int], forgotten: Set<String>,
                                  spec: SelectionSpec, config: TrainConfig, labels: [String],
                                  fromScratch: Bool = false) throws -> ArcaneShardForgetting {
    precondition(blocks.count == candidates.count)
    guard let recorded = old.selection else { throw TrainingError.badResume("shard \(old.index) has no selection record") }
    let R = config.blockCount
    let stepOf = Dictionary(uniqueKeysWithValues: recorded.order.enumerated().map { ($1, $0 + 1) })
    let hit = forgotten.compactMap { stepOf[$0] }.min()
    // The count the user's rule gives on the remaining rows (random selection by a fraction has none): when it
    // differs from the recorded one, the shard re-selects even if no forgotten row was selected.
    let count = recorded.count == -1 ? -1 : spec.countRule.count(rows: candidates.count, recorded: recorded.count)
    let recount = count != recorded.count ? min(count, recorded.count) + 1 : nil
    let unchanged = {
        let steps = candidates.ids.map { stepOf[$0] ?? 0 }
        return ArcaneShardForgetting(record: old, selected: steps.map { $0 > 0 }, step: steps, fromStep: R + 1,
                                     reselectedFromStep: nil, blockSizes: old.blocks.map(\.rowCount), cost: 0)
    }
    // Coverage and herding: every row of the shard, chosen or not, counts in every step, so losing one re-selects.
    let anyLoss = !spec.method.unchosenRowsAreFree && !forgotten.isEmpty
    guard var firstHit = hit.map({ min($0, recount ?? $0) }) ?? recount ?? (fromScratch || anyLoss ? 1 : nil) else {
        return unchanged()
    }
    let outcome = try selectShard(features: candidates.features, dimension: candidates.featureCount, ids: candidates.ids,
                                  spec: spec, count: count, resumingFrom: fromScratch ? [] : recorded.order)
    if !spec.method.unchosenRowsAreFree && !fromScratch {
        // The first step that differs from the recorded order; the same order is the same model.
        if outcome.record.order == recorded.order && count == recorded.count { return unchanged() }
        firstHit = outcome.replayedSteps + 1
    }
    let rows = (0..<candidates.count).filter { outcome.selected[$0] }
    var train = candidates.subset(rows)
    if config.scale != nil { train.features = train.features.map { config.scaled($0) } }
    let trainBlocks = rows.map { blocks[$0] }
    let resumed = try resumeShard(ShardResume(input: ShardInput(shard: old.index, data: train, blocks: trainBlocks),
                                              recorded: fromScratch ? nil : old), config: config, labels: labels)
    var record = resumed.record
    // As ul-train records a selection: the count is the number of rows selected (fewer than m when fewer
    // rows remain; 0 for a shard left empty), or none for random selection by a fraction.
    record.selection = outcome.record
    if outcome.record.count != -1 { record.selection!.count = outcome.record.order.count }
    return ArcaneShardForgetting(record: record, selected: outcome.selected, step: outcome.step, fromStep: resumed.fromStep,
                                 reselectedFromStep: spec.method != .random ? (fromScratch ? 1 : firstHit) : nil,
                                 blockSizes: resumed.blockSizes, cost: resumed.cost)
}
