import Foundation
import ULCLI
import ULCore

let spec = CommandSpec(
    name: "ul-train",
    summary: "train a sharded, block-checkpointed model, deterministic to the bit",
    usage: ["[options] [FILE|-] -o MODEL", "--merge PART... -o MODEL"],
    options: [
        OptionSpec("output", short: "o", value: "MODEL", help: "model file to write, atomically (required)"),
        OptionSpec("model", short: "m", value: "KIND", help: "softmax (default), mlp, or per class shard ppca, mppca, knn, autoencoder"),
        OptionSpec("epochs", short: "e", value: "E", help: "epochs (softmax: L-BFGS iterations; default 100, mlp and autoencoder 10; mppca: EM iterations, default 20)"),
        OptionSpec("l2", value: "L", help: "L2 penalty λ of (λ/2)‖θ‖² on the summed loss (default 1)"),
        OptionSpec("hidden", value: "H", help: "mlp hidden widths, comma-separated (default 256); autoencoder: one width (default 64)"),
        OptionSpec("lr", value: "A", help: "mlp and autoencoder Adam step size (default 0.001)"),
        OptionSpec("batch", short: "b", value: "B", help: "mlp and autoencoder mini-batch size (default 128)"),
        OptionSpec("perturb", value: "SIGMA", help: "softmax: add bᵀθ to the loss, b ~ N(0, SIGMA²) seeded (certified removal)"),
        OptionSpec("seed", short: "s", value: "N", help: "seed of initial states and row orders (default 0)"),
        OptionSpec("jobs", short: "j", value: "J", help: "shards trained at once (default: all cores); never changes the result"),
        OptionSpec("scale", value: "none|F", help: "multiply every feature by F on reading (default none)"),
        OptionSpec("standardize", help: "standardise features with each shard's own mean and deviation"),
        OptionSpec("aggregate", value: "mean|vote", help: "combine shards by mean probability (default) or majority vote"),
        OptionSpec("classes", value: "A,B,...", help: "fixed label list (default: the sorted labels of the input)"),
        OptionSpec("exclude", value: "COL,...", help: "columns that are not features"),
        OptionSpec("shards", value: "S", help: "shard count (default: largest shard + 1)"),
        OptionSpec("blocks", value: "R", help: "block count (default: largest block + 1)"),
        OptionSpec("only-shards", value: "LIST", help: "train only these shards into a part file"),
        OptionSpec("components", value: "Q", help: "ppca/mppca: principal directions per model (default 20, mppca 10)"),
        OptionSpec("mixtures", value: "K", help: "mppca: PPCA components per class (default 4)"),
        OptionSpec("neighbours", value: "K", help: "knn: neighbours (default 5)"),
        OptionSpec("variance-floor", value: "V", help: "ppca/mppca: lower bound on variances (default 0.01)"),
        OptionSpec("calibrate", help: "one-class kinds: standardise each class's score by its own rows' scores"),
        OptionSpec("selection", value: "SPEC", help: "record the selection ul-select --spec printed (needed to forget selected rows)"),
        OptionSpec("merge", help: "merge the part files given as arguments into one model"),
        .id, .label,
    ] + OptionSpec.common,
    footer: """
    Features are every column except id, label, shard, block, selected, select_step and --exclude. Without shard
    and block columns the input is one shard with one block. With a selected column only rows with selected=1
    train. ppca, mppca, knn and autoencoder need class shards (ul-partition --by class). See ul-train(1) and ul-model(5).
    """)


func merge(_ args: ParsedArguments, _ output: String, _ ctx: ToolContext) throws -> ExitStatus {
    guard !args.positionals.isEmpty else { throw ToolError.usage("--merge needs part files") }
    var parts = [ModelFile]()
    for path in args.positionals {
        do {
            parts.append(try ModelFile.decode(try openModelContainer(path)))
        } catch let e as ModelFileError {
            throw ToolError.data("\(e)", file: path)
        }
    }
    do {
        let model = try ModelFile.merge(parts)
        try writeFileAtomically(output, try model.encode())
        ctx.summary("merged \(parts.count) parts, \(model.shards.count) shards")
    } catch let e as ModelFile.MergeError {
        throw ToolError.data("\(e)")
    }
    return .ok
}

