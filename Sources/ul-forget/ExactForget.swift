import ULCLI
import ULCore

/// `--method exact` (SISA): every shard holding a forgotten row goes through the resume engine on its
/// remaining rows, so it reloads the checkpoint before its earliest affected block and reruns the later
/// block steps; other shards keep their bytes. A shard may end up empty. `--method retrain` (`fromScratch`):
/// every shard from its seeded initial state on its remaining rows — what ul-train would produce, the
/// reference the other methods are compared against. When the requests change what ul-train derives from
/// the rows (the label list, the block count; see `DerivedShape`), every shard is retrained into the new shape.
struct ExactForget: ForgetMethod {
    let fromScratch: Bool
    /// Said first in the ledger note (an approximate method that retrains exactly says why).
    var notePrefix = ""

    func run(_ job: ForgetJob) throws -> ExitStatus {
        let shards = fromScratch ? job.model.config.heldShards : job.affectedBlocksByShard.keys.sorted()
        var data = try job.readData(keepShards: Set(shards))
        if let status = try job.finishIfNothingToRetrain(data) { return status }
        job.stageRemaining(data)
        // Each shard's rows give way to its remaining rows, so memory holds about one copy of the kept shards.
        var remaining = [Int: ShardInput]()
        for shard in shards { remaining[shard] = job.takeRemainingRows(of: shard, from: &data) }
        let trainedLabels = Set(remaining.values.flatMap { $0.data.classes.map { job.model.labels[Int($0)] } })
        let shape = try job.derivedShape(of: job.model.removingIds(data.droppedIds), trainedLabels: trainedLabels, data: data)
        if shape.labels != job.model.labels || shape.blockCount != job.model.config.blockCount {
            remaining = [:]
            return try retrainReshaped(job, shape: shape)
        }
        let bar = job.trainingProgress(shards: remaining.count)
        var outcome: ForgetOutcome
        if fromScratch {
            let resumed = try resumeShards(shards, load: { ShardResume(input: remaining[$0]!, recorded: nil) }, config: job.model.config,
                                           labels: job.model.labels, jobs: job.options.jobs) { bar.update($0, $1, $2) }
            outcome = ForgetOutcome(model: job.model.replacingShards(resumed.map(\.record)), shardsRetrained: shards,
                                    cost: resumed.reduce(0) { $0 + $1.cost })
        } else {
            let result = try forgetExactly(job.model, ids: Set(job.requestIds), remaining: { remaining[$0]! }, jobs: job.options.jobs) {
                bar.update($0, $1, $2)
            }
            outcome = ForgetOutcome(model: result.model, shardsRetrained: result.shardsRetrained, cost: result.cost)
        }
        bar.finish()
        outcome.model = outcome.model.map { job.droppingTrailingShards($0, shape: shape) }
        outcome.note = [notePrefix, job.shapeNote(shape), fixedSelectionNote(job, data)].filter { !$0.isEmpty }.joined(separator: "; ")
        try job.commit(outcome, data: data)
        return .ok
    }

    /// Every shard from scratch into the derived shape: the data is read again with every shard kept.
    private func retrainReshaped(_ job: ForgetJob, shape: DerivedShape) throws -> ExitStatus {
        let all = job.model.config.heldShards
        var data = try job.readData(keepShards: Set(all))
        var target = job.reshapedModel(shape)
        let newIndex = Dictionary(uniqueKeysWithValues: shape.labels.enumerated().map { ($1, Int32($0)) })
        var remaining = [Int: ShardInput]()
        for shard in all where shard < shape.shardCount {
            var rows = job.takeRemainingRows(of: shard, from: &data)
            rows.data.classes = rows.data.classes.map { newIndex[job.model.labels[Int($0)]]! }
            remaining[shard] = rows
        }
        let held = remaining.keys.sorted()
        let bar = job.trainingProgress(shards: held.count)
        let resumed = try resumeShards(held, load: { ShardResume(input: remaining[$0]!, recorded: nil) }, config: target.config,
                                       labels: target.labels, jobs: job.options.jobs) { bar.update($0, $1, $2) }
        bar.finish()
        target = target.replacingShards(resumed.map(\.record))
        try job.commit(ForgetOutcome(model: target, shardsRetrained: held, cost: resumed.reduce(0) { $0 + $1.cost },
                                     note: [notePrefix, job.shapeNote(shape)].filter { !$0.isEmpty }.joined(separator: "; ")), data: data)
        return .ok
    }

    /// With `--selection fixed` a forgotten selected row is dropped, not replaced by a re-selection: say so.
    private func fixedSelectionNote(_ job: ForgetJob, _ data: ForgetData) -> String {
        guard job.model.declared.contains(.fixedSelection), !job.requestedLocations.isEmpty else { return "" }
        let text = "the selection is fixed (ul-train --selection fixed): \(job.requestedLocations.count) selected row\(job.requestedLocations.count == 1 ? "" : "s") dropped, none re-selected; exact for the fixed subset, not for rerunning ul-select"
        job.ctx.note(text)
        return text
    }
}
