/// Reads what `ByteWriter` wrote, refusing to read past the end.
public struct ByteReader {
    public let bytes: [UInt8]
    public private(set) var offset: Int
    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }
    public var atEnd: Bool { offset == bytes.count }
    public var remaining: Int { bytes.count - offset }

    mutating func u8() throws -> UInt8 { try need(1); defer { offset += 1 }; return bytes[offset] }
    mutating func u32() throws -> UInt32 { try read() }
    mutating func u64() throws -> UInt64 { try read() }
    mutating func i64() throws -> Int64 { try read() }
    public mutating func int() throws -> Int { Int(try i64()) }
    mutating func f32() throws -> Float { Float(bitPattern: try read()) }
    mutating func f64() throws -> Double { Double(bitPattern: try read()) }
    mutating func bool() throws -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        case let v: throw ByteReaderError.invalid("boolean byte \(v)")
        }
    }
    public mutating func string() throws -> String {
        let n = Int(try u32())
        try need(n)
        defer { offset += n }
        // Validated from contiguous memory: an array slice would take the standard library's slow generic path.
        let start = offset
        guard let s = bytes.withUnsafeBufferPointer({ String(validating: UnsafeBufferPointer(rebasing: $0[start..<start + n]), as: UTF8.self) }) else {
            throw ByteReaderError.invalid("string is not UTF-8")
        }
        return s
    }
    public mutating func raw(_ n: Int) throws -> [UInt8] {
        try need(n)
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }
    mutating func strings() throws -> [String] {
        let n = try count(elementSize: 4)
        var out = [String]()
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try string()) }
        return out
    }
    public mutating func floats() throws -> [Float] {
        let n = try count(elementSize: 4)
        if isLittleEndianHost { return bulk(n) }
        var out = [Float](repeating: 0, count: n)
        for i in 0..<n { out[i] = try f32() }
        return out
    }
    mutating func doubles() throws -> [Double] {
        let n = try count(elementSize: 8)
        if isLittleEndianHost { return bulk(n) }
        var out = [Double](repeating: 0, count: n)
        for i in 0..<n { out[i] = try f64() }
        return out
    }
    mutating func ints() throws -> [Int] {
        let n = try count(elementSize: 8)
        var out = [Int](repeating: 0, count: n)
        for i in 0..<n { out[i] = try int() }
        return out
    }

    /// An element count that cannot exceed what is left to read.
    private mutating func count(elementSize: Int) throws -> Int {
        let n = try u64()
        guard n <= UInt64(remaining / elementSize) else { throw ByteReaderError.truncated(at: offset) }
        return Int(n)
    }
    /// `n` values copied as they lie (little-endian host; `count(elementSize:)` checked the length). The
    /// element-wise loop costs seconds on a stored Hessian factor of hundreds of megabytes.
    private mutating func bulk<T>(_ n: Int) -> [T] {
        let size = n * MemoryLayout<T>.stride
        let out = [T](unsafeUninitializedCapacity: n) { buffer, initialized in
            bytes.withUnsafeBytes { src in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<offset + size]))
            }
            initialized = n
        }
        offset += size
        return out
    }
    private func need(_ n: Int) throws {
        guard n >= 0, n <= bytes.count - offset else { throw ByteReaderError.truncated(at: offset) }
    }
    private mutating func read<T: FixedWidthInteger>() throws -> T {
        let size = MemoryLayout<T>.size
        try need(size)
        var v: T = 0
        for i in 0..<size { v |= T(truncatingIfNeeded: bytes[offset + i]) << (8 * i) }
        offset += size
        return v
    }
}
