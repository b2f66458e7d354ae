/// Little-endian binary encoding of the model file's section payloads.
public struct ByteWriter {
    public private(set) var bytes: [UInt8] = []
    public init() {}

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { append(v) }
    mutating func u64(_ v: UInt64) { append(v) }
    public mutating func int(_ v: Int) { append(Int64(v)) }
    mutating func f32(_ v: Float) { append(v.bitPattern) }
    mutating func f64(_ v: Double) { append(v.bitPattern) }
    mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }

    /// A string as a u32 byte length and its UTF-8 bytes.
    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            u32(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }
    public mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }
    mutating func strings(_ a: [String]) {
        u64(UInt64(a.count))
        for s in a { string(s) }
    }
    public mutating func floats(_ a: [Float]) {
        u64(UInt64(a.count))
        a.withUnsafeBytes { raw in
            if isLittleEndianHost { bytes.append(contentsOf: raw) } else { for v in a { f32(v) } }
        }
    }
    mutating func doubles(_ a: [Double]) {
        u64(UInt64(a.count))
        a.withUnsafeBytes { raw in
            if isLittleEndianHost { bytes.append(contentsOf: raw) } else { for v in a { f64(v) } }
        }
    }
    mutating func ints(_ a: [Int]) {
        u64(UInt64(a.count))
        for v in a { int(v) }
    }

    private mutating func append<T: FixedWidthInteger>(_ v: T) {
        var le = v.littleEndian
        withUnsafeBytes(of: &le) { bytes.append(contentsOf: $0) }
    }
}

let isLittleEndianHost = 1.littleEndian == 1

/// The values of `a` as `ByteWriter.doubles` lays them out (without the count), handed to `emit` from the
/// values' own storage on a little-endian host, through a bounded buffer otherwise.
func emitLittleEndian(_ a: UnsafeBufferPointer<Double>, to emit: (UnsafeRawBufferPointer) throws -> Void) throws {
    if isLittleEndianHost { return try emit(UnsafeRawBufferPointer(a)) }
    var start = 0
    while start < a.count {
        let end = min(a.count, start + 1 << 16)
        let piece = a[start..<end].map { $0.bitPattern.littleEndian }
        try piece.withUnsafeBytes { try emit($0) }
        start = end
    }
}
