import CZlib
import Foundation

/// The bytes of an input file or standard input, read in order: as they are, or inflated through zlib
/// when they begin with the gzip magic (1f 8b), whatever the file is called, so `FILE.csv.gz` and
/// `zcat`-free pipes read alike. Concatenated gzip members are read one after another, as `gzip -d` does.
/// Memory stays one compressed chunk plus zlib's window.
final class InputByteStream {
    let path: String
    private let fd: Int32
    /// Bytes taken from the file so far (compressed ones for gzip), for progress against the file's size.
    private(set) var consumed = 0
    /// Whether the input is gzip; known after the first read.
    private(set) var isGzip = false
    private var started = false
    private var stream = z_stream()
    private var inflating = false
    /// After a member's end: more input starts another member, none is the clean end.
    private var memberEnded = false
    private let raw: UnsafeMutablePointer<UInt8>
    private var rawStart = 0
    private var rawEnd = 0
    private var atEOF = false
    private static let rawSize = 1 << 18

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
        raw = .allocate(capacity: Self.rawSize)
    }

    deinit {
        if inflating { inflateEnd(&stream) }
        raw.deallocate()
    }

    /// Reads from the descriptor into the raw buffer after `rawEnd`; false at its end.
    private func fillRaw() throws -> Bool {
        if rawStart == rawEnd { rawStart = 0; rawEnd = 0 }
        guard !atEOF, rawEnd < Self.rawSize else { return rawEnd > rawStart }
        var n: Int
        repeat { n = Foundation.read(fd, raw + rawEnd, Self.rawSize - rawEnd) } while n < 0 && errno == EINTR
        guard n >= 0 else { throw ToolError(.ioError, "read error: \(String(cString: strerror(errno)))", file: path) }
        if n == 0 { atEOF = true }
        rawEnd += n
        consumed += n
        return n > 0
    }

    /// Reads up to `count` bytes of content into `buffer`; 0 at the end of the input.
    func read(into buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        if !started {
            started = true
            while rawEnd < 2, try fillRaw() {}
            isGzip = rawEnd >= 2 && raw[0] == 0x1F && raw[1] == 0x8B
            if isGzip { try startInflating() }
        }
        if !isGzip {
            if rawStart < rawEnd {
                let n = min(count, rawEnd - rawStart)
                buffer.copyMemory(from: raw + rawStart, byteCount: n)
                rawStart += n
                return n
            }
            guard !atEOF else { return 0 }
            var n: Int
            repeat { n = Foundation.read(fd, buffer, count) } while n < 0 && errno == EINTR
            guard n >= 0 else { throw ToolError(.ioError, "read error: \(String(cString: strerror(errno)))", file: path) }
            if n == 0 { atEOF = true }
            consumed += n
            return n
        }
        return try inflate(into: buffer, count: count)
    }

    private func startInflating() throws {
        // 15 + 16: a gzip header and trailer (CRC-32 and length checked by zlib), the largest window.
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ToolError(.software, "cannot initialise zlib")
        }
        inflating = true
    }

    private func inflate(into buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        while true {
            if rawStart == rawEnd, !(try fillRaw()) {
                guard memberEnded else { throw ToolError.data("gzip: unexpected end of compressed data (truncated file?)", file: path) }
                return 0
            }
            if memberEnded {
                // Another member follows: its own header, its own checks.
                guard inflateReset(&stream) == Z_OK else { throw ToolError(.software, "cannot reset zlib") }
                memberEnded = false
            }
            stream.next_in = raw + rawStart
            stream.avail_in = UInt32(rawEnd - rawStart)
            stream.next_out = buffer.assumingMemoryBound(to: UInt8.self)
            stream.avail_out = UInt32(min(count, Int(UInt32.max)))
            let status = CZlib.inflate(&stream, Z_NO_FLUSH)
            rawStart = rawEnd - Int(stream.avail_in)
            let produced = min(count, Int(UInt32.max)) - Int(stream.avail_out)
            switch status {
            case Z_STREAM_END: memberEnded = true
            case Z_OK, Z_BUF_ERROR: break
            default:
                let why = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                throw ToolError.data("gzip: invalid compressed data (\(why))", file: path)
            }
            if produced > 0 { return produced }
        }
    }
}
