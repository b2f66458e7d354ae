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
        var out = [UInt8]()
        try write { out.append(contentsOf: $0) }
        return out
    }

    /// The file's bytes, handed to `emit` in pieces: a factor goes out from its own storage, never copied into
    /// a byte array (`CurvatureUpdate.write`).
    public func write(to emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        try CurvatureUpdate(solver: solver, kind: kind, damping: damping, computed: entries).write(to: emit)
    }

    public static func decode(_ reader: ModelContainerReader) throws -> CurvatureFile {
        try CurvatureStore(reader).file()
    }
}
