/// A shard whose parameters were changed by an approximate method (PUMA or Newton) rather than retrained.
/// Stored in the model file's `approx` section (ul-model(5)). Its final parameters are patched and its
/// block records no longer list the forgotten ids, but its earlier checkpoints still reflect the removed
/// rows: exact forgetting must retrain such a shard from its first block, which clears the entry.
public struct ApproximateShard: Equatable, Sendable {
    public var shard: Int
    /// Key (`ShardCurvature.key`) of the trained state the approximations started from: the state whose
    /// Hessian PUMA keeps using.
    public var baseKey: [UInt8]
    /// Every id removed approximately since that state, in removal order.
    public var removedIds: [String]
    /// Sum of the Newton residual bounds so far (certified-removal budget).
    public var accumulatedBound: Double
    /// Approximate requests applied so far.
    public var requests: Int

    public init(shard: Int, baseKey: [UInt8], removedIds: [String] = [], accumulatedBound: Double = 0, requests: Int = 0) {
        self.shard = shard
        self.baseKey = baseKey
        self.removedIds = removedIds
        self.accumulatedBound = accumulatedBound
        self.requests = requests
    }

    static let encodingVersion: UInt32 = 1

    static func encode(_ list: [ApproximateShard]) -> [UInt8] {
        var w = ByteWriter()
        w.u32(encodingVersion)
        w.int(list.count)
        for a in list {
            w.int(a.shard)
            w.raw(a.baseKey)
            w.strings(a.removedIds)
            w.f64(a.accumulatedBound)
            w.int(a.requests)
        }
        return w.bytes
    }

    static func decode(_ r: inout ByteReader) throws -> [ApproximateShard] {
        guard try r.u32() == encodingVersion else { throw ByteReaderError.invalid("unknown approx version") }
        let n = try r.int()
        guard n >= 0, n <= r.remaining else { throw ByteReaderError.invalid("entry count \(n)") }
        var out = [ApproximateShard]()
        for _ in 0..<n {
            out.append(ApproximateShard(shard: try r.int(), baseKey: try r.raw(32), removedIds: try r.strings(),
                                        accumulatedBound: try r.f64(), requests: try r.int()))
        }
        return out
    }
}
