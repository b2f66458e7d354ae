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
    var seenIds = IdSet()
    let out = try OutputFile(path: options.output)
    let w = CSVWriter(out)
    w.fields(r.headerFields)
    w.field("predicted")
    if proba { for l in model.labels { w.field("p_" + l) } }
    try w.endRow()

    let d = model.features.count
    let k = model.labels.count
    let batch = 1024
    var x = [Float]()
    var bytes = [UInt8]()
    var ends = [Int]()
    var rows = 0
    var total = 0
    let width = r.header.count
    func flush() throws {
        guard rows > 0 else { return }
        let p = predictor.probabilities(x, rows: rows)
        try bytes.withUnsafeBufferPointer { b in
            for i in 0..<rows {
                var start = i == 0 ? 0 : ends[i * width - 1]
                for j in 0..<width {
                    let end = ends[i * width + j]
                    w.field(UnsafeBufferPointer(rebasing: b[start..<end]))
                    start = end
                }
                var best = 0
                for c in 1..<k where p[i * k + c] > p[i * k + best] { best = c }
                w.field(model.labels[best])
                if proba { for c in 0..<k { w.field(p[i * k + c]) } }
                try w.endRow()
            }
        }
        total += rows
        rows = 0
        x.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }
    while try r.next() {
        if let c = idColumn, !seenIds.insert(r.string(c)) {
            throw ToolError.data("duplicate id \(quoted(r.string(c)))", file: r.path, line: r.line)
        }
        for c in columns { x.append(try r.float(c)) }
        for j in 0..<width {
            bytes.append(contentsOf: r.field(j))
            ends.append(bytes.count)
        }
        rows += 1
        if rows == batch { try flush() }
    }
    try flush()
    try w.finish()
    ctx.summary("\(total) rows, \(model.config.shardCount) shards, \(d) features, \(k) classes")
    return .ok
}
