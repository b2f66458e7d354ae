import Foundation

/// Errors of fitting one-class models.
enum OneClassError: Error, Equatable, CustomStringConvertible {
    /// No rows to fit.
    case noRows
    /// The feature array is not rows × dimension, or the ids do not match the rows.
    case shapeMismatch(String)
    /// A configuration value is out of range.
    case invalidConfig(String)
    /// The checkpoint to continue from does not fit this configuration or these features.
    case incompatibleState(String)
    /// A row id occurs twice.
    case duplicateID(String)
    /// LAPACK reported a failure (info code).
    case lapack(String, Int32)

    var description: String {
        switch self {
        case .noRows: return "no rows to fit"
        case let .shapeMismatch(why): return "rows do not match their shape: \(why)"
        case let .invalidConfig(why): return "invalid one-class configuration: \(why)"
        case let .incompatibleState(why): return "the checkpoint does not fit this model: \(why)"
        case let .duplicateID(id): return "duplicate id \(quotedForMessage(id))"
        case let .lapack(routine, info): return "LAPACK \(routine) failed (info \(info))"
        }
    }
}
