import Dispatch
import Foundation
import ULCLI
import ULCore

/// One shard's rows as read.
struct ShardRows {
    var rows: [Int] = []      // positions in the input
    var ids: [String] = []
    var features: [Float] = []

    mutating func append(row: Int, id: String, features values: [Float]) {
        rows.append(row)
        ids.append(id)
        features.append(contentsOf: values)
    }
}

/// Selects the rows of every shard and writes the input with selected and select_step.
func runSelect(_ options: SelectOptions, _ ctx: ToolContext) throws -> ExitStatus {
    let selection = options.selection
    if options.printSpec {
        print(selection.description)
        return .ok
    }
    let recordedCounts = try options.recordedCounts()
    let names = options.columns
    let r = try CSVReader(path: options.input)
    let idCol = try r.requireColumn(names.id, option: "id")
    let labelCol = r.column(names.label)
    let shardCol = r.column("shard")
    let replaced = [r.column("selected"), r.column("select_step")]
    let featureCols = try FeatureColumns(header: r.header, roles: [idCol, labelCol, shardCol, r.column("block")] + replaced,
                                         exclude: options.exclude, path: r.path).indices
    let d = featureCols.count

    var shards = [Int: ShardRows]()
    var seen = Set<String>()
    var bytes = [UInt8](), ends = [Int]()
    let width = r.header.count
    var count = 0
    var row = [Float](repeating: 0, count: d)
    let progress = ctx.progress("reading", total: r.totalBytes)
    while try r.next() {
        let id = r.string(idCol)
        guard !id.isEmpty else { throw ToolError.data("empty id", file: r.path, line: r.line) }
        guard seen.insert(id).inserted else { throw ToolError.data("duplicate id \(quoted(id))", file: r.path, line: r.line) }
        var shard = 0
        if let c = shardCol {
            let text = r.string(c)
            guard let v = Int(text.trimmingCharacters(in: .whitespaces)), v >= 0 else {
                throw ToolError.data("column 'shard': expected a non-negative integer, got \(quoted(text))", file: r.path, line: r.line)
            }
            shard = v
        }
        for (k, c) in featureCols.enumerated() { row[k] = try r.float(c) }
        // One dictionary access per row, not one per feature.
        shards[shard, default: ShardRows()].append(row: count, id: options.idKey?.keyed(id) ?? id, features: row)
        for j in 0..<width where !replaced.contains(j) {
            bytes.append(contentsOf: r.field(j))
            ends.append(bytes.count)
        }
        count += 1
        if count % 1024 == 0 { progress.update(r.bytesRead) }
    }
    progress.finish()

    let order = shards.keys.sorted()
    // Each shard's outcome is kept as a Result, so the first failing shard in order is the one reported.
    let outcomes = try concurrentMap(order, workers: options.jobs) { _, shard -> Result<(SelectionOutcome, Double), Error> in
        let s = shards[shard]!
        let m = options.count(shard: shard, rows: s.ids.count, recorded: recordedCounts)
        let started = Date()
        return Result {
            (try selectShard(features: s.features, dimension: d, ids: s.ids, spec: selection, count: m),
             Date().timeIntervalSince(started))
        }
    }
    var selected = [Bool](repeating: false, count: count), step = [Int](repeating: 0, count: count)
    var total = 0
    for (i, s) in order.enumerated() {
        let outcome: SelectionOutcome, seconds: Double
        do {
            (outcome, seconds) = try outcomes[i].get()
        } catch let e as SelectionError {
            throw ToolError.data("shard \(s): \(e)", file: r.path)
        }
        if let counts = recordedCounts, counts[s] == nil { throw ToolError.data("shard \(s) is not in --counts-from", file: r.path) }
        let rows = shards[s]!.rows
        for (k, row) in rows.enumerated() { selected[row] = outcome.selected[k]; step[row] = outcome.step[k] }
        total += outcome.record.order.count
        ctx.summary(String(format: "shard %d: %d of %d rows chosen, %.3f s", s, outcome.record.order.count, rows.count, seconds))
    }

    let out = try OutputFile(path: options.output)
    let w = CSVWriter(out)
    let kept = (0..<width).filter { !replaced.contains($0) }
    // Replaced columns keep their place; new ones follow the input columns.
    for j in 0..<width {
        if j == replaced[0] { w.field("selected") } else if j == replaced[1] { w.field("select_step") } else { r.headerFields[j].withUnsafeBufferPointer { w.field($0) } }
    }
    if replaced[0] == nil { w.field("selected") }
    if replaced[1] == nil { w.field("select_step") }
    try w.endRow()
    try bytes.withUnsafeBufferPointer { b in
        var start = 0
        for i in 0..<count {
            var k = 0
            for j in 0..<width {
                if j == replaced[0] { w.field(selected[i] ? "1" : "0"); continue }
                if j == replaced[1] { w.field(step[i]); continue }
                let end = ends[i * kept.count + k]
                w.field(UnsafeBufferPointer(rebasing: b[start..<end]))
                start = end
                k += 1
            }
            if replaced[0] == nil { w.field(selected[i] ? "1" : "0") }
            if replaced[1] == nil { w.field(step[i]) }
            try w.endRow()
        }
    }
    try w.finish()
    ctx.summary("\(total) of \(count) rows chosen in \(order.count) shards; --selection '\(selection)'")
    return .ok
}
