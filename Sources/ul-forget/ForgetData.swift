import ULCLI
import ULCore

/// One shard's rows as read: all of them, the forgotten ones included (the digests cover them).
struct ShardRows: Sendable {
    var data: Dataset
    var blocks: [Int] = []
    /// Whether each row is selected (every row is, but with `candidates` reading of a selected model).
    var selected: [Bool] = []
    init(featureCount: Int, reserving rows: Int = 0) {
        data = Dataset(featureCount: featureCount)
        data.reserveRows(rows)
        blocks.reserveCapacity(rows)
        selected.reserveCapacity(rows)
    }
    mutating func append(id: String, classIndex: Int32, block: Int, selected isSelected: Bool = true, features: UnsafeBufferPointer<Float>) {
        data.append(id: id, classIndex: classIndex, features: features)
        blocks.append(block)
        selected.append(isSelected)
    }

    /// The selected rows, features scaled as training scales them (from a `candidates` reading).
    func trainedRows(config: TrainConfig) -> ShardRows {
        let keep = selected.indices.filter { selected[$0] }
        var out = ShardRows(featureCount: data.featureCount)
        out.data = data.subset(keep)
        if config.scale != nil { out.data.features = out.data.features.map { config.scaled($0) } }
        out.blocks = keep.map { blocks[$0] }
        out.selected = keep.map { _ in true }
        return out
    }
}

/// What reading the data found.
struct ForgetData {
    /// Rows of the kept shards.
    var shards: [Int: ShardRows] = [:]
    /// Every id seen in the files read (as fingerprints).
    var seen = IdSet()
    /// Requested ids present in the data: they leave the remaining rows.
    var droppedIds = Set<String>()
    /// Files that hold dropped rows.
    var filesWithDrops = Set<String>()
    /// Requested ids in neither the model nor the data.
    var unknown: [String] = []
    /// Requested rows the model never held (not selected), by shard: with a count rule by fraction their shard's
    /// count may change, and with coverage or herding selection their shard's selection.
    var unselectedDrops = [Int: Set<String>]()
    var shardsWithUnselectedDrops: Set<Int> { Set(unselectedDrops.keys) }
    /// Labels of the remaining trained rows of the shards not kept (with --data DIR: of the files read).
    var labelsOfOtherShards = Set<String>()
    /// Kept shards whose rows, as trained (not a `candidates` reading), matched the model's block digests
    /// (or will have, before anything is committed: see `digestCheck`).
    var shardsAsRecorded = Set<Int>()
    /// The kept shards' block digests being checked on other threads (`readData(deferringDigests:)`): it
    /// throws the first mismatch, and `ForgetJob.commit` waits for it before writing anything.
    var digestCheck: BackgroundWork<Void>?

    /// `body`'s value; when it throws and the deferred digest check fails, the check's error instead: rows that
    /// are not the model's explain whatever failed on them.
    func reportingDigestsFirst<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch {
            try digestCheck?.wait()
            throw error
        }
    }
}


/// A block of a shard.
struct BlockKey: Hashable {
    var shard: Int
    var block: Int
}

/// Row count and sum of id fingerprints of one block: the same for the same ids in any order, and
/// different, but with odds of 2⁻¹²⁸, for any other multiset of ids.
struct BlockTally: Equatable {
    var count = 0
    var sum: UInt128 = 0
    mutating func add(_ id: String) {
        count += 1
        sum &+= IdSet.fingerprint(id)
    }
}
