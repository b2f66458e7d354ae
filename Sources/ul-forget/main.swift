import Foundation
import ULCLI
import ULCore

let spec = CommandSpec(
    name: "ul-forget",
    summary: "forget rows: exact retraining from block checkpoints, a full retrain, or an approximate patch (PUMA, Newton)",
    usage: ["--model M --data FILE|DIR --requests FILE|- [--method exact|retrain|puma|newton] -o NEW [--remaining FILE] [--ledger FILE]"],
    options: [
        .modelFile("the model to forget from (left unchanged unless -o names it; required)"),
        .data("the rows the model was trained on (a CSV, or a ul-partition --split directory; required)", value: "FILE|DIR"),
        OptionSpec("requests", short: "r", value: "FILE", help: "CSV with an id column: the rows to forget (- for standard input; required)"),
        OptionSpec("method", value: "METHOD", help: "exact (default: retrain affected shards from their checkpoints), retrain (everything from scratch), puma, newton"),
        OptionSpec.output.value("NEW").helping("the new model file, written atomically (required; a file, not -; may name --model)"),
        OptionSpec("remaining", value: "FILE", help: "write the remaining rows to FILE (atomically) instead of standard output"),
        OptionSpec("ledger", value: "FILE", help: "append one line per request batch to this forget ledger (CSV)"),
        OptionSpec("ignore-unknown", help: "skip requested ids found neither in the model nor in the data"),
        OptionSpec("wait", value: "SECONDS", help: "wait up to SECONDS for another job's lock on the model (default 0: fail at once)"),
        .jobs("shards retrained"),
    ] + ColumnNames.options + approximateMethodOptions + OptionSpec.common,
    footer: """
    The remaining rows (the data without the forgotten rows, columns unchanged) go to standard output or
    --remaining; with --data DIR the affected shard files are rewritten in place instead. The new model of
    --method exact is bit-identical to ul-train on the remaining rows with the same configuration.
    See ul-forget(1).
    """)

/// `--method exact`: every shard holding a forgotten row reloads the checkpoint before its earliest
/// affected block and reruns the later block steps on its remaining rows; other shards keep their bytes.
func forgetExact(_ job: ForgetJob) throws -> ExitStatus {
    var data = try job.readData(keepShards: Set(job.affectedBlocksByShard.keys))
    if let status = try job.finishIfNothingToRetrain(data) { return status }
    // Each shard's rows give way to its remaining rows, so memory holds about one copy of the kept shards.
    var remaining = [ShardInput]()
    for shard in job.affectedBlocksByShard.keys.sorted() {
        remaining.append(try job.remainingRows(of: shard, in: data))
        data.shards[shard] = nil
    }
    let bar = job.trainingProgress(shards: remaining.count)
    let result = try forgetExactly(job.model, ids: Set(job.requestIds), remaining: { s in remaining.first { $0.shard == s }! },
                                   jobs: job.jobs) { bar.update($0, $1, $2) }
    bar.finish()
    try job.finish(newModel: result.model, data: data, shardsRetrained: result.shardsRetrained, rowsRetrained: result.rowEpochs)
    return .ok
}

/// `--method retrain`: every shard from its seeded initial state on its remaining rows — what ul-train
/// would produce, and the reference the other methods are compared against.
func forgetRetrain(_ job: ForgetJob) throws -> ExitStatus {
    let config = job.model.config
    var data = try job.readData(keepShards: Set(config.heldShards))
    if let status = try job.finishIfNothingToRetrain(data) { return status }
    var inputs = [ShardInput]()
    var cost = 0
    for shard in config.heldShards {
        let rows = try job.remainingRows(of: shard, in: data)
        data.shards[shard] = nil
        inputs.append(rows)
        cost += rowEpochs(blockSizes: blockSizes(rows.blocks, count: config.blockCount), fromStep: 1, config: config)
    }
    let bar = job.trainingProgress(shards: inputs.count)
    let records = try trainShards(inputs, config: config, labels: job.model.labels, jobs: job.jobs) { bar.update($0, $1, $2) }
    bar.finish()
    try job.finish(newModel: job.model.replacingShards(records), data: data, shardsRetrained: config.heldShards, rowsRetrained: cost)
    return .ok
}

/// Rows per block.
func blockSizes(_ blocks: [Int], count: Int) -> [Int] {
    var sizes = [Int](repeating: 0, count: count)
    for b in blocks { sizes[b] += 1 }
    return sizes
}

runTool(spec) { args, ctx in
    let method = try args.choice("method", ["exact", "retrain", "puma", "newton"], default: "exact")
    let job = try ForgetJob(args, ctx, method: method)
    switch method {
    case "exact": return job.model.selection != nil ? try forgetArcane(job) : try forgetExact(job)
    case "retrain": return job.model.selection != nil ? try forgetArcane(job, fromScratch: true) : try forgetRetrain(job)
    case "puma": return try forgetPUMA(job, args)
    default: return try forgetNewton(job, args)
    }
}
