import ULCLI
import ULCore

/// `--method exact` on a model trained on selected rows (ARCANE: ul-select, then ul-train --selection). A
/// requested row that was not selected costs nothing: the model keeps its bytes and the ledger says so
/// (coverage selection, whose every step depends on every row, re-selects the shard to know). A
/// selected row makes its shard re-select, resuming at the step the row had been chosen at with the recorded
/// count m, and resume training from the checkpoint before the first block whose selected rows changed; other
/// shards keep their bytes. The remaining rows carry the new selected/select_step values, so the result equals
/// ul-select (with the recorded counts) and ul-train on them, bit for bit.
///
/// `--method retrain` (`fromScratch`) re-selects every shard from step 1 and retrains it from block step 1:
/// the same result at full cost, the reference the exact mode is checked against.
struct ArcaneForget: ForgetMethod {
    let fromScratch: Bool
    /// The model to retrain into, when the request changed its shape (labels, block or shard count): every
    /// shard is then re-selected and retrained from scratch. nil: the job's model.
    var reshaped: ModelFile? = nil

    func run(_ job: ForgetJob) throws -> ExitStatus {
        let spec = job.model.selection!
        let hit = Set(job.requestIds.compactMap { job.requestedLocations[$0]?.shard })
        var affected = fromScratch ? Set((reshaped ?? job.model).config.heldShards) : hit
        var data = try job.readData(keepShards: affected, candidates: true)
        if spec.countRule.followsRowCount || !spec.method.unchosenRowsAreFree, !data.shardsWithUnselectedDrops.isSubset(of: affected) {
            // Unselected rows leave shards not yet read: their count round(F × N) may change, and coverage
            // and herding count every row, so they are read too.
            affected.formUnion(data.shardsWithUnselectedDrops.intersection((reshaped ?? job.model).config.heldShards))
            data = try job.readData(keepShards: affected, candidates: true)
        }
        let unselected = data.droppedIds.filter { job.requestedLocations[$0] == nil }.count
        if affected.isEmpty && !(fromScratch && !data.droppedIds.isEmpty) {
            guard !data.droppedIds.isEmpty, data.unknown.isEmpty || job.options.ignoreUnknown else {
                return try job.finishIfNothingToRetrain(data)!
            }
            try job.refuseUnknown(data)
            try job.commit(ForgetOutcome(model: nil, note: "\(unselected) unselected: nothing retrained"), data: data)
            return .ok
        }
        try job.refuseUnknown(data)

        var model = reshaped ?? job.model
        // Class indices of the rows as read (the job's labels) in the model's labels.
        let newIndex = Dictionary(uniqueKeysWithValues: model.labels.enumerated().map { ($1, Int32($0)) })
        let classMap = job.model.labels.map { newIndex[$0] ?? -1 }
        var cost = 0
        var notes = unselected > 0 ? ["\(unselected) unselected"] : []
        if reshaped != nil { notes.append("the request changed the model's shape (labels, shard or block count): every shard re-selected and retrained") }
        var selection = Reselection(shards: affected, rows: [:])
        var changed = [Int]()
        for shard in affected.sorted() {
            let all = data.shards[shard] ?? ShardRows(featureCount: model.features.count)
            let keep = (0..<all.data.count).filter { !data.droppedIds.contains(all.data.ids[$0]) }
            var remaining = all.data.subset(keep)
            if model.labels != job.model.labels { remaining.classes = remaining.classes.map { classMap[Int($0)] } }
            // The requested rows this shard loses: those it holds, and those the model never held.
            let gone = Set(all.data.ids).intersection(data.droppedIds).union(data.unselectedDrops[shard] ?? [])
            let position = model.shards.firstIndex { $0.index == shard }!
            let result: ArcaneShardForgetting
            do {
                result = try forgetInSelectedShard(model.shards[position], candidates: remaining, blocks: keep.map { all.blocks[$0] },
                                                   forgotten: gone, spec: spec, config: model.config, labels: model.labels,
                                                   fromScratch: fromScratch)
            } catch let e as TrainingError {
                throw ToolError.data("shard \(shard): \(e)", file: job.options.dataPath)
            } catch let e as SelectionError {
                throw ToolError.data("shard \(shard): re-selection failed: \(e)", file: job.options.dataPath)
            }
            if result.record != model.shards[position] || result.reselectedFromStep != nil { changed.append(shard) }
            model.shards[position] = result.record
            for (k, id) in remaining.ids.enumerated() { selection.rows[id] = (result.selected[k], result.step[k]) }
            cost += result.cost
            if result.reselectedFromStep == nil && !result.retrained && !fromScratch {
                notes.append(spec.method.unchosenRowsAreFree ? "shard \(shard): count unchanged, nothing re-selected"
                             : "shard \(shard): re-selected, the same rows in the same order: nothing retrained")
            } else {
                notes.append("shard \(shard) re-selected from step \(result.reselectedFromStep.map(String.init) ?? "1") then retrained from block step \(result.fromStep)")
            }
        }
        if changed.isEmpty && reshaped == nil {
            // Counts unchanged and no selected row forgotten: the model keeps its bytes.
            try job.commit(ForgetOutcome(model: nil, note: "\(unselected) unselected: nothing retrained"), data: data)
            return .ok
        }
        if reshaped == nil {
            var trainedLabels = Set<String>()
            for shard in affected {
                guard let rows = data.shards[shard] else { continue }
                for (i, id) in rows.data.ids.enumerated() where selection.rows[id]?.selected == true {
                    trainedLabels.insert(job.model.labels[Int(rows.data.classes[i])])
                }
            }
            let shape = try job.derivedShape(of: model, trainedLabels: trainedLabels, data: data)
            if shape.labels != model.labels || shape.blockCount != model.config.blockCount {
                _ = job.shapeNote(shape)
                return try ArcaneForget(fromScratch: true, reshaped: job.reshapedModel(shape)).run(job)
            }
            model = job.droppingTrailingShards(model, shape: shape)
            let shapeNote = job.shapeNote(shape)
            if !shapeNote.isEmpty { notes.append(shapeNote) }
        }
        try job.commit(ForgetOutcome(model: model, shardsRetrained: reshaped == nil ? changed.sorted() : affected.sorted(), cost: cost, note: notes.joined(separator: "; "),
                                     selection: selection), data: data)
        return .ok
    }
}
