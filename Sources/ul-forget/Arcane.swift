import Foundation
import ULCLI
import ULCore

/// `--method exact` on a model trained on selected rows (ARCANE: ul-select, then ul-train --selection). A
/// requested row that was not selected costs nothing: the model keeps its bytes and the ledger says so. A
/// selected row makes its shard re-select, resuming at the step the row had been chosen at with the recorded
/// count m, and retrain from the checkpoint before the first block whose selected rows changed; other shards
/// keep their bytes. The remaining rows carry the new selected/select_step values, so the result equals
/// ul-select (with the recorded counts) and ul-train on them, bit for bit.
///
/// `--method retrain` (`fromScratch`) re-selects every shard from step 1 and retrains it from block step 1:
/// the same result at full cost, the reference the exact mode is checked against.
func forgetArcane(_ job: ForgetJob, fromScratch: Bool = false) throws -> ExitStatus {
    guard let spec = job.model.selection else { return fromScratch ? try forgetRetrain(job) : try forgetExact(job) }
    let hit = Set(job.requestIds.compactMap { job.requestedLocations[$0]?.shard })
    let affected = fromScratch ? Set(job.model.config.heldShards) : hit
    let checked = try job.readData(keepShards: affected)  // checks the data against the model's record
    let unselected = checked.droppedIds.filter { job.requestedLocations[$0] == nil }.count
    if hit.isEmpty && !(fromScratch && !checked.droppedIds.isEmpty) {
        guard !checked.droppedIds.isEmpty, checked.unknown.isEmpty || job.ignoreUnknown else {
            return try job.finishIfNothingToRetrain(checked)!
        }
        if !checked.unknown.isEmpty { job.ctx.note("ignoring \(checked.unknown.count) unknown ids") }
        try job.finish(newModel: nil, data: checked, shardsRetrained: [], rowsRetrained: 0,
                       note: "\(unselected) unselected: nothing retrained")
        return .ok
    }
    if !checked.unknown.isEmpty && !job.ignoreUnknown { _ = try job.finishIfNothingToRetrain(checked) }

    let candidates = try readCandidates(job, shards: affected)
    var model = job.model
    var cost = 0
    var notes = unselected > 0 ? ["\(unselected) unselected"] : []
    var newSelection = [String: (Bool, Int)]()
    for shard in affected.sorted() {
        let all = candidates[shard]!
        let keep = (0..<all.data.count).filter { !checked.droppedIds.contains(all.data.ids[$0]) }
        let remaining = all.data.subset(keep)
        let gone = Set(all.data.ids).intersection(checked.droppedIds)
        let position = model.shards.firstIndex { $0.index == shard }!
        let result: ArcaneShardForgetting
        do {
            result = try forgetInSelectedShard(model.shards[position], candidates: remaining, blocks: keep.map { all.blocks[$0] },
                                               forgotten: gone, spec: spec, config: model.config, labels: model.labels,
                                               fromScratch: fromScratch)
        } catch let e as TrainingError {
            throw ToolError.data("shard \(shard): \(e)", file: job.dataPath)
        } catch let e as SelectionError {
            throw ToolError.data("shard \(shard): re-selection failed: \(e)", file: job.dataPath)
        }
        model.shards[position] = result.record
        for (k, id) in remaining.ids.enumerated() { newSelection[id] = (result.selected[k], result.step[k]) }
        if result.retrained {
            cost += model.config.kind.trainsIteratively
                ? rowEpochs(blockSizes: result.blockSizes, fromStep: result.fromStep, config: model.config)
                : cumulativeRows(result.blockSizes, fromStep: result.fromStep)
        }
        notes.append("shard \(shard) re-selected from step \(result.reselectedFromStep.map(String.init) ?? "1") then retrained from block step \(result.fromStep)")
    }
    try finishArcane(job, model: model, data: checked, shardsRetrained: affected.sorted(), rowsRetrained: cost,
                     note: notes.joined(separator: "; "), selection: newSelection, reselectedShards: affected)
    return .ok
}

/// Rows a closed-form one-class model fits in block steps fromStep…R: step r refits on B1 ∪ … ∪ Br.
func cumulativeRows(_ sizes: [Int], fromStep: Int) -> Int {
    var total = 0, running = 0
    for (r, n) in sizes.enumerated() {
        running += n
        if r + 1 >= fromStep { total += running }
    }
    return total
}

