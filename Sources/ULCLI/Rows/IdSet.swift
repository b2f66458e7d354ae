/// A set of ids that keeps a 128-bit fingerprint of each id instead of the id: 16 bytes a slot however long
/// the ids are, so at most about 32 bytes a row with the hash table's spare room (48 while it grows). The
/// fingerprint is two SipHash values (keyed at random per process) of the id; two distinct ids share one
/// with probability 2⁻¹²⁸, so a false "duplicate" among n ids has odds of about n²/2¹²⁹ (10⁻²⁵ for five
/// million ids).
public struct IdSet {
    private var fingerprints = Set<UInt128>()
    public init() {}

    public var count: Int { fingerprints.count }

    /// The 128-bit fingerprint (the same for the same id within one process).
    public static func fingerprint(_ id: String) -> UInt128 {
        var a = Hasher(), b = Hasher()
        a.combine(UInt8(0))
        a.combine(id)
        b.combine(UInt8(1))
        b.combine(id)
        return UInt128(UInt64(bitPattern: Int64(a.finalize()))) << 64 | UInt128(UInt64(bitPattern: Int64(b.finalize())))
    }

    /// Adds `id`; false when it was already in the set.
    public mutating func insert(_ id: String) -> Bool { insert(fingerprint: Self.fingerprint(id)) }

    /// Adds the id whose `fingerprint` this is; false when it was already in the set.
    public mutating func insert(fingerprint: UInt128) -> Bool { fingerprints.insert(fingerprint).inserted }

    public func contains(_ id: String) -> Bool { fingerprints.contains(Self.fingerprint(id)) }
}
