/// The ids one block of one shard of a model was trained on, as its model file records them.
public struct LineageBlock: Equatable {
    public let shard: Int
    public let block: Int
    /// The ids in the order they were recorded (or, when the file keeps only a digest, supplied from elsewhere,
    /// e.g. the partition file, and then verified against `digest`).
    public let ids: [String]
    /// The recorded SHA-256 of `ids` (`lineageDigest`), if the file keeps one.
    public let digest: [UInt8]?

    public init(shard: Int, block: Int, ids: [String], digest: [UInt8]? = nil) {
        self.shard = shard
        self.block = block
        self.ids = ids
        self.digest = digest
    }
}

/// A forgotten id that a block still holds.
public struct LineageFinding: Equatable {
    public let id: String
    public let shard: Int
    public let block: Int
}

/// The outcome of `checkLineage`.
public struct LineageReport: Equatable {
    /// Every (forgotten id, shard, block) still present, in block order then id order within the block.
    public let remaining: [LineageFinding]
    /// (shard, block) of every block whose recorded digest does not match its ids, in block order.
    public let digestMismatches: [(shard: Int, block: Int)]
    /// True when no forgotten id remains and every recorded digest matches.
    public var ok: Bool { remaining.isEmpty && digestMismatches.isEmpty }

    public static func == (a: LineageReport, b: LineageReport) -> Bool {
        a.remaining == b.remaining && a.digestMismatches.elementsEqual(b.digestMismatches) { $0 == $1 }
    }
}

/// SHA-256 of an id list in its canonical encoding: for each id in order, its UTF-8 byte count as a little-endian
/// UInt64 followed by its UTF-8 bytes (`SHA256Digest.updateField`), nothing else. The order matters; the empty
/// list gives the SHA-256 of no bytes.
public func lineageDigest(_ ids: [String]) -> [UInt8] {
    let d = SHA256Digest()
    for id in ids { d.updateField(id) }
    return d.finish()
}

/// Checks that no block holds a forgotten id and that every recorded digest matches its block's ids.
/// Ids compare as exact strings (no trimming or case folding); duplicates in `forgotten` are ignored.
public func checkLineage(blocks: [LineageBlock], forgotten: [String]) -> LineageReport {
    let gone = Set(forgotten)
    var remaining = [LineageFinding]()
    var mismatches = [(shard: Int, block: Int)]()
    for b in blocks {
        if let d = b.digest, d != lineageDigest(b.ids) { mismatches.append((b.shard, b.block)) }
        for id in b.ids where gone.contains(id) {
            remaining.append(LineageFinding(id: id, shard: b.shard, block: b.block))
        }
    }
    return LineageReport(remaining: remaining, digestMismatches: mismatches)
}
