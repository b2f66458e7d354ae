/// A curvature sidecar opened for reading: the table at once, a shard's factor (hundreds of megabytes for a
/// Fashion-MNIST softmax) only when a request needs that shard.
public final class CurvatureStore {
    public let solver: SolverKind
    public let kind: CurvatureKind
    public let damping: Double
    /// Shard, key and (when not the keyed state's final parameters) the parameters of every entry, in file order.
    public let keys: [(shard: Int, key: [UInt8], theta: [Double]?)]
    private let reader: ModelContainerReader

    public init(_ reader: ModelContainerReader) throws {
        self.reader = reader
        (solver, kind, damping, keys) = try reader.decode("curvature") {
            r -> (SolverKind, CurvatureKind, Double, [(shard: Int, key: [UInt8], theta: [Double]?)]) in
            let version = try r.u32()
            guard (1...3).contains(version) else { throw ByteReaderError.invalid("unknown curvature version") }
            guard let solver = SolverKind(rawValue: try r.string()) else { throw ByteReaderError.invalid("unknown solver") }
            var kind = CurvatureKind.hessian
            if version == 3 {
                guard let k = CurvatureKind(rawValue: try r.string()) else { throw ByteReaderError.invalid("unknown curvature kind") }
                kind = k
            }
            let damping = try r.f64()
            let n = try r.int()
            // Each entry is at least a shard (8 bytes) and a key (32).
            guard n >= 0, n <= r.remaining / 40 else { throw ByteReaderError.invalid("entry count \(n)") }
            var list = [(shard: Int, key: [UInt8], theta: [Double]?)]()
            var seen = Set<Int>()
            for _ in 0..<n {
                let shard = try r.int()
                // One entry per shard: its section `curveNNNN` is unique.
                guard shard >= 0, seen.insert(shard).inserted else { throw ByteReaderError.invalid("shard \(shard) listed twice or negative") }
                let key = try r.raw(32)
                var theta: [Double]? = nil
                if version >= 2 {
                    switch try r.u8() {
                    case 0: break
                    case 1: theta = try r.doubles()
                    default: throw ByteReaderError.invalid("curvature parameters flag")
                    }
                }
                list.append((shard, key, theta))
            }
            return (solver, kind, damping, list)
        }
    }

    /// The parameters a shard's stored curvature was computed at, when not its keyed state's final ones.
    public func theta(shard: Int) -> [Double]? { keys.first { $0.shard == shard }?.theta }

    /// The stored curvature for a shard state, if present and made with the same solver, kind and damping.
    public func lookup(shard: Int, key: [UInt8], solver: SolverKind, kind: CurvatureKind = .hessian, damping: Double) throws -> StoredCurvature? {
        has(shard: shard, key: key, solver: solver, kind: kind, damping: damping) ? try load(shard) : nil
    }

    /// Checks every shard's section against its checksum without decoding it (`ModelFileError` names the
    /// section that fails).
    public func verify() throws {
        for k in keys { try reader.withPayload(CurvatureFile.tag(k.shard)) { _ in } }
    }

    /// Every entry, read in full.
    public func file() throws -> CurvatureFile {
        CurvatureFile(solver: solver, kind: kind, damping: damping,
                      entries: try keys.map { CurvatureFile.Entry(shard: $0.shard, key: $0.key, curvature: try load($0.shard), theta: $0.theta) })
    }

    /// The sidecar to write after `computed` entries were made with `solver`, `kind` and `damping`: they replace
    /// the stored entries of their shards; the other entries stay when they were made the same way, except
    /// those of `excluding`. Entries that stay are carried over undecoded (`CurvatureUpdate`).
    public static func updated(_ store: CurvatureStore?, with computed: [CurvatureFile.Entry], excluding: Set<Int> = [],
                               solver: SolverKind, kind: CurvatureKind = .hessian, damping: Double) -> CurvatureUpdate {
        var carried = [(shard: Int, key: [UInt8], theta: [Double]?)]()
        if let s = store, s.solver == solver, s.kind == kind, s.damping == damping {
            carried = s.keys.filter { k in !excluding.contains(k.shard) && !computed.contains { $0.shard == k.shard } }
        }
        return CurvatureUpdate(solver: solver, kind: kind, damping: damping, computed: computed, carried: carried, store: store)
    }

