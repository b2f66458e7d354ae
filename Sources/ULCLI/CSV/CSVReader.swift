import CCSV
import Foundation
import ULCore

/// Streams CSV records (RFC 4180: quotes, embedded commas and newlines, CRLF) from a file or
/// standard input through libcsv, in chunks. A record is a view valid until the next `next()`.
///
///     let r = try CSVReader(path: "-")
///     while try r.next() { let x = r.field(2) ... }
public final class CSVReader {
    /// The path as given (`-` for standard input), for messages.
    public let path: String
    /// Column names (from the header, or `1, 2, ...` without one).
    public private(set) var header: [String] = []
    /// The header's fields as bytes, for writing it back unchanged (a name that is not UTF-8 included).
    public private(set) var headerFields: [[UInt8]] = []
    /// Whether the header line holds a carriage return that does not end it (libcsv ends the record there).
    private var headerHasCarriageReturn = false
    /// 1-based line where the current record starts.
    public var line: Int { state.rowLines[current] }
    /// Number of data records returned so far.
    public private(set) var recordCount = 0
    /// Bytes read from the input so far (for progress; compressed bytes of a gzip input).
    public var bytesRead: Int { input.consumed }
    /// Total size, when the input is a regular file.
    public let totalBytes: Int?

    private let fd: Int32
    private let ownsDescriptor: Bool
    /// The file's bytes, inflated when they are gzip.
    private let input: InputByteStream
    private var firstChunk = true
    private var parser = csv_parser()
    private let state: CSVParseState
    private var chunk: UnsafeMutableRawPointer
    private static let chunkSize = 1 << 20
    @exclusivity(unchecked) private var current = -1
    @exclusivity(unchecked) private var currentFieldBase = 0
    private var finished = false
    private var first = true

