/// One shard's rows in the binary shard store (ul-store(5)): ids, labels, blocks and Float32 features as
/// parsed from CSV (before the model's --scale), laid out so that a mapped file is used in place. The
/// header records the format version, the shape and a CRC-32 (zlib) over every other byte; a file whose
/// size, checksum or layout disagrees with its header is refused before any row is used.
///
/// Layout (little-endian): a 64-byte header; the features (rows × features Float32, row-major); the blocks
/// (rows × u32); the label indices (rows × u32, into the label table); the end offset of each id in the id
/// bytes (rows × u64); then from `namesOffset` the id and label column names, the feature names and the
/// label table (each a u32 length and UTF-8 bytes); then the id bytes.
public struct ShardStore {
    public static let magic: [UInt8] = Array("ULSTORE\0".utf8)
    public static let version: UInt32 = 1
    public static let headerSize = 64
    /// Byte ranges of the header the checksum covers (the checksum field itself is left out).
    static let checksumOffset = 56

    public let shard: Int
    public let rowCount: Int
    public let featureCount: Int
    public let idColumn: String
    public let labelColumn: String
    public let featureNames: [String]
    /// Distinct labels of the shard, in order of first appearance.
    public let labels: [String]
    /// The file's bytes (valid as long as the caller keeps them mapped).
    public let bytes: UnsafeRawBufferPointer
    let blocksOffset: Int
    let labelIndexOffset: Int
    let idEndsOffset: Int
    let idBytesOffset: Int

    /// Whether `bytes` start with the store's magic.
    public static func isStore(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= magic.count && bytes.prefix(magic.count).elementsEqual(magic)
    }

