/// The stored curvature of a model's shards (a sidecar `.ulm` container, see ul-model(5)): section
/// `curvature` lists solver, (version 3) the curvature kind, damping and per shard its index, key and
/// (versions 2 and 3) the parameters the curvature was computed at when they are not the keyed state's;
/// section `curveNNNN` holds the shard's Cholesky factor (column-major, n × n) or diagonal preconditioner (n).
public struct CurvatureFile: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var shard: Int
        public var key: [UInt8]
        public var curvature: StoredCurvature
        /// Where the curvature was computed; nil: at the keyed state's final parameters. A factor downdated
        /// after an approximate request keeps the parameters it was made at, not the patched ones.
        public var theta: [Double]?
        public init(shard: Int, key: [UInt8], curvature: StoredCurvature, theta: [Double]? = nil) {
            self.shard = shard
            self.key = key
            self.curvature = curvature
            self.theta = theta
        }
    }

    public var solver: SolverKind
    /// The curvature the entries were made of (versions 1 and 2: the Hessian).
    public var kind: CurvatureKind
    public var damping: Double
    public var entries: [Entry]

    public init(solver: SolverKind, kind: CurvatureKind = .hessian, damping: Double, entries: [Entry]) {
        self.solver = solver
        self.kind = kind
        self.damping = damping
        self.entries = entries.sorted { $0.shard < $1.shard }
    }

    static func tag(_ shard: Int) -> String {
        let s = String(shard)
        return "curve" + String(repeating: "0", count: max(0, 4 - s.count)) + s
    }

    public func encode() throws -> [UInt8] {
        // Version 1 (no parameters) while every entry was computed at its keyed state, as ul-influence's are;
        // version 3 only for a curvature other than the Hessian, so Hessian sidecars keep their bytes.
        let version: UInt32 = kind != .hessian ? 3 : entries.contains { $0.theta != nil } ? 2 : 1
        var w = ByteWriter()
        w.u32(version)
        w.string(solver.rawValue)
        if version == 3 { w.string(kind.rawValue) }
        w.f64(damping)
        w.int(entries.count)
        for e in entries {
            w.int(e.shard)
            w.raw(e.key)
            if version >= 2 {
                w.u8(e.theta == nil ? 0 : 1)
                if let t = e.theta { w.doubles(t) }
            }
        }
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

extension CurvatureFile {
    /// This file without the entries of `shards`.
    public func removing(shards: Set<Int>) -> CurvatureFile {
        CurvatureFile(solver: solver, kind: kind, damping: damping, entries: entries.filter { !shards.contains($0.shard) })
    }
}
