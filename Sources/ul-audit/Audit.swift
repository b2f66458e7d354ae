import Foundation
import ULCLI
import ULCore

/// Runs the audit: lineage, measurements of the model (and reference), report, and thresholds.
func runAudit(_ options: AuditOptions, _ ctx: ToolContext) throws -> ExitStatus {
    let started = Date()
    let modelPath = options.modelPath, dataPath = options.dataPath, forgetPath = options.forgetPath, testPath = options.testPath
    let shadowCount = options.shadowCount

    // Outputs are created before the work, so an unwritable path fails fast, and committed together at the end.
    let reportOut = try OutputFile(path: options.reportPath)
    let jsonOut = try options.jsonPath.map { try OutputFile(path: $0) }
    let plotOut = try options.plotPath.map { try OutputFile(path: $0) }
    let epsilonRowsOut = try options.epsilonRowsPath.map { try OutputFile(path: $0) }
    let epsilonPlotOut = try options.epsilonPlotPath.map { try OutputFile(path: $0) }

    let model = try loadModel(modelPath)
    try IdKeyOption.check(options.idKey, model: model, path: modelPath)
    let reference = try options.referencePath.map { path -> ModelFile in
        let m = try loadModel(path)
        try IdKeyOption.check(options.idKey, model: m, path: path)
        guard m.labels == model.labels else { throw ToolError.data("the reference's labels differ from the model's", file: path) }
        guard m.features == model.features else { throw ToolError.data("the reference's features differ from the model's", file: path) }
        return m
    }
    let names = options.columns
    let idName = names.id, labelName = names.label
    func read(_ path: String, _ option: String) throws -> Dataset {
        try readRows(path, option: option, model: model, idName: idName, labelName: labelName, idKey: options.idKey).data
    }
    let forgotten = try readForgotten(forgetPath, rowsPath: options.rowsPath, model: model, idName: idName, labelName: labelName,
                                      idKey: options.idKey)
    let data = AuditData(retain: try read(dataPath, "data"), forget: forgotten.data, test: try read(testPath, "test"))
    // Forgotten ids in messages as the --forget file has them.
    let fileIdOf = Dictionary(zip(forgotten.data.ids, forgotten.fileIds), uniquingKeysWith: { a, _ in a })
    // The sets must be disjoint: a forgotten row among the retained ones was not forgotten, and a test row the
    // model trained on is no non-member.
    let retainIds = Set(data.retain.ids), forgetIds = Set(data.forget.ids)
    if let id = data.forget.ids.first(where: retainIds.contains) {
        throw ToolError.data("id \(quoted(fileIdOf[id] ?? id)) is both forgotten and retained (in --data \(displayName(dataPath)))", file: forgetPath)
    }
    if let id = data.test.ids.first(where: { retainIds.contains($0) || forgetIds.contains($0) }) {
        throw ToolError.data("test id \(quoted(id)) is also in \(retainIds.contains(id) ? "--data" : "--forget")", file: testPath)
    }

    // Lineage.
    let lineage = checkModelLineage(model, forgotten: data.forget.ids, rows: [data.retain, data.forget])
    var lineageOK = lineage.ok
    let shown = 50
    for f in lineage.remaining.prefix(shown) {
        Diagnostics.print("ul-audit: \(displayName(modelPath)): lineage: forgotten id \(quoted(fileIdOf[f.id] ?? f.id)) is still in the model's record (shard \(f.shard), block \(f.block))")
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
        for i in ledgerChainBreaks(entries) {
            lineageOK = false
            Diagnostics.print("ul-audit: \(displayName(ledgerPath)):\(i + 2): lineage: model_before is not line \(i + 1)'s model_after: a change of the model is missing from the ledger")
        }
        if let last = entries.last {
            if last.modelAfter != digest {
                lineageOK = false
                Diagnostics.print("ul-audit: \(displayName(ledgerPath)):\(entries.count + 1): lineage: the model's SHA-256 \(digest) is not the ledger's last model_after \(escapedForMessage(last.modelAfter))")
            }
        } else {
            lineageOK = false
            Diagnostics.print("ul-audit: \(displayName(ledgerPath)): lineage: the ledger has no entries, so the model cannot match its last line")
        }
    }

    // Remanence: traces of the forgotten ids anywhere in the bytes of the model, its curvature sidecar and the ledger.
    let scan = RemanenceScan(ids: forgotten.fileIds, key: options.idKey)
    var remanence = [(path: String, hit: RemanenceScan.Hit)]()
    for path in [modelPath, modelPath + ".curv", options.ledgerPath].compactMap({ $0 }) where path != "-" {
        guard path == modelPath || FileManager.default.fileExists(atPath: path) else { continue }
        remanence += try scanFile(path, with: scan).map { (path, $0) }
    }
    for r in remanence.prefix(shown) {
        Diagnostics.print("ul-audit: \(displayName(r.path)): remanence: forgotten id \(quoted(r.hit.id)) found as \(r.hit.form) at byte \(r.hit.offset)")
    }
    if remanence.count > shown { Diagnostics.print("ul-audit: remanence: and \(remanence.count - shown) more traces") }

    // Shadow models and measurements.
    var shadows: ShadowScores? = nil
    var shadowSeconds = Double.nan
    if shadowCount > 0 {
        let bar = SharedProgress(ctx.progress("shadow models", total: 1000))
        let shadowStart = Date()
        do {
            if options.onlineAttack {
                if data.forget.classes.contains(Dataset.absentClass) || data.test.classes.contains(Dataset.absentClass) {
                    throw ToolError.usage("online LiRA trains shadow models on the forgotten and test rows, and some have a label the model lacks: use --attack offline")
                }
                shadows = try ShadowScores.online(model: model, count: shadowCount, seed: options.seed, data: data, jobs: options.jobs) { bar.update($0, $1) }
            } else {
                let training = ShadowTraining(model: model, count: shadowCount, seed: options.seed)
                let models = try training.train(pool: data.retain, jobs: options.jobs) { bar.update($0, $1) }
                shadows = try ShadowScores(shadows: models, data: data)
            }
        } catch let e as TrainingError {
            throw ToolError.data("shadow models: \(e) (too few retained rows for the model's shards?)", file: dataPath)
        }
        bar.finish()
        shadowSeconds = Date().timeIntervalSince(shadowStart) / Double(shadowCount)
    }
    // Per-example unlearning ε: populations of unlearned and retrained models.
    var epsilons: [Double]? = nil
    if options.epsilonCount > 0 {
        if data.forget.classes.contains(Dataset.absentClass) {
            throw ToolError.usage("--epsilon trains models on the forgotten rows, and some have a label the model lacks")
        }
        if options.epsilonMethod != .exact && model.config.kind.isOneClass {
            throw ToolError.usage("--method \(options.epsilonMethod.rawValue) needs a model with a training loss (softmax or mlp)")
        }
        let bar = SharedProgress(ctx.progress("epsilon models", total: 1000))
        var e = UnlearningEpsilon(model: model, count: options.epsilonCount, seed: options.seed, method: options.epsilonMethod)
        e.damping = options.damping
        do {
            epsilons = try curvatureErrors(modelPath + ".curv") { try e.perExample(data: data, jobs: options.jobs) { bar.update($0, $1) } }
        } catch let e as TrainingError {
            throw ToolError.data("epsilon models: \(e)", file: dataPath)
        }
        bar.finish()
    }

    var report = AuditReport()
    let outputs = try ModelOutputs(model: model, data: data)
    let measured = try ModelMeasurement(outputs: outputs, data: data, shadows: shadows)
    measured.record(into: &report)
    if options.bootstrap > 0 { report.setIntervals(try measured.intervals(resamples: options.bootstrap, seed: options.seed)) }
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
        if options.bootstrap > 0 {
            report.setIntervals(try m.intervals(resamples: options.bootstrap, seed: options.seed), prefix: "reference_")
        }
        referenceMeasured = m
        if let s = shadows {
            let over = try OverUnlearning.rows(model: outputs, reference: refOutputs, data: data, shadows: s)
            report.set("over_unlearned_rows", Double(over.count))
            if !over.isEmpty {
                let names = over.prefix(5).map { quoted(fileIdOf[data.forget.ids[$0]] ?? data.forget.ids[$0]) }.joined(separator: ", ")
                ctx.note("over-unlearning: \(over.count) forgotten row\(over.count == 1 ? "" : "s") look less like members than under the reference (\(names)\(over.count > 5 ? ", ..." : ""))")
            }
        }
    }
    report.set(AuditMetric.lineageOK, lineageOK)
    report.set(AuditMetric.remanenceOK, remanence.isEmpty)
    report.set("remanence_hits", Double(remanence.count))
    report.set("lineage_blocks_unverified", Double(lineage.unverified.count))
    for (name, d) in [("rows_retain", data.retain), ("rows_forget", data.forget), ("rows_test", data.test)] {
        report.set(name, Double(d.count))
    }
    report.set("shadow_models", Double(shadowCount))
    report.set("shadow_seconds_each", shadowSeconds)
    if let eps = epsilons {
        let sorted = eps.sorted()
        report.set("epsilon_models", Double(options.epsilonCount))
        report.set("epsilon_forget_median", ConfidenceInterval.percentile(sorted, 0.5))
        report.set("epsilon_forget_p90", ConfidenceInterval.percentile(sorted, 0.9))
        report.set("epsilon_forget_max", sorted.last ?? .nan)
        report.set("epsilon_forget_mean", eps.reduce(0, +) / Double(max(eps.count, 1)))
    }

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
    if let out = epsilonRowsOut, let eps = epsilons {
        let w = CSVWriter(out)
        try w.row(["id", "epsilon"])
        for (i, e) in eps.enumerated() { w.field(forgotten.fileIds[i]); w.field(e); try w.endRow() }
        try w.flush()
    }
    if let out = epsilonPlotOut, let eps = epsilons {
        try out.write(Array(HistogramPlot(values: eps, title: "Per-example unlearning ε (\(options.epsilonMethod.rawValue), \(options.epsilonCount) + \(options.epsilonCount) models)",
                                          axisLabel: "ε at δ = 1e-5").svg().utf8))
    }
    for out in [reportOut, jsonOut, plotOut, epsilonRowsOut, epsilonPlotOut].compactMap({ $0 }) { try out.commit() }

    var failures = AuditThresholds(maxAUC: options.maxAUC, maxAccuracyDrop: options.maxAccuracyDrop)
        .check(report, referenceAccuracy: referenceMeasured?.accuracyTest).map(\.reason)
    if !lineageOK { failures.append("lineage check failed (see above)") }
    if !remanence.isEmpty { failures.append("remanence check failed: traces of forgotten ids in the files (see above)") }
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