/// The selection record of one shard from its selected rows' select_step values: steps 1..n, each once. The
/// count m is the number selected, except for random selection by a fraction (no count).
func recordedSelection(_ rows: TrainingRows.Shard, spec: SelectionSpec, shard: Int, path: String) throws -> ShardSelection {
    let order = rows.steps.indices.sorted { rows.steps[$0] < rows.steps[$1] }
    guard order.enumerated().allSatisfy({ rows.steps[$1] == $0 + 1 }) else {
        throw ToolError.data("shard \(shard): select_step of the selected rows must be 1, 2, ... once each", file: path)
    }
    return ShardSelection(count: spec.fraction != nil ? -1 : rows.steps.count, order: order.map { rows.ids[$0] })
}

/// Where rows wait for their shard's turn: $TMPDIR if it is a writable directory, else the model's
/// directory (a disk the user chose, where /tmp may be a small in-memory file system).
func spillDirectory(for output: String) -> String {
    if let t = ProcessInfo.processInfo.environment["TMPDIR"], !t.isEmpty, access(t, W_OK | X_OK) == 0 { return t }
    return URL(fileURLWithPath: output).deletingLastPathComponent().path
}

runTool(spec) { args, ctx in
    guard let output = args.value("output") else { throw ToolError.usage("an output model is required (-o MODEL)") }
    if args.flag("merge") { return try merge(args, output, ctx) }
    let started = Date()
    let kindName = args.string("model", default: "softmax")
    guard let kind = ModelKind(rawValue: kindName) else {
        throw ToolError.usage("--model: unknown model kind '\(kindName)' (expected one of \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    var config = TrainConfig(kind: kind)
    config.epochs = try args.int("epochs", default: kind.defaultEpochs, min: 0)
    config.l2 = try args.double("l2", default: 1, min: 0)
    config.hidden = kind == .mlp ? try args.intList("hidden", default: [256], min: 1) : []
    if kind == .autoencoder {
        config.hidden = try args.intList("hidden", default: [64], min: 1)
        guard config.hidden.count == 1 else { throw ToolError.usage("--hidden: autoencoder takes one width") }
    }
    config.learningRate = try args.double("lr", default: 1e-3, min: 0)
    config.batchSize = try args.int("batch", default: 128, min: 1)
    guard let seed = UInt64(args.string("seed", default: "0")) else { throw ToolError.usage("--seed: expected a non-negative integer") }
    config.seed = seed
    let scaleText = args.string("scale", default: "none")
    if scaleText != "none" {
        guard let f = Float(scaleText), f.isFinite, f != 0 else { throw ToolError.usage("--scale: expected none or a non-zero number, got '\(scaleText)'") }
        config.scale = f
    }
    config.standardize = args.flag("standardize")
    if kind.isOneClass {
        guard !config.standardize else { throw ToolError.usage("--standardize: one-class scores must share one feature space; use --scale") }
        config.components = try args.int("components", default: kind == .mppca ? 10 : 20, min: 0)
        config.mixtures = try args.int("mixtures", default: 4, min: 1)
        config.neighbours = try args.int("neighbours", default: 5, min: 1)
        config.varianceFloor = try args.double("variance-floor", default: 0.01, min: 1e-300)
        config.calibrate = args.flag("calibrate")
    } else if let o = ["components", "mixtures", "neighbours", "variance-floor", "calibrate"].first(where: { args.flag($0) }) {
        throw ToolError.usage("--\(o) applies only to ppca, mppca, knn and autoencoder")
    }
    var selectionSpec: SelectionSpec? = nil
    if let text = args.value("selection") {
        do {
            selectionSpec = try SelectionSpec(parsing: text)
        } catch SelectionError.invalidConfig(let why) {
            throw ToolError.usage("--selection: \(why) (expected the text of ul-select --spec)")
        }
    }
    config.perturbation = try args.double("perturb", default: 0, min: 0)
    if config.perturbation > 0 && kind != .softmax { throw ToolError.usage("--perturb: only for --model softmax") }
    config.aggregation = Aggregation(rawValue: try args.choice("aggregate", Aggregation.allCases.map(\.rawValue), default: "mean"))!
    let jobs = try args.int("jobs", default: ProcessInfo.processInfo.activeProcessorCount, min: 1)
    let fixedClasses = args.value("classes").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    if let c = fixedClasses, c.isEmpty || Set(c).count != c.count || c.contains("") {
        throw ToolError.usage("--classes: expected distinct, non-empty labels")
    }
    let only = try args.value("only-shards").map { _ in try args.intList("only-shards", default: [], min: 0) }

    var options = TrainingRows.Options()
    options.idColumn = args.string("id", default: "id")
    options.labelColumn = args.string("label", default: "label")
    options.exclude = args.value("exclude").map { $0.split(separator: ",").map(String.init) } ?? []
    options.scale = config.scale
    options.keepShards = only.map(Set.init)
    options.classes = fixedClasses
    let input = try singleInput(args)
    options.selectionSteps = selectionSpec != nil
    options.spillDirectory = spillDirectory(for: output)
    let data = try TrainingRows(path: input, options: options, progress: ctx.progress("reading", total: nil))
    if !data.skippedColumns.isEmpty {
        ctx.summary("columns written by ul tools, not features: \(data.skippedColumns.joined(separator: ", "))")
    }
    config.shardCount = try args.int("shards", default: data.maxShard + 1, min: 1)
    config.blockCount = try args.int("blocks", default: data.maxBlock + 1, min: 1)
    guard data.maxShard < config.shardCount else { throw ToolError.data("shard \(data.maxShard) is outside --shards \(config.shardCount)", file: input) }
    guard data.maxBlock < config.blockCount else { throw ToolError.data("block \(data.maxBlock) is outside --blocks \(config.blockCount)", file: input) }
    let held = (only ?? Array(0..<config.shardCount)).sorted()
    if let bad = held.first(where: { $0 >= config.shardCount }) {
        throw ToolError.usage("--only-shards: shard \(bad) is outside 0..\(config.shardCount - 1)")
    }
    guard Set(held).count == held.count else { throw ToolError.usage("--only-shards: a shard is listed twice") }
    config.heldShards = held
    let labels = data.labelList(fixed: fixedClasses)
    guard labels.count >= 2 else { throw ToolError.data("need at least two classes, found \(labels.count)", file: input) }
    if config.shardCount > 1 && !kind.isOneClass {
        for l in labels.sorted() where (data.labelShards[l]?.count ?? 0) == 1 {
            ctx.note("warning: label '\(l)' occurs only in shard \(data.labelShards[l]!.first!); other shards never predict it")
        }
    }
    var selections = [Int: ShardSelection]()
    for s in held {
        guard (data.shardRowCounts[s] ?? 0) > 0 else { throw ToolError.data("shard \(s) has no rows", file: input) }
        if let spec = selectionSpec { selections[s] = try recordedSelection(try data.shard(s)!, spec: spec, shard: s, path: input) }
    }
    let d = data.featureNames.count

    // Each worker reads its shard's rows when it starts on it: memory follows the shards in training.
    let bar = ShardProgress(ctx.progress("training", total: 1000), shards: held.count)
    var records: [ShardRecord]
    do {
        records = try trainShards(held, load: { try data.shardInput($0, labels: labels)! }, config: config, labels: labels,
                                  jobs: jobs) { bar.update($0, $1, $2) }
    } catch let e as TrainingError {
        throw ToolError.data("\(e)", file: input)
    }
    bar.finish()
    for i in records.indices { records[i].selection = selections[records[i].index] }
    // The entropy method keeps no fraction: its count m is recorded per shard.
    let model = ModelFile(config: config, labels: labels, features: data.featureNames, shards: records,
                          selection: selectionSpec.map { var s = $0; if s.method == .entropy { s.fraction = nil }; return s })
    try writeFileAtomically(output, try model.encode())
    let rows = held.reduce(0) { $0 + data.shardRowCounts[$1]! }
    ctx.summary(String(format: "%@: %d rows, %d of %d shards × %d blocks, %d classes, %d features, %.2f s",
                       kind.rawValue, rows, held.count, config.shardCount, config.blockCount, labels.count, d,
                       Date().timeIntervalSince(started)))
    return .ok
}
