import Foundation
import ULCore

/// The forget ledger on disk. An append rewrites the file under a temporary name and renames it
/// into place, so a crash at any moment leaves either the old ledger or the new one, never half a line.
public enum LedgerFile {
    /// All entries; a missing file is an empty ledger.
    public static func read(_ path: String) throws -> [LedgerEntry] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let r = try CSVReader(path: path)
        guard r.header == LedgerEntry.columns else {
            throw ToolError.data("not a ul forget ledger (header is not \(LedgerEntry.columns.joined(separator: ",")))", file: path, line: 1)
        }
        var out = [LedgerEntry]()
        while try r.next() {
            guard let e = LedgerEntry(fields: (0..<r.fieldCount).map { r.string($0) }) else {
                throw ToolError.data("malformed ledger line", file: path, line: r.line)
            }
            out.append(e)
        }
        return out
    }

    /// Appends one entry atomically.
    public static func append(_ entry: LedgerEntry, to path: String) throws {
        var existing = [UInt8]()
        if FileManager.default.fileExists(atPath: path) {
            _ = try read(path)  // refuse to extend a file that is not a valid ledger
            existing = try readWholeFile(path)
        }
        let out = try OutputFile(path: path)
        let w = CSVWriter(out)
        if existing.isEmpty {
            try w.row(LedgerEntry.columns)
        } else {
            try out.write(existing)
        }
        try w.row(entry.fields)
        try w.finish()
    }

    /// Current UTC time in ISO 8601 (2026-01-31T12:00:00Z), for ledger lines. Formatted by the C library:
    /// Foundation's formatter loads ICU's calendar data, a tenth of a short request.
    public static func now() -> String {
        var seconds = time(nil)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var text = [CChar](repeating: 0, count: 32)
        let n = strftime(&text, text.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: text[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
