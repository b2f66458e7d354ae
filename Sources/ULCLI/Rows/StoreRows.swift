import Foundation
import ULCore

/// A shard store file (ul-store(5)) mapped into memory and checked (size, checksum, layout) on opening.
/// The map stays for the life of the object; the rows are read in place.
public final class MappedStore {
    public let path: String
    public let store: ShardStore
    private let base: UnsafeMutableRawPointer?
    private let size: Int

    /// nil when `path` is not a store file (no magic bytes); a damaged store is exit 65 naming the file.
    /// `shard`: the shard the file must hold (default: the one its name shard-NNNN.uls says, if it has such a name).
    public static func open(_ path: String, shard: Int? = nil) throws -> MappedStore? {
        // Only a regular file is opened here: opening and closing a pipe (`<(cmd)`) would end its writer.
        var pre = stat()
        guard stat(path, &pre) == 0, (pre.st_mode & S_IFMT) == S_IFREG else { return nil }
        let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ToolError(.noInput, "cannot open: \(String(cString: strerror(errno)))", file: path) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        var magic = [UInt8](repeating: 0, count: ShardStore.magic.count)
        let n = magic.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        let named = shard ?? StoreDirectory.shard(ofFileName: URL(fileURLWithPath: path).lastPathComponent)
        guard n == magic.count, magic == ShardStore.magic else {
            // A file named as a store file must be one.
            if named != nil { throw ToolError.data("\(ShardStoreError.notAStore)", file: path) }
            return nil
        }
        let size = Int(st.st_size)
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw ToolError(.ioError, "cannot map: \(String(cString: strerror(errno)))", file: path)
        }
        do {
            let store = try ShardStore(bytes: UnsafeRawBufferPointer(start: p, count: size))
            // A file named shard-NNNN.uls must hold shard NNNN (a renamed or copied file is refused).
            if let shard = named, store.shard != shard { throw ShardStoreError.wrongShard(recorded: store.shard, expected: shard) }
            return MappedStore(path: path, store: store, base: p, size: size)
        } catch let e as ShardStoreError {
            munmap(p, size)
            throw ToolError.data("\(e)", file: path)
        }
    }

    private init(path: String, store: ShardStore, base: UnsafeMutableRawPointer, size: Int) {
        self.path = path
        self.store = store
        self.base = base
        self.size = size
    }

    deinit { if let base { munmap(base, size) } }

    /// The columns the store presents as rows: id, label, the features, shard, block.
    var header: [String] { [store.idColumn, store.labelColumn] + store.featureNames + ["shard", "block"] }
}

/// The files of a shard store directory (`ul-partition --store DIR`): DIR/shard-0000.uls, ...
public enum StoreDirectory {
    public static func fileName(shard: Int) -> String { String(format: "shard-%04d.uls", shard) }

    /// Shard index of a store file name, or nil.
    public static func shard(ofFileName name: String) -> Int? {
        guard name.hasPrefix("shard-"), name.hasSuffix(".uls") else { return nil }
        let digits = name.dropFirst(6).dropLast(4)
        guard digits.count >= 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    /// Whether `path` is a directory holding store files.
    public static func isStore(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else { return false }
        return !((try? shards(in: path)) ?? []).isEmpty
    }

    /// The shard indices of the store files in `directory`, ascending.
    public static func shards(in directory: String) throws -> [Int] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw ToolError(.noInput, "cannot read the directory", file: directory)
        }
        return names.compactMap(shard(ofFileName:)).sorted()
    }

    /// Writes a store file atomically (temporary file, fsync, rename).
    public static func write(_ bytes: [UInt8], to path: String) throws { try writeFileAtomically(path, bytes) }

    /// The store bytes of one shard of `rows` (as read by `TrainingRows` without --scale).
    public static func encode(_ shard: TrainingRows.Shard?, index: Int, idColumn: String, labelColumn: String, featureNames: [String]) -> [UInt8] {
        let s = shard ?? TrainingRows.Shard()
        var table = [String: Int](), labels = [String]()
        let labelIndex = s.labels.map { l in
            if let k = table[l] { return k }
            labels.append(l)
            table[l] = labels.count - 1
            return labels.count - 1
        }
        let f = featureNames.count
        return s.features.withUnsafeBytes { features in
            ShardStore.encode(shard: index, idColumn: idColumn, labelColumn: labelColumn, featureNames: featureNames, labels: labels,
                              rowCount: s.ids.count) { i in
                (Array(s.ids[i].utf8), labelIndex[i], s.blocks[i], UnsafeRawBufferPointer(rebasing: features[4 * i * f ..< 4 * (i + 1) * f]))
            }
        }
    }

    /// Writes `source` without the rows whose id is in `dropping` (ids compared after `key`) to `path`
    /// atomically, the kept rows' features straight from the map.
    public static func write(_ source: MappedStore, dropping: Set<String>, key: IdKey?, to path: String) throws {
        let out = try OutputFile(path: path)
        try write(source, dropping: dropping, key: key, into: out)
        try out.commit()
    }

    /// The same bytes into `out`, left for the caller to commit.
    public static func write(_ source: MappedStore, dropping: Set<String>, key: IdKey?, into out: OutputFile) throws {
        let s = source.store
        let keep = (0..<s.rowCount).filter { i in
            let id = s.id(i)
            return !dropping.contains(key?.keyed(id) ?? id)
        }
        // The label table is rebuilt over the kept rows, so the bytes are those a store built from the
        // remaining rows has.
        var table = [Int: Int](), labels = [String]()
        let labelIndex = keep.map { i in
            let l = s.labelIndex(i)
            if let k = table[l] { return k }
            labels.append(s.labels[l])
            table[l] = labels.count - 1
            return labels.count - 1
        }
        try ShardStore.write(shard: s.shard, idColumn: s.idColumn, labelColumn: s.labelColumn, featureNames: s.featureNames,
                             labels: labels, rowCount: keep.count, row: { k in
                                 let i = keep[k]
                                 return (Array(s.idBytes(i)), labelIndex[k], s.block(i), s.features(i))
                             }, emit: { piece in if let p = piece.baseAddress { try out.write(p, piece.count) } })
    }
}

