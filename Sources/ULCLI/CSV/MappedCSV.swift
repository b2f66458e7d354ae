import Foundation
import ULCore

/// A quote-free CSV file mapped into memory.
public final class MappedCSV: DataRows {
    public let path: String
    public private(set) var header: [String] = []
    public private(set) var headerFields: [[UInt8]] = []
    public private(set) var line = 1
    public private(set) var recordCount = 0
    public var bytesRead: Int { position }
    public var totalBytes: Int? { size }
    private let base: UnsafeMutableRawPointer
    let size: Int
    private var position = 0
    /// Start of the current row and its end (before CR LF).
    private(set) var rowStart = 0
    private(set) var rowEnd = 0
    /// Start and end offsets of the current row's fields (a `let` pointer: no exclusivity checks per field).
    private let bounds: UnsafeMutablePointer<Int>
    private let capacity: Int
    private var fieldCount = 0
    private var lineCounter = 0
    /// Offset from which `copy` may still write bytes out (it writes runs of kept lines lazily).
    private var keptFrom = Int.max
    private let limits: CSVLimits
    /// Set by `advance` when the row it found has a field or is longer than the limits.
    private var overLimit: (what: String, limit: Int)?
    /// Pages before this offset have been given back.
    private var released = 0
    private static let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    /// Bytes passed before they are given back at once.
    private static let releaseStep = 16 << 20

    /// nil when the file is empty, not a regular file, gzip, has lines ending in CR alone, or contains a quote
    /// (then CSVReader reads it).
    public static func open(_ path: String) throws -> MappedCSV? {
        let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ToolError(.noInput, "cannot open: \(String(cString: strerror(errno)))", file: path) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 0 else { return nil }
        let size = Int(st.st_size)
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else { return nil }
        // gzip is inflated by CSVReader's stream; lines ending in CR alone (a first line without LF but with
        // a CR) are split by libcsv.
        let head = min(size, 1 << 20)
        let gzip = size >= 2 && p.load(as: UInt8.self) == 0x1F && p.load(fromByteOffset: 1, as: UInt8.self) == 0x8B
        if gzip || (memchr(p, 0x0A, head) == nil && memchr(p, 0x0D, head) != nil) {
            munmap(p, size)
            return nil
        }
        // Look for a quote a window at a time, giving each window's pages back after it.
        var from = 0
        while from < size {
            let n = min(releaseStep, size - from)
            let quote = memchr(p + from, 0x22, n) != nil
            madvise(p + from, n, MADV_DONTNEED)
            if quote {
                munmap(p, size)
                return nil
            }
            from += n
        }
        return try MappedCSV(path: path, base: p, size: size)
    }

