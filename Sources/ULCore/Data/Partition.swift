/// Assignment of rows to shards and blocks (SISA slicing, ARCANE class partition and sorting).
///
/// Hash-based assignments depend only on a row's own id, label and the seed, so that deleting
/// rows never moves another row: the precondition of exact unlearning (ul-partition(1)).
/// Rank-based assignments (`blocksByRank`, `capacityShards`) depend on the other rows by nature.
public enum PartitionMethod: String, CaseIterable, Sendable {
    /// SISA uniform shards: shard from a hash of (id, seed).
    case random
    /// ARCANE: one shard per label, numbered in sorted label order.
    case byClass = "class"
    /// Each label's rows spread over the shards by a hash of (id, label, seed).
    case stratified
    /// SISA distribution-aware: shards filled in deletion-probability order up to a capacity.
    case capacity
}

/// Salts that keep the shard and block hashes of one id independent.
enum PartitionSalt {
    static let shard: UInt64 = 1
    static let block: UInt64 = 2
}

/// Mixes a salt into a hash; `salted(stableHash(bytes, seed: s), k)` equals `stableHash(string, seed: s, salt: k)`.
@inlinable
public func salted(_ h: UInt64, _ salt: UInt64) -> UInt64 {
    salt == 0 ? h : mix64(h ^ mix64(salt &+ 0x9e37_79b9_7f4a_7c15))
}

/// Maps a uniform 64-bit hash to 0..<n without modulo bias worth speaking of (multiply-high).
@inlinable
public func bucket(_ h: UInt64, _ n: Int) -> Int {
    Int(truncatingIfNeeded: h.multipliedFullWidth(by: UInt64(n)).high)
}

/// Shard and block of one row from hashes of its own fields only.
public struct HashAssigner: Sendable {
    public let shards: Int
    public let blocks: Int
    public let seed: UInt64

    public init(shards: Int, blocks: Int, seed: UInt64) {
        precondition(shards >= 1 && blocks >= 1)
        self.shards = shards
        self.blocks = blocks
        self.seed = seed
    }

    /// Hash of an id's bytes under this seed.
    @inlinable
    public func idHash(_ id: UnsafeBufferPointer<UInt8>) -> UInt64 { stableHash(id, seed: seed) }

    /// `--by random`: shard from (id, seed).
    public func randomShard(idHash: UInt64) -> Int { bucket(salted(idHash, PartitionSalt.shard), shards) }

    /// `--by stratified`: shard from (id, label, seed). The label enters as a salt, so each label's rows
    /// are spread independently over the shards: every label is split in the same proportions in
    /// expectation, with binomial noise per (label, shard) cell.
    public func stratifiedShard(idHash: UInt64, label: UnsafeBufferPointer<UInt8>) -> Int {
        let labelSalt = stableHash(label, seed: seed) | 1
        return bucket(salted(salted(idHash, labelSalt), PartitionSalt.shard), shards)
    }

    /// Block from (id, seed), for every method without `--sort-by`.
    public func block(idHash: UInt64) -> Int { bucket(salted(idHash, PartitionSalt.block), blocks) }

    /// Tie-breaker for rank-based orders: depends on (id, seed) only, never on file position.
    public func tieKey(idHash: UInt64) -> UInt64 { salted(idHash, 3) }
}

/// Labels in shard order for `--by class`: numeric order when every label is a number, else byte order.
public func classOrder(_ labels: some Sequence<String>) -> [String] {
    let unique = Array(Set(labels))
    let numbers = unique.map { parseDouble($0) }
    if !unique.isEmpty, numbers.allSatisfy({ $0 != nil }) {
        return zip(unique, numbers).sorted { a, b in a.1! != b.1! ? a.1! < b.1! : Array(a.0.utf8).lexicographicallyPrecedes(b.0.utf8) }.map { $0.0 }
    }
    return unique.sorted { Array($0.utf8).lexicographicallyPrecedes($1.utf8) }
}

/// The order of rows by ascending deletion probability, ties by `tie` (a hash of id and seed).
func probabilityOrder(_ rows: [Int], probability: [Double], tie: [UInt64]) -> [Int] {
    rows.sorted { a, b in
        probability[a] != probability[b] ? probability[a] < probability[b] : tie[a] != tie[b] ? tie[a] < tie[b] : a < b
    }
}

/// ARCANE sorting: within each shard, rows in ascending deletion probability are cut into `blocks`
/// equal runs, so the rows most likely to be deleted are in the last blocks. Returns a block per row.
public func blocksByRank(shard: [Int], probability: [Double], tie: [UInt64], blocks: Int) -> [Int] {
    precondition(shard.count == probability.count && shard.count == tie.count && blocks >= 1)
    var members = [Int: [Int]]()
    for (i, s) in shard.enumerated() { members[s, default: []].append(i) }
    var out = [Int](repeating: 0, count: shard.count)
    for rows in members.values {
        let order = probabilityOrder(rows, probability: probability, tie: tie)
        for (rank, row) in order.enumerated() { out[row] = rank * blocks / order.count }
    }
    return out
}

/// SISA distribution-aware sharding: rows in ascending deletion probability fill shard 0 until the
/// sum of their probabilities reaches `capacity`, then shard 1, and so on. Rows likely to be deleted
/// end up together in small shards, which are cheap to retrain. Returns a shard per row.
public func capacityShards(probability: [Double], tie: [UInt64], capacity: Double) -> [Int] {
    precondition(probability.count == tie.count && capacity > 0)
    var out = [Int](repeating: 0, count: probability.count)
    var shard = 0
    var load = 0.0
    for row in probabilityOrder(Array(probability.indices), probability: probability, tie: tie) {
        out[row] = shard
        load += probability[row]
        if load >= capacity {
            shard += 1
            load = 0
        }
    }
    return out
}

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
