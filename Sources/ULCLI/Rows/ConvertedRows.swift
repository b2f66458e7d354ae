/// Records of a training file converted by `TrainingRowLayout`, waiting to be kept in file order.
struct ConvertedRows {
    var fingerprints: [UInt128] = []
    /// Ids as the model records them (keyed with --id-key); empty for rows of shards not kept.
    var ids: [String] = []
    var labels: [String] = []
    var shards: [Int] = []
    var blocks: [Int] = []
    var steps: [Int] = []
    /// Whether the row's shard is kept (its features are in `features`).
    var kept: [Bool] = []
    /// Features of the kept rows, row-major.
    var features: [Float] = []

    init() {}

    var count: Int { fingerprints.count }

    mutating func removeAll() {
        fingerprints.removeAll(keepingCapacity: true)
        ids.removeAll(keepingCapacity: true)
        labels.removeAll(keepingCapacity: true)
        shards.removeAll(keepingCapacity: true)
        blocks.removeAll(keepingCapacity: true)
        steps.removeAll(keepingCapacity: true)
        kept.removeAll(keepingCapacity: true)
        features.removeAll(keepingCapacity: true)
    }
}

/// A place for one piece's rows in a wave of pieces parsed at once (each thread fills its own).
final class ConvertedRowsSlot: @unchecked Sendable {
    var rows = ConvertedRows()
}
