import Foundation
import ULCLI
import ULCore

let spec = CommandSpec(
    name: "ul-forget",
    summary: "forget rows: exact retraining from block checkpoints, a full retrain, or an approximate patch (PUMA, Newton)",
    usage: ["--model M --data FILE|DIR --requests FILE|- [--method exact|retrain|puma|newton] -o NEW [--remaining FILE] [--ledger FILE]"],
    options: [
        .modelFile("the model to forget from (left unchanged unless -o names it; required)"),
        .data("the rows the model was trained on (a CSV, or a ul-partition --split or --store directory; required)", value: "FILE|DIR"),
        OptionSpec("requests", short: "r", value: "FILE", help: "CSV with an id column: the rows to forget (- for standard input; required)"),
        OptionSpec("method", value: "METHOD", help: "exact (default: retrain affected shards from their checkpoints), retrain (everything from scratch), puma, newton"),
        OptionSpec.output.value("NEW").helping("the new model file, written atomically (required; a file, not -; may name --model)"),
        OptionSpec("remaining", value: "FILE", help: "write the remaining rows to FILE (atomically) instead of standard output"),
        OptionSpec("ledger", value: "FILE", help: "append one line per request batch to this forget ledger (CSV)"),
        OptionSpec("ignore-unknown", help: "skip requested ids found neither in the model nor in the data"),
        OptionSpec("wait", value: "SECONDS", help: "wait up to SECONDS for another job's lock on the model (default 0: fail at once)"),
        .jobs("shards retrained"),
    ] + ColumnNames.options + [IdKeyOption.spec] + ApproximateOptions.specs + OptionSpec.common,
    footer: """
    The remaining rows (the data without the forgotten rows, columns unchanged) go to standard output or
    --remaining; with --data DIR the affected shard files are rewritten in place instead. The new model of
    --method exact is bit-identical to the same commands rerun on the remaining rows (ul-select with the same
    options, ul-train with the same options). A shard whose every row is forgotten becomes an empty shard; a
    label whose every row is forgotten leaves the model (unless ul-train was given --classes), and every shard
    is retrained; forgetting every row is refused.
    See ul-forget(1).
    """)

runTool(spec) { args, ctx in
    let options = try ForgetOptions(args)
    let job = try ForgetJob(options, ctx)
    return try options.forgetMethod(for: job).run(job)
}
