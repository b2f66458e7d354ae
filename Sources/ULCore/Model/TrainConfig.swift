/// Everything that determines training besides the rows: recorded in the model's `config` section, so
/// that retraining (exact forgetting) can reproduce a model bit for bit.
public struct TrainConfig: Equatable, Sendable {
    public var kind: ModelKind
    /// Epochs `e` of SISA's rule; for `softmax`, L-BFGS iterations.
    public var epochs: Int
    /// λ of the L2 term (λ/2)‖θ‖² (biases included).
    public var l2: Double
    /// Hidden layer widths (`mlp`; `autoencoder`: its one hidden width, default 64).
    public var hidden: [Int]
    /// Adam step size (`mlp`, `autoencoder`).
    public var learningRate: Double
    /// Mini-batch size (`mlp`, `autoencoder`).
    public var batchSize: Int
    public var seed: UInt64
    /// Constant every feature is multiplied by on reading (nil: none).
    public var scale: Float?
    /// Standardise features with statistics of each shard's own rows.
    public var standardize: Bool
    public var aggregation: Aggregation
    public var shardCount: Int
    public var blockCount: Int
    /// The shards this file holds, ascending (all of them unless it is a part file).
    public var heldShards: [Int]
    /// One-class kinds: principal directions q of ppca (and of each mppca component).
    public var components: Int = 20
    /// mppca: mixture components per class.
    public var mixtures: Int = 4
    /// knn: neighbours k.
    public var neighbours: Int = 5
    /// ppca/mppca: lower bound on σ² and on the kept eigenvalues (absolute; presumes features of about unit range).
    public var varianceFloor: Double = 0.01
    /// One-class kinds: standardise each class's score by the mean and deviation of its own training rows' scores.
    public var calibrate: Bool = false
    /// σ of the loss perturbation bᵀθ, b ~ N(0, σ²I) seeded by `seed` (0: none; softmax only).
    public var perturbation: Double = 0
    /// How `mlp` trains (`adam` for every other kind: softmax is L-BFGS whatever this says).
    public var optimizer: Optimizer = .adam

    public init(kind: ModelKind, epochs: Int? = nil, l2: Double = 1, hidden: [Int]? = nil, learningRate: Double = 1e-3,
                batchSize: Int = 128, seed: UInt64 = 0, scale: Float? = nil, standardize: Bool = false,
                aggregation: Aggregation = .mean, shardCount: Int = 1, blockCount: Int = 1, heldShards: [Int]? = nil) {
        self.kind = kind
        self.epochs = epochs ?? kind.defaultEpochs
        self.l2 = l2
        self.hidden = hidden ?? (kind == .autoencoder ? [64] : [])
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.seed = seed
        self.scale = scale
        self.standardize = standardize
        self.aggregation = aggregation
        self.shardCount = shardCount
        self.blockCount = blockCount
        self.heldShards = heldShards ?? Array(0..<shardCount)
    }

    /// SISA's epoch rule: e_r = ⌊r·2e/(R+1)⌋ − ⌊(r−1)·2e/(R+1)⌋ for block step r in 1...R.
    public func epochs(forStep r: Int) -> Int {
        let R = blockCount, e = epochs
        return (r * 2 * e) / (R + 1) - ((r - 1) * 2 * e) / (R + 1)
    }

    /// Row-epochs of training a shard from scratch whose blocks hold `blockRows` rows: Σ_r epochs(r) × rows of
    /// blocks 1..r.
    public func rowEpochs(blockRows: [Int]) -> Double {
        var total = 0.0, cumulative = 0.0
        for (b, n) in blockRows.enumerated() {
            cumulative += Double(n)
            total += Double(epochs(forStep: b + 1)) * cumulative
        }
        return total
    }

    /// An upper bound of `rowEpochs` for `rows` rows in any blocks (all of them in the first).
    public func rowEpochsBound(rows: Int) -> Double {
        Double((1...max(blockCount, 1)).reduce(0) { $0 + epochs(forStep: $1) }) * Double(rows)
    }

