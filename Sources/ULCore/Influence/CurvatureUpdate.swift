/// The sidecar a request writes: the entries it computed, and the stored entries that stay, carried over
/// from the old sidecar's map as they are — a softmax factor is hundreds of megabytes per shard, so a request
/// that touches one shard neither decodes nor holds the others'.
public struct CurvatureUpdate {
    public let solver: SolverKind
    public let kind: CurvatureKind
    public let damping: Double
    /// Entries made by this request (their storage is written directly).
    public let computed: [CurvatureFile.Entry]
    /// Stored entries kept, by shard; their sections are copied from `store`, checked against their CRC-32.
    let carried: [(shard: Int, key: [UInt8], theta: [Double]?)]
    let store: CurvatureStore?

    init(solver: SolverKind, kind: CurvatureKind, damping: Double, computed: [CurvatureFile.Entry],
         carried: [(shard: Int, key: [UInt8], theta: [Double]?)] = [], store: CurvatureStore? = nil) {
        self.solver = solver
        self.kind = kind
        self.damping = damping
        self.computed = computed.sorted { $0.shard < $1.shard }
        self.carried = carried
        self.store = store
    }

    /// Whether the sidecar would hold no entry (the caller removes it instead).
    public var isEmpty: Bool { computed.isEmpty && carried.isEmpty }

    /// Every entry, decoded.
    public func file() throws -> CurvatureFile {
        CurvatureFile(solver: solver, kind: kind, damping: damping,
                      entries: computed + (try carried.map {
                          CurvatureFile.Entry(shard: $0.shard, key: $0.key, curvature: try store!.load($0.shard), theta: $0.theta)
                      }))
    }

    /// The sidecar's bytes (ul-model(5)), handed to `emit` in pieces: computed factors straight from their
    /// storage, carried ones from the old map (`ModelContainer.write`); no payload is gathered into an array.
    public func write(to emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        var table: [(shard: Int, key: [UInt8], theta: [Double]?, section: ModelSectionStream)] = computed.map { e in
            (e.shard, e.key, e.theta, Self.section(e))
        }
        for c in carried { table.append((c.shard, c.key, c.theta, try store!.carriedSection(c.shard))) }
        table.sort { $0.shard < $1.shard }
        // Version 1 (no parameters) while every entry was computed at its keyed state, as ul-influence's are;
        // version 3 only for a curvature other than the Hessian, so Hessian sidecars keep their bytes.
        let version: UInt32 = kind != .hessian ? 3 : table.contains { $0.theta != nil } ? 2 : 1
        var w = ByteWriter()
        w.u32(version)
        w.string(solver.rawValue)
        if version == 3 { w.string(kind.rawValue) }
        w.f64(damping)
        w.int(table.count)
        for e in table {
            w.int(e.shard)
            w.raw(e.key)
            if version >= 2 {
                w.u8(e.theta == nil ? 0 : 1)
                if let t = e.theta { w.doubles(t) }
            }
        }
        try ModelContainer.write([ModelSectionStream(ModelSection(tag: "curvature", payload: w.bytes))] + table.map(\.section), to: emit)
    }

    /// A computed entry's section: u8 kind, i64 n, then the values as `ByteWriter.doubles` writes them (u64
    /// count, little-endian), the values from the entry's own storage.
    private static func section(_ e: CurvatureFile.Entry) -> ModelSectionStream {
        let (code, n, values): (UInt8, Int, [Double]) = switch e.curvature {
        case let .cholesky(f): (0, f.n, f.storage)
        case let .diagonal(d): (1, d.count, d)
        }
        var head = ByteWriter()
        head.u8(code)
        head.int(n)
        head.u64(UInt64(values.count))
        return ModelSectionStream(tag: CurvatureFile.tag(e.shard)) { emit in
            try head.bytes.withUnsafeBytes { try emit($0) }
            try emitLittleEndian(values, to: emit)
        }
    }
}
