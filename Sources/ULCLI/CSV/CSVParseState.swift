import CCSV
import Foundation

/// libcsv callbacks. They are plain global functions (not closures in main.swift, which Swift 6
/// would isolate to the main actor); the parser state arrives through libcsv's `void *` argument,
/// borrowed without retain/release since they run once per field.
func csvFieldCallback(_ data: UnsafeMutableRawPointer?, _ length: Int, _ context: UnsafeMutableRawPointer?) {
    Unmanaged<CSVParseState>.fromOpaque(context!)._withUnsafeGuaranteedRef { $0.appendField(data, length) }
}

/// libcsv's space test: no byte is a space, so nothing is trimmed.
func csvNoSpace(_ c: UInt8) -> Int32 { 0 }

func csvRowCallback(_ terminator: Int32, _ context: UnsafeMutableRawPointer?) {
    Unmanaged<CSVParseState>.fromOpaque(context!)._withUnsafeGuaranteedRef { $0.endRow(terminator) }
}

/// Complete rows parsed from the chunks seen so far: field bytes back to back, with offsets.
/// Raw buffers and unchecked exclusivity: this is the per-field hot path of every tool.
final class CSVParseState {
    @exclusivity(unchecked) var bytes: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) var capacity: Int
    @exclusivity(unchecked) var used = 0
    /// Start offset of every field; `fieldStarts[fieldCount]` is kept equal to `used`.
    @exclusivity(unchecked) var fieldStarts: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) var fieldCapacity: Int
    @exclusivity(unchecked) var fieldCount = 0
    /// Index into `fieldStarts` of each complete row's first field, plus the end.
    @exclusivity(unchecked) var rowFirstField: [Int] = [0]
    /// 1-based line of each complete row's start.
    @exclusivity(unchecked) var rowLines: [Int] = []
    /// Line where the row being parsed started, and newlines seen since.
    @exclusivity(unchecked) var currentLine = 1
    @exclusivity(unchecked) var newlinesInRow = 0
    /// Longest field and record accepted (`CSVLimits`).
    let fieldLimit: Int
    let recordLimit: Int
    /// The first field or record longer than its limit: what, and the line its record starts at.
    @exclusivity(unchecked) var overLimit: (what: String, limit: Int, line: Int)?

    init(limits: CSVLimits = CSVLimits(fieldBytes: .max, recordBytes: .max)) {
        fieldLimit = limits.fieldBytes
        recordLimit = limits.recordBytes
        capacity = 1 << 16
        bytes = .allocate(capacity: capacity)
        fieldCapacity = 1 << 12
        fieldStarts = .allocate(capacity: fieldCapacity + 1)
        fieldStarts[0] = 0
    }
    deinit {
        bytes.deallocate()
        fieldStarts.deallocate()
    }

    @inline(__always)
    func appendField(_ data: UnsafeMutableRawPointer?, _ length: Int) {
        if length > fieldLimit { exceeded("field", fieldLimit) }
        if used + length > capacity { growBytes(used + length) }
        if fieldCount == fieldCapacity { growFields() }
        if length > 0, let d = data {
            let src = d.assumingMemoryBound(to: UInt8.self)
            let dst = bytes + used
            // One pass copies and counts newlines (for line numbers); fields are mostly short.
            var newlines = 0
            var j = 0
            while j < length {
                let b = src[j]
                dst[j] = b
                j += 1
                // A line ends at LF, or at a CR not followed by LF (old Mac files).
                if b <= 0x0D, b == 0x0A || (b == 0x0D && (j == length || src[j] != 0x0A)) { newlines &+= 1 }
            }
            newlinesInRow &+= newlines
        }
        used += length
        fieldCount += 1
        fieldStarts[fieldCount] = used
    }

    private func growBytes(_ needed: Int) {
        var c = capacity * 2
        while c < needed { c *= 2 }
        let nb = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        nb.update(from: bytes, count: used)
        bytes.deallocate()
        bytes = nb
        capacity = c
    }

    private func growFields() {
        let c = fieldCapacity * 2
        let nf = UnsafeMutablePointer<Int>.allocate(capacity: c + 1)
        nf.update(from: fieldStarts, count: fieldCount + 1)
        fieldStarts.deallocate()
        fieldStarts = nf
        fieldCapacity = c
    }

    /// Terminator of the previous record, to pair the CR and LF of a CRLF.
    @exclusivity(unchecked) var lastTerminator: Int32 = -1

    /// The parser runs with CSV_REPALL_NL, so every line end outside a record arrives as an empty
    /// record: blank lines are counted (line numbers stay right) and dropped.
    @inline(__always)
    func endRow(_ terminator: Int32) {
        defer { lastTerminator = terminator }
        if fieldCount == rowFirstField.last! {
            if !(terminator == 0x0A && lastTerminator == 0x0D) { currentLine += 1 }
            newlinesInRow = 0
            return
        }
        if recordBytes(pending: 0) > recordLimit { exceeded("record", recordLimit) }
        rowLines.append(currentLine)
        currentLine += 1 + newlinesInRow
        newlinesInRow = 0
        rowFirstField.append(fieldCount)
    }

    var completeRows: Int { rowLines.count }

    func exceeded(_ what: String, _ limit: Int) {
        if overLimit == nil { overLimit = (what, limit, currentLine) }
    }

    /// Checks the record being parsed, with `pending` bytes of a field libcsv still holds.
    func checkPartial(pending: Int) {
        if pending > fieldLimit { exceeded("field", fieldLimit) }
        if recordBytes(pending: pending) > recordLimit { exceeded("record", recordLimit) }
    }

    /// Length of the record being parsed as MappedCSV counts it: its fields' bytes and one per separator.
    private func recordBytes(pending: Int) -> Int {
        let first = rowFirstField.last!
        let fields = fieldCount - first + (pending > 0 ? 1 : 0)
        return used - fieldStarts[first] + pending + max(0, fields - 1)
    }

    /// Drops the complete rows, keeping the fields of a row still being parsed.
    func discardCompleteRows() {
        let keepFrom = rowFirstField.last!
        let byteStart = fieldStarts[keepFrom]
        let tail = used - byteStart
        if byteStart > 0, tail > 0 { bytes.update(from: bytes + byteStart, count: tail) }
        let keptFields = fieldCount - keepFrom
        for j in 0...keptFields { fieldStarts[j] = fieldStarts[keepFrom + j] - byteStart }
        fieldCount = keptFields
        used = tail
        rowFirstField.removeAll(keepingCapacity: true)
        rowFirstField.append(0)
        rowLines.removeAll(keepingCapacity: true)
    }
}
