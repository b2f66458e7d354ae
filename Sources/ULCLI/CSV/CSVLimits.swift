import Foundation

/// Longest field and record a CSV reader accepts, so that one unterminated quote or a generated
/// gigabyte field cannot exhaust memory: 1 MiB per field and 64 MiB per record unless the environment
/// sets `UL_CSV_MAX_FIELD` or `UL_CSV_MAX_RECORD` (bytes; ul(7)). Beyond them a reader stops with exit 65
/// and `FILE:LINE: field longer than N bytes`.
public struct CSVLimits: Sendable {
    public var fieldBytes: Int
    public var recordBytes: Int

    public static let defaultFieldBytes = 1 << 20
    public static let defaultRecordBytes = 64 << 20

    /// The limits the environment sets, or the defaults; a value that is not a positive integer is a usage error.
    public static func fromEnvironment() throws -> CSVLimits {
        func read(_ name: String, _ fallback: Int) throws -> Int {
            guard let text = ProcessInfo.processInfo.environment[name] else { return fallback }
            guard let v = Int(text), v >= 1 else {
                throw ToolError.usage("\(name): expected a positive number of bytes, got \(quoted(text))", hint: "See ul(7), ENVIRONMENT.")
            }
            return v
        }
        return CSVLimits(fieldBytes: try read("UL_CSV_MAX_FIELD", defaultFieldBytes),
                         recordBytes: try read("UL_CSV_MAX_RECORD", defaultRecordBytes))
    }
}
