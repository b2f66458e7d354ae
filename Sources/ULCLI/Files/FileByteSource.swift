import Foundation
import ULCore

/// A model file as random-access bytes, read with pread.
public final class FileByteSource: ByteSource {
    public let path: String
    private let fd: Int32
    public let size: Int

    public init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ToolError(.noInput, "cannot open: \(String(cString: strerror(errno)))", file: path) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw ToolError(.noInput, "not a regular file", file: path)
        }
        size = Int(st.st_size)
    }
    deinit { close(fd) }

    /// Maps the range read-only. Model files are replaced by rename, never rewritten in place, so the
    /// mapping cannot shrink under the reader.
    public func withBytes<T>(offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        guard offset >= 0, count >= 0, offset + count <= size else {
            throw ModelFileError.truncated(expected: offset + count, actual: size)
        }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = offset / page * page, length = offset + count - start
        guard count > 0, let base = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, off_t(start)), base != MAP_FAILED else {
            return try read(offset: offset, count: count).withUnsafeBytes(body)
        }
        defer { munmap(base, length) }
        return try body(UnsafeRawBufferPointer(start: base + (offset - start), count: count))
    }

    /// A read-only map of the range that lives as long as the region (copied where it cannot be mapped).
    public func region(offset: Int, count: Int) throws -> ByteRegion {
        guard offset >= 0, count >= 0, offset + count <= size else {
            throw ModelFileError.truncated(expected: offset + count, actual: size)
        }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = offset / page * page, length = offset + count - start
        guard count > 0, let base = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, off_t(start)), base != MAP_FAILED else {
            return try withBytes(offset: offset, count: count) { ByteRegion(copying: $0) }
        }
        return ByteRegion(bytes: UnsafeRawBufferPointer(start: base + (offset - start), count: count)) { munmap(base, length) }
    }

    public func read(offset: Int, count: Int) throws -> [UInt8] {
        guard offset >= 0, count >= 0, offset + count <= size else {
            throw ModelFileError.truncated(expected: offset + count, actual: size)
        }
        // Uninitialised storage: zero-filling first costs a second pass over a large section.
        var done = 0
        var failure: Error?
        let out = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            while done < count {
                let n = pread(fd, buffer.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    failure = ModelFileError.truncated(expected: offset + count, actual: offset + done)
                    break
                }
                done += n
            }
            initialized = failure == nil ? count : 0
        }
        if let f = failure { throw f }
        return out
    }
}

/// Opens a model file's container, turning container errors into messages that name the file.
public func openModelContainer(_ path: String) throws -> ModelContainerReader {
    let source = try FileByteSource(path: path)
    do {
        return try ModelContainerReader(source: source)
    } catch let e as ModelFileError {
        throw ToolError.data("\(e)", file: path)
    }
}
