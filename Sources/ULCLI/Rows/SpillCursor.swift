import Foundation

/// Reads the fields of spilled records in order.
struct SpillCursor {
    let bytes: UnsafeRawBufferPointer
    var position = 0
    var atEnd: Bool { position >= bytes.count }
    mutating func raw<T>(_: T.Type) -> T {
        defer { position += MemoryLayout<T>.size }
        return bytes.loadUnaligned(fromByteOffset: position, as: T.self)
    }
    mutating func string() -> String {
        let n = Int(raw(UInt32.self))
        defer { position += n }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position ..< position + n]), as: UTF8.self)
    }
    mutating func floats(into out: inout [Float], count: Int) {
        let n = count * MemoryLayout<Float>.size
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: count))
        let from = bytes.baseAddress! + position
        out.withUnsafeMutableBytes { $0.baseAddress!.advanced(by: start * MemoryLayout<Float>.size).copyMemory(from: from, byteCount: n) }
        position += n
    }
}
