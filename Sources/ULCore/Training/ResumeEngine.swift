/// The resume engine: training and exact forgetting are one operation. The shard's rows are laid out per
/// block and digested as a record lists them; the first block whose digest differs from the recorded one
/// is where its cumulative rows changed, so the checkpoint before it is reloaded and the steps from there
/// rerun. Nothing recorded: every step runs (ul-train from scratch). Rows removed (exact forgetting),
/// added or corrected: the steps from the first changed block. Nothing changed: the record as it was.
/// Either way the record is, bit for bit, what training from scratch on the current rows gives.
///
/// With per-shard standardisation the statistics cover all the shard's rows, so any change reruns every
/// step; so does a record of another block count.
func resumeShard(_ resume: ShardResume, config: TrainConfig, labels: [String],
                        progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> ResumedShard {
    let input = resume.input
    precondition(input.blocks.count == input.data.count)
    let R = config.blockCount
    let layout = try ShardLayout(input.data, blocks: input.blocks, blockCount: R, labels: labels, knownDigests: input.checkedDigests)
    var fromStep = 1
    if let old = resume.recorded, old.blocks.count == R {
        let changed = (0..<R).first { layout.digests[$0] != old.blocks[$0].digest }
        fromStep = changed.map { config.standardize ? 1 : $0 + 1 } ?? R + 1
        if fromStep > R {
            return ResumedShard(record: old, fromStep: fromStep, blockSizes: layout.blockSizes, cost: 0)
        }
    }
    let checkpoints = resume.recorded.map { Array($0.blocks.prefix(fromStep - 1).map(\.parameters)) } ?? []
    let record = try runBlockSteps(input.data, layout: layout, shard: input.shard, config: config, labels: labels,
                                   fromStep: fromStep, checkpoints: checkpoints, progress: progress)
    return ResumedShard(record: record, fromStep: fromStep, blockSizes: layout.blockSizes,
                        cost: retrainingCost(blockSizes: layout.blockSizes, fromStep: fromStep, config: config))
}

/// `resumeShard` over many shards, at most `jobs` at a time, each loaded when its turn comes (a worker calls
/// `load(items[i])` from its own thread and lets the rows go after, so at most `jobs` shards' rows are held
/// at once). The results come back in item order and do not depend on `jobs`. `progress` receives (shard
/// position, done, total) from worker threads.
public func resumeShards<Item>(_ items: [Item], load: (Item) throws -> ShardResume, config: TrainConfig, labels: [String],
                               jobs: Int, progress: (@Sendable (Int, Int, Int) -> Void)? = nil) throws -> [ResumedShard] {
    _ = blasSingleThreaded
    return try concurrentMap(items, workers: jobs) { i, item in
        try resumeShard(try load(item), config: config, labels: labels, progress: { progress?(i, $0, $1) })
    }
}

/// Cost of block steps `fromStep...R` of a shard whose blocks hold `blockSizes` rows: for a kind that
/// trains iteratively, row-epochs (each row counted once per epoch of every step that trains on it, the
/// unit of SISA's formulas); for a closed-form kind, the rows each refit reads (B1 ∪ … ∪ Br per step r).
public func retrainingCost(blockSizes: [Int], fromStep: Int, config: TrainConfig) -> Int {
    var total = 0, cumulative = 0
    for r in 1...max(1, blockSizes.count) {
        cumulative += r <= blockSizes.count ? blockSizes[r - 1] : 0
        if r >= fromStep { total += (config.kind.trainsIteratively ? config.epochs(forStep: r) : 1) * cumulative }
    }
    return total
}
