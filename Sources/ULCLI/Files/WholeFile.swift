import Foundation

/// Writes a whole file atomically (temporary file, fsync, rename).
public func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws {
    let out = try OutputFile(path: path)
    try out.write(bytes)
    try out.commit()
}

/// Reads a whole file (`-` is standard input).
public func readWholeFile(_ path: String) throws -> [UInt8] {
    let fd = path == "-" ? 0 : open(path, O_RDONLY)
    guard fd >= 0 else { throw ToolError(.noInput, "cannot open: \(String(cString: strerror(errno)))", file: path) }
    defer { if fd != 0 { close(fd) } }
    // A regular file is read straight into an array of its size: no growth by doubling, no second copy.
    var st = stat()
    let size = fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? Int(st.st_size) : 0
    var out = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
        while count < size {
            let n = Foundation.read(fd, buffer.baseAddress! + count, size - count)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            count += n
        }
    }
    // Standard input, and a file that grew (or a read error, reported by the loop below).
    var buf = [UInt8](repeating: 0, count: size > 0 ? 1 << 16 : 1 << 20)
    while true {
        let n = buf.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw ToolError(.ioError, "read error: \(String(cString: strerror(errno)))", file: path)
        }
        if n == 0 { break }
        out += buf[0..<n]
    }
    return out
}

/// Writes a whole file atomically from pieces handed to `emit` (temporary file, fsync, rename), so a large
/// file is never held in memory as one array.
public func writeFileAtomically(_ path: String, pieces: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
    let out = try OutputFile(path: path)
    try pieces { piece in if let p = piece.baseAddress { try out.write(p, piece.count) } }
    try out.commit()
}
