/// Typed failures of reading or writing a model file.
public enum ModelFileError: Error, Equatable, CustomStringConvertible {
    /// The file does not begin with the ul model magic number.
    case foreign
    /// The file is shorter than its header or table says.
    case truncated(expected: Int, actual: Int)
    /// The file was written by a newer format version than this build reads.
    case newerVersion(found: UInt32, supported: UInt32)
    /// The header or the table of sections fails its checksum.
    case corruptHeader
    /// A section's bytes fail their checksum.
    case corruptSection(String)
    /// A section the reader needs is not in the file.
    case missingSection(String)
    /// A section passed its checksum but its content cannot be decoded.
    case malformedSection(String, String)
    /// A section tag is empty, longer than 16 bytes or not printable ASCII.
    case invalidTag(String)
    /// Two sections share a tag.
    case duplicateSection(String)

    public var description: String {
        switch self {
        case .foreign: return "not a ul model file (bad magic number)"
        case let .truncated(e, a): return "truncated model file (expected at least \(e) bytes, found \(a))"
        case let .newerVersion(f, s):
            return "model file format version \(f) is newer than this program reads (\(s)); upgrade ul"
        case .corruptHeader: return "corrupt model file: header checksum mismatch"
        case let .corruptSection(t): return "corrupt model file: checksum mismatch in section \(quotedForMessage(t))"
        case let .missingSection(t): return "model file has no section \(quotedForMessage(t))"
        case let .malformedSection(t, why): return "malformed section \(quotedForMessage(t)) in model file: \(why)"
        case let .invalidTag(t): return "invalid section tag \(quotedForMessage(t))"
        case let .duplicateSection(t): return "duplicate section tag \(quotedForMessage(t))"
        }
    }
}
