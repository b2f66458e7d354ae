import Foundation

/// Parses a decimal number field to Float32. Plain integers and short decimals take an exact fast
/// path; anything else goes through `strtof`, so results are always correctly rounded.
/// Returns nil for an empty or malformed field; non-finite values are returned as such
/// (callers refuse them with a message naming the value).
public func parseFloat32(_ field: UnsafeBufferPointer<UInt8>) -> Float? {
    var i = 0
    let n = field.count
    // Trim surrounding blanks, which spreadsheets sometimes leave.
    var end = n
    while i < end, field[i] == 0x20 || field[i] == 0x09 { i += 1 }
    while end > i, field[end - 1] == 0x20 || field[end - 1] == 0x09 { end -= 1 }
    guard i < end else { return nil }
    let start = i
    var negative = false
    if field[i] == 0x2D { negative = true; i += 1 } else if field[i] == 0x2B { i += 1 }
    var mantissa: UInt64 = 0
    var digits = 0
    var fractionDigits = 0
    while i < end, field[i] &- 0x30 < 10 {
        mantissa = mantissa &* 10 &+ UInt64(field[i] &- 0x30)
        digits += 1
        i += 1
    }
    if i < end, field[i] == 0x2E {
        i += 1
        while i < end, field[i] &- 0x30 < 10 {
            mantissa = mantissa &* 10 &+ UInt64(field[i] &- 0x30)
            digits += 1
            fractionDigits += 1
            i += 1
        }
    }
    if i == end, digits > 0, digits <= 7, mantissa <= 1 << 24 {
        // Both the mantissa and 10^k are exact in Float, so one division rounds correctly.
        var v = Float(mantissa)
        if fractionDigits > 0 { v /= exactPowersOfTen[fractionDigits] }
        return negative ? -v : v
    }
    return slowParse(UnsafeBufferPointer(rebasing: field[start..<end]))
}

private let exactPowersOfTen: [Float] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10]

private func slowParse(_ field: UnsafeBufferPointer<UInt8>) -> Float? {
    // strtof also reads hexadecimal ("0x10"), which is not a decimal CSV number.
    guard field.count < 512, !field.contains(0x78), !field.contains(0x58) else { return nil }
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: field.count + 1) { buf -> Float? in
        for j in 0..<field.count { buf[j] = CChar(bitPattern: field[j]) }
        buf[field.count] = 0
        var endPtr: UnsafeMutablePointer<CChar>? = nil
        let v = strtof(buf.baseAddress!, &endPtr)
        guard let e = endPtr, e - buf.baseAddress! == field.count else { return nil }
        return v
    }
}

/// Parses a field as a Double (for options and probability columns).
public func parseDouble(_ text: String) -> Double? {
    let t = text.trimmingCharacters(in: .whitespaces)
    guard !t.isEmpty else { return nil }
    return Double(t)
}
