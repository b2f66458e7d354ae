import Foundation

/// Rows of many shards, written as a CSV streams by and read back one shard at a time, so that memory holds
/// the shards being worked on rather than the whole file. The rows go, in per-shard chunks of whole records,
/// to one temporary file that is unlinked as soon as it is created: nothing is left behind on any exit,
/// even `kill -9`, and the kernel frees the space when the descriptor closes.
final class ShardSpill {
    private let fd: Int32
    /// Records not yet written, per shard, and their total size.
    private var buffers: [Int: [UInt8]] = [:]
    private var buffered = 0
    /// Where each shard's chunks lie in the file.
    private var chunks: [Int: [(offset: Int, count: Int)]] = [:]
    private var end = 0
    /// Rows appended per shard.
    private(set) var rowCounts: [Int: Int] = [:]
    /// Buffered bytes (all shards together) that trigger a write.
    nonisolated(unsafe) static var budget = 32 << 20

    /// Creates the file in `directory`.
    init(directory: String) throws {
        var template = Array((directory + "/.ul-spill.\(getpid()).XXXXXX").utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw ToolError(.cantCreate, "cannot create a temporary file: \(String(cString: strerror(errno)))", file: directory)
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    }

    deinit { close(fd) }

    /// Appends one record to `shard`: `encode` adds its bytes.
    func append(shard: Int, _ encode: (inout [UInt8]) -> Void) throws {
        let before = buffers[shard]?.count ?? 0
        encode(&buffers[shard, default: []])
        buffered += buffers[shard]!.count - before
        rowCounts[shard, default: 0] += 1
        if buffered >= Self.budget { try flush() }
    }

    /// Writes every buffered record.
    func flush() throws {
        for shard in buffers.keys.sorted() {
            let bytes = buffers[shard]!
            guard !bytes.isEmpty else { continue }
            var done = 0
            while done < bytes.count {
                let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, bytes.count - done, off_t(end + done)) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw ToolError(.ioError, "cannot write a temporary file: \(String(cString: strerror(errno)))") }
                done += n
            }
            chunks[shard, default: []].append((end, bytes.count))
            end += bytes.count
            buffers[shard]!.removeAll(keepingCapacity: false)
        }
        buffered = 0
    }

    /// Calls `body` with each chunk of `shard`'s records, in the order they were appended. Safe to call from
    /// several threads at once after the last `flush()`.
    func read(shard: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        for c in chunks[shard] ?? [] {
            var bytes = [UInt8](repeating: 0, count: c.count)
            var done = 0
            while done < c.count {
                let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, c.count - done, off_t(c.offset + done)) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw ToolError(.ioError, "cannot read a temporary file: \(String(cString: strerror(errno)))") }
                done += n
            }
            try bytes.withUnsafeBytes { try body($0) }
        }
    }
}

/// Record coding for `ShardSpill`: host byte order, since the file never leaves this process.
extension Array where Element == UInt8 {
    @inline(__always) mutating func appendRaw<T>(_ value: T) {
        Swift.withUnsafeBytes(of: value) { append(contentsOf: $0) }
    }
}
