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

    /// The objective of a shard at `theta` on `rows` of `data` (default all; features after `--scale`, before
    /// standardisation; for the shard's own rows, in the order of `ids(shard)`), with λ from the configuration.
    /// softmax gets the Double objective with the exact Hessian; mlp the network's own products.
    public static func objective(config: TrainConfig, classCount: Int, shard: ShardRecord, data: Dataset,
                                 rows: [Int]? = nil, theta: [Double]? = nil) -> RowObjective {
        let rows = rows ?? Array(0..<data.count)
        let t = theta ?? shard.finalParameters
        switch config.kind {
        case .softmax:
            return SoftmaxObjective(curvature: SoftmaxCurvature(data: data, rows: rows, classCount: classCount, l2: config.l2,
                                                                standardization: shard.standardization), theta: t)
        case .mlp:
            var x = data
            if let s = shard.standardization {
                x.features.withUnsafeMutableBufferPointer { s.apply($0.baseAddress!, rows: data.count) }
            }
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
        try CurvatureStore(reader).file()
    }
}

/// A curvature sidecar opened for reading: the table at once, a shard's factor (hundreds of megabytes for a
/// Fashion-MNIST softmax) only when a request needs that shard.
public final class CurvatureStore {
    public let solver: SolverKind
    public let damping: Double
    /// Shard and key of every entry, in file order.
    public let keys: [(shard: Int, key: [UInt8])]
    private let reader: ModelContainerReader

    public init(_ reader: ModelContainerReader) throws {
        self.reader = reader
        (solver, damping, keys) = try reader.decode("curvature") { r -> (SolverKind, Double, [(shard: Int, key: [UInt8])]) in
            guard try r.u32() == 1 else { throw ByteReaderError.invalid("unknown curvature version") }
            guard let solver = SolverKind(rawValue: try r.string()) else { throw ByteReaderError.invalid("unknown solver") }
            let damping = try r.f64()
            let n = try r.int()
            guard n >= 0, n <= r.remaining else { throw ByteReaderError.invalid("entry count \(n)") }
            var list = [(shard: Int, key: [UInt8])]()
            for _ in 0..<n { list.append((try r.int(), try r.raw(32))) }
            return (solver, damping, list)
        }
    }

    /// The stored curvature for a shard state, if present and made with the same solver and damping.
    public func lookup(shard: Int, key: [UInt8], solver: SolverKind, damping: Double) throws -> StoredCurvature? {
        has(shard: shard, key: key, solver: solver, damping: damping) ? try load(shard) : nil
    }

    /// Every entry, read in full.
    public func file() throws -> CurvatureFile {
        CurvatureFile(solver: solver, damping: damping,
                      entries: try keys.map { CurvatureFile.Entry(shard: $0.shard, key: $0.key, curvature: try load($0.shard)) })
    }

    /// The file to write after `computed` entries were made with `solver` and `damping`: they replace the
    /// stored entries of their shards; the other entries stay when they were made the same way.
    public static func updated(_ store: CurvatureStore?, with computed: [CurvatureFile.Entry], solver: SolverKind,
                               damping: Double) throws -> CurvatureFile {
        var entries = [CurvatureFile.Entry]()
        if let s = store, s.solver == solver, s.damping == damping {
            for k in s.keys where !computed.contains(where: { $0.shard == k.shard }) {
                entries.append(CurvatureFile.Entry(shard: k.shard, key: k.key, curvature: try s.load(k.shard)))
            }
        }
        return CurvatureFile(solver: solver, damping: damping, entries: entries + computed)
    }

    /// Whether the store has the curvature of this shard state (without reading it).
    public func has(shard: Int, key: [UInt8], solver: SolverKind, damping: Double) -> Bool {
        solver == self.solver && damping == self.damping && keys.contains { $0.shard == shard && $0.key == key }
    }

    /// Decoded straight from the payload in place: u8 kind, i64 n, then the values as `ByteWriter.doubles`.
    private func load(_ shard: Int) throws -> StoredCurvature {
        let tag = CurvatureFile.tag(shard)
        return try reader.withPayload(tag) { bytes -> StoredCurvature in
            let head = 1 + 8 + 8
            var r = ByteReader(Array(bytes.prefix(head)))
            do {
                let kind = try r.u8(), n = try r.int(), count = try r.u64()
                guard count == UInt64((bytes.count - head) / 8), (bytes.count - head) % 8 == 0 else {
                    throw ByteReaderError.invalid("curvature of \(count) values in \(bytes.count - head) bytes")
                }
                let values: [Double]
                if isLittleEndianHost {
                    values = [Double](unsafeUninitializedCapacity: Int(count)) { v, initialized in
                        UnsafeMutableRawBufferPointer(v).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[head...]))
                        initialized = Int(count)
                    }
                } else {
                    var all = ByteReader(Array(bytes), offset: head - 8)
                    values = try all.doubles()
                }
                switch kind {
                case 0 where n >= 0 && n < 1 << 31 && values.count == n * n: return .cholesky(CholeskyFactor(n: n, storage: values))
                case 1 where values.count == n: return .diagonal(values)
                default: throw ByteReaderError.invalid("curvature of \(values.count) values for n = \(n)")
                }
            } catch let e as ByteReaderError {
                throw ModelFileError.malformedSection(tag, "\(e)")
            }
        }
    }
}

extension ShardCurvature {
    /// A solver for `objective`: the stored curvature under `key` when `store` has it, otherwise computed now
    /// (and returned as `computed`, for the caller to store).
    public static func solver(objective: RowObjective, store: CurvatureStore?, shard: Int, key: [UInt8], solver: SolverKind,
                              damping: Double, progress: ((Int, Int) -> Void)? = nil) throws
        -> (solver: CurvatureSolver, computed: CurvatureFile.Entry?) {
        try Self.solver(objective: objective, stored: try store?.lookup(shard: shard, key: key, solver: solver, damping: damping),
                        shard: shard, key: key, solver: solver, damping: damping, progress: progress)
    }

    /// The same with the stored curvature already looked up (nil: compute it).
    public static func solver(objective: RowObjective, stored: StoredCurvature?, shard: Int, key: [UInt8], solver: SolverKind,
                              damping: Double, progress: ((Int, Int) -> Void)? = nil) throws
        -> (solver: CurvatureSolver, computed: CurvatureFile.Entry?) {
        if let stored {
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
