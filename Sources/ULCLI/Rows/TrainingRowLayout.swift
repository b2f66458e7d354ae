import Foundation
import ULCore

/// Where `TrainingRows` finds each role in a file's header, and the checks and conversion of one record
/// that need no other record (everything but the duplicate-id and `--classes` checks).
struct TrainingRowLayout: Sendable {
    let path: String
    let header: [String]
    let width: Int
    let idCol: Int, labelCol: Int
    let shardCol: Int?, blockCol: Int?, selectedCol: Int?, stepCol: Int?
    let featureCols: [Int]
    let skippedColumns: [String]
    let scale: Float?
    let keepShards: Set<Int>?
    let selectionSteps: Bool
    let idKey: IdKey?

    init(header: [String], path: String, options: TrainingRows.Options) throws {
        let column = { (name: String) in header.firstIndex(of: name) }
        func require(_ name: String, _ option: String) throws -> Int {
            guard let i = column(name) else {
                let near = header.first(where: { $0 != name && $0.trimmingCharacters(in: .whitespaces) == name })
                let note = near.map { "; the header has \(quoted($0)): spaces are part of a name" } ?? ""
                throw ToolError.data("missing required column \(quoted(name)) (choose another with --\(option))\(note)", file: path, line: 1)
            }
            return i
        }
        self.path = path
        self.header = header
        width = header.count
        idCol = try require(options.idColumn, "id")
        labelCol = try require(options.labelColumn, "label")
        shardCol = column("shard")
        blockCol = column("block")
        selectedCol = column("selected")
        stepCol = column("select_step")
        if options.refuseSelectedColumn, selectedCol != nil {
            throw ToolError.usage("\(displayName(path)) has a selected column (ul-select): give --selection \"$(ul-select --spec ...)\" with the options of that ul-select, so that forgetting a selected row re-selects as ul-select would, or --selection fixed to train on the selected rows as a fixed subset (forgetting then only drops rows)")
        }
        if let why = options.selectedColumnRefusal, selectedCol != nil || stepCol != nil { throw ToolError(.usage, why, file: path) }
        if options.selectionSteps, selectedCol == nil || stepCol == nil {
            throw ToolError.data("a recorded selection needs the selected and select_step columns of ul-select", file: path, line: 1)
        }
        let features = try FeatureColumns(header: header, roles: [idCol, labelCol, shardCol, blockCol, selectedCol, stepCol],
                                          exclude: options.exclude, path: path)
        featureCols = features.indices
        skippedColumns = features.skippedWritten
        scale = options.scale
        keepShards = options.keepShards
        selectionSteps = options.selectionSteps
        idKey = options.idKey
    }

    /// Checks `record` and appends it to `out`; false for a row not selected (selected=0), which is
    /// skipped. `admit` runs the checks against earlier rows (duplicate id, --classes) at the point a
    /// sequential reader runs them; without it they are left to `TrainingRowsAccumulator.keep`.
    func convert<R: TrainingRecord>(_ record: R, into out: inout ConvertedRows,
                                    admit: ((UInt128, String, String) throws -> Void)?) throws -> Bool {
        func index(_ col: Int) throws -> Int {
            let text = record.string(col)
            guard let v = Int(text.trimmingCharacters(in: .whitespaces)), v >= 0 else {
                throw ToolError.data("column \(quoted(header[col])): expected a non-negative integer, got \(quoted(text))", file: record.path, line: record.line)
            }
            return v
        }
        if let s = selectedCol {
            let v = record.string(s).trimmingCharacters(in: .whitespaces)
            guard v == "0" || v == "1" else {
                throw ToolError.data("column 'selected': expected 0 or 1, got \(quoted(v))", file: record.path, line: record.line)
            }
            if v == "0" { return false }
        }
        let raw = record.string(idCol)
        guard !raw.isEmpty else { throw ToolError.data("empty id", file: record.path, line: record.line) }
        let fingerprint = IdSet.fingerprint(raw)
        let label = record.string(labelCol)
        try admit?(fingerprint, raw, label)
        let shard = try shardCol.map(index) ?? 0
        let block = try blockCol.map(index) ?? 0
        let keep = keepShards?.contains(shard) ?? true
        if keep {
            for c in featureCols {
                let x = try record.feature(c, column: header)
                let v = scale.map { x * $0 } ?? x
                if !v.isFinite {
                    throw ToolError.data("column \(quoted(header[c])): value overflows after scaling", file: record.path, line: record.line)
                }
                out.features.append(v)
            }
        }
        let step = keep && selectionSteps ? try index(stepCol!) : 0
        out.fingerprints.append(fingerprint)
        out.ids.append(keep ? idKey?.keyed(raw) ?? raw : "")
        out.labels.append(label)
        out.shards.append(shard)
        out.blocks.append(block)
        out.steps.append(step)
        out.kept.append(keep)
        return true
    }
}

/// One record as `TrainingRowLayout.convert` reads it.
protocol TrainingRecord {
    var path: String { get }
    var line: Int { get }
    func string(_ i: Int) -> String
    /// Field `i` as a finite Float32, or the error every reader gives for it (naming `header[i]`).
    func feature(_ i: Int, column header: [String]) throws -> Float
}

/// The current row of a stream of data rows (CSV parser or shard store).
struct StreamRecord: TrainingRecord {
    let rows: DataRows
    var path: String { rows.path }
    var line: Int { rows.line }
    func string(_ i: Int) -> String { rows.string(i) }
    func feature(_ i: Int, column header: [String]) throws -> Float { try rows.float(i) }
}
