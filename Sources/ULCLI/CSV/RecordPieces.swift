import CCSV
import Foundation
import ULCore

/// A regular CSV file mapped into memory and cut, after its header, into pieces of about `pieceBytes` that
/// each start and end at a record boundary (a line feed outside quotes), so that the pieces can be parsed
/// at the same time and their rows put back in file order. The cut depends only on the bytes and
/// `pieceBytes`, never on the number of cores.
///
/// nil from `open` when the input cannot be cut this way and must be read as a stream by `CSVReader`:
/// standard input or another non-regular file, gzip, an empty file, a first line that holds a quote or a
/// carriage return other than before its line feed, or a first megabyte without a line feed (lines ending in
/// CR alone).
final class RecordPieces {
    let path: String
    let size: Int
    /// Offset of the first byte after the header record.
    let dataStart: Int
    /// The pieces' byte ranges, in file order, covering `dataStart..<size`.
    let ranges: [Range<Int>]
    private let base: UnsafeMutableRawPointer

    /// Bytes per piece: large enough that a piece's setup is negligible, small enough that a wave of
    /// pieces stays in memory briefly (the features they hold are released as they are merged).
    nonisolated(unsafe) static var pieceBytes = 2 << 20

    static func open(_ path: String, pieceBytes: Int = RecordPieces.pieceBytes) -> RecordPieces? {
        guard path != "-" else { return nil }
        let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 0 else { return nil }
        let size = Int(st.st_size)
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else { return nil }
        let bytes = UnsafePointer(p.assumingMemoryBound(to: UInt8.self))
        let gzip = size >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
        var start = 0
        if size >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
        let headerEnd = memchr(p + start, 0x0A, min(size, 1 << 20) - start).map { UnsafeRawPointer($0) - UnsafeRawPointer(p) }
        guard !gzip, let headerEnd else {
            munmap(p, size)
            return nil
        }
        let headerBytes = UnsafeBufferPointer(start: bytes + start, count: headerEnd - start)
        let headerCR = headerBytes.firstIndex(of: 0x0D)
        if headerBytes.contains(0x22) || (headerCR != nil && headerCR! != headerBytes.endIndex - 1) {
            munmap(p, size)
            return nil
        }
        return RecordPieces(path: path, base: p, size: size, dataStart: headerEnd + 1, pieceBytes: pieceBytes)
    }

    private init(path: String, base: UnsafeMutableRawPointer, size: Int, dataStart: Int, pieceBytes: Int) {
        self.path = path
        self.base = base
        self.size = size
        self.dataStart = dataStart
        ranges = Self.cut(UnsafePointer(base.assumingMemoryBound(to: UInt8.self)), from: dataStart, to: size, every: pieceBytes)
    }

    deinit { munmap(base, size) }

