import CZlib
import Foundation

/// Compresses a stream into one gzip member through zlib (default level, no file name, time 0, so the
/// same bytes in give the same bytes out). `OutputFile` uses it for outputs named `*.csv.gz`.
final class GzipDeflater {
    private var stream = z_stream()
    private let out: UnsafeMutablePointer<UInt8>
    private static let outSize = 1 << 18

    init() throws {
        out = .allocate(capacity: Self.outSize)
        // 15 + 16: the largest window with a gzip header and trailer.
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            out.deallocate()
            throw ToolError(.software, "cannot initialise zlib")
        }
    }

    deinit {
        deflateEnd(&stream)
        out.deallocate()
    }

    /// Compresses `count` bytes at `p`, handing every full output buffer to `emit`.
    func compress(_ p: UnsafeRawPointer, _ count: Int, emit: (UnsafeRawPointer, Int) throws -> Void) throws {
        var done = 0
        while done < count {
            let n = min(count - done, Int(UInt32.max))
            stream.next_in = UnsafeMutablePointer(mutating: (p + done).assumingMemoryBound(to: UInt8.self))
            stream.avail_in = UInt32(n)
            try run(Z_NO_FLUSH, emit: emit)
            done += n
        }
    }

    /// Writes the rest and the trailer (CRC-32 and length).
    func finish(emit: (UnsafeRawPointer, Int) throws -> Void) throws {
        stream.next_in = nil
        stream.avail_in = 0
        try run(Z_FINISH, emit: emit)
    }

    private func run(_ flush: Int32, emit: (UnsafeRawPointer, Int) throws -> Void) throws {
        while true {
            stream.next_out = out
            stream.avail_out = UInt32(Self.outSize)
            let status = deflate(&stream, flush)
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw ToolError(.software, "zlib deflate failed (\(status))")
            }
            let produced = Self.outSize - Int(stream.avail_out)
            if produced > 0 { try emit(out, produced) }
            // Done when zlib has taken all the input and had output room to spare (or ended the stream).
            if flush == Z_FINISH ? status == Z_STREAM_END : (stream.avail_in == 0 && stream.avail_out > 0) { return }
        }
    }
}