    /// A stored shard's section as it is, for a sidecar written after a request: its bytes come from the map,
    /// its table entry's CRC-32 and digest are the stored ones (the bytes are checked against them as they go).
    func carriedSection(_ shard: Int) throws -> (stream: ModelSectionStream, length: Int) {
        let tag = CurvatureFile.tag(shard)
        guard let e = reader.entry(tag) else { throw ModelFileError.missingSection(tag) }
        let stream = ModelSectionStream(tag: tag, checksums: (e.length, e.crc, e.digestPrefix)) { [reader] emit in
            try reader.withPayload(tag) { try emit($0) }
        }
        return (stream, e.length)
    }

    /// Whether the store has the curvature of this shard state (without reading it).
    public func has(shard: Int, key: [UInt8], solver: SolverKind, kind: CurvatureKind = .hessian, damping: Double) -> Bool {
        solver == self.solver && kind == self.kind && damping == self.damping && keys.contains { $0.shard == shard && $0.key == key }
    }

    /// Decoded from the payload in place (ul-model(5)): u8 kind, for kind 2 a u8 p and p zero bytes, i64 n,
    /// then the values as `ByteWriter.doubles` writes them. A factor whose values lie 8-byte aligned in a
    /// mapped file (kind 2 always) is used from the map, checked against its CRC-32 first; others are copied.
    func load(_ shard: Int) throws -> StoredCurvature {
        let tag = CurvatureFile.tag(shard)
        let (kind, n, count, head) = try reader.withPayload(tag) { bytes -> (UInt8, Int, Int, Int) in
            do {
                var r = ByteReader(Array(bytes.prefix(2)))
                let kind = try r.u8()
                var head = 1
                if kind == 2 {
                    let p = Int(try r.u8())
                    guard bytes.count >= 2 + p, bytes[2..<(2 + p)].allSatisfy({ $0 == 0 }) else {
                        throw ByteReaderError.invalid("factor padding of \(p) bytes is not zero bytes")
                    }
                    head = 2 + p
                }
                var fields = ByteReader(Array(bytes.dropFirst(head).prefix(16)))
                let n = try fields.int(), count = try fields.u64()
                head += 16
                guard count == UInt64((bytes.count - head) / 8), (bytes.count - head) % 8 == 0 else {
                    throw ByteReaderError.invalid("curvature of \(count) values in \(bytes.count - head) bytes")
                }
                return (kind, n, Int(count), head)
            } catch let e as ByteReaderError {
                throw ModelFileError.malformedSection(tag, "\(e)")
            }
        }
        let shapeFits = kind == 1 ? count == n : n >= 0 && n < 1 << 31 && count == n * n
        guard kind <= 2, shapeFits else { throw ModelFileError.malformedSection(tag, "curvature of \(count) values for n = \(n)") }
        let region = try reader.source.region(offset: reader.entry(tag)!.offset + head, count: count * 8)
        if kind == 1 { return .diagonal(Self.doubles(region.bytes)) }
        let aligned = Int(bitPattern: region.bytes.baseAddress) % MemoryLayout<Double>.alignment == 0
        if isLittleEndianHost && aligned { return .cholesky(CholeskyFactor(n: n, mapped: region)) }
        return .cholesky(CholeskyFactor(n: n, storage: Self.doubles(region.bytes)))
    }

    /// Little-endian f64 values, copied into an array.
    private static func doubles(_ bytes: UnsafeRawBufferPointer) -> [Double] {
        [Double](unsafeUninitializedCapacity: bytes.count / 8) { v, initialized in
            if isLittleEndianHost {
                UnsafeMutableRawBufferPointer(v).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count / 8 * 8)]))
            } else {
                for i in 0..<bytes.count / 8 { v[i] = Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))) }
            }
            initialized = bytes.count / 8
        }
    }
}
