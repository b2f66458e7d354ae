import Dispatch
import Foundation

/// Shadow models for the LiRA attack (Carlini et al. 2022), trained with the audited model's own configuration on
/// seeded random halves of a pool.
///
/// Offline: the pool excludes every audited row (forgotten and test rows), so each shadow model is an OUT model
/// for every audited row. Online (`complementary`): the pool holds the audited rows too, and shadows come in
/// pairs trained on complementary halves, so every pool row is IN for exactly half of the shadows and OUT for
/// the other half. A pool row keeps the shard and block the audited model recorded for it; a row the model never
/// saw is placed by a hash of `(id, seed)`.
public struct ShadowTraining {
    /// The audited model; its `TrainConfig`, labels and features are reused.
    public let model: ModelFile
    /// Number of shadow models.
    public let count: Int
    /// Seed of the halves and of the shadow models' own training seeds.
    public let seed: UInt64
    /// Online design: shadow 2j trains on pair j's half, shadow 2j+1 on its complement.
    public let complementary: Bool

    public init(model: ModelFile, count: Int, seed: UInt64, complementary: Bool = false) {
        self.model = model
        self.count = count
        self.seed = seed
        self.complementary = complementary
    }

    /// Salt of shadow `k`'s half (never zero).
    static func halfSalt(_ k: Int) -> UInt64 { 0x5348_4144_0000_0000 | UInt64(k + 1) }

    /// Rows of `pool` in shadow `k`'s half: the ⌈n/2⌉ rows of smallest `stableHash(id, seed, salt k)`, ties by
    /// id bytes, returned in pool order. Depends only on the pool's ids, not on their order.
    /// With `complementary`, shadow k's half is pair ⌊k/2⌋'s ranking cut in two: the first ⌈n/2⌉ for even k, the
    /// rest for odd k.
    public func half(_ k: Int, of pool: Dataset) -> [Int] {
        let ranked = canonicalOrder(Array(0..<pool.count), ids: pool.ids, seed: seed, salt: Self.halfSalt(complementary ? k / 2 : k))
        let cut = (pool.count + 1) / 2
        return (complementary && k % 2 == 1 ? Array(ranked.dropFirst(cut)) : Array(ranked.prefix(cut))).sorted()
    }

    /// Shadow `k`'s configuration: the model's, every shard held, and its own training seed so that shadow
    /// models also vary in initial state and row order as independent trainings would.
    public func config(_ k: Int) -> TrainConfig {
        var c = model.config
        c.heldShards = Array(0..<c.shardCount)
        c.seed = mix64(model.config.seed ^ mix64(seed &+ UInt64(k + 1)))
        return c
    }

    /// (shard, block) of every pool row: the model's record, else a hash of `(id, seed)`.
    func placement(of pool: Dataset) -> [(shard: Int, block: Int)] {
        var recorded = [String: (Int, Int)]()
        for s in model.shards {
            for (b, block) in s.blocks.enumerated() { for id in block.ids { recorded[id] = (s.index, b) } }
        }
        let c = model.config
        return pool.ids.map { id in
            if let p = recorded[id] { return p }
            return (Int(stableHash(id, seed: c.seed, salt: 0x5348_5244) % UInt64(c.shardCount)),
                    Int(stableHash(id, seed: c.seed, salt: 0x424c_4b00) % UInt64(c.blockCount)))
        }
    }

    /// Trains the shadow models. `pool` holds raw features (before the model's `--scale`) and class indices into
    /// the model's labels. All (shadow, shard) trainings run as one job list, at most `jobs` at a time; the result
    /// does not depend on `jobs`. `progress(done, total)` counts finished epochs over all of them and may be
    /// called from several threads.
    public func train(pool: Dataset, jobs: Int,
                      progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws -> [ModelFile] {
        try train(pool: pool, rows: (0..<count).map { half($0, of: pool) }, configs: (0..<count).map(config), jobs: jobs,
                  progress: progress)
    }

    /// Trains one model per entry of `rows` (rows of `pool`), model m with `configs[m]`; the rows keep their
    /// `placement`. See `train(pool:jobs:progress:)`.
    func train(pool: Dataset, rows: [[Int]], configs: [TrainConfig], jobs: Int,
               progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws -> [ModelFile] {
        var scaled = pool
        if let f = model.config.scale { scaled.features = pool.features.map { $0 * f } }
        let placed = placement(of: pool)
        let shardCount = model.config.shardCount
        var inputs = [(shadow: Int, input: ShardInput)]()
        for (k, chosen) in rows.enumerated() {
            var byShard = [[Int]](repeating: [], count: shardCount)
            for r in chosen { byShard[placed[r].shard].append(r) }
            for s in 0..<shardCount {
                let sub = scaled.subset(byShard[s])
                inputs.append((k, ShardInput(shard: s, data: sub, blocks: byShard[s].map { placed[$0].block })))
            }
        }
        let perJob = (1...model.config.blockCount).reduce(0) { $0 + model.config.epochs(forStep: $1) }
        let tally = ProgressTally(jobs: inputs.count, perJob: perJob, report: progress)
        // Models side by side when the model has fewer shards than workers; each model's shards share the rest.
        let parallel = max(1, min(rows.count, jobs / shardCount))
        let shardJobs = max(1, jobs / parallel)
        let records = try concurrentMap(Array(0..<rows.count), workers: parallel) { _, k -> [ShardRecord] in
            let mine = inputs.indices.filter { inputs[$0].shadow == k }
            return try trainShards(mine.map { inputs[$0].input }, config: configs[k], labels: model.labels,
                                   jobs: shardJobs) { i, done, _ in tally.update(job: mine[i], done: done) }
        }
        return (0..<rows.count).map { k in
            ModelFile(config: configs[k], labels: model.labels, features: model.features, shards: records[k])
        }
    }
}

/// Sums per-job progress from several threads into one (done, total) report.
final class ProgressTally: @unchecked Sendable {
    private let lock = NSLock()
    private var done: [Int]
    private let perJob: Int
    private let report: (@Sendable (Int, Int) -> Void)?

    init(jobs: Int, perJob: Int, report: (@Sendable (Int, Int) -> Void)?) {
        done = [Int](repeating: 0, count: jobs)
        self.perJob = perJob
        self.report = report
    }

    func update(job: Int, done d: Int) {
        guard let report else { return }
        lock.lock()
        done[job] = d
        let sum = done.reduce(0, +), total = done.count * perJob
        lock.unlock()
        report(sum, total)
    }
}

