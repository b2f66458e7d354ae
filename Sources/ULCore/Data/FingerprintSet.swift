/// A set of 64-bit id fingerprints in about 10 bytes per id, for detecting duplicate ids while
/// streaming; equal fingerprints are candidates the caller confirms. The keys are spread over 256
/// open-addressing tables that grow one at a time, so growing never needs twice the memory.
public struct FingerprintSet {
    private var tables = [[UInt64]](repeating: [UInt64](repeating: 0, count: 16), count: 256)
    private var counts = [Int](repeating: 0, count: 256)
    public private(set) var count = 0

    public init() {}

    /// Inserts a fingerprint; false if it was already present.
    public mutating func insert(_ fingerprint: UInt64) -> Bool {
        let key = fingerprint == 0 ? 1 : fingerprint
        let h = mix64(key)
        let t = Int(h >> 56)
        if (counts[t] + 1) * 10 > tables[t].count * 8 {
            let old = tables[t]
            var grown = [UInt64](repeating: 0, count: old.count + old.count / 2)
            for k in old where k != 0 { _ = Self.insert(k, hash: mix64(k), into: &grown) }
            tables[t] = grown
        }
        guard Self.insert(key, hash: h, into: &tables[t]) else { return false }
        counts[t] += 1
        count += 1
        return true
    }

    /// Linear probing from a position taken from the hash bits below the table selector.
    private static func insert(_ key: UInt64, hash h: UInt64, into slots: inout [UInt64]) -> Bool {
        var i = bucket(h << 8, slots.count)
        while true {
            let s = slots[i]
            if s == 0 { slots[i] = key; return true }
            if s == key { return false }
            i += 1
            if i == slots.count { i = 0 }
        }
    }
}