    /// Opens `path` (`-` is standard input) and reads the header unless `hasHeader` is false.
    public init(path: String, hasHeader: Bool = true) throws {
        self.path = path
        state = CSVParseState(limits: try CSVLimits.fromEnvironment())
        if path == "-" {
            fd = 0
            ownsDescriptor = false
        } else {
            fd = open(path, O_RDONLY)
            guard fd >= 0 else {
                throw ToolError(.noInput, "cannot open: \(String(cString: strerror(errno)))", file: path)
            }
            ownsDescriptor = true
            var st = stat()
            if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
                close(fd)
                throw ToolError(.noInput, "is a directory", file: path)
            }
        }
        var st = stat()
        totalBytes = fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? Int(st.st_size) : nil
        input = InputByteStream(fd: fd, path: path)
        chunk = .allocate(byteCount: Self.chunkSize, alignment: 16)
        guard csv_init(&parser, UInt8(CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL)) == 0 else {
            throw ToolError(.software, "cannot initialise the CSV parser")
        }
        // Nothing is trimmed: a field keeps its spaces and tabs (RFC 4180), so an id ' r1 ' is not 'r1' and
        // columns passed through keep their bytes. Numbers still parse with blanks around them.
        csv_set_space_func(&parser, csvNoSpace)
        if hasHeader {
            guard try next(checkWidth: false) else { throw ToolError.data("empty input: no header row", file: path) }
            guard !headerHasCarriageReturn else { throw ToolError.data(headerCarriageReturnMessage, file: path, line: 1) }
            header = (0..<fieldCount).map { string($0) }
            headerFields = (0..<fieldCount).map { Array(field($0)) }
            recordCount = 0
            var seen = [String: Int]()
            for (i, name) in header.enumerated() {
                if let j = seen[name] {
                    throw ToolError.data("duplicate column name \(quoted(name)) (columns \(j + 1) and \(i + 1))", file: path, line: 1)
                }
                seen[name] = i
            }
        }
    }

    deinit {
        csv_free(&parser)
        chunk.deallocate()
        if ownsDescriptor { close(fd) }
    }

    /// Advances to the next record; false at the end of input. Every record must have as many
    /// fields as the header.
    public func next() throws -> Bool { try next(checkWidth: true) }

    private func next(checkWidth: Bool) throws -> Bool {
        current += 1
        while current >= state.completeRows {
            if finished { current = state.completeRows; return false }
            state.discardCompleteRows()
            current = 0
            try fill()
        }
        currentFieldBase = state.rowFirstField[current]
        if first {
            first = false
            // Without a header the first record fixes the width and names the columns 1, 2, ...
            if header.isEmpty && checkWidth { header = (1...max(1, fieldCount)).map { String($0) } }
        }
        if checkWidth, fieldCount != header.count {
            throw ToolError.data("ragged row: expected \(header.count) fields, found \(fieldCount)", file: path, line: line)
        }
        if checkWidth { recordCount += 1 }
        return true
    }

    private func fill() throws {
        let ctx = Unmanaged.passUnretained(state).toOpaque()
        let n = try input.read(into: chunk, count: Self.chunkSize)
        if n == 0 {
            finished = true
            state.checkPartial(pending: parser.entry_pos)
            try checkLimits()
            if csv_fini(&parser, csvFieldCallback, csvRowCallback, ctx) != 0 {
                throw ToolError.data("malformed CSV: \(String(cString: csv_strerror(csv_error(&parser))))", file: path, line: state.currentLine)
            }
            try checkLimits()
            return
        }
        var start = 0
        if firstChunk, n >= 3, chunk.load(as: UInt8.self) == 0xEF,
           chunk.load(fromByteOffset: 1, as: UInt8.self) == 0xBB, chunk.load(fromByteOffset: 2, as: UInt8.self) == 0xBF {
            start = 3  // UTF-8 byte-order mark
        }
        if firstChunk { headerHasCarriageReturn = Self.innerCarriageReturn(UnsafeRawBufferPointer(start: chunk + start, count: n - start)) }
        firstChunk = false
        let parsed = csv_parse(&parser, chunk + start, n - start, csvFieldCallback, csvRowCallback, ctx)
        try checkLimits()
        if parsed != n - start {
            throw ToolError.data("malformed CSV: \(String(cString: csv_strerror(csv_error(&parser))))", file: path, line: state.currentLine)
        }
        // A field libcsv is still gathering counts too, so memory stays within the limits plus one chunk.
        state.checkPartial(pending: parser.entry_pos)
        try checkLimits()
    }

    /// Whether the first line of `bytes` ends in LF and holds a CR before its last byte and no quote: a CRLF
    /// line that an editor extended after the CR (`awk '{ print $0 ",x" }'`). Files whose lines end in CR
    /// alone (no LF in the first chunk) are not flagged.
    static func innerCarriageReturn(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let line = bytes.prefix { $0 != 0x0A }
        guard line.count < bytes.count, !line.contains(0x22), let cr = line.firstIndex(of: 0x0D) else { return false }
        return line.index(after: cr) < line.endIndex
    }

    private func checkLimits() throws {
        if let o = state.overLimit {
            throw ToolError.data("\(o.what) longer than \(o.limit) bytes", file: path, line: o.line)
        }
    }

    /// Number of fields of the current record.
    public var fieldCount: Int { state.rowFirstField[current + 1] - currentFieldBase }

    /// The bytes of field `i` of the current record.
    @inline(__always)
    public func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        let k = currentFieldBase + i
        let starts = state.fieldStarts
        return UnsafeBufferPointer(start: state.bytes + starts[k], count: starts[k + 1] - starts[k])
    }

    public func string(_ i: Int) -> String { String(decoding: field(i), as: UTF8.self) }

    /// Field `i` as a finite Float32, or an error naming line, column and value.
    @inline(__always)
    public func float(_ i: Int) throws -> Float {
        try numericField(field(i), column: header[i], path: path, line: line)
    }

    /// Checks that fields `columns` of the current record are finite numbers, as `float` would,
    /// without converting plain digit strings (the common case of counts and pixels).
    @inline(__always)
    public func checkNumbers(_ columns: [Int]) throws {
        let starts = state.fieldStarts
        let bytes = state.bytes
        for i in columns {
            let k = currentFieldBase + i
            var j = starts[k]
            let end = starts[k + 1]
            if end > j, end - j <= 9 {
                while j < end, bytes[j] &- 0x30 < 10 { j += 1 }
                if j == end { continue }
            }
            _ = try float(i)
        }
    }

}
