import Foundation
import ULCLI
import ULCore

let kindOption = TrainingOptions.spec
let spec = CommandSpec(
    name: "ul-train",
    summary: "train a sharded, block-checkpointed model, deterministic to the bit",
    usage: ["[options] [FILE|DIR|-] -o MODEL", "--resume OLD [options] [FILE|DIR|-] -o MODEL", "--merge PART... -o MODEL"],
    options: [
        OptionSpec.output.value("MODEL").helping("model file to write, atomically; - for standard output (required)"),
        TrainingOptions.kindSpec,
        kindOption("epochs"), kindOption("l2"), kindOption("hidden"), kindOption("optimizer"), kindOption("lr"), kindOption("batch"), kindOption("perturb"),
        .seed("initial states and row orders"),
        .jobs("shards trained and pieces of the input read"),
        ScaleOption.spec("on reading"),
        kindOption("standardize"), kindOption("aggregate"),
        OptionSpec("classes", value: "A,B,...", help: "fixed label list (default: the sorted labels of the input)"),
        ExcludeOption.spec,
        OptionSpec("shards", value: "S", help: "shard count (default: largest shard + 1)"),
        OptionSpec("blocks", value: "R", help: "block count (default: largest block + 1)"),
        OptionSpec("only-shards", value: "LIST", help: "train only these shards into a part file"),
        kindOption("components"), kindOption("mixtures"), kindOption("neighbours"), kindOption("variance-floor"), kindOption("calibrate"),
        OptionSpec("selection", value: "SPEC|fixed", help: "input with a selected column: the selection ul-select --spec printed (forgetting re-selects), or fixed (a fixed subset; forgetting only drops rows)"),
        OptionSpec("merge", help: "merge the part files given as arguments into one model"),
        OptionSpec("resume", value: "OLD", help: "continue model OLD: rerun only the block steps whose rows changed (same bytes as training from scratch)"),
        OptionSpec("ledger", value: "FILE", help: "with --resume: append a line (rows added, removed, block steps rerun) to this ledger"),
        OptionSpec("wait", value: "SECONDS", help: "with --resume: wait up to SECONDS for another job's lock on OLD (default 0: fail at once)"),
        IdKeyOption.spec.helping("record HMAC-SHA-256(key, id) instead of each id; the key is the secret in FILE"),
    ] + ColumnNames.options + OptionSpec.common,
    retired: [
        RetiredShort("m", use: "--model KIND for the model kind (-m names a model file in the other ul tools; the file to write is -o)"),
        RetiredShort("b", use: "--batch B for the mini-batch size"),
    ],
    footer: """
    Features are every column except id, label, --exclude and the columns ul tools write (shard, block,
    selected, select_step, predicted, p_<label>, ...; see ul(7)). Without shard and block columns the input
    is one shard with one block. With a selected column only rows with selected=1
    train. ppca, mppca, knn and autoencoder need class shards (ul-partition --by class). An option that does not
    apply to the model kind is refused. See ul-train(1) and ul-model(5).
    """)

/// What the command line asks for, checked before any input is read.
struct Plan {
    var output: String
    var merge: Bool
    var config: TrainConfig
    var jobs: Int
    var input: String
    var classes: [String]?
    var onlyShards: [Int]?
    /// nil: from the data (largest shard or block + 1).
    var shards: Int?
    var blocks: Int?
    var selection: SelectionSpec?
    /// `--selection fixed`: train on the selected rows as a fixed subset, nothing recorded to re-select.
    var fixedSelection = false
    var rows: TrainingRows.Options
    /// `--resume OLD`, `--ledger`, `--wait`.
    var resume: ResumePlan?
    /// What the model records as told rather than derived (forgetting re-derives the rest).
    var declared: DeclaredShape {
        var out: DeclaredShape = []
        if shards != nil { out.insert(.shards) }
        if blocks != nil { out.insert(.blocks) }
        if classes != nil { out.insert(.classes) }
        if fixedSelection { out.insert(.fixedSelection) }
        return out
    }

