import CCSV
import Foundation

/// libcsv callbacks. They are plain global functions (not closures in main.swift, which Swift 6
/// would isolate to the main actor); the parser state arrives through libcsv's `void *` argument.
func csvFieldCallback(_ data: UnsafeMutableRawPointer?, _ length: Int, _ context: UnsafeMutableRawPointer?) {
    let state = Unmanaged<CSVParseState>.fromOpaque(context!).takeUnretainedValue()
    state.appendField(data, length)
}

func csvRowCallback(_ terminator: Int32, _ context: UnsafeMutableRawPointer?) {
    let state = Unmanaged<CSVParseState>.fromOpaque(context!).takeUnretainedValue()
    state.endRow()
}

/// Complete rows parsed from the chunks seen so far: field bytes back to back, with offsets.
final class CSVParseState {
    var bytes: UnsafeMutablePointer<UInt8>
    var capacity: Int
    var used = 0
    /// Start offset of every field, plus one past the last byte of the last complete field.
    var fieldStarts: [Int] = []
    /// Index into `fieldStarts` of each complete row's first field, plus the end.
    var rowFirstField: [Int] = [0]
    /// 1-based line of each complete row's start.
    var rowLines: [Int] = []
    /// Line where the row being parsed started, and newlines seen since.
    var currentLine = 1
    var newlinesInRow = 0

    init() {
        capacity = 1 << 16
        bytes = .allocate(capacity: capacity)
    }
    deinit { bytes.deallocate() }

    @inline(__always)
    func appendField(_ data: UnsafeMutableRawPointer?, _ length: Int) {
        if used + length > capacity {
            var c = capacity * 2
            while c < used + length { c *= 2 }
            let nb = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
            nb.update(from: bytes, count: used)
            bytes.deallocate()
            bytes = nb
            capacity = c
        }
        fieldStarts.append(used)
        if length > 0, let d = data {
            (bytes + used).update(from: d.assumingMemoryBound(to: UInt8.self), count: length)
            if memchr(d, 0x0A, length) != nil {
                for j in 0..<length where bytes[used + j] == 0x0A { newlinesInRow += 1 }
            }
        }
        used += length
    }

    @inline(__always)
    func endRow() {
        rowLines.append(currentLine)
        currentLine += 1 + newlinesInRow
        newlinesInRow = 0
        rowFirstField.append(fieldStarts.count)
    }

    var completeRows: Int { rowLines.count }

    /// Drops the complete rows, keeping the fields of a row still being parsed.
    func discardCompleteRows() {
        let keepFrom = rowFirstField.last!
        if keepFrom < fieldStarts.count {
            let byteStart = fieldStarts[keepFrom]
            let tail = used - byteStart
            if byteStart > 0 { bytes.update(from: bytes + byteStart, count: tail) }
            fieldStarts = fieldStarts[keepFrom...].map { $0 - byteStart }
            used = tail
        } else {
            fieldStarts.removeAll(keepingCapacity: true)
            used = 0
        }
        rowFirstField = [0]
        rowLines.removeAll(keepingCapacity: true)
    }
}
