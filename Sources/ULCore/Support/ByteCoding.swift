/// Little-endian binary encoding of the model file's section payloads.
public struct ByteWriter {
    public private(set) var bytes: [UInt8] = []
    public init() {}

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { append(v) }
    public mutating func u32(_ v: UInt32) { append(v) }
    public mutating func u64(_ v: UInt64) { append(v) }
    public mutating func i64(_ v: Int64) { append(v) }
    public mutating func int(_ v: Int) { append(Int64(v)) }
    public mutating func f32(_ v: Float) { append(v.bitPattern) }
    public mutating func f64(_ v: Double) { append(v.bitPattern) }
    public mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }

    /// A string as a u32 byte length and its UTF-8 bytes.
    public mutating func string(_ s: String) {
        u32(UInt32(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }
    public mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }
    /// A byte array as a u64 length and its bytes.
    public mutating func blob(_ b: [UInt8]) {
        u64(UInt64(b.count))
        bytes.append(contentsOf: b)
    }
    public mutating func strings(_ a: [String]) {
        u64(UInt64(a.count))
        for s in a { string(s) }
    }
    public mutating func floats(_ a: [Float]) {
        u64(UInt64(a.count))
        a.withUnsafeBytes { raw in
            if isLittleEndianHost { bytes.append(contentsOf: raw) } else { for v in a { f32(v) } }
        }
    }
    public mutating func doubles(_ a: [Double]) {
        u64(UInt64(a.count))
        a.withUnsafeBytes { raw in
            if isLittleEndianHost { bytes.append(contentsOf: raw) } else { for v in a { f64(v) } }
        }
    }
    public mutating func ints(_ a: [Int]) {
        u64(UInt64(a.count))
        for v in a { int(v) }
    }

    private mutating func append<T: FixedWidthInteger>(_ v: T) {
        var le = v.littleEndian
        withUnsafeBytes(of: &le) { bytes.append(contentsOf: $0) }
    }
}

let isLittleEndianHost = 1.littleEndian == 1

/// Errors of decoding a payload; the container turns them into `ModelFileError.corrupt`.
public enum ByteReaderError: Error, Equatable, CustomStringConvertible {
    /// The payload ends before the value that was being read.
    case truncated(at: Int)
    /// A length or a value is impossible (say, a string that is not UTF-8).
    case invalid(String)

    public var description: String {
        switch self {
        case let .truncated(at): return "the section ends at byte \(at), before the value being read"
        case let .invalid(why): return "impossible value: \(why)"
        }
    }
}

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

    public mutating func u8() throws -> UInt8 { try need(1); defer { offset += 1 }; return bytes[offset] }
    public mutating func u16() throws -> UInt16 { try read() }
    public mutating func u32() throws -> UInt32 { try read() }
    public mutating func u64() throws -> UInt64 { try read() }
    public mutating func i64() throws -> Int64 { try read() }
    public mutating func int() throws -> Int { Int(try i64()) }
    public mutating func f32() throws -> Float { Float(bitPattern: try read()) }
    public mutating func f64() throws -> Double { Double(bitPattern: try read()) }
    public mutating func bool() throws -> Bool {
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
        guard let s = String(validating: bytes[offset..<offset + n], as: UTF8.self) else {
            throw ByteReaderError.invalid("string is not UTF-8")
        }
        return s
    }
    public mutating func raw(_ n: Int) throws -> [UInt8] {
        try need(n)
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }
    public mutating func blob() throws -> [UInt8] { try raw(try count(elementSize: 1)) }
    public mutating func strings() throws -> [String] {
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
    public mutating func doubles() throws -> [Double] {
        let n = try count(elementSize: 8)
        if isLittleEndianHost { return bulk(n) }
        var out = [Double](repeating: 0, count: n)
        for i in 0..<n { out[i] = try f64() }
        return out
    }
    public mutating func ints() throws -> [Int] {
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
