import Dispatch
import Foundation
import ULCLI
import ULCore

/// Selects the rows of every shard and writes the input with selected and select_step.
func runSelect(_ options: SelectOptions, _ ctx: ToolContext) throws -> ExitStatus {
    let selection = options.selection
    if options.printSpec {
        print(selection.description)
        return .ok
    }
    let recordedCounts = try options.recordedCounts()
    var readOptions = SelectionRows.Options()
    readOptions.idColumn = options.columns.id
    readOptions.labelColumn = options.columns.label
    readOptions.exclude = options.exclude
    readOptions.idKey = options.idKey
    let input = try SelectionRows(path: options.input, options: readOptions, progress: ctx.progress("reading", total: nil))
    let shards = input.shards, d = input.featureCount, count = input.rowCount

    let order = shards.keys.sorted()
    // Each shard's outcome is kept as a Result, so the first failing shard in order is the one reported.
    let outcomes = concurrentMap(order, workers: options.jobs) { _, shard -> Result<(SelectionOutcome, Double), Error> in
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
            throw ToolError.data("shard \(s): \(e)", file: input.path)
        }
        if let counts = recordedCounts, counts[s] == nil { throw ToolError.data("shard \(s) is not in --counts-from", file: input.path) }
        let rows = shards[s]!.rows
        for (k, row) in rows.enumerated() { selected[row] = outcome.selected[k]; step[row] = outcome.step[k] }
        total += outcome.record.order.count
        ctx.summary(String(format: "shard %d: %d of %d rows chosen, %.3f s", s, outcome.record.order.count, rows.count, seconds))
    }

    let out = try OutputFile(path: options.output)
    let w = CSVWriter(out)
    let (selectedColumn, stepColumn) = input.replaced
    let width = input.header.count, kept = width - [selectedColumn, stepColumn].compactMap { $0 }.count
    // Replaced columns keep their place; new ones follow the input columns.
    for j in 0..<width {
        if j == selectedColumn { w.field("selected") } else if j == stepColumn { w.field("select_step") } else { input.headerFields[j].withUnsafeBufferPointer { w.field($0) } }
    }
    if selectedColumn == nil { w.field("selected") }
    if stepColumn == nil { w.field("select_step") }
    try w.endRow()
    try input.fieldBytes.withUnsafeBufferPointer { b in
        var start = 0
        for i in 0..<count {
            var k = 0
            for j in 0..<width {
                if j == selectedColumn { w.field(selected[i] ? "1" : "0"); continue }
                if j == stepColumn { w.field(step[i]); continue }
                let end = input.fieldEnds[i * kept + k]
                w.field(UnsafeBufferPointer(rebasing: b[start..<end]))
                start = end
                k += 1
            }
            if selectedColumn == nil { w.field(selected[i] ? "1" : "0") }
            if stepColumn == nil { w.field(step[i]) }
            try w.endRow()
        }
    }
    try w.finish()
    ctx.summary("\(total) of \(count) rows chosen in \(order.count) shards; --selection '\(selection)'")
    return .ok
}
