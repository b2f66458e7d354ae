import Foundation

/// Buffered RFC 4180 writer: a field is quoted only when it holds a comma, a quote, CR or LF.
public final class CSVWriter {
    public let output: OutputFile
    // A raw buffer with unchecked exclusivity: this runs once per field of every row written.
    @exclusivity(unchecked) private var buffer: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var used = 0
    @exclusivity(unchecked) private var capacity: Int
    @exclusivity(unchecked) private var atRowStart = true
    private let flushAt: Int

    /// `bufferSize` bytes are gathered before each write; keep it small when many writers are open.
    public init(_ output: OutputFile, bufferSize: Int = 1 << 20) {
        self.output = output
        flushAt = bufferSize
        capacity = bufferSize + 4096
        buffer = .allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    @inline(__always)
    private func reserve(_ n: Int) {
        guard used + n > capacity else { return }
        var c = capacity * 2
        while c < used + n { c *= 2 }
        let nb = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        nb.update(from: buffer, count: used)
        buffer.deallocate()
        buffer = nb
        capacity = c
    }

    /// Whether a field must be quoted: it holds a comma, a quote, CR or LF.
    @inline(__always)
    static func needsQuotes(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for b in bytes where b == 0x2C || b == 0x22 || b == 0x0A || b == 0x0D { return true }
        return false
    }

    /// Appends a field to `text` as `field` writes it (no separator).
    @inline(__always)
    static func encode(_ bytes: UnsafeBufferPointer<UInt8>, into text: inout [UInt8]) {
        guard needsQuotes(bytes) else {
            text.append(contentsOf: bytes)
            return
        }
        text.append(0x22)
        for b in bytes {
            if b == 0x22 { text.append(0x22) }
            text.append(b)
        }
        text.append(0x22)
    }

    /// Fields already encoded (`encode`, joined by commas) written as the next fields of the row.
    public func encodedFields(_ text: UnsafeBufferPointer<UInt8>) {
        reserve(text.count + 1)
        if atRowStart { atRowStart = false } else { buffer[used] = 0x2C; used += 1 }
        if let base = text.baseAddress { (buffer + used).update(from: base, count: text.count) }
        used += text.count
    }

    public func field(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(2 * bytes.count + 3)
        if atRowStart { atRowStart = false } else { buffer[used] = 0x2C; used += 1 }
        if !Self.needsQuotes(bytes) {
            if let base = bytes.baseAddress { (buffer + used).update(from: base, count: bytes.count) }
            used += bytes.count
            return
        }
        buffer[used] = 0x22
        used += 1
        for b in bytes {
            if b == 0x22 { buffer[used] = 0x22; used += 1 }
            buffer[used] = b
            used += 1
        }
        buffer[used] = 0x22
        used += 1
    }

    public func field(_ s: String) {
        var s = s
        s.withUTF8 { field($0) }
    }

    public func field(_ v: Int) { field(String(v)) }

    /// A number in its shortest round-trip form.
    public func field(_ v: Double) { field(formatNumber(v)) }
    public func field(_ v: Float) { field(formatNumber(Double(v), float: true, value32: v)) }

    public func fields(_ values: [String]) { for v in values { field(v) } }

    /// Fields given as bytes (a header read with `headerFields`, written back unchanged).
    public func fields(_ values: [[UInt8]]) { for v in values { v.withUnsafeBufferPointer { field($0) } } }

    public func endRow() throws {
        reserve(1)
        buffer[used] = 0x0A
        used += 1
        atRowStart = true
        if used >= flushAt { try flush() }
    }

    public func row(_ values: [String]) throws {
        fields(values)
        try endRow()
    }

    public func flush() throws {
        guard used > 0 else { return }
        try output.write(buffer, used)
        used = 0
    }

    /// Flushes and, for a file, renames it into place.
    public func finish() throws {
        try flush()
        try output.commit()
    }
}

/// Shortest text that reads back to the same value; integers without a fraction.
func formatNumber(_ v: Double, float: Bool = false, value32: Float = 0) -> String {
    if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    return float ? "\(value32)" : "\(v)"
}
