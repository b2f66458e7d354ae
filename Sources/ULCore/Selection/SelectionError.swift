import Foundation

/// Errors of the selection core.
public enum SelectionError: Error, Equatable, CustomStringConvertible {
    /// The feature array is not rows × dimension, or an id/quality array has the wrong length.
    case shapeMismatch(String)
    /// A configuration value is out of range.
    case invalidConfig(String)
    /// A row id occurs twice.
    case duplicateID(String)
    /// A previously chosen id, replayed on resumption, is not in the cell its step must choose from.
    case inconsistentResume(id: String, step: Int)
    /// A shard has more rows than the method can hold in memory.
    case tooManyRows(rows: Int, limit: Int, method: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(why): return "rows do not match their shape: \(why)"
        case let .invalidConfig(why): return "invalid selection configuration: \(why)"
        case let .duplicateID(id): return "duplicate id \(quotedForMessage(id))"
        case let .tooManyRows(rows, limit, method):
            return "\(rows) rows in one shard: \(method) selection keeps a kernel of every pair of rows and takes at most \(limit) rows a shard; split the rows into more shards"
        case let .inconsistentResume(id, step): return "cannot resume the selection: row \(quotedForMessage(id)) chosen at step \(step) is not a candidate of that step"
        }
    }
}
