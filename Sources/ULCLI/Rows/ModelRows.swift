import Foundation
import ULCore

/// Labelled rows read for a trained model: features taken by the model's feature names and multiplied by
/// its `--scale`, labels mapped to the model's classes. Extra columns are ignored.
public struct ModelRows {
    /// Features after `--scale` (raw with `scaled: false`), before any shard's standardisation.
    public var data: Dataset
    /// Line of each row in the file (for messages).
    public var lines: [Int]
    /// The ids as the file has them, when `data.ids` are keyed (`idKey`); nil otherwise.
    public var fileIds: [String]?

    /// The id of row i as the file has it (for output and messages).
    public func fileId(_ i: Int) -> String { fileIds?[i] ?? data.ids[i] }

    /// `only`: keep just the rows with these ids (the others are not checked). `missingColumnHint` is added to
    /// the message of a missing feature column.
    public init(path: String, model: ModelFile, idColumn: String = "id", labelColumn: String = "label",
                scaled: Bool = true, only keep: Set<String>? = nil, missingColumnHint: String = "",
                absentLabels: Bool = false, idKey: IdKey? = nil) throws {
        let r = try openInputRows(path)
        let columns = try ModelColumns(r, model: model, idColumn: idColumn, labelColumn: labelColumn,
                                       missingFeatureHint: missingColumnHint)
        let idCol = columns.id!, labelCol = columns.label!, featureCols = columns.features
        var data = Dataset(featureCount: featureCols.count)
        var lines = [Int]()
        var fileIds = [String]()
        var seen = Set<String>()
        var row = [Float](repeating: 0, count: featureCols.count)
        while try r.next() {
            let raw = r.string(idCol)
            let id = idKey?.keyed(raw) ?? raw
            if let keep, !keep.contains(id) { continue }
            guard !raw.isEmpty else { throw ToolError.data("empty id", file: path, line: r.line) }
            guard seen.insert(raw).inserted else { throw ToolError.data("duplicate id \(quoted(raw))", file: path, line: r.line) }
            if idKey != nil { fileIds.append(raw) }
            let c = absentLabels ? columns.knownClassIndex(of: r.string(labelCol)) ?? Dataset.absentClass
                                 : try columns.classIndex(of: r.string(labelCol), path: path, line: r.line)
            for (j, col) in featureCols.enumerated() {
                let v = try r.float(col)
                row[j] = scaled ? model.config.scaled(v) : v
            }
            row.withUnsafeBufferPointer { data.append(id: id, classIndex: c, features: $0) }
            lines.append(r.line)
        }
        self.data = data
        self.lines = lines
        self.fileIds = idKey == nil ? nil : fileIds
    }
}

/// The stored curvature sidecar of a model (`MODEL.curv` unless named), opened if present; shards' factors
/// are read when looked up.
public func openCurvatureStore(_ path: String) throws -> CurvatureStore? {
    guard FileManager.default.fileExists(atPath: path) else { return nil }
    return try curvatureErrors(path) { try CurvatureStore(try openModelContainer(path)) }
}

/// Curvature failures are bad data for the model (65) with the remedy in the message; a damaged sidecar
/// names its file.
public func curvatureErrors<T>(_ path: String, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as CurvatureError { throw ToolError.data("\(e)") } catch let e as ModelFileError {
        throw ToolError.data("\(e)", file: path)
    }
}