/// The rows of one store file, or of every store file of a directory in shard order, as data rows with the
/// columns id, label, the features, shard and block. Features come from the map as stored: no text is
/// parsed. `line` is the row's position in its file plus one (the line it has in that shard's CSV), and
/// `path` the file being read, so messages name the shard file.
public final class StoreRows: DataRows {
    public private(set) var path: String
    public let header: [String]
    public var headerFields: [[UInt8]] { header.map { Array($0.utf8) } }
    public var line: Int { row + 2 }
    public private(set) var recordCount = 0
    public private(set) var bytesRead = 0
    public let totalBytes: Int?
    private let files: [(shard: Int, path: String)]
    private var fileIndex = -1
    private var current: MappedStore?
    private var row = -1
    private var featureCount = 0
    /// The current row's features in the map: `float` reads them without going through the store.
    private var features: UnsafeRawPointer?

    /// The store file read, when this reads one (not a directory).
    public var singleStore: MappedStore? { files.isEmpty ? current : nil }

    /// One store file (already opened).
    public init(_ store: MappedStore) {
        path = store.path
        header = store.header
        files = []
        current = store
        featureCount = store.store.featureCount
        totalBytes = store.store.bytes.count
    }

    /// Every store file of `directory`; they must name the same columns.
    public init(directory: String) throws {
        path = directory
        let shards = try StoreDirectory.shards(in: directory)
        guard !shards.isEmpty else { throw ToolError(.noInput, "holds no shard store files (shard-0000.uls, ...)", file: directory) }
        files = shards.map { ($0, directory + "/" + StoreDirectory.fileName(shard: $0)) }
        var total = 0
        for f in files {
            var st = stat()
            if stat(f.path, &st) == 0 { total += Int(st.st_size) }
        }
        totalBytes = total
        // The columns come from the first file; every other file is checked against them when it is opened.
        guard let first = try MappedStore.open(files[0].path, shard: files[0].shard) else {
            throw ToolError.data("\(ShardStoreError.notAStore)", file: files[0].path)
        }
        header = first.header
        current = first
        fileIndex = 0
        path = first.path
        featureCount = first.store.featureCount
    }

    public func next() throws -> Bool {
        while true {
            if let c = current, row + 1 < c.store.rowCount {
                row += 1
                features = c.store.features(row).baseAddress
                recordCount += 1
                bytesRead += 4 * featureCount + 16
                return true
            }
            guard !files.isEmpty, fileIndex + 1 < files.count else { return false }
            fileIndex += 1
            let f = files[fileIndex]
            guard let m = try MappedStore.open(f.path, shard: f.shard) else { throw ToolError.data("\(ShardStoreError.notAStore)", file: f.path) }
            guard m.header == header else {
                throw ToolError.data("names other columns than \(displayName(files[0].path)): the store files come from different inputs", file: f.path)
            }
            current = m
            path = f.path
            row = -1
        }
    }

    public func string(_ i: Int) -> String {
        let s = current!.store
        switch i {
        case 0: return s.id(row)
        case 1: return s.labels[s.labelIndex(row)]
        case featureCount + 2: return String(s.shard)
        case featureCount + 3: return String(s.block(row))
        default: return formatStoredFloat(s.feature(row, i - 2))
        }
    }

    /// The stored features are the columns 2 ..< featureCount + 2, little-endian Float32 in a row: one copy.
    public func floats(from first: Int, count: Int, into out: UnsafeMutablePointer<Float>) throws {
        guard first >= 2, first + count <= featureCount + 2, let f = features else {
            for k in 0..<count { out[k] = try float(first + k) }
            return
        }
        UnsafeMutableRawPointer(out).copyMemory(from: f + 4 * (first - 2), byteCount: 4 * count)
        #if _endian(big)
        for k in 0..<count { out[k] = Float(bitPattern: UInt32(littleEndian: out[k].bitPattern)) }
        #endif
    }

    @inline(__always) public func float(_ i: Int) throws -> Float {
        if i >= 2 && i < featureCount + 2, let f = features {
            return Float(bitPattern: UInt32(littleEndian: f.loadUnaligned(fromByteOffset: 4 * (i - 2), as: UInt32.self)))
        }
        var text = string(i)
        return try text.withUTF8 { try numericField($0, column: header[i], path: path, line: line) }
    }
}

/// A stored feature as CSV text that reads back to the same Float32 (-0 keeps its sign).
public func formatStoredFloat(_ v: Float) -> String {
    if v == 0, v.sign == .minus { return "-0" }
    return formatNumber(Double(v), float: true, value32: v)
}

/// Opens data rows for tools that read a whole input: a shard store directory or file, else the CSV parser.
public func openInputRows(_ path: String) throws -> DataRows {
    if path != "-" {
        if StoreDirectory.isStore(path) { return try StoreRows(directory: path) }
        if let m = try MappedStore.open(path) { return StoreRows(m) }
        try refuseDirectoryWithoutStore(path)
    }
    return try CSVReader(path: path)
}

/// A directory given as data that holds no store files is refused by name.
func refuseDirectoryWithoutStore(_ path: String) throws {
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
        throw ToolError(.noInput, "is a directory without shard store files (shard-0000.uls, ...: see ul-partition --store)", file: path)
    }
}
