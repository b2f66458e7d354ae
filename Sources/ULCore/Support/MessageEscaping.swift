/// Values quoted in messages (ids, labels, column names, field values) come from files: written as they are,
/// an escape sequence or a newline in an id would reach the terminal or forge a line of the log. They are
/// escaped (control bytes as `\n`, `\r`, `\t` or `\xNN`, a backslash as `\\`, bytes that are not UTF-8 as
/// `\xNN`) and cut after `limit` characters with a note of the full length: `abc… (1048576 bytes)`.
public func escapedForMessage(_ value: some StringProtocol, limit: Int = messageValueLimit) -> String {
    let (text, total) = escapedParts(value, limit: limit)
    return total.map { text + "… (\($0) bytes)" } ?? text
}

/// The escaped, cut text and, when it was cut, the value's full length in bytes.
public func escapedParts(_ value: some StringProtocol, limit: Int = messageValueLimit) -> (text: String, cutFrom: Int?) {
    var copy = String(value)
    return copy.withUTF8 { escapedParts($0, limit: limit) }
}

/// Characters of a quoted value kept in a message before it is cut.
public let messageValueLimit = 80

/// The bytes of a value as `escapedForMessage(_:limit:)` shows them, and their count when they were cut.
public func escapedParts(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int = messageValueLimit) -> (text: String, cutFrom: Int?) {
    var out = ""
    var shown = 0
    var cut = false
    func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return "\\x" + String(digits[Int(b >> 4)]) + String(digits[Int(b & 15)])
    }
    var parser = Unicode.UTF8.ForwardParser()
    var iterator = bytes.makeIterator()
    var position = 0
    loop: while shown < limit {
        let piece: String
        switch parser.parseScalar(from: &iterator) {
        case .valid(let encoded):
            let scalar = Unicode.UTF8.decode(encoded)
            position += encoded.count
            switch scalar.value {
            case 0x0A: piece = "\\n"
            case 0x0D: piece = "\\r"
            case 0x09: piece = "\\t"
            case 0x5C: piece = "\\\\"
            case 0..<0x20, 0x7F: piece = hex(UInt8(scalar.value))
            // C1 controls (a terminal may read U+009B as CSI), bidirectional overrides and isolates.
            case 0x80..<0xA0, 0x202A...0x202E, 0x2066...0x2069: piece = encoded.map(hex).joined()
            default: piece = String(Character(scalar))
            }
        case .error(let length):
            piece = bytes[position..<position + length].map(hex).joined()
            position += length
        case .emptyInput:
            break loop
        }
        out += piece
        shown += 1
    }
    if position < bytes.count { cut = true }
    return (out, cut ? bytes.count : nil)
}

/// A value in single quotes as messages show it: `'abc'`, `'a\x1b[2Jb\n'`, `'aaa…' (1048576 bytes)`.
public func quotedForMessage(_ value: some StringProtocol) -> String { quote(escapedParts(value)) }

/// The bytes of a field in single quotes as messages show them (bytes that are not UTF-8 as `\xNN`).
public func quotedForMessage(_ bytes: UnsafeBufferPointer<UInt8>) -> String { quote(escapedParts(bytes)) }

private func quote(_ parts: (text: String, cutFrom: Int?)) -> String {
    guard let total = parts.cutFrom else { return "'" + parts.text + "'" }
    return "'" + parts.text + "…' (\(total) bytes)"
}
