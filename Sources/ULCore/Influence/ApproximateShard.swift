/// A shard whose parameters were changed by an approximate method (PUMA or Newton) rather than retrained.
/// Stored in the model file's `approx` section (ul-model(5)). Its final parameters are patched and its
/// block records no longer list the forgotten ids; its checkpoints from the first block that held a removed
/// row on were trained on those rows, so they are dropped (no trained state of a forgotten row stays
/// behind), and exact forgetting retrains the shard from the last clean checkpoint, which clears the entry.
/// The removed ids themselves are not kept, only how many there were.
public struct ApproximateShard: Equatable, Sendable {
    public var shard: Int
    /// How many rows were removed approximately since that state.
    public var removedCount: Int
    /// The first 0-based block that held a removed row: its checkpoint and the later ones (but the final
    /// parameters) are dropped.
    public var firstDirtyBlock: Int
    /// Sum of the Newton residual bounds so far (certified-removal budget).
    public var accumulatedBound: Double
    /// Approximate requests applied so far.
    public var requests: Int

    public init(shard: Int, removedCount: Int = 0, firstDirtyBlock: Int = Int.max, accumulatedBound: Double = 0,
                requests: Int = 0) {
        self.shard = shard
        self.removedCount = removedCount
        self.firstDirtyBlock = firstDirtyBlock
        self.accumulatedBound = accumulatedBound
        self.requests = requests
    }

    /// Layout 3 drops the key of the trained state the approximations started from (the stored curvature
    /// follows the shard's current state, see `CurvatureDowndate`); layouts 1 and 2 (read only) held it,
    /// 2 the count of removed rows and the first dirty block, 1 the removed ids and no dirty block (every
    /// checkpoint counts as dirty).
    static let encodingVersion: UInt32 = 3

    static func encode(_ list: [ApproximateShard]) -> [UInt8] {
        var w = ByteWriter()
        w.u32(encodingVersion)
        w.int(list.count)
        for a in list {
            w.int(a.shard)
            w.int(a.removedCount)
            w.int(a.firstDirtyBlock == Int.max ? -1 : a.firstDirtyBlock)
            w.f64(a.accumulatedBound)
            w.int(a.requests)
        }
        return w.bytes
    }

    static func decode(_ r: inout ByteReader) throws -> [ApproximateShard] {
        let version = try r.u32()
        guard (1...encodingVersion).contains(version) else { throw ByteReaderError.invalid("unknown approx version") }
        let n = try r.int()
        guard n >= 0, n <= r.remaining else { throw ByteReaderError.invalid("entry count \(n)") }
        var out = [ApproximateShard]()
        for _ in 0..<n {
            let shard = try r.int()
            if version < 3 { _ = try r.raw(32) }
            let removed = version == 1 ? try r.strings().count : try r.int()
            let dirty = version == 1 ? 0 : try r.int()
            guard removed >= 0, dirty >= -1 else { throw ByteReaderError.invalid("approx entry of shard \(shard)") }
            out.append(ApproximateShard(shard: shard, removedCount: removed, firstDirtyBlock: dirty == -1 ? Int.max : dirty,
                                        accumulatedBound: try r.f64(), requests: try r.int()))
        }
        return out
    }
}
