import Foundation
import ULCLI
import ULCore

let spec = CommandSpec(
    name: "ul-influence",
    summary: "influence of every training row on the parameters, on a criterion, and on itself",
    usage: ["--model M --data FILE [--valid FILE] [--solver exact|cg] [--curvature-kind hessian|gauss-newton] [--damping D] [--sort COL] [--top K] [-o FILE]"],
    options: [
        .modelFile("the trained model (softmax or mlp; required)"),
        .data("its training rows (all rows of every shard they touch), or a shard store directory (required)", value: "FILE|DIR"),
        OptionSpec("valid", value: "FILE", help: "criterion = mean loss on these rows (default: on the shard's training rows)"),
    ] + CurvatureOptions.specs() + [
        OptionSpec("no-store", help: "do not write a computed factor or preconditioner"),
        OptionSpec("sort", value: "COL", help: "sort by this column, largest first (\(InfluenceOptions.columns.joined(separator: ", ")))"),
        OptionSpec("top", value: "K", help: "keep only the first K rows (after --sort)"),
        .output,
        IdKeyOption.spec,
    ] + ColumnNames.options + OptionSpec.common,
    footer: """
    Output columns: id, influence_params (‖H⁻¹g‖), influence_criterion (s = −∇CᵀH⁻¹g), self_influence (gᵀH⁻¹g),
    shard. Removing a row changes C by about −s: a positive s marks a row whose removal lowers C. See ul-influence(1).
    """)

runTool(spec) { args, ctx in
    try runInfluence(try InfluenceOptions(args), ctx)
}
