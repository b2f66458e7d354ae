/// Salts that keep the shard and block hashes of one id independent.
enum PartitionSalt {
    static let shard: UInt64 = 1
    static let block: UInt64 = 2
}

/// Mixes a salt into a hash; `salted(stableHash(bytes, seed: s), k)` equals `stableHash(string, seed: s, salt: k)`.
@inlinable
func salted(_ h: UInt64, _ salt: UInt64) -> UInt64 {
    salt == 0 ? h : mix64(h ^ mix64(salt &+ 0x9e37_79b9_7f4a_7c15))
}

/// Maps a uniform 64-bit hash to 0..<n without modulo bias worth speaking of (multiply-high).
@inlinable
func bucket(_ h: UInt64, _ n: Int) -> Int {
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
