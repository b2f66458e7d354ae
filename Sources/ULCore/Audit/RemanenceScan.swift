import Foundation

/// Looks for traces of forgotten ids in the bytes of a file (a model, its curvature sidecar, a ledger): each
/// id as the model's strings encode it (u32 length, then the bytes), the bare id when it is long enough not
/// to occur by chance (`bareMinimum` bytes), its SHA-256 (32 bytes, or 64 hex digits in either case), and
/// with an id key its keyed form. One pass over the bytes, whatever the number of ids.
public struct RemanenceScan {
    /// What was found, and where.
    public struct Hit: Equatable, Sendable {
        /// The forgotten id (as given to the scan).
        public var id: String
        /// "id", "length-prefixed id", "keyed id", "SHA-256", "SHA-256 hex".
        public var form: String
        public var offset: Int
    }

    /// Bare ids shorter than this are looked for only length-prefixed: "7" occurs in any file.
    public static let bareMinimum = 8

    /// Every pattern by its first 8 bytes (little-endian), for patterns of at least 8 bytes.
    private var byPrefix: [UInt64: [(pattern: [UInt8], id: String, form: String)]] = [:]
    /// Whether some pattern starts with these two bytes: most offsets of a file are passed over on this alone.
    private var startsWith = [Bool](repeating: false, count: 1 << 16)
    /// Length-prefixed ids shorter than 4 bytes (5–7 bytes with the prefix), by length then bytes.
    private var short: [Int: [[UInt8]: String]] = [:]

    public init(ids: [String], key: IdKey? = nil) {
        for id in ids {
            var forms: [(String, [UInt8])] = []
            let bytes = Array(id.utf8)
            var prefixed = [UInt8]()
            withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { prefixed.append(contentsOf: $0) }
            prefixed += bytes
            if prefixed.count >= 8 { forms.append(("length-prefixed id", prefixed)) } else { short[bytes.count, default: [:]][prefixed] = id }
            if bytes.count >= Self.bareMinimum { forms.append(("id", bytes)) }
            let digest = SHA256Digest.hash(bytes)
            forms.append(("SHA-256", digest))
            let hex = hexString(digest)
            forms.append(("SHA-256 hex", Array(hex.utf8)))
            forms.append(("SHA-256 hex", Array(hex.uppercased().utf8)))
            if let key { forms.append(("keyed id", Array(key.keyed(id).utf8))) }
            for (form, pattern) in forms {
                byPrefix[Self.prefix(pattern, 0), default: []].append((pattern, id, form))
                startsWith[Int(pattern[0]) | Int(pattern[1]) << 8] = true
            }
        }
    }

    private static func prefix(_ p: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
        UInt64(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }

    private static func prefix(_ p: [UInt8], _ at: Int) -> UInt64 { p.withUnsafeBytes { prefix($0, at) } }

    /// Every hit in `bytes`, in file order (a pattern found at several offsets is reported at each).
    public func hits(in bytes: UnsafeRawBufferPointer) -> [Hit] {
        var out = [Hit]()
        let n = bytes.count
        guard n >= 5 else { return out }
        for i in 0..<(n - 4) {
            if i + 8 <= n, startsWith[Int(bytes[i]) | Int(bytes[i + 1]) << 8], let candidates = byPrefix[Self.prefix(bytes, i)] {
                for c in candidates where i + c.pattern.count <= n
                    && c.pattern.withUnsafeBytes({ memcmp(bytes.baseAddress! + i, $0.baseAddress!, c.pattern.count) == 0 }) {
                    out.append(Hit(id: c.id, form: c.form, offset: i))
                }
            }
            if !short.isEmpty {
                let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self)))
                if length < 4, let table = short[length], i + 4 + length <= n,
                   let id = table[Array(UnsafeRawBufferPointer(rebasing: bytes[i..<(i + 4 + length)]))] {
                    out.append(Hit(id: id, form: "length-prefixed id", offset: i))
                }
            }
        }
        return out
    }

    public func hits(in bytes: [UInt8]) -> [Hit] { bytes.withUnsafeBytes { hits(in: $0) } }
}
