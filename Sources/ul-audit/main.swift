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
        .data("the retained rows: id, label and the model's features (required)"),
        OptionSpec("forget", short: "f", value: "FILE", help: "the forgotten rows, full rows like --data (required)"),
        OptionSpec("test", short: "t", value: "FILE", help: "held-out rows the model never trained on (required)"),
        OptionSpec("rows", value: "FILE", help: "when --forget holds only ids: take the forgotten rows from FILE (e.g. the training data)"),
        OptionSpec("reference", value: "M0", help: "reference model, usually retrained without the forgotten rows"),
        OptionSpec("shadow", short: "k", value: "K", help: "train K ≥ 2 shadow models for offline LiRA (default 0: no LiRA)"),
        .seed("the shadow models' halves and training"),
        .jobs("shadow models trained"),
        OptionSpec("ledger", value: "FILE", help: "forget ledger whose last model_after must be the model's SHA-256"),
        OptionSpec("max-auc", value: "X", help: "fail (exit 1) if a membership AUC of the model exceeds X"),
        OptionSpec("max-accuracy-drop", value: "X", help: "fail (exit 1) if test accuracy is more than X below the reference's"),
        OptionSpec("require-lineage", help: "fail (exit 1) also when a block's digest could not be verified"),
        OptionSpec("output", short: "o", value: "FILE", aliases: ["report"],
                   help: "write the report to FILE, atomically (default, and -: standard output)"),
        OptionSpec("format", value: "csv|json", help: "report format (default: json if FILE ends in .json, else csv)"),
        OptionSpec("json", value: "FILE", help: "also write the report as JSON to FILE"),
        OptionSpec("plot", value: "FILE.svg", help: "write the membership ROC curves (log-log) as SVG"),
    ] + ColumnNames.options + OptionSpec.common,
    retired: [RetiredShort("r", use: "--reference M0 for the reference model (-r is --requests of ul-forget)")],
    footer: """
    Members are the forgotten rows, non-members the test rows. Shadow models are trained with the model's own
    configuration on seeded random halves of the retained rows. A lineage violation (a forgotten id still in
    the model's record, a block digest that does not match its rows, a model that is not the ledger's last)
    always exits 1. Report keys and their meaning: see ul-audit(1).
    """)

/// Reads one audit set (raw features: the audit applies the model's scale itself); it must not be empty.
func readRows(_ path: String, option: String, model: ModelFile, idName: String, labelName: String,
              only keep: Set<String>? = nil) throws -> Dataset {
    let hint = option == "forget" ? "; --forget needs the full forgotten rows: id, label and features, or give --rows" : ""
    let data = try ModelRows(path: path, model: model, idColumn: idName, labelColumn: labelName, scaled: false, only: keep,
                             missingColumnHint: hint).data
    guard data.count > 0 else { throw ToolError.data("no rows (--\(option))", file: path) }
    return data
}

/// The ids of an id-only forget file: unique, non-empty.
func readIds(_ path: String, idName: String) throws -> [String] {
    let r = try CSVReader(path: path)
    let idCol = try r.requireColumn(idName, option: "id")
    var ids = [String](), seen = Set<String>()
    while try r.next() {
        let id = r.string(idCol)
        guard !id.isEmpty else { throw ToolError.data("empty id", file: path, line: r.line) }
        guard seen.insert(id).inserted else { throw ToolError.data("duplicate id '\(id)'", file: path, line: r.line) }
        ids.append(id)
    }
    guard !ids.isEmpty else { throw ToolError.data("no rows (--forget)", file: path) }
    return ids
}

/// The forgotten rows: the --forget file itself when it holds full rows, else its ids looked up in --rows.
func readForgotten(_ path: String, rowsPath: String?, model: ModelFile, idName: String, labelName: String) throws -> Dataset {
    // Standard input cannot be read twice: with --rows it is taken to hold ids.
    guard let rowsPath, try path == "-" || CSVReader(path: path).column(model.features[0]) == nil else {
        return try readRows(path, option: "forget", model: model, idName: idName, labelName: labelName)
    }
    let ids = try readIds(path, idName: idName)
    let found = try readRows(rowsPath, option: "rows", model: model, idName: idName, labelName: labelName, only: Set(ids))
    let index = Dictionary(uniqueKeysWithValues: found.ids.enumerated().map { ($1, $0) })
    var order = [Int]()
    for id in ids {
        guard let i = index[id] else { throw ToolError.data("forgotten id '\(id)' is not in --rows \(displayName(rowsPath))", file: path) }
        order.append(i)
    }
    return found.subset(order)
}

