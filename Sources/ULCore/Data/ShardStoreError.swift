/// Why a shard store file (ul-store(5)) is refused.
public enum ShardStoreError: Error, Equatable, CustomStringConvertible {
    /// The file does not start with the store's magic bytes.
    case notAStore
    /// The file is of a format version this build does not read.
    case unsupportedVersion(UInt32)
    /// The file is shorter or longer than its header says.
    case wrongSize(recorded: Int, actual: Int)
    /// The checksum over the header and the rows does not match: the bytes were changed after writing.
    case checksumMismatch
    /// A length, offset or index in the file is impossible.
    case invalid(String)
    /// The file holds another shard than its name says.
    case wrongShard(recorded: Int, expected: Int)
    /// The machine stores numbers big-endian; the store is little-endian and mapped as it is.
    case bigEndianHost

    public var description: String {
        switch self {
        case .notAStore: return "not a ul shard store file (bad magic bytes)"
        case let .unsupportedVersion(v): return "shard store format version \(v); this ul reads version \(ShardStore.version)"
        case let .wrongSize(recorded, actual):
            return actual < recorded ? "truncated: the header records \(recorded) bytes, the file has \(actual)"
                                     : "the header records \(recorded) bytes, the file has \(actual): bytes were added"
        case .checksumMismatch: return "checksum mismatch: the store file was changed after it was written (rebuild it from CSV)"
        case let .invalid(why): return "damaged shard store file: \(why)"
        case let .wrongShard(recorded, expected): return "holds the rows of shard \(recorded), not of shard \(expected) (renamed?)"
        case .bigEndianHost: return "the shard store is little-endian and is read in place: not on a big-endian machine"
        }
    }
}