    private init(path: String, base: UnsafeMutableRawPointer, size: Int) throws {
        self.path = path
        limits = try CSVLimits.fromEnvironment()
        self.base = base
        self.size = size
        let bytes = UnsafePointer(base.assumingMemoryBound(to: UInt8.self))
        if size >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }  // UTF-8 byte-order mark
        // The header: its commas fix the capacity of the field table.
        let headerEnd = memchr(base + position, 0x0A, size - position).map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? size
        var commas = 0
        for i in position..<headerEnd where bytes[i] == 0x2C { commas += 1 }
        capacity = commas + 2
        bounds = .allocate(capacity: 2 * capacity)
        guard advance() else { throw ToolError.data("empty input: no header row", file: path) }
        try checkLimits()
        header = (0..<fieldCount).map { string($0) }
        // The map splits lines at LF only: a carriage return inside the header line would stay in a name.
        guard !header.contains(where: { $0.contains("\r") }) else { throw ToolError.data(headerCarriageReturnMessage, file: path, line: 1) }
        headerFields = (0..<fieldCount).map { i in Array(UnsafeBufferPointer(start: bytes + bounds[2 * i], count: bounds[2 * i + 1] - bounds[2 * i])) }
        var seen = [String: Int]()
        for (i, name) in header.enumerated() {
            if let j = seen[name] {
                throw ToolError.data("duplicate column name \(quoted(name)) (columns \(j + 1) and \(i + 1))", file: path, line: 1)
            }
            seen[name] = i
        }
        line = 1
    }

    deinit {
        munmap(base, size)
        bounds.deallocate()
    }

    private var bytes: UnsafePointer<UInt8> { UnsafePointer(base.assumingMemoryBound(to: UInt8.self)) }

    /// Moves to the next non-empty line and splits it at commas.
    private func advance() -> Bool {
        var pos = position
        let base = self.base, size = self.size, bounds = self.bounds, capacity = self.capacity, fieldLimit = limits.fieldBytes
        let bytes = UnsafePointer(base.assumingMemoryBound(to: UInt8.self))
        var lines = 0
        defer { lineCounter += lines }
        while pos < size {
            let start = pos
            var end = memchr(base + start, 0x0A, size - start).map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? size
            pos = end + 1
            lines += 1
            if end > start, bytes[end - 1] == 0x0D { end -= 1 }
            if end == start { continue }
            if end - start > limits.recordBytes { overLimit = ("record", limits.recordBytes) }
            var n = 0
            var f = start
            while true {
                let comma = memchr(base + f, 0x2C, end - f)
                let e = comma.map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? end
                if e - f > fieldLimit, overLimit == nil { overLimit = ("field", fieldLimit) }
                if n < capacity {
                    bounds[2 * n] = f
                    bounds[2 * n + 1] = e
                }
                n += 1
                guard comma != nil else { break }
                f = e + 1
            }
            position = pos
            rowStart = start
            rowEnd = end
            fieldCount = n
            line = lineCounter + lines
            return true
        }
        position = pos
        return false
    }

    /// Gives the kernel back the mapped pages no longer needed (they would otherwise count as resident
    /// until the end, as large as the file): those before the current row and any bytes `copy` still owes.
    private func releasePassedPages() {
        let upTo = min(rowStart, keptFrom) / Self.page * Self.page
        guard upTo - released >= Self.releaseStep else { return }
        madvise(base + released, upTo - released, MADV_DONTNEED)
        released = upTo
    }

    public func next() throws -> Bool {
        guard advance() else { return false }
        try checkLimits()
        releasePassedPages()
        guard fieldCount == header.count else {
            throw ToolError.data("ragged row: expected \(header.count) fields, found \(fieldCount)", file: path, line: line)
        }
        recordCount += 1
        return true
    }

    private func checkLimits() throws {
        if let o = overLimit { throw ToolError.data("\(o.what) longer than \(o.limit) bytes", file: path, line: line) }
    }

    public func field(_ i: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: bytes + bounds[2 * i], count: bounds[2 * i + 1] - bounds[2 * i]) }

    public func string(_ i: Int) -> String { String(decoding: field(i), as: UTF8.self) }

    public func float(_ i: Int) throws -> Float {
        try numericField(field(i), column: header[i], path: path, line: line)
    }

    /// Copies the file to `out` without the rows whose field `idColumn` is in `dropping`, byte for byte:
    /// runs of kept lines are written as they are. With `key` the set holds keyed ids.
    public func copy(to out: OutputFile, idColumn: Int, dropping: Set<String>, key: IdKey? = nil) throws {
        keptFrom = 0
        while try next() {
            let id = string(idColumn)
            if !dropping.contains(key?.keyed(id) ?? id) {
                // Write long runs as they grow, so that their pages can be given back.
                if rowStart - keptFrom >= Self.releaseStep {
                    try out.write(base + keptFrom, rowStart - keptFrom)
                    keptFrom = rowStart
                }
                continue
            }
            try out.write(base + keptFrom, rowStart - keptFrom)
            keptFrom = min(position, size)
        }
        try out.write(base + keptFrom, size - keptFrom)
        if keptFrom < size, bytes[size - 1] != 0x0A { try out.write([0x0A]) }
    }
}
