/// A forgotten id that a block still holds.
public struct LineageFinding: Equatable {
    public let id: String
    public let shard: Int
    public let block: Int
}

/// The outcome of `checkLineage`.
struct LineageReport: Equatable {
    /// Every (forgotten id, shard, block) still present, in block order then id order within the block.
    let remaining: [LineageFinding]
    /// (shard, block) of every block whose recorded digest does not match its ids, in block order.
    let digestMismatches: [(shard: Int, block: Int)]
    /// True when no forgotten id remains and every recorded digest matches.
    var ok: Bool { remaining.isEmpty && digestMismatches.isEmpty }

    static func == (a: LineageReport, b: LineageReport) -> Bool {
        a.remaining == b.remaining && a.digestMismatches.elementsEqual(b.digestMismatches) { $0 == $1 }
    }
}

/// Checks that no block holds a forgotten id and that every recorded digest matches its block's ids.
/// Ids compare as exact strings (no trimming or case folding); duplicates in `forgotten` are ignored.
func checkLineage(blocks: [LineageBlock], forgotten: [String]) -> LineageReport {
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