/// Every row of the given shards, selected or not, with features as read (selection scales them itself) and
/// the forgotten rows included.
private func readCandidates(_ job: ForgetJob, shards: Set<Int>) throws -> [Int: ShardRows] {
    var out = [Int: ShardRows]()
    for s in shards { out[s] = ShardRows(featureCount: job.model.features.count) }
    let paths = job.dataIsDirectory ? shards.sorted().map(job.shardFile) : [job.dataPath]
    let classIndex = Dictionary(uniqueKeysWithValues: job.model.labels.enumerated().map { ($1, Int32($0)) })
    for path in paths {
        let r = try CSVReader(path: path)
        let idCol = try r.requireColumn(job.idColumn, option: "id")
        let labelCol = try r.requireColumn(job.labelColumn, option: "label")
        let shardCol = r.column("shard"), blockCol = r.column("block")
        let featureCols = try job.model.features.map { name -> Int in
            guard let c = r.column(name) else { throw ToolError.data("missing feature column '\(name)'", file: path, line: 1) }
            return c
        }
        var row = [Float](repeating: 0, count: featureCols.count)
        while try r.next() {
            let shard = try shardCol.map { try job.parseIndex(r, $0) } ?? 0
            guard shards.contains(shard) else { continue }
            guard let c = classIndex[r.string(labelCol)] else {
                throw ToolError.data("label '\(r.string(labelCol))' is not one the model knows", file: path, line: r.line)
            }
            for (j, col) in featureCols.enumerated() { row[j] = try r.float(col) }
            let block = try blockCol.map { try job.parseIndex(r, $0) } ?? 0
            row.withUnsafeBufferPointer { out[shard]!.append(id: r.string(idCol), classIndex: c, block: block, features: $0) }
        }
    }
    return out
}

/// As `ForgetJob.finish`, but the remaining rows of re-selected shards get their new selected/select_step.
private func finishArcane(_ job: ForgetJob, model: ModelFile, data: ForgetData, shardsRetrained: [Int], rowsRetrained: Int,
                          note: String, selection: [String: (Bool, Int)], reselectedShards: Set<Int>) throws {
    let after = try model.encode()
    try job.writeModel(after)
    if let l = job.ledgerPath {
        var text = note
        if !data.unknown.isEmpty { text += "; \(data.unknown.count) unknown ids ignored" }
        try LedgerFile.append(LedgerEntry(time: LedgerFile.now(), requestsDigest: requestsDigest(job.requestIds),
                                          requestCount: job.requestIds.count, method: job.method,
                                          modelBefore: hexString(SHA256Digest.hash(job.modelBytes)),
                                          modelAfter: hexString(SHA256Digest.hash(after)),
                                          shardsRetrained: shardsRetrained.map(String.init).joined(separator: " "),
                                          rowsRetrained: rowsRetrained, note: text), to: l)
    }
    if job.dataIsDirectory {
        let files = data.filesWithDrops.union(reselectedShards.map(job.shardFile))
        for path in files.sorted() { try copyWithSelection(from: path, to: path, job: job, dropping: data.droppedIds, selection: selection) }
    } else {
        try copyWithSelection(from: job.dataPath, to: job.remainingPath, job: job, dropping: data.droppedIds, selection: selection)
    }
    job.ctx.summary(String(format: "exact (selected): %d rows forgotten, shards [%@] retrained, %d rows, %.2f s; %@",
                           data.droppedIds.count, shardsRetrained.map(String.init).joined(separator: " "), rowsRetrained,
                           Date().timeIntervalSince(job.started), note))
}

private func copyWithSelection(from input: String, to output: String?, job: ForgetJob, dropping: Set<String>,
                               selection: [String: (Bool, Int)]) throws {
    let r = try CSVReader(path: input)
    let idCol = try r.requireColumn(job.idColumn, option: "id")
    let selectedCol = try r.requireColumn("selected"), stepCol = try r.requireColumn("select_step")
    let w = CSVWriter(try OutputFile(path: output))
    try w.row(r.header)
    while try r.next() {
        let id = r.string(idCol)
        if dropping.contains(id) { continue }
        let new = selection[id]
        for i in 0..<r.fieldCount {
            if let n = new, i == selectedCol {
                w.field(n.0 ? "1" : "0")
            } else if let n = new, i == stepCol {
                w.field(n.1)
            } else {
                w.field(r.field(i))
            }
        }
        try w.endRow()
    }
    try w.finish()
}
