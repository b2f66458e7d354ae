import Foundation
import ULCLI
import ULCore

let spec = CommandSpec(
    name: "ul-inspect",
    summary: "show what a model file records: configuration, labels, shards, blocks, approximate state, curvature",
    usage: ["MODEL [--format csv|json] [--curvature FILE] [-o FILE]"],
    options: [
        OptionSpec.modelFile("the model file (instead of MODEL)").value("MODEL"),
        OptionSpec("format", value: "csv|json", help: "csv: field,value rows with dotted field names; json: nested (default: json if FILE ends in .json, else csv)"),
        OptionSpec("curvature", value: "FILE", help: "stored curvature to report on (default MODEL.curv, when it exists)"),
        .output,
    ] + OptionSpec.common,
    footer: """
    Every section is checked against its checksum and the format's rules; a damaged file exits 65 with a
    message that names the section. Per shard: rows, per block its rows, row digest and checkpoint size,
    the approximate removals applied, and whether the stored curvature is the current state's.
    See ul-inspect(1) and ul-model(5).
    """)

runTool(spec) { args, ctx in
    try runInspect(try InspectOptions(args), ctx)
}
