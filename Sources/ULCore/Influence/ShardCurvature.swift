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

    /// The objective of a shard at `theta` on `data` (features after `--scale`, before standardisation; rows
    /// in the order of `ids(shard)`), with λ from the configuration. `exact` selects the Double softmax
    /// objective; otherwise the network's own products are used.
    public static func objective(config: TrainConfig, classCount: Int, shard: ShardRecord, data: Dataset,
                                 theta: [Double]? = nil) -> RowObjective {
        var x = data
        if let s = shard.standardization {
            x.features.withUnsafeMutableBufferPointer { s.apply($0.baseAddress!, rows: data.count) }
        }
        let rows = Array(0..<x.count)
        let t = theta ?? shard.finalParameters
        switch config.kind {
        case .softmax:
            return SoftmaxObjective(curvature: SoftmaxCurvature(data: x, rows: rows, classCount: classCount, l2: config.l2), theta: t)
        case .mlp:
            return NetworkObjective(network: DenseNetwork(inputs: data.featureCount, hidden: config.hidden, classes: classCount),
                                    data: x, rows: rows, l2: config.l2, theta: t)
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

/// The stored curvature of a model's shards (a sidecar `.ulm` container, see ul-model(5)): section
/// `curvature` lists solver, damping and per shard its index and key; section `curveNNNN` holds the shard's
/// Cholesky factor (column-major, n × n) or diagonal preconditioner (n).
public struct CurvatureFile: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var shard: Int
        public var key: [UInt8]
        public var curvature: StoredCurvature
        public init(shard: Int, key: [UInt8], curvature: StoredCurvature) {
            self.shard = shard
            self.key = key
            self.curvature = curvature
        }
    }

    public var solver: SolverKind
    public var damping: Double
    public var entries: [Entry]

    public init(solver: SolverKind, damping: Double, entries: [Entry]) {
        self.solver = solver
        self.damping = damping
        self.entries = entries.sorted { $0.shard < $1.shard }
    }

    static func tag(_ shard: Int) -> String {
        let s = String(shard)
        return "curve" + String(repeating: "0", count: max(0, 4 - s.count)) + s
    }

    /// The stored curvature for a shard state, if present and made with the same solver and damping.
    public func lookup(shard: Int, key: [UInt8], solver: SolverKind, damping: Double) -> StoredCurvature? {
        guard solver == self.solver, damping == self.damping else { return nil }
        return entries.first { $0.shard == shard && $0.key == key }?.curvature
    }

    public func encode() throws -> [UInt8] {
        var w = ByteWriter()
        w.u32(1)
        w.string(solver.rawValue)
        w.f64(damping)
        w.int(entries.count)
        for e in entries { w.int(e.shard); w.raw(e.key) }
        var sections = [ModelSection(tag: "curvature", payload: w.bytes)]
        for e in entries {
            var s = ByteWriter()
            switch e.curvature {
            case let .cholesky(f):
                s.u8(0)
                s.int(f.n)
                s.doubles(f.storage)
            case let .diagonal(d):
                s.u8(1)
                s.int(d.count)
                s.doubles(d)
            }
            sections.append(ModelSection(tag: Self.tag(e.shard), payload: s.bytes))
        }
        return try ModelContainer.encode(sections)
    }

    public static func decode(_ reader: ModelContainerReader) throws -> CurvatureFile {
        let head = try reader.decode("curvature") { r -> (SolverKind, Double, [(Int, [UInt8])]) in
            guard try r.u32() == 1 else { throw ByteReaderError.invalid("unknown curvature version") }
            guard let solver = SolverKind(rawValue: try r.string()) else { throw ByteReaderError.invalid("unknown solver") }
            let damping = try r.f64()
            let n = try r.int()
            guard n >= 0, n <= r.remaining else { throw ByteReaderError.invalid("entry count \(n)") }
            var list = [(Int, [UInt8])]()
            for _ in 0..<n { list.append((try r.int(), try r.raw(32))) }
            return (solver, damping, list)
        }
        var entries = [Entry]()
        for (shard, key) in head.2 {
            let tag = Self.tag(shard)
            let c = try reader.decode(tag) { r -> StoredCurvature in
                let kind = try r.u8()
                let n = try r.int()
                let values = try r.doubles()
                switch kind {
                case 0 where values.count == n * n: return .cholesky(CholeskyFactor(n: n, storage: values))
                case 1 where values.count == n: return .diagonal(values)
                default: throw ByteReaderError.invalid("curvature of \(values.count) values for n = \(n)")
                }
            }
            entries.append(Entry(shard: shard, key: key, curvature: c))
        }
        return CurvatureFile(solver: head.0, damping: head.1, entries: entries)
    }
}

extension ShardCurvature {
    /// A solver for `objective`: the stored curvature under `key` when `file` has it, otherwise computed now
    /// (and returned as `computed`, for the caller to store).
    public static func solver(objective: RowObjective, file: CurvatureFile?, shard: Int, key: [UInt8], solver: SolverKind,
                              damping: Double, progress: ((Int, Int) -> Void)? = nil) throws
        -> (solver: CurvatureSolver, computed: CurvatureFile.Entry?) {
        if let stored = file?.lookup(shard: shard, key: key, solver: solver, damping: damping) {
            return (CurvatureSolver(objective: objective, stored: stored, damping: damping), nil)
        }
        let stored = try StoredCurvature.compute(objective, solver: solver, damping: damping, progress: progress)
        return (CurvatureSolver(objective: objective, stored: stored, damping: damping),
                CurvatureFile.Entry(shard: shard, key: key, curvature: stored))
    }

    /// The shard record after approximate removal: the forgotten ids leave their blocks (digests recomputed
    /// from `data`, which holds at least the remaining rows), and the last block carries `theta`. Earlier
    /// checkpoints are kept as they were: they no longer match the rows (see `ApproximateShard`).
    public static func patchedRecord(_ record: ShardRecord, removing forgotten: Set<String>, data: Dataset,
                                     labels: [String], theta: [Double]) -> ShardRecord {
        var index = [String: Int]()
        for (i, id) in data.ids.enumerated() { index[id] = i }
        var out = record
        for b in out.blocks.indices {
            let ids = out.blocks[b].ids.filter { !forgotten.contains($0) }
            let rows = ids.map { index[$0]! }
            out.blocks[b] = BlockRecord(ids: ids, digest: blockDigest(data, rows: rows, labels: labels), parameters: out.blocks[b].parameters)
        }
        out.blocks[out.blocks.count - 1].parameters = theta
        return out
    }
}
