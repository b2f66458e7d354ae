import Foundation
import ULCLI
import ULCore

/// Computes the influence of every training row, shard by shard, and writes one row per training row.
func runInfluence(_ options: InfluenceOptions, _ ctx: ToolContext) throws -> ExitStatus {
    let modelPath = options.modelPath, dataPath = options.dataPath
    let model: ModelFile
    do {
        model = try ModelFile.decode(try openModelContainer(modelPath))
    } catch let e as ModelFileError {
        throw ToolError.data("\(e)", file: modelPath)
    }
    if model.config.kind.isOneClass {
        throw ToolError.data("influence needs a model with a training loss (softmax or mlp), not \(model.config.kind.rawValue)", file: modelPath)
    }
    let curvature = try options.curvature(for: model.config.kind)
    let solverKind = curvature.solver, damping = curvature.damping, curvaturePath = curvature.path, curvatureKind = curvature.kind
    let columns = InfluenceOptions.columns, sortColumn = options.sortColumn, top = options.top
    let names = options.columnNames
    let idColumn = names.id, labelColumn = names.label

    try IdKeyOption.check(options.idKey, model: model, path: modelPath)
    let rows = try ModelRows(path: dataPath, model: model, idColumn: idColumn, labelColumn: labelColumn, idKey: options.idKey)
    let valid = try options.validPath.map { try ModelRows(path: $0, model: model, idColumn: idColumn, labelColumn: labelColumn) }
    let located = model.rowLocations()
    var byShard = [Int: [Int]]()
    for i in 0..<rows.data.count {
        guard let l = located[rows.data.ids[i]] else {
            throw ToolError.data("\(RecordMismatch.unrecordedRow(id: rows.fileId(i)))",
                                 file: dataPath, line: rows.lines[i])
        }
        byShard[l.shard, default: []].append(i)
    }
    var position = [String: Int](minimumCapacity: rows.data.count)
    for (i, id) in rows.data.ids.enumerated() { position[id] = i }

    let stored = try openCurvatureStore(curvaturePath)
    var computed = [CurvatureFile.Entry]()
    var results = [RowInfluence?](repeating: nil, count: rows.data.count)
    var shardOf = [Int](repeating: 0, count: rows.data.count)
    let classCount = model.labels.count
    for shard in byShard.keys.sorted() {
        let record = model.shards.first { $0.index == shard }!
        let shardData: Dataset, order: [Int]
        do {
            order = try record.rowsInRecordOrder(position)
            shardData = rows.data.subset(order)
            try record.check(recordOrdered: shardData, labels: model.labels)
        } catch let e as RecordMismatch {
            throw ToolError.data("\(e)", file: dataPath)
        }
        let objective = ShardCurvature.objective(config: model.config, classCount: classCount, shard: record, data: shardData)
        let key = ShardCurvature.key(config: model.config, featureCount: model.features.count, classCount: classCount, shard: record)
        let bar = ctx.progress("curvature", total: objective.rowCount)
        let t0 = Date()
        let (solver, fresh) = try curvatureErrors(curvaturePath) {
            try ShardCurvature.solver(objective: objective, theta: record.finalParameters, store: stored, shard: shard, key: key,
                                      solver: solverKind, kind: curvatureKind, damping: damping, progress: { done, _ in bar.update(done) })
        }
        bar.finish()
        solver.preconditioned = curvature.preconditioned
        solver.maxIterations = curvature.cgLimit
        if let t = curvature.cgTolerance { solver.tolerance = t }
        if let f = fresh {
            computed.append(f)
            ctx.summary(String(format: "shard %d: curvature computed in %.2f s", shard, Date().timeIntervalSince(t0)))
        }
        let criterion = valid.map { ShardCurvature.objective(config: model.config, classCount: classCount, shard: record, data: $0.data) } ?? objective
        let t1 = Date()
        let bar2 = ctx.progress("influence", total: order.count)
        let influence = try curvatureErrors(curvaturePath) {
            try Influence.rows(Array(0..<order.count), objective: objective, solver: solver,
                               criterionGradient: Influence.meanLossGradient(criterion, at: solver.theta), progress: { done, _ in bar2.update(done) })
        }
        bar2.finish()
        ctx.summary(String(format: "shard %d: %d rows in %.2f s%@", shard, order.count, Date().timeIntervalSince(t1),
                           solverKind == .cg ? " (\(solver.iterations) conjugate-gradient iterations)" : ""))
        for (k, p) in order.enumerated() {
            results[p] = influence[k]
            shardOf[p] = shard
        }
    }
    if !computed.isEmpty && !options.noStore {
        let update = CurvatureStore.updated(stored, with: computed, solver: solverKind, kind: curvatureKind, damping: damping)
        try curvatureErrors(curvaturePath) { try writeFileAtomically(curvaturePath, pieces: update.write) }
    }
    var out = Array(0..<rows.data.count)
    if let col = sortColumn {
        let value: (RowInfluence) -> Double = col == columns[0] ? { $0.parameters } : col == columns[1] ? { $0.criterion } : { $0.selfInfluence }
        out.sort { a, b in
            let x = value(results[a]!), y = value(results[b]!)
            return x != y ? x > y : a < b
        }
    }
    if let k = top { out = Array(out.prefix(k)) }
    let w = CSVWriter(try OutputFile(path: options.output))
    try w.row(["id"] + columns + ["shard"])
    for i in out {
        let r = results[i]!
        w.field(rows.fileId(i))
        w.field(r.parameters)
        w.field(r.criterion)
        w.field(r.selfInfluence)
        w.field(shardOf[i])
        try w.endRow()
    }
    try w.finish()
    return .ok
}