    /// Boundaries: from each multiple of `every` past the previous boundary, the next line feed with an even
    /// number of quotes since `from`. RFC 4180 doubles a quote inside a quoted field, so an even count
    /// means outside quotes; a malformed quote can misplace a cut, but libcsv (strict) then fails on the
    /// piece that holds it and the caller reads the file again as a stream.
    static func cut(_ bytes: UnsafePointer<UInt8>, from: Int, to end: Int, every: Int) -> [Range<Int>] {
        var ranges = [Range<Int>]()
        var start = from, scanned = from
        var insideQuotes = false
        while start < end {
            insideQuotes = parity(bytes, scanned, min(end, start + every), insideQuotes)
            scanned = min(end, start + every)
            var cutAt = end
            while scanned < end {
                let lineFeed = memchr(bytes + scanned, 0x0A, end - scanned).map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - bytes } ?? end
                insideQuotes = parity(bytes, scanned, lineFeed, insideQuotes)
                scanned = min(end, lineFeed + 1)
                if lineFeed < end, !insideQuotes {
                    cutAt = lineFeed + 1
                    break
                }
            }
            ranges.append(start..<cutAt)
            start = cutAt
            // The scan touched these pages; parsing maps them again from the page cache.
            giveBack(UnsafeMutableRawPointer(mutating: bytes), from: ranges.last!.lowerBound, to: cutAt)
        }
        return ranges
    }

    /// Toggles `inside` once per quote in `bytes[from..<to]`.
    private static func parity(_ bytes: UnsafePointer<UInt8>, _ from: Int, _ to: Int, _ inside: Bool) -> Bool {
        var inside = inside
        var i = from
        while i < to, let q = memchr(bytes + i, 0x22, to - i) {
            inside.toggle()
            i = UnsafePointer(q.assumingMemoryBound(to: UInt8.self)) - bytes + 1
        }
        return inside
    }

    /// The records of piece `k`.
    func records(_ k: Int, width: Int) throws -> PieceRecords {
        try PieceRecords(base: UnsafePointer(base.assumingMemoryBound(to: UInt8.self)), range: ranges[k], width: width)
    }

    /// Reads every piece, a wave of `wave` pieces at a time: `parse(place, records)` runs for each piece of the
    /// wave on up to `workers` threads (`place`, the piece's position in its wave, lets a caller reuse one
    /// buffer per place: fresh ones would be paged in again for every wave), then `merge(pieces)` takes the
    /// wave's pieces in file order on the calling thread. Merged pieces' pages are given back. The first error
    /// in file order is rethrown.
    func readInWaves(width: Int, workers: Int, wave: Int = 4, progress: Progress?,
                     parse: (_ place: Int, _ records: PieceRecords) throws -> Void,
                     merge: (_ pieces: Range<Int>) throws -> Void) throws {
        for first in stride(from: 0, to: ranges.count, by: wave) {
            let pieces = first..<min(ranges.count, first + wave)
            _ = try concurrentMap(Array(pieces), workers: workers) { place, k in
                let records = try self.records(k, width: width)
                try parse(place, records)
            }
            try merge(pieces)
            release(before: pieces.upperBound)
            progress?.update(ranges[pieces.upperBound - 1].upperBound)
        }
    }

    /// Gives back the pages of pieces before `k` (they have been merged).
    func release(before k: Int) {
        let upTo = k < ranges.count ? ranges[k].lowerBound : size
        Self.giveBack(base, from: released, to: upTo)
        released = max(released, upTo)
    }

    /// Offset before which the pages have been given back.
    private var released = 0

    /// Gives the kernel back the whole pages of `from..<to` (offsets into the map at `base`).
    private static func giveBack(_ base: UnsafeMutableRawPointer, from: Int, to: Int) {
        let start = from / page * page, end = to / page * page
        if end > start { madvise(base + start, end - start, MADV_DONTNEED) }
    }
    private static let page = Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// The records of one piece of a mapped file. A piece without quotes whose carriage returns all precede a
/// line feed is split at line feeds and commas where it lies, as libcsv would split it; any other piece goes
/// through libcsv (strict, nothing trimmed, as `CSVReader`). A piece whose text libcsv refuses throws; the
/// caller then reads the file as a stream to report the error with its line.
final class PieceRecords {
    private let bytes: UnsafePointer<UInt8>
    /// Fast splitting: the next line's offset and the end.
    @exclusivity(unchecked) private var position: Int
    private let end: Int
    /// Start of each field of the current line, then its end + 1 (room for `width` fields).
    private let bounds: UnsafeMutablePointer<Int>
    private let width: Int
    @exclusivity(unchecked) private(set) var fieldCount = 0
    /// libcsv: the parsed rows (nil on the fast path) and the current one.
    private let parsed: CSVParseState?
    @exclusivity(unchecked) private var row = -1
    private let limits: CSVLimits

