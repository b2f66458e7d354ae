import Foundation
import ULCLI
import ULCore

/// Reads one audit set (raw features: the audit applies the model's scale itself); it must not be empty.
func readRows(_ path: String, option: String, model: ModelFile, idName: String, labelName: String,
              only keep: Set<String>? = nil, idKey: IdKey? = nil) throws -> ModelRows {
    let hint = option == "forget" ? "; --forget needs the full forgotten rows: id, label and features, or give --rows" : ""
    // Forgotten and test rows may carry a label the model no longer has (a class removed): probability 0.
    let rows = try ModelRows(path: path, model: model, idColumn: idName, labelColumn: labelName, scaled: false, only: keep,
                             missingColumnHint: hint, absentLabels: true, idKey: idKey)
    guard rows.data.count > 0 else { throw ToolError.data("no rows (--\(option))", file: path) }
    return rows
}

/// The ids of an id-only forget file: unique, non-empty.
func readIds(_ path: String, idName: String) throws -> [String] {
    let r = try CSVReader(path: path)
    let idCol = try r.requireColumn(idName, option: "id")
    var ids = [String](), seen = Set<String>()
    while try r.next() {
        let id = r.string(idCol)
        guard !id.isEmpty else { throw ToolError.data("empty id", file: path, line: r.line) }
        guard seen.insert(id).inserted else { throw ToolError.data("duplicate id \(quoted(id))", file: path, line: r.line) }
        ids.append(id)
    }
    guard !ids.isEmpty else { throw ToolError.data("no rows (--forget)", file: path) }
    return ids
}

/// The forgotten rows: the --forget file itself when it holds full rows, else its ids looked up in --rows;
/// and their ids as the files have them (`data.ids` are keyed with `idKey`).
func readForgotten(_ path: String, rowsPath: String?, model: ModelFile, idName: String, labelName: String,
                   idKey: IdKey?) throws -> (data: Dataset, fileIds: [String]) {
    // Standard input cannot be read twice: with --rows it is taken to hold ids.
    // Standard input is read once: its header is not looked at in advance.
    let header = path == "-" ? nil : try openInputRows(path)
    let hasFeatures = header?.column(model.features[0]) != nil
    guard let rowsPath, path == "-" || !hasFeatures else {
        if let h = header, rowsPath == nil, !hasFeatures, h.column(idName) != nil, h.column(labelName) == nil {
            throw ToolError.data("holds ids only (no label, no features): give --rows FILE, the rows they were taken from (e.g. the training data)", file: path)
        }
        let rows = try readRows(path, option: "forget", model: model, idName: idName, labelName: labelName, idKey: idKey)
        return (rows.data, (0..<rows.data.count).map(rows.fileId))
    }
    let ids = try readIds(path, idName: idName)
    let keyed = ids.map { idKey?.keyed($0) ?? $0 }
    let found = try readRows(rowsPath, option: "rows", model: model, idName: idName, labelName: labelName, only: Set(keyed),
                             idKey: idKey).data
    let index = Dictionary(uniqueKeysWithValues: found.ids.enumerated().map { ($1, $0) })
    var order = [Int]()
    for (id, k) in zip(ids, keyed) {
        guard let i = index[k] else { throw ToolError.data("forgotten id \(quoted(id)) is not in --rows \(displayName(rowsPath))", file: path) }
        order.append(i)
    }
    return (found.subset(order), ids)
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

/// The traces `scan` finds in a file's bytes.
func scanFile(_ path: String, with scan: RemanenceScan) throws -> [RemanenceScan.Hit] {
    scan.hits(in: try readWholeFile(path))
}
