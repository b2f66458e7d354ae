/// Random access to bytes: a file (in the CLI module) or an array in memory.
public protocol ByteSource {
    var size: Int { get }
    func read(offset: Int, count: Int) throws -> [UInt8]
    /// Calls `body` with the bytes in place where the source can (a mapped file), else with a copy.
    func withBytes<T>(offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T
    /// The bytes for as long as the returned region lives: mapped where the source can, else a copy.
    func region(offset: Int, count: Int) throws -> ByteRegion
}

extension ByteSource {
    public func withBytes<T>(offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        try read(offset: offset, count: count).withUnsafeBytes(body)
    }

    public func region(offset: Int, count: Int) throws -> ByteRegion {
        try withBytes(offset: offset, count: count) { ByteRegion(copying: $0) }
    }
}

extension Array: ByteSource where Element == UInt8 {
    public var size: Int { count }
    public func read(offset: Int, count: Int) throws -> [UInt8] {
        guard offset >= 0, count >= 0, offset + count <= self.count else {
            throw ModelFileError.truncated(expected: offset + count, actual: self.count)
        }
        return Array(self[offset..<offset + count])
    }

    /// The bytes in place: no copy.
    public func withBytes<T>(offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        guard offset >= 0, count >= 0, offset + count <= self.count else {
            throw ModelFileError.truncated(expected: offset + count, actual: self.count)
        }
        return try withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[offset..<offset + count])) }
    }
}
