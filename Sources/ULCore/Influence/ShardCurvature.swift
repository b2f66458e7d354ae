/// Links a model's shard to its objective, its stored curvature and its approximate-removal state.
public enum ShardCurvature {
    /// Identity of a shard's trained state: SHA-256 over the model kind, network shape, λ, the loss
    /// perturbation, the standardisation, every block's ids and digest, and the final parameters' bits. A
    /// stored factor is used only for the state whose key it carries.
    public static func key(config: TrainConfig, featureCount: Int, classCount: Int, shard: ShardRecord) -> [UInt8] {
        let h = SHA256Digest()
        h.updateField("ul-curvature-key-v1")
        h.updateField(config.kind.rawValue)
        h.update(integer: featureCount)
        h.update(integer: classCount)
        for w in config.hidden { h.update(integer: w) }
        h.update(integer: config.l2.bitPattern)
        h.update(integer: config.perturbation.bitPattern)
        h.update(integer: config.seed)
        h.update(integer: shard.index)
        if let s = shard.standardization {
            for v in s.mean { h.update(integer: v.bitPattern) }
            for v in s.factor { h.update(integer: v.bitPattern) }
        }
        for b in shard.blocks {
            h.update(integer: b.rowCount)
            for id in b.ids { h.updateField(id) }
            h.update(b.digest)
        }
        for p in shard.finalParameters { h.update(integer: p.bitPattern) }
        return h.finish()
    }

    /// Ids of a shard in record order (block by block).
    public static func ids(_ shard: ShardRecord) -> [String] { shard.blocks.flatMap(\.ids) }

    /// The objective of a shard on `rows` of `data` (default all; features after `--scale`, before
    /// standardisation; for the shard's own rows, in the order of `ids(shard)`), with λ from the configuration.
    /// softmax gets the Double objective with the exact Hessian; mlp the network's own products.
    public static func objective(config: TrainConfig, classCount: Int, shard: ShardRecord, data: Dataset,
                                 rows: [Int]? = nil) -> Objective {
        let rows = rows ?? Array(0..<data.count)
        switch config.kind {
        case .softmax:
            return SoftmaxObjective(curvature: SoftmaxCurvature(data: data, rows: rows, classCount: classCount, l2: config.l2,
                                                                standardization: shard.standardization))
        case .mlp:
            var x = data
            if let s = shard.standardization {
                x.features.withUnsafeMutableBufferPointer { s.apply($0.baseAddress!, rows: data.count) }
            }
            // Chunks of 256 rows in 4 lanes: the summation order the stored curvature and outputs were made with.
            return NetworkObjective(network: DenseNetwork(inputs: data.featureCount, hidden: config.hidden, classes: classCount),
                                    data: x, rows: rows, terms: ObjectiveTerms(l2: config.l2), chunkRows: 256, lanes: 4)
        case .ppca, .mppca, .knn, .autoencoder:
            // One-class models have no training loss to differentiate; the tools refuse them first.
            preconditionFailure("no curvature for one-class kind \(config.kind.rawValue)")
        }
    }

    /// b of the loss perturbation bᵀθ: σ·N(0, I), seeded by the training seed (the same b for every shard).
    public static func perturbation(config: TrainConfig, parameterCount: Int) -> [Double]? {
        guard config.perturbation > 0 else { return nil }
        var g = SeededGenerator(seed: mix64(config.seed ^ 0x5045_5254_5552_4221))
        return (0..<parameterCount).map { _ in config.perturbation * g.nextGaussian() }
    }
}

extension ShardCurvature {
    /// A solver for `objective` at θ: the stored curvature under `key` when `store` has it (at the parameters
    /// it was computed at), otherwise computed now at θ (and returned as `computed`, for the caller to store).
    public static func solver(objective: Objective, theta: [Double], store: CurvatureStore?, shard: Int, key: [UInt8],
                              solver: SolverKind, kind: CurvatureKind = .hessian, damping: Double, progress: ((Int, Int) -> Void)? = nil) throws
        -> (solver: CurvatureSolver, computed: CurvatureFile.Entry?) {
        let stored = try store?.lookup(shard: shard, key: key, solver: solver, kind: kind, damping: damping)
        return try Self.solver(objective: objective, theta: theta, stored: stored, storedAt: stored == nil ? nil : store?.theta(shard: shard),
                               shard: shard, key: key, solver: solver, kind: kind, damping: damping, progress: progress)
    }

    /// The same with the stored curvature already looked up (nil: compute it), made at `storedAt` (nil: at θ).
    public static func solver(objective: Objective, theta: [Double], stored: StoredCurvature?, storedAt: [Double]? = nil, shard: Int,
                              key: [UInt8], solver: SolverKind, kind: CurvatureKind = .hessian, damping: Double,
                              progress: ((Int, Int) -> Void)? = nil) throws
        -> (solver: CurvatureSolver, computed: CurvatureFile.Entry?) {
        if let stored {
            return (CurvatureSolver(objective: objective, theta: theta, stored: stored, damping: damping, curvatureTheta: storedAt, kind: kind), nil)
        }
        let stored = try StoredCurvature.compute(objective, at: theta, solver: solver, kind: kind, damping: damping, progress: progress)
        return (CurvatureSolver(objective: objective, theta: theta, stored: stored, damping: damping, kind: kind),
                CurvatureFile.Entry(shard: shard, key: key, curvature: stored))
    }

    /// The shard record after approximate removal: the forgotten ids leave their blocks (`remaining`, from
    /// `remainingBlocks`), and the last block carries `theta`. The checkpoints of blocks
    /// `droppingCheckpointsFrom`... but the last are dropped (emptied): they were trained on the removed rows
    /// (see `ApproximateShard`); earlier ones are clean and kept.
    public static func patchedRecord(_ record: ShardRecord, remaining: [Int: BlockRecord], theta: [Double],
                                     droppingCheckpointsFrom dirty: Int) -> ShardRecord {
        var out = record
        for (b, block) in remaining { out.blocks[b] = block }
        for b in out.blocks.indices.dropLast() where b >= dirty { out.blocks[b].parameters = [] }
        out.blocks[out.blocks.count - 1].parameters = theta
        return out
    }

    /// The blocks of `record` that lose rows of `forgotten`, by index: their remaining ids and the digest of
    /// those rows in `data` (which holds at least them), hashed on both cores. A block that loses no row keeps
    /// its digest. None of it depends on the new parameters, so it can be formed while they are computed.
    public static func remainingBlocks(of record: ShardRecord, removing forgotten: Set<String>, data: Dataset,
                                       labels: [String]) -> [Int: BlockRecord] {
        var index = [String: Int](minimumCapacity: data.count)
        for (i, id) in data.ids.enumerated() { index[id] = i }
        let kept = record.blocks.map { $0.ids.filter { !forgotten.contains($0) } }
        let changed = record.blocks.indices.filter { kept[$0].count != record.blocks[$0].ids.count }
        let digests = concurrentMap(changed, workers: 2) { _, b in blockDigest(data, rows: kept[b].map { index[$0]! }, labels: labels) }
        var out = [Int: BlockRecord]()
        for (b, digest) in zip(changed, digests) { out[b] = BlockRecord(ids: kept[b], digest: digest, parameters: record.blocks[b].parameters) }
        return out
    }
}
