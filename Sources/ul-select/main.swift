import Foundation
import ULCLI
import ULCore

let spec = CommandSpec(
    name: "ul-select",
    summary: "choose representative rows per shard (greedy joint entropy, spread, coverage, herding, or random)",
    usage: ["[OPTIONS] [FILE|-] [-o FILE]", "--spec [OPTIONS]"],
    options: [
        OptionSpec("method", value: "METHOD", help: "entropy (default), spread (random keys repelled by chosen rows), coverage (facility location), herding (kernel mean) or random"),
        OptionSpec("fraction", value: "F", help: "choose m = round(F·N) rows per shard (default 0.5)"),
        OptionSpec("per-shard", value: "M", help: "choose M rows per shard instead of a fraction"),
        OptionSpec("counts-from", value: "MODEL", help: "use the count m recorded per shard in MODEL (re-run after forgetting)"),
        OptionSpec("kernel", value: "linear|rbf", help: "kernel of the entropy and spread methods (default rbf; coverage and herding: rbf only)"),
        OptionSpec("gamma", value: "G", help: "rbf width γ of exp(−γ‖x−y‖²) (default 1/d for entropy, 40/d for spread, 10/d for coverage, 40/d for herding; d features)"),
        OptionSpec("noise", value: "S", help: "σ² added to the kernel diagonal (default 0.01)"),
        OptionSpec("cells", value: "C", help: "greedy entropy within C hash cells visited in turn (default 1)"),
        .seed("cells, of random selection and of spread's keys"),
        ScaleOption.spec("before selecting"),
        ExcludeOption.spec,
        .jobs("shards selected"),
        OptionSpec("spec", help: "print the selection record for ul-train --selection and exit"),
        .output,
        IdKeyOption.spec.helping("select by HMAC-SHA-256(key, id) as ul-train --id-key FILE records it (give both the same key)"),
    ] + ColumnNames.options + OptionSpec.common,
    retired: [RetiredShort("f", use: "--fraction F (-f is --forget, the forgotten rows, in ul-audit)")],
    footer: """
    Adds selected (1/0) and select_step (the 1-based step a row was chosen at, 0 if not) after the input columns,
    or replaces them in place. Shards come from the shard column (none: one shard). Features are every column
    except id, label, the columns ul tools write (shard, block, selected, select_step, predicted, p_<label>, ...) and --exclude. The count m of a shard is fixed at this
    first selection; ul-train --selection "$(ul-select --spec ...)" records it for forgetting. Random selection
    with --fraction keeps a row iff a hash of (id, seed) is below F and needs no count. Memory O(N·m), time
    O(N·m·(m + d)) per shard of N rows and d features; coverage: memory N² Floats (at most 32,768 rows a
    shard), time O(N²·d); likewise herding. See ul-select(1).
    """)

runTool(spec) { args, ctx in
    try runSelect(try SelectOptions(args), ctx)
}
