import Foundation
import ULCLI
import ULCore

let spec = CommandSpec(
    name: "ul-audit",
    summary: "measure forgetting: accuracy, membership inference, distance to a reference, lineage",
    usage: ["--model M --data RETAINED --forget FORGOTTEN --test TEST [--reference M0] [--shadow K] [--ledger FILE]\n"
        + "           [--max-auc X] [--max-accuracy-drop X] [--require-lineage] [-o FILE] [--plot FILE.svg]"],
    options: [
        .modelFile("the model to audit (required)"),
        .data("the retained rows: id, label and the model's features, or a shard store directory (required)", value: "FILE|DIR"),
        OptionSpec("forget", short: "f", value: "FILE", help: "the forgotten rows, full rows like --data (required)"),
        OptionSpec("test", short: "t", value: "FILE", help: "held-out rows the model never trained on (required)"),
        OptionSpec("rows", value: "FILE|DIR", help: "when --forget holds only ids: take the forgotten rows from FILE or a shard store (e.g. the training data)"),
        OptionSpec("reference", value: "M0", help: "reference model, usually retrained without the forgotten rows"),
        OptionSpec("shadow", short: "k", value: "K", help: "train K ≥ 2 shadow models for LiRA (default 0: no LiRA)"),
        OptionSpec("attack", value: "online|offline", help: "LiRA with IN and OUT shadows per row (online, default; K even) or OUT only (offline)"),
        .seed("the shadow models' halves and training, and of the bootstrap"),
        OptionSpec("bootstrap", value: "B", help: "resamples of the 95 % bootstrap intervals of AUCs and advantages (default 1000; 0: no intervals)"),
        .jobs("shadow models trained"),
        OptionSpec("epsilon", value: "N", help: "per-example unlearning ε: N models unlearned by --method against N retrained (default 0: none)"),
        OptionSpec("method", value: "METHOD", help: "the unlearning of --epsilon: exact (default), puma or newton"),
        OptionSpec("damping", value: "D", help: "--epsilon with puma or newton: curvature damping (default 0; mlp needs some)"),
        OptionSpec("epsilon-rows", value: "FILE", help: "write id,epsilon of every forgotten row to FILE"),
        OptionSpec("epsilon-plot", value: "FILE.svg", help: "write a histogram of the per-example ε as SVG"),
        OptionSpec("ledger", value: "FILE", help: "forget ledger whose last model_after must be the model's SHA-256"),
        OptionSpec("max-auc", value: "X", help: "fail (exit 1) if a membership AUC of the model exceeds X"),
        OptionSpec("max-accuracy-drop", value: "X", help: "fail (exit 1) if test accuracy is more than X below the reference's"),
        OptionSpec("require-lineage", help: "fail (exit 1) also when a block's digest could not be verified"),
        OptionSpec("output", short: "o", value: "FILE", aliases: ["report"],
                   help: "write the report to FILE, atomically (default, and -: standard output)"),
        OptionSpec("format", value: "csv|json", help: "report format (default: json if FILE ends in .json, else csv)"),
        OptionSpec("json", value: "FILE", help: "also write the report as JSON to FILE"),
        OptionSpec("plot", value: "FILE.svg", help: "write the membership ROC curves (log-log) as SVG"),
    ] + ColumnNames.options + [IdKeyOption.spec] + OptionSpec.common,
    retired: [RetiredShort("r", use: "--reference M0 for the reference model (-r is --requests of ul-forget)")],
    footer: """
    Members are the forgotten rows, non-members the test rows. Shadow models are trained with the model's own
    configuration: online, on complementary halves of all rows (each row IN for half of them); offline, on
    seeded random halves of the retained rows. Intervals are 95 %: bootstrap for AUCs and advantages,
    Clopper-Pearson for TPRs. A lineage violation (a forgotten id still in
    the model's record, a block digest that does not match its rows, a model that is not the ledger's last)
    always exits 1. Report keys and their meaning: see ul-audit(1).
    """)

runTool(spec) { args, ctx in
    try runAudit(try AuditOptions(args), ctx)
}