func loadModel(_ path: String) throws -> ModelFile {
    let model: ModelFile
    do {
        model = try ModelFile.decode(try openModelContainer(path))
    } catch let e as ModelFileError {
        throw ToolError.data("\(e)", file: path)
    }
    guard model.isComplete else {
        throw ToolError.data("part file holds only some shards; merge the parts first (ul-train --merge)", file: path)
    }
    return model
}

/// Lower-case hexadecimal SHA-256 of a file's bytes.
func fileDigest(_ path: String) throws -> String { hexString(SHA256Digest.hash(try readWholeFile(path))) }

/// An overall progress bar fed from several threads.
final class SharedProgress: @unchecked Sendable {
    private let bar: ULCLI.Progress
    private let lock = NSLock()
    init(_ bar: ULCLI.Progress) { self.bar = bar }
    func update(_ done: Int, _ total: Int) {
        lock.lock()
        defer { lock.unlock() }
        bar.update(total > 0 ? 1000 * done / total : 1000)
    }
    func finish() { bar.finish() }
}

runTool(spec) { args, ctx in
    let started = Date()
    let options = try AuditOptions(args)
    let modelPath = options.modelPath, dataPath = options.dataPath, forgetPath = options.forgetPath, testPath = options.testPath
    let shadowCount = options.shadowCount

    // Outputs are created before the work, so an unwritable path fails fast, and committed together at the end.
    let reportOut = try OutputFile(path: options.reportPath)
    let jsonOut = try options.jsonPath.map { try OutputFile(path: $0) }
    let plotOut = try options.plotPath.map { try OutputFile(path: $0) }

    let model = try loadModel(modelPath)
    let reference = try options.referencePath.map { path -> ModelFile in
        let m = try loadModel(path)
        guard m.labels == model.labels else { throw ToolError.data("the reference's labels differ from the model's", file: path) }
        guard m.features == model.features else { throw ToolError.data("the reference's features differ from the model's", file: path) }
        return m
    }
    let names = options.columns
    let idName = names.id, labelName = names.label
    func read(_ path: String, _ option: String) throws -> Dataset {
        try readRows(path, option: option, model: model, idName: idName, labelName: labelName)
    }
    let data = AuditData(retain: try read(dataPath, "data"), forget: try readForgotten(forgetPath, rowsPath: options.rowsPath, model: model, idName: idName, labelName: labelName), test: try read(testPath, "test"))
    // The sets must be disjoint: a forgotten row among the retained ones was not forgotten, and a test row the
    // model trained on is no non-member.
    let retainIds = Set(data.retain.ids), forgetIds = Set(data.forget.ids)
    if let id = data.forget.ids.first(where: retainIds.contains) {
        throw ToolError.data("id '\(id)' is both forgotten and retained (in --data \(displayName(dataPath)))", file: forgetPath)
    }
    if let id = data.test.ids.first(where: { retainIds.contains($0) || forgetIds.contains($0) }) {
        throw ToolError.data("test id '\(id)' is also in \(retainIds.contains(id) ? "--data" : "--forget")", file: testPath)
    }

    // Lineage.
    let lineage = checkModelLineage(model, forgotten: data.forget.ids, rows: [data.retain, data.forget])
    var lineageOK = lineage.ok
    let shown = 50
    for f in lineage.remaining.prefix(shown) {
        Diagnostics.print("ul-audit: \(displayName(modelPath)): lineage: forgotten id '\(f.id)' is still in the model's record (shard \(f.shard), block \(f.block))")
    }
    if lineage.remaining.count > shown {
        Diagnostics.print("ul-audit: \(displayName(modelPath)): lineage: and \(lineage.remaining.count - shown) more forgotten ids still in the record")
    }
    for m in lineage.digestMismatches {
        Diagnostics.print("ul-audit: \(displayName(modelPath)): lineage: the digest of shard \(m.shard), block \(m.block) does not match its rows")
    }
    if let ledgerPath = options.ledgerPath {
        guard FileManager.default.fileExists(atPath: ledgerPath) else {
            throw ToolError(.noInput, "cannot open: no such file", file: ledgerPath)
        }
        let entries = try LedgerFile.read(ledgerPath)
        let digest = try fileDigest(modelPath)
        if let last = entries.last {
            if last.modelAfter != digest {
                lineageOK = false
                Diagnostics.print("ul-audit: \(displayName(ledgerPath)):\(entries.count + 1): lineage: the model's SHA-256 \(digest) is not the ledger's last model_after \(last.modelAfter)")
            }
        } else {
            lineageOK = false
            Diagnostics.print("ul-audit: \(displayName(ledgerPath)): lineage: the ledger has no entries, so the model cannot match its last line")
        }
    }

    // Shadow models and measurements.
    var shadows: ShadowScores? = nil
    if shadowCount > 0 {
        let bar = SharedProgress(ctx.progress("shadow models", total: 1000))
        let training = ShadowTraining(model: model, count: shadowCount, seed: options.seed)
        let models: [ModelFile]
        do {
            models = try training.train(pool: data.retain, jobs: options.jobs) { bar.update($0, $1) }
        } catch let e as TrainingError {
            throw ToolError.data("shadow models: \(e) (too few retained rows for the model's shards?)", file: dataPath)
        }
        bar.finish()
        shadows = try ShadowScores(shadows: models, data: data)
    }
    var report = AuditReport()
    let outputs = try ModelOutputs(model: model, data: data)
    let measured = try ModelMeasurement(outputs: outputs, data: data, shadows: shadows)
    measured.record(into: &report)
    var referenceMeasured: ModelMeasurement? = nil
    if let ref = reference {
        let refOutputs = try ModelOutputs(model: ref, data: data)
        let comparison = try ReferenceComparison(model: model, reference: ref, outputs: outputs, referenceOutputs: refOutputs)
        comparison.record(into: &report)
        if comparison.parameterDistance == nil {
            ctx.note("note: param_distance is NaN: the reference's parameters are laid out differently (kind, widths or shards)")
        }
        let m = try ModelMeasurement(outputs: refOutputs, data: data, shadows: shadows)
        m.record(into: &report, prefix: "reference_")
        referenceMeasured = m
    }
    report.set(AuditMetric.lineageOK, lineageOK)
    report.set("lineage_blocks_unverified", Double(lineage.unverified.count))
    for (name, d) in [("rows_retain", data.retain), ("rows_forget", data.forget), ("rows_test", data.test)] {
        report.set(name, Double(d.count))
    }
    report.set("shadow_models", Double(shadowCount))

    // Outputs are written even when a threshold fails: the report says why.
    try reportOut.write(Array((options.format == "json" ? report.json() : report.csv()).utf8))
    try jsonOut?.write(Array(report.json().utf8))
    if let plotOut {
        var series = [ROCPlot.Series(name: "model, loss", curve: measured.lossCurve)]
        if let c = measured.liraCurve { series.append(ROCPlot.Series(name: "model, LiRA", curve: c)) }
        if let r = referenceMeasured {
            series.append(ROCPlot.Series(name: "reference, loss", curve: r.lossCurve))
            if let c = r.liraCurve { series.append(ROCPlot.Series(name: "reference, LiRA", curve: c)) }
        }
        try plotOut.write(Array(ROCPlot(series: series, title: "Forgotten rows vs test rows").svg().utf8))
    }
    for out in [reportOut, jsonOut, plotOut].compactMap({ $0 }) { try out.commit() }

    var failures = AuditThresholds(maxAUC: options.maxAUC, maxAccuracyDrop: options.maxAccuracyDrop)
        .check(report, referenceAccuracy: referenceMeasured?.accuracyTest).map(\.reason)
    if !lineageOK { failures.append("lineage check failed (see above)") }
    if options.requireLineage && !lineage.unverified.isEmpty {
        let list = lineage.unverified.prefix(5).map { "shard \($0.shard) block \($0.block)" }.joined(separator: ", ")
        failures.append("--require-lineage: \(lineage.unverified.count) block digest(s) could not be verified, their rows are not all in --data/--forget (\(list)\(lineage.unverified.count > 5 ? ", ..." : ""))")
    }
    for f in failures { Diagnostics.print("ul-audit: FAIL: \(f)") }
    ctx.summary(String(format: "%d retained, %d forgotten, %d test rows, %d shadow models, loss AUC %.4f, %.2f s",
                       data.retain.count, data.forget.count, data.test.count, shadowCount, measured.lossCurve.auc,
                       Date().timeIntervalSince(started)))
    return failures.isEmpty ? .ok : .thresholdFailed
}