    /// What differs between this configuration and `old`, one "name old → new" per field, in field order;
    /// the shards a file holds do not count (a part file continues the shards it shares). Empty: a model
    /// of `old` can be resumed into this one block step by block step.
    public func differences(from old: TrainConfig) -> [String] {
        var out = [String]()
        func note<T: Equatable>(_ name: String, _ a: T, _ b: T, _ text: (T) -> String = { "\($0)" }) {
            if a != b { out.append("\(name) \(text(a)) → \(text(b))") }
        }
        note("model", old.kind.rawValue, kind.rawValue)
        note("epochs", old.epochs, epochs)
        note("l2", old.l2, l2)
        note("hidden", old.hidden, hidden) { $0.map(String.init).joined(separator: ",") }
        note("lr", old.learningRate, learningRate)
        note("batch", old.batchSize, batchSize)
        note("seed", old.seed, seed)
        note("scale", old.scale, scale) { $0.map { "\($0)" } ?? "none" }
        note("standardize", old.standardize, standardize)
        note("aggregate", old.aggregation.rawValue, aggregation.rawValue)
        note("shards", old.shardCount, shardCount)
        note("blocks", old.blockCount, blockCount)
        note("components", old.components, components)
        note("mixtures", old.mixtures, mixtures)
        note("neighbours", old.neighbours, neighbours)
        note("variance-floor", old.varianceFloor, varianceFloor)
        note("calibrate", old.calibrate, calibrate)
        note("perturb", old.perturbation, perturbation)
        note("optimizer", old.optimizer.rawValue, optimizer.rawValue)
        return out
    }

    /// A feature value as training sees it before per-shard standardisation.
    @inline(__always)
    public func scaled(_ x: Float) -> Float { scale.map { x * $0 } ?? x }

    /// Layout 1 holds the fields up to `heldShards`; the others append fields only the kinds that need
    /// them write, so the files of every other kind keep their bytes.
    static let encodingVersion: UInt32 = 1
    /// Layout 2 (one-class kinds only) appends the one-class fields.
    static let oneClassEncodingVersion: UInt32 = 2
    /// Layout 3 (written only when σ > 0, so unperturbed models keep their layout-1 bytes) appends σ of
    /// the loss perturbation.
    static let perturbedVersion: UInt32 = 3
    /// Layout 4 (mlp with an optimiser other than Adam, so Adam models keep their layout-1 bytes) appends the
    /// optimiser's name.
    static let optimizerVersion: UInt32 = 4

    public func encode(into w: inout ByteWriter) {
        precondition(optimizer == .adam || (kind == .mlp && perturbation == 0))
        w.u32(kind.isOneClass ? Self.oneClassEncodingVersion : perturbation > 0 ? Self.perturbedVersion
              : optimizer != .adam ? Self.optimizerVersion : Self.encodingVersion)
        w.string(kind.rawValue)
        w.int(epochs)
        w.f64(l2)
        w.ints(hidden)
        w.f64(learningRate)
        w.int(batchSize)
        w.u64(seed)
        w.bool(scale != nil)
        w.f32(scale ?? 1)
        w.bool(standardize)
        w.string(aggregation.rawValue)
        w.int(shardCount)
        w.int(blockCount)
        w.ints(heldShards)
        if kind.isOneClass {
            w.int(components)
            w.int(mixtures)
            w.int(neighbours)
            w.f64(varianceFloor)
            w.bool(calibrate)
        }
        if perturbation > 0 { w.f64(perturbation) }
        if optimizer != .adam { w.string(optimizer.rawValue) }
    }

    /// Bounds on configuration values (ul-model(5), LIMITS). A model file declaring more is refused before
    /// anything is allocated or trained from it; ul-train refuses options beyond them, so it never writes a
    /// model it cannot read. Hidden layers and their widths (so that a parameter count cannot overflow).
    public static let maxHiddenLayers = 64, maxLayerWidth = 1 << 16
    /// Epochs (softmax: L-BFGS iterations; mppca: EM iterations), so that retraining ends.
    public static let maxEpochs = 1_000_000
    /// Shards and blocks (every shard is a section; every block a record in it).
    public static let maxShards = 1 << 20, maxBlocks = 1 << 20
    /// Row-epochs of training every shard from scratch (each row counted once per epoch of every block step
    /// that sees it), so that the work a model file implies is bounded, not only its epochs: 10¹¹ is days on
    /// one core; Fashion-MNIST softmax at 100 iterations is 6·10⁶.
    public static let maxRowEpochs = 1e11
    /// Mini-batch size, principal directions, mixture components, neighbours.
    public static let maxBatchSize = 1 << 24, maxComponents = 1 << 16, maxMixtures = 1 << 10, maxNeighbours = 1 << 16