    /// `width`: the header's field count; a record with more fields is ragged (only counted).
    init(base: UnsafePointer<UInt8>, range: Range<Int>, width: Int) throws {
        bytes = base
        self.width = width
        bounds = .allocate(capacity: width + 1)
        limits = try CSVLimits.fromEnvironment()
        position = range.lowerBound
        end = range.upperBound
        let piece = UnsafeRawPointer(base + range.lowerBound)
        let quoted = memchr(piece, 0x22, range.count) != nil
        var loneCR = false
        var i = 0
        while !loneCR, i < range.count, let cr = memchr(piece + i, 0x0D, range.count - i) {
            let at = UnsafeRawPointer(cr) - piece
            loneCR = at + 1 == range.count || (piece + at + 1).load(as: UInt8.self) != 0x0A
            i = at + 1
        }
        guard quoted || loneCR else {
            parsed = nil
            return
        }
        let state = CSVParseState(limits: limits)
        var parser = csv_parser()
        guard csv_init(&parser, UInt8(CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL)) == 0 else {
            throw ToolError(.software, "cannot initialise the CSV parser")
        }
        defer { csv_free(&parser) }
        csv_set_space_func(&parser, csvNoSpace)
        let ctx = Unmanaged.passUnretained(state).toOpaque()
        let n = csv_parse(&parser, piece, range.count, csvFieldCallback, csvRowCallback, ctx)
        guard n == range.count, csv_fini(&parser, csvFieldCallback, csvRowCallback, ctx) == 0, state.overLimit == nil else {
            throw PieceError()
        }
        parsed = state
    }

    deinit { bounds.deallocate() }

    /// A piece that must be read again as a stream for its error to be reported.
    struct PieceError: Error {}

    /// Advances to the next record; false at the end of the piece. A field or record over the limits throws,
    /// a record of another width than the header's throws (`PieceError`: the stream reports it).
    func next() throws -> Bool {
        guard try advance() else { return false }
        if fieldCount != width { throw PieceError() }
        return true
    }

    private func advance() throws -> Bool {
        if let parsed {
            row += 1
            guard row < parsed.completeRows else { return false }
            fieldCount = parsed.rowFirstField[row + 1] - parsed.rowFirstField[row]
            return true
        }
        while position < end {
            let start = position
            var lineEnd = memchr(bytes + start, 0x0A, end - start).map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - bytes } ?? end
            position = lineEnd + 1
            if lineEnd > start, bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            if lineEnd == start { continue }
            if lineEnd - start > limits.recordBytes { throw PieceError() }
            // Fields are mostly a few bytes: a byte loop beats a memchr call per field.
            var n = 0
            var f = start
            var j = start
            while j < lineEnd {
                if bytes[j] == 0x2C {
                    if j - f > limits.fieldBytes { throw PieceError() }
                    if n < width { bounds[n] = f }
                    n += 1
                    f = j + 1
                }
                j += 1
            }
            if lineEnd - f > limits.fieldBytes { throw PieceError() }
            if n < width { bounds[n] = f }
            n += 1
            if n <= width { bounds[n] = lineEnd + 1 }
            fieldCount = n
            return true
        }
        return false
    }

    /// The bytes of field `i` of the current record.
    @inline(__always)
    func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        if let parsed {
            let k = parsed.rowFirstField[row] + i
            return UnsafeBufferPointer(start: parsed.bytes + parsed.fieldStarts[k], count: parsed.fieldStarts[k + 1] - parsed.fieldStarts[k])
        }
        return UnsafeBufferPointer(start: bytes + bounds[i], count: bounds[i + 1] - 1 - bounds[i])
    }
}

extension PieceRecords: TrainingRecord {
    /// Errors of a piece are never shown (the file is read again as a stream), so they carry no line.
    var path: String { "" }
    var line: Int { 0 }

    func string(_ i: Int) -> String { String(decoding: field(i), as: UTF8.self) }

    @inline(__always)
    func feature(_ i: Int, column header: [String]) throws -> Float {
        let f = field(i)
        // Up to 7 plain digits (pixels, counts) as parseFloat32's exact fast path reads them.
        if f.count > 0, f.count <= 7 {
            var m: UInt32 = 0
            var digits = true
            for b in f {
                let d = b &- 0x30
                if d >= 10 { digits = false; break }
                m = m &* 10 &+ UInt32(d)
            }
            if digits { return Float(m) }
        }
        // The column's name only when the field is refused (naming it costs a retain per field).
        if let v = parseFloat32(f), v.isFinite { return v }
        return try numericField(f, column: header[i], path: path, line: line)
    }
}
