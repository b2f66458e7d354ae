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
        var table: [(shard: Int, key: [UInt8], theta: [Double]?, computed: CurvatureFile.Entry?)] = computed.map { e in
            (e.shard, e.key, e.theta, e)
        }
        for c in carried { table.append((c.shard, c.key, c.theta, nil)) }
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
        // Where each section starts in the file, so that a computed factor's values start at a multiple of 64.
        var offset = ModelContainer.headerSize(sections: 1 + table.count) + w.bytes.count
        var sections = [ModelSectionStream]()
        for e in table {
            let section = try e.computed.map { Self.section($0, at: offset) } ?? store!.carriedSection(e.shard)
            sections.append(section.stream)
            offset += section.length
        }
        try ModelContainer.write([ModelSectionStream(ModelSection(tag: "curvature", payload: w.bytes))] + sections, to: emit)
    }

    /// Bytes of a factor section before its values start at a multiple of `factorAlignment` in the file.
    static func factorPadding(sectionAt offset: Int) -> Int {
        (factorAlignment - (offset + 2 + 16) % factorAlignment) % factorAlignment
    }

    /// A factor's values start at a multiple of this many bytes in the sidecar (ul-model(5)): a request maps
    /// them in place.
    static let factorAlignment = 64

    /// A computed entry's section starting at file offset `offset`, and its length. A Cholesky factor is kind
    /// 2: u8 2, u8 p, p zero bytes, i64 n, then the values as `ByteWriter.doubles` writes them (u64 count,
    /// little-endian), p chosen so that they start at a multiple of 64 in the file; a diagonal is kind 1: u8 1,
    /// i64 n, the values. The values go out from the entry's own storage.
    private static func section(_ e: CurvatureFile.Entry, at offset: Int) -> (stream: ModelSectionStream, length: Int) {
        var head = ByteWriter()
        let n: Int
        switch e.curvature {
        case let .cholesky(f):
            let p = factorPadding(sectionAt: offset)
            head.u8(2)
            head.u8(UInt8(p))
            head.raw([UInt8](repeating: 0, count: p))
            n = f.n
        case let .diagonal(d):
            head.u8(1)
            n = d.count
        }
        head.int(n)
        let count = e.curvature.valueCount
        head.u64(UInt64(count))
        let stream = ModelSectionStream(tag: CurvatureFile.tag(e.shard)) { emit in
            try head.bytes.withUnsafeBytes { try emit($0) }
            switch e.curvature {
            case let .cholesky(f): try f.withValues { try emitLittleEndian($0, to: emit) }
            case let .diagonal(d): try d.withUnsafeBufferPointer { try emitLittleEndian($0, to: emit) }
            }
        }
        return (stream, head.bytes.count + 8 * count)
    }
}