    init(_ args: ParsedArguments) throws {
        guard let output = args.value("output") else { throw ToolError.usage("an output model is required (-o MODEL)") }
        self.output = output
        merge = args.flag("merge")
        config = try TrainingOptions.config(args)
        jobs = try JobsOption.parse(args)
        input = merge ? "-" : try singleInput(args)
        classes = args.value("classes").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        if let c = classes, c.isEmpty || Set(c).count != c.count || c.contains("") {
            throw ToolError.usage("--classes: expected distinct, non-empty labels")
        }
        onlyShards = try args.value("only-shards").map { _ in try args.intList("only-shards", default: [], min: 0) }
        shards = try args.value("shards").map { _ in try args.int("shards", default: 1, min: 1, max: TrainConfig.maxShards) }
        blocks = try args.value("blocks").map { _ in try args.int("blocks", default: 1, min: 1, max: TrainConfig.maxBlocks) }
        fixedSelection = args.value("selection") == "fixed"
        if let text = args.value("selection"), !fixedSelection {
            do {
                selection = try SelectionSpec(parsing: text)
            } catch SelectionError.invalidConfig(let why) {
                throw ToolError.usage("--selection: \(why) (expected the text of ul-select --spec)")
            }
        }
        let columns = ColumnNames(args)
        rows = TrainingRows.Options()
        rows.idColumn = columns.id
        rows.labelColumn = columns.label
        rows.exclude = ExcludeOption.parse(args)
        rows.scale = config.scale
        rows.keepShards = onlyShards.map(Set.init)
        rows.classes = classes
        rows.selectionSteps = selection != nil
        rows.refuseSelectedColumn = selection == nil && !fixedSelection
        rows.spillDirectory = spillDirectory(for: output)
        rows.idKey = try IdKeyOption.parse(args)
        rows.workers = jobs
        if merge, rows.idKey != nil { throw ToolError.usage("--id-key does not apply to --merge (the parts record their key)") }
        resume = try ResumePlan(args, merge: merge)
        try checkOutputKind(output)  // a FIFO is refused now, after the usage errors but before the training
    }
}


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
        let dropped = try dropStaleCurvature(besides: output, newModel: model)
        if !dropped.isEmpty { ctx.note(staleCurvatureNote(dropped, modelPath: output, before: "this merge")) }
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
    let plan = try Plan(args)
    let output = plan.output
    if plan.merge { return try merge(args, output, ctx) }
    let started = Date()
    // Refused before any row is read: a missing, locked or damaged OLD, or one keyed otherwise.
    let resuming = try plan.resume.map { try ResumeJob($0, idKey: plan.rows.idKey) }
    var config = plan.config
    let kind = config.kind
    let selectionSpec = plan.selection
    let jobs = plan.jobs
    let fixedClasses = plan.classes
    let only = plan.onlyShards
    let options = plan.rows
    let input = plan.input
    let data = try TrainingRows(path: input, options: options, progress: ctx.progress("reading", total: nil))
    if !data.skippedColumns.isEmpty {
        ctx.summary("columns written by ul tools, not features: \(data.skippedColumns.joined(separator: ", "))")
    }
    config.shardCount = plan.shards ?? data.maxShard + 1
    config.blockCount = plan.blocks ?? data.maxBlock + 1
    guard config.shardCount <= TrainConfig.maxShards, config.blockCount <= TrainConfig.maxBlocks else {
        throw ToolError.data("more than \(TrainConfig.maxShards) shards or \(TrainConfig.maxBlocks) blocks", file: input)
    }
    guard data.maxShard < config.shardCount else { throw ToolError.data("shard \(data.maxShard) is outside --shards \(config.shardCount)", file: input) }
    guard data.maxBlock < config.blockCount else { throw ToolError.data("block \(data.maxBlock) is outside --blocks \(config.blockCount)", file: input) }
    let held = (only ?? Array(0..<config.shardCount)).sorted()
    if let bad = held.first(where: { $0 >= config.shardCount }) {
        throw ToolError.usage("--only-shards: shard \(bad) is outside 0..\(config.shardCount - 1)")
    }
    guard Set(held).count == held.count else { throw ToolError.usage("--only-shards: a shard is listed twice") }
    config.heldShards = held
    let rowsHeld = held.reduce(0) { $0 + (data.shardRowCounts[$1] ?? 0) }
    guard config.rowEpochsBound(rows: rowsHeld) <= TrainConfig.maxRowEpochs else {
        throw ToolError.usage(String(format: "--epochs %d over %d rows and %d blocks is up to %.3g row-epochs of training, more than the %.0e a model may imply (ul-model(5), LIMITS)",
                                     config.epochs, rowsHeld, config.blockCount, config.rowEpochsBound(rows: rowsHeld), TrainConfig.maxRowEpochs))
    }
    let labels = data.labelList(fixed: fixedClasses)
    guard labels.count >= 2 else { throw ToolError.data("need at least two classes, found \(labels.count)", file: input) }
    if held.filter({ (data.shardRowCounts[$0] ?? 0) > 0 }).count > 1 && !kind.isOneClass {
        for l in labels.sorted() where (data.labelShards[l]?.count ?? 0) == 1 {
            ctx.note("warning: label \(quoted(l)) occurs only in shard \(data.labelShards[l]!.first!); other shards never predict it")
        }
    }
    // A shard without rows is ordinary (declared by --shards, or emptied by forgetting): it records no parameters.
    var selections = [Int: ShardSelection]()
    if let spec = selectionSpec {
        for s in held { selections[s] = try recordedSelection(try data.shard(s) ?? TrainingRows.Shard(), spec: spec, shard: s, path: input) }
    }
    let d = data.featureNames.count

    // Each worker reads its shard's rows when it starts on it: memory follows the shards in training.
    let bar = ShardProgress(ctx.progress("training", total: 1000), shards: held.count)
    var records: [ShardRecord]
    // The model to continue: nil without --resume, or when its configuration differs (every shard retrains).
    let continued = try resuming.flatMap { try $0.continuable(config: config, labels: labels, features: data.featureNames,
                                                          selection: selectionSpec, fixedSelection: plan.fixedSelection, ctx: ctx) }
    var resumed = [ResumedShard]()
    do {
        resumed = try resumeShards(held, load: { shard in
            ShardResume(input: try data.shardInput(shard, labels: labels) ?? ShardInput(shard: shard, data: Dataset(featureCount: d), blocks: []),
                        recorded: continued?.resumableRecord(of: shard))
        }, config: config, labels: labels,
                                   jobs: jobs) { bar.update($0, $1, $2) }
        records = resumed.map(\.record)
    } catch let e as TrainingError {
        throw ToolError.data("\(e)", file: input)
    }
    bar.finish()
    for i in records.indices { records[i].selection = selections[records[i].index] }
    // The entropy method keeps no fraction: its count m is recorded per shard.
    var model = ModelFile(config: config, labels: labels, features: data.featureNames, shards: records,
                          selection: selectionSpec.map { var s = $0; if s.method == .entropy { s.fraction = nil }; return s })
    model.declared = plan.declared
    model.idKeyCheck = options.idKey?.check
    let bytes = try model.encode()
    if let job = resuming {
        try job.commit(bytes, to: output, resumed: resumed, config: config, input: input, ctx: ctx)
    } else {
        try writeFileAtomically(output, bytes)
    }
    // A model written over another keeps no stored curvature of shard states it does not have: a factor
    // summed over rows since deleted would keep a trace of them.
    let dropped = try dropStaleCurvature(besides: output, newModel: model)
    if !dropped.isEmpty { ctx.note(staleCurvatureNote(dropped, modelPath: output, before: "this training")) }
    let rows = held.reduce(0) { $0 + (data.shardRowCounts[$1] ?? 0) }
    ctx.summary(String(format: "%@: %d rows, %d of %d shards × %d blocks, %d classes, %d features, %.2f s",
                       kind.rawValue, rows, held.count, config.shardCount, config.blockCount, labels.count, d,
                       Date().timeIntervalSince(started)))
    return .ok
}
