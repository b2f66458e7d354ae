import Foundation
import ULCore

/// Where ul-select finds id, shard and features in a header, and how it converts one record.
struct SelectionLayout {
    let width: Int
    let idColumn: Int
    let shardColumn: Int?
    let selectedColumn: Int?
    let stepColumn: Int?
    let featureColumns: [Int]
    /// Every column but `selected` and `select_step`, written back as read.
    let keptColumns: [Int]
    let header: [String]
    let idKey: IdKey?

    init(_ r: CSVReader, options: SelectionRows.Options) throws {
        header = r.header
        width = header.count
        idColumn = try r.requireColumn(options.idColumn, option: "id")
        let label = header.firstIndex(of: options.labelColumn)
        shardColumn = header.firstIndex(of: "shard")
        selectedColumn = header.firstIndex(of: "selected")
        stepColumn = header.firstIndex(of: "select_step")
        featureColumns = try FeatureColumns(header: header, roles: [idColumn, label, shardColumn, header.firstIndex(of: "block"), selectedColumn, stepColumn],
                                            exclude: options.exclude, path: r.path).indices
        let replaced = [selectedColumn, stepColumn]
        keptColumns = header.indices.filter { !replaced.contains($0) }
        idKey = options.idKey
    }

    /// Converts the current record of `record` and appends it to `piece`; errors name `path` and `line`.
    /// `admit` sees the id once it is known not to be empty (the stream's check of repeated ids).
    @inline(__always)
    func convert<R: FieldRecord>(_ record: R, into piece: inout SelectionPiece, path: String, line: Int,
                                     admit: (String) throws -> Void) throws {
        let id = record.string(idColumn)
        guard !id.isEmpty else { throw ToolError.data("empty id", file: path, line: line) }
        try admit(id)
        var shard = 0
        if let c = shardColumn {
            let text = record.string(c)
            guard let v = Int(text.trimmingCharacters(in: .whitespaces)), v >= 0 else {
                throw ToolError.data("column 'shard': expected a non-negative integer, got \(quoted(text))", file: path, line: line)
            }
            shard = v
        }
        for c in featureColumns { piece.features.append(try record.feature(c, column: header)) }
        piece.rawIds.append(id)
        piece.ids.append(idKey?.keyed(id) ?? id)
        piece.shards.append(shard)
        piece.rowStarts.append(piece.fieldBytes.count)
        for c in keptColumns {
            piece.fieldBytes.append(contentsOf: record.field(c))
            piece.fieldEnds.append(piece.fieldBytes.count)
        }
    }
}
