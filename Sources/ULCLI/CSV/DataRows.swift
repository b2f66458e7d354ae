import Foundation
import ULCore

/// Rows of a data file, read either by the CSV parser or, for the common file without a quote
/// character, straight from a memory map: then a row is a line and its fields are separated by commas,
/// so the unaffected rows of a large file are checked and copied at memory speed. (Measured on 1 M rows ×
/// 100 features, 337 MB, a whole-file ul-forget: 17–22 s through the map, 22–32 s through libcsv.) The
/// map gives back the pages it has passed, so its resident memory stays bounded, not the file's size.
public protocol DataRows: AnyObject {
    var path: String { get }
    var header: [String] { get }
    /// The header's fields as bytes, to write it back unchanged.
    var headerFields: [[UInt8]] { get }
    /// 1-based line of the current row.
    var line: Int { get }
    var recordCount: Int { get }
    var bytesRead: Int { get }
    var totalBytes: Int? { get }
    func next() throws -> Bool
    func string(_ i: Int) -> String
    func float(_ i: Int) throws -> Float
    /// `float` of the columns first, first + 1, …, first + count − 1 into out[0..<count].
    func floats(from first: Int, count: Int, into out: UnsafeMutablePointer<Float>) throws
}

extension DataRows {
    public func floats(from first: Int, count: Int, into out: UnsafeMutablePointer<Float>) throws {
        for k in 0..<count { out[k] = try float(first + k) }
    }

    /// Index of the column named `name`.
    public func column(_ name: String) -> Int? { header.firstIndex(of: name) }

    /// Index of a required column, or an error naming it.
    public func requireColumn(_ name: String, option: String? = nil) throws -> Int {
        guard let i = column(name) else {
            let hint = option.map { " (choose another with --\($0))" } ?? ""
            throw ToolError.data("missing required column \(quoted(name))\(hint)\(headerNote(name))", file: path, line: 1)
        }
        return i
    }

    /// Why a column named `name` may look present but is not: a name that differs only by spaces (names
    /// match exactly). Empty otherwise.
    public func headerNote(_ name: String) -> String {
        if let near = header.first(where: { $0 != name && $0.trimmingCharacters(in: .whitespaces) == name }) {
            return "; the header has \(quoted(near)): spaces are part of a name"
        }
        return ""
    }
}

extension CSVReader: DataRows {}

/// The refusal of a header line with a carriage return before its end, which no CSV writer makes: a CRLF
/// file edited by a tool that kept the CR and added fields after it (`awk '{ print $0 ",x" }'`).
let headerCarriageReturnMessage = "the header line holds a carriage return before its end (a CRLF file edited by a tool "
    + "that kept the CR, such as awk?): remove the carriage returns first (tr -d '\\r', dos2unix)"

/// A numeric field as Float, or the error every reader gives for it.
func numericField(_ f: UnsafeBufferPointer<UInt8>, column: String, path: String, line: Int) throws -> Float {
    if let v = parseFloat32(f), v.isFinite { return v }
    let text = String(decoding: f, as: UTF8.self)
    let what = parseFloat32(f) == nil ? (text.isEmpty ? "empty numeric field" : "not a number") : "non-finite value"
    throw ToolError.data("column \(quoted(column)): \(what) \(quoted(text))", file: path, line: line)
}

/// Opens a data file: a shard store file (ul-store(5)) in place, the memory map when the file holds no
/// quote, else the CSV parser.
public func openDataRows(_ path: String) throws -> DataRows {
    if let s = try MappedStore.open(path) { return StoreRows(s) }
    if let m = try MappedCSV.open(path) { return m }
    return try CSVReader(path: path)
}
