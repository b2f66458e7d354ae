import Foundation

/// Buffered RFC 4180 writer: a field is quoted only when it holds a comma, a quote, CR or LF.
public final class CSVWriter {
    public let output: OutputFile
    private var buffer: [UInt8] = []
    private var atRowStart = true
    private let flushAt: Int

    /// `bufferSize` bytes are gathered before each write; keep it small when many writers are open.
    public init(_ output: OutputFile, bufferSize: Int = 1 << 20) {
        self.output = output
        flushAt = bufferSize
        buffer.reserveCapacity(flushAt + 4096)
    }

    @inline(__always)
    private func separator() {
        if atRowStart { atRowStart = false } else { buffer.append(0x2C) }
    }

    public func field(_ bytes: UnsafeBufferPointer<UInt8>) {
        separator()
        var needsQuotes = false
        for b in bytes where b == 0x2C || b == 0x22 || b == 0x0A || b == 0x0D {
            needsQuotes = true
            break
        }
        if !needsQuotes {
            buffer.append(contentsOf: bytes)
            return
        }
        buffer.append(0x22)
        for b in bytes {
            if b == 0x22 { buffer.append(0x22) }
            buffer.append(b)
        }
        buffer.append(0x22)
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

    public func endRow() throws {
        buffer.append(0x0A)
        atRowStart = true
        if buffer.count >= flushAt { try flush() }
    }

    public func row(_ values: [String]) throws {
        fields(values)
        try endRow()
    }

    public func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try output.write($0.baseAddress!, $0.count) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and, for a file, renames it into place.
    public func finish() throws {
        try flush()
        try output.commit()
    }
}

/// Shortest text that reads back to the same value; integers without a fraction.
public func formatNumber(_ v: Double, float: Bool = false, value32: Float = 0) -> String {
    if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    return float ? "\(value32)" : "\(v)"
}
