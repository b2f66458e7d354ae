/// Errors of decoding a payload; the container turns them into `ModelFileError.corrupt`.
enum ByteReaderError: Error, Equatable, CustomStringConvertible {
    /// The payload ends before the value that was being read.
    case truncated(at: Int)
    /// A length or a value is impossible (say, a string that is not UTF-8).
    case invalid(String)

    var description: String {
        switch self {
        case let .truncated(at): return "the section ends at byte \(at), before the value being read"
        case let .invalid(why): return "impossible value: \(why)"
        }
    }
}
