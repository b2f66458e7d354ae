import Foundation
import ULCLI
import ULCore

/// Predicts every input row and writes it with predicted (and p_<label>).
func runPredict(_ options: PredictOptions, _ ctx: ToolContext) throws -> ExitStatus {
    let modelPath = options.modelPath
    var model: ModelFile
    do {
        model = try ModelFile.decode(try openModelContainer(modelPath))
    } catch let e as ModelFileError {
        throw ToolError.data("\(e)", file: modelPath)
    }
    guard model.isComplete else {
        throw ToolError.data("part file holds only shards \(model.config.heldShards.map(String.init).joined(separator: ",")); merge the parts first (ul-train --merge)", file: modelPath)
    }
    try options.check(model.config.kind)
    if let a = options.aggregation { model.config.aggregation = a }
    let predictor = Predictor(model: model)
    let proba = options.proba
    let r = try CSVReader(path: options.input)
    let columns = try ModelColumns(r, model: model, needsId: false, needsLabel: false).features
    // Without an id column rows are predicted as they come; with one, a repeated id is refused as by every tool.
    let idColumn = r.column(options.idColumn)
    if options.idGiven, idColumn == nil {
        throw ToolError.data("missing id column \(quoted(options.idColumn)) (named by --id)", file: r.path, line: 1)
    }
    let out = try OutputFile(path: options.output)
    let w = CSVWriter(out)
    w.fields(r.headerFields)
    w.field("predicted")
    if proba { for l in model.labels { w.field("p_" + l) } }
    try w.endRow()

    let d = model.features.count
    let k = model.labels.count
    var total = 0
    let rows = EchoRows(r, featureColumns: columns, idColumn: idColumn)
    try rows.forEachBatch { batch in
        let p = predictor.probabilities(batch.features, rows: batch.rows)
        try batch.text.withUnsafeBufferPointer { b in
            for i in 0..<batch.rows {
                w.encodedFields(batch.row(i, in: b))
                var best = 0
                for c in 1..<k where p[i * k + c] > p[i * k + best] { best = c }
                w.field(model.labels[best])
                if proba { for c in 0..<k { w.field(p[i * k + c]) } }
                try w.endRow()
            }
        }
        total += batch.rows
    }
    try w.finish()
    ctx.summary("\(total) rows, \(model.config.shardCount) shards, \(d) features, \(k) classes")
    return .ok
}