    /// `value` within `range`, or a decoding error that names it and the bound.
    static func bounded(_ what: String, _ value: Int, _ range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw ByteReaderError.invalid("\(what) \(value) is outside \(range.lowerBound)..\(range.upperBound)")
        }
    }

    public static func decode(_ r: inout ByteReader) throws -> TrainConfig {
        let version = try r.u32()
        guard [encodingVersion, oneClassEncodingVersion, perturbedVersion, optimizerVersion].contains(version) else {
            throw ByteReaderError.invalid("unknown config version")
        }
        let kindName = try r.string()
        guard let kind = ModelKind(rawValue: kindName) else { throw ByteReaderError.invalid("unknown model kind \(quotedForMessage(kindName))") }
        var c = TrainConfig(kind: kind)
        c.epochs = try r.int()
        c.l2 = try r.f64()
        c.hidden = try r.ints()
        c.learningRate = try r.f64()
        c.batchSize = try r.int()
        c.seed = try r.u64()
        let hasScale = try r.bool()
        let scale = try r.f32()
        c.scale = hasScale ? scale : nil
        c.standardize = try r.bool()
        let agg = try r.string()
        guard let a = Aggregation(rawValue: agg) else { throw ByteReaderError.invalid("unknown aggregation \(quotedForMessage(agg))") }
        c.aggregation = a
        c.shardCount = try r.int()
        c.blockCount = try r.int()
        c.heldShards = try r.ints()
        guard (version == oneClassEncodingVersion) == kind.isOneClass else { throw ByteReaderError.invalid("config version \(version) for \(kindName)") }
        if kind.isOneClass {
            c.components = try r.int()
            c.mixtures = try r.int()
            c.neighbours = try r.int()
            c.varianceFloor = try r.f64()
            c.calibrate = try r.bool()
            try bounded("principal directions", c.components, 0...maxComponents)
            try bounded("mixture components", c.mixtures, 1...maxMixtures)
            try bounded("neighbours", c.neighbours, 1...maxNeighbours)
            guard c.varianceFloor > 0, !c.standardize else {
                throw ByteReaderError.invalid("one-class configuration values out of range")
            }
        }
        if version == perturbedVersion {
            guard !kind.isOneClass else { throw ByteReaderError.invalid("config version \(version) for \(kindName)") }
            c.perturbation = try r.f64()
            guard c.perturbation > 0, c.perturbation.isFinite else { throw ByteReaderError.invalid("perturbation out of range") }
        }
        if version == optimizerVersion {
            guard kind == .mlp else { throw ByteReaderError.invalid("config version \(version) for \(kindName)") }
            let name = try r.string()
            guard let o = Optimizer(rawValue: name), o != .adam else {
                throw ByteReaderError.invalid("unknown optimizer \(quotedForMessage(name))")
            }
            c.optimizer = o
        }
        // The values that decide how much work a model implies, each named with its bound (ul-model(5), LIMITS).
        try bounded("epochs", c.epochs, 0...maxEpochs)
        try bounded("mini-batch size", c.batchSize, 1...maxBatchSize)
        try bounded("hidden layers", c.hidden.count, 0...maxHiddenLayers)
        for h in c.hidden { try bounded("hidden width", h, 1...maxLayerWidth) }
        try bounded("shard count", c.shardCount, 1...maxShards)
        try bounded("block count", c.blockCount, 1...maxBlocks)
        guard c.l2 >= 0, kind != .autoencoder || c.hidden.count == 1, c.heldShards.allSatisfy({ $0 >= 0 && $0 < c.shardCount }),
              c.heldShards == c.heldShards.sorted(), Set(c.heldShards).count == c.heldShards.count
        else { throw ByteReaderError.invalid("configuration values out of range") }
        return c
    }
}