    /// Checks `bytes` completely (size, checksum, offsets, indices) and gives its rows.
    public init(bytes: UnsafeRawBufferPointer) throws {
        guard UInt32(1).littleEndian == 1 else { throw ShardStoreError.bigEndianHost }
        guard Self.isStore(bytes) else { throw ShardStoreError.notAStore }
        guard bytes.count >= Self.headerSize else { throw ShardStoreError.wrongSize(recorded: Self.headerSize, actual: bytes.count) }
        func u32(_ at: Int) -> UInt32 { UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        let version = u32(8)
        guard version == Self.version else { throw ShardStoreError.unsupportedVersion(version) }
        guard Int(u32(12)) == Self.headerSize else { throw ShardStoreError.invalid("header size \(u32(12))") }
        let recordedSize = u64(16)
        guard recordedSize == UInt64(bytes.count) else {
            throw ShardStoreError.wrongSize(recorded: Int(clamping: recordedSize), actual: bytes.count)
        }
        guard Self.checksum(bytes) == u32(Self.checksumOffset) else { throw ShardStoreError.checksumMismatch }
        // The one header word the checksum leaves out must be zero, so that no byte of a file can change unseen.
        guard u32(Self.checksumOffset + 4) == 0 else { throw ShardStoreError.invalid("the reserved header word is not zero") }
        let rows = u64(24), features = UInt64(u32(32)), labelCount = Int(u32(40)), names = u64(48)
        // Section sizes in 64-bit arithmetic that cannot overflow for any file that fits the address space.
        guard rows <= UInt64(bytes.count), features <= UInt64(bytes.count) else { throw ShardStoreError.invalid("row or feature count larger than the file") }
        let (featureBytes, o1) = (rows * features).multipliedReportingOverflow(by: 4)
        let end = UInt64(Self.headerSize) + featureBytes + rows * 16
        guard !o1, end == names, names <= UInt64(bytes.count) else { throw ShardStoreError.invalid("sections do not add up to the names offset") }
        rowCount = Int(rows)
        featureCount = Int(features)
        shard = Int(u32(36))
        blocksOffset = Self.headerSize + Int(featureBytes)
        labelIndexOffset = blocksOffset + 4 * rowCount
        idEndsOffset = labelIndexOffset + 4 * rowCount
        var at = Int(names)
        func string() throws -> String {
            guard at + 4 <= bytes.count else { throw ShardStoreError.invalid("names run past the end") }
            let n = Int(u32(at))
            guard at + 4 + n <= bytes.count else { throw ShardStoreError.invalid("names run past the end") }
            defer { at += 4 + n }
            guard let s = String(validating: UnsafeRawBufferPointer(rebasing: bytes[at + 4 ..< at + 4 + n]), as: UTF8.self) else {
                throw ShardStoreError.invalid("a name is not UTF-8")
            }
            return s
        }
        idColumn = try string()
        labelColumn = try string()
        featureNames = try (0..<featureCount).map { _ in try string() }
        guard labelCount <= bytes.count else { throw ShardStoreError.invalid("label count larger than the file") }
        labels = try (0..<labelCount).map { _ in try string() }
        idBytesOffset = at
        var previous: UInt64 = 0
        for i in 0..<rowCount {
            let e = u64(idEndsOffset + 8 * i)
            guard e > previous else { throw ShardStoreError.invalid("row \(i + 1) has an empty id or ids out of order") }
            previous = e
            guard u32(labelIndexOffset + 4 * i) < UInt32(labelCount) else { throw ShardStoreError.invalid("row \(i + 1) has a label index outside the table") }
        }
        guard UInt64(idBytesOffset) + previous == UInt64(bytes.count) else { throw ShardStoreError.invalid("the id bytes do not end the file") }
        self.bytes = bytes
    }

    /// CRC-32 over the header before the checksum field and everything after the header.
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = crc32Checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<checksumOffset]))
        crc = crc32Continue(crc, UnsafeRawBufferPointer(rebasing: bytes[headerSize...]))
        return crc
    }

    /// Block of row `i`.
    @inline(__always) public func block(_ i: Int) -> Int {
        Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: blocksOffset + 4 * i, as: UInt32.self)))
    }

    /// Label of row `i`, as an index into `labels`.
    @inline(__always) public func labelIndex(_ i: Int) -> Int {
        Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: labelIndexOffset + 4 * i, as: UInt32.self)))
    }

    /// Feature `j` of row `i`.
    @inline(__always) public func feature(_ i: Int, _ j: Int) -> Float {
        Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: Self.headerSize + 4 * (i * featureCount + j), as: UInt32.self)))
    }

    /// The features of row `i` in place.
    public func features(_ i: Int) -> UnsafeRawBufferPointer {
        let start = Self.headerSize + 4 * i * featureCount
        return UnsafeRawBufferPointer(rebasing: bytes[start ..< start + 4 * featureCount])
    }

    /// The id bytes of row `i`.
    public func idBytes(_ i: Int) -> UnsafeRawBufferPointer {
        func end(_ k: Int) -> Int { Int(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: idEndsOffset + 8 * k, as: UInt64.self))) }
        let start = i == 0 ? 0 : end(i - 1)
        return UnsafeRawBufferPointer(rebasing: bytes[idBytesOffset + start ..< idBytesOffset + end(i)])
    }

    public func id(_ i: Int) -> String { String(decoding: idBytes(i), as: UTF8.self) }

    /// The bytes of a store file for `rows` (row i of `rows` comes from `source(i)`), shard `shard`.
    /// `labels` is the label table; `row.label` indexes it.
    public static func encode(shard: Int, idColumn: String, labelColumn: String, featureNames: [String], labels: [String],
                              rowCount: Int, row: (Int) -> (id: [UInt8], label: Int, block: Int, features: UnsafeRawBufferPointer)) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(headerSize + 4 * rowCount * (featureNames.count + 4))
        write(shard: shard, idColumn: idColumn, labelColumn: labelColumn, featureNames: featureNames, labels: labels,
              rowCount: rowCount, row: row) { out.append(contentsOf: $0) }
        return out
    }

    /// `encode`'s bytes handed to `emit` in order, in pieces, the features straight from where `row` points (a
    /// run of rows adjacent in memory is one piece): a store rewritten from a mapped one without some rows
    /// copies no feature in memory. Every `row(i).features` must stay valid until this returns.
    public static func write(shard: Int, idColumn: String, labelColumn: String, featureNames: [String], labels: [String],
                             rowCount: Int, row: (Int) -> (id: [UInt8], label: Int, block: Int, features: UnsafeRawBufferPointer),
                             emit: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        let f = featureNames.count
        var runs = [UnsafeRawBufferPointer]()
        var blocks = [UInt8](), labelIndex = [UInt8](), idEnds = [UInt8](), ids = [UInt8]()
        blocks.reserveCapacity(4 * rowCount)
        labelIndex.reserveCapacity(4 * rowCount)
        idEnds.reserveCapacity(8 * rowCount)
        func put<T: FixedWidthInteger>(_ v: T, _ out: inout [UInt8]) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        for i in 0..<rowCount {
            let r = row(i)
            precondition(r.features.count == 4 * f && !r.id.isEmpty)
            if let start = r.features.baseAddress, !r.features.isEmpty {
                if let last = runs.last, last.baseAddress! + last.count == start {
                    runs[runs.count - 1] = UnsafeRawBufferPointer(start: last.baseAddress, count: last.count + r.features.count)
                } else {
                    runs.append(r.features)
                }
            }
            put(UInt32(r.block), &blocks)
            put(UInt32(r.label), &labelIndex)
            ids.append(contentsOf: r.id)
            put(UInt64(ids.count), &idEnds)
        }
        var names = [UInt8]()
        for s in [idColumn, labelColumn] + featureNames + labels {
            put(UInt32(s.utf8.count), &names)
            names.append(contentsOf: s.utf8)
        }
        let namesOffset = headerSize + 4 * rowCount * f + blocks.count + labelIndex.count + idEnds.count
        var header = [UInt8]()
        header.reserveCapacity(headerSize)
        header.append(contentsOf: magic)
        put(version, &header)
        put(UInt32(headerSize), &header)
        put(UInt64(namesOffset + names.count + ids.count), &header)
        put(UInt64(rowCount), &header)
        put(UInt32(f), &header)
        put(UInt32(shard), &header)
        put(UInt32(labels.count), &header)
        put(UInt32(0), &header)
        put(UInt64(namesOffset), &header)
        put(UInt32(0), &header)  // checksum, set below
        put(UInt32(0), &header)
        let tail = [blocks, labelIndex, idEnds, names, ids]
        // The checksum covers the header before its checksum field, then everything after the header.
        var crc = header.withUnsafeBytes { crc32Checksum(UnsafeRawBufferPointer(rebasing: $0[0..<checksumOffset])) }
        for run in runs { crc = crc32Continue(crc, run) }
        for part in tail { crc = part.withUnsafeBytes { crc32Continue(crc, $0) } }
        withUnsafeBytes(of: crc.littleEndian) { header.replaceSubrange(checksumOffset..<checksumOffset + 4, with: $0) }
        try header.withUnsafeBytes { try emit($0) }
        for run in runs { try emit(run) }
        for part in tail { try part.withUnsafeBytes { try emit($0) } }
    }
}
