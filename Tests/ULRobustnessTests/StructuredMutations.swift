@testable import ULCore

/// Mutations that know the shape of the inputs: random byte flips rarely land on the few bytes that declare a
/// count, so these aim at them. In a model container (or curvature sidecar): the section count and the table's
/// offsets, lengths and tags, sections duplicated, dropped, multiplied or grown, and inside a payload the
/// integers that look like declared counts (shards, blocks, rows, parameter counts, list lengths: a u64 no
/// larger than the payload; string lengths: a u32 before as many printable bytes; checkpoint counts: a double
/// holding a small whole number), each set to a value at an edge. In a CSV: a line repeated, a field
/// widened, columns added, a number set to an edge.
extension Mutator {
    /// Values at the edges of what a count can be, around `v` and the bytes `remaining`.
    mutating func edgeCount(_ v: UInt64, remaining: Int) -> UInt64 {
        let r = UInt64(max(0, remaining))
        let values: [UInt64] = [
            0, 1, v &- 1, v &+ 1, v &* 2, v &* 1000, r, r / 8, r / 8 + 1, r / 4 + 1, r / 56 + 1, 255, 65_535, 65_536, 1 << 20,
            (1 << 20) + 1, 1 << 24, (1 << 31) - 1, 1 << 31, (1 << 32) - 1, 1 << 32, 1 << 40, 1 << 53, (1 << 53) + 1,
            1 << 62, UInt64(Int64.max), 1 << 63, UInt64.max,
        ]
        return values[below(values.count)]
    }

    mutating func edgeDouble(_ v: Double) -> Double {
        let values: [Double] = [0, -1, -0.0, 0.5, v - 1, v + 1, v * 2, 65_536, 0x1p31, 0x1p53, 0x1p53 + 2, 0x1p62, 1e300,
                                .infinity, -.infinity, .nan]
        return values[below(values.count)]
    }

    /// A structured mutation of a model container; false (nothing done) when `b` is not one.
    mutating func mutateContainer(_ b: inout [UInt8]) -> Bool {
        guard let sections = Self.sections(b), !sections.isEmpty else { return false }
        let count = sections.count
        switch below(12) {
        case 0...4:  // a declared count inside a payload
            let s = below(count)
            var payload = sections[s].payload
            guard mutateDeclaredCount(&payload) else { return false }
            var all = sections
            all[s].payload = payload
            b = Self.container(all)
        case 5:  // the section count
            let v = UInt64(count)
            let values: [UInt64] = [0, v - 1, v + 1, v * 2, (1 << 24) - 1, 1 << 24, (1 << 32) - 1]
            Self.put(UInt32(truncatingIfNeeded: values[below(values.count)]), at: 12, in: &b)
        case 6:  // an offset or a length in the table
            let at = 16 + 48 * below(count) + 16 + 8 * below(2)
            Self.put(edgeCount(Self.u64(b, at), remaining: b.count - at), at: at, in: &b)
        case 7:  // a tag repeated
            guard count > 1 else { return false }
            let from = below(count), to = below(count)
            var all = sections
            all[to].tag = sections[from].tag
            b = Self.container(all)
        case 8:  // a section duplicated, under its own tag or the next shard's
            let s = below(count)
            var copy = sections[s]
            if below(2) == 0 { copy.tag = Array("shard\(1000 + below(9000))".utf8) }
            var all = sections
            all.insert(copy, at: below(count + 1))
            b = Self.container(all)
        case 9:  // a section dropped
            var all = sections
            all.remove(at: below(count))
            b = Self.container(all)
        case 10:  // many sections (each with a table entry of its own)
            let extra = (0..<(1 << below(12))).map { (tag: Array("x\($0)".utf8), payload: [UInt8(truncatingIfNeeded: $0)]) }
            b = Self.container(sections + extra)
        default:  // a payload grown by repeating its tail (more bytes than the counts declare)
            let s = below(count)
            var all = sections
            let tail = Array(all[s].payload.suffix(1 + below(64)))
            for _ in 0..<(1 << below(8)) { all[s].payload += tail }
            b = Self.container(all)
        }
        return true
    }

    /// Sets one integer of `payload` that looks like a declared count (or length, or checkpoint count) to an
    /// edge value; false when none is found.
    mutating func mutateDeclaredCount(_ payload: inout [UInt8]) -> Bool {
        var u64s = [Int](), u32s = [Int](), f64s = [Int]()
        if payload.count >= 8 {
            for at in 0...(payload.count - 8) {
                let v = Self.u64(payload, at)
                if v > 0, v <= UInt64(payload.count) { u64s.append(at) }
                let d = Double(bitPattern: v)
                if d >= 1, d <= 0x1p20, d == d.rounded() { f64s.append(at) }
            }
        }
        if payload.count >= 4 {
            for at in 0...(payload.count - 4) {
                let n = Int(Self.u32(payload, at))
                if n >= 1, n <= 64, at + 4 + n <= payload.count, payload[(at + 4)..<(at + 4 + n)].allSatisfy({ $0 >= 32 && $0 < 127 }) {
                    u32s.append(at)
                }
            }
        }
        switch below(3) {
        case 0 where !u64s.isEmpty:
            let at = u64s[below(u64s.count)]
            Self.put(edgeCount(Self.u64(payload, at), remaining: payload.count - at - 8), at: at, in: &payload)
        case 1 where !u32s.isEmpty:
            let at = u32s[below(u32s.count)]
            let v = edgeCount(UInt64(Self.u32(payload, at)), remaining: payload.count - at - 4)
            Self.put(UInt32(truncatingIfNeeded: v), at: at, in: &payload)
        case 2 where !f64s.isEmpty:
            let at = f64s[below(f64s.count)]
            Self.put(edgeDouble(Double(bitPattern: Self.u64(payload, at))).bitPattern, at: at, in: &payload)
        default:
            guard !u64s.isEmpty else { return false }
            let at = u64s[below(u64s.count)]
            Self.put(edgeCount(Self.u64(payload, at), remaining: payload.count - at - 8), at: at, in: &payload)
        }
        return true
    }

    /// A structured mutation of CSV text: a line repeated, a field widened, columns added, a number at an edge.
    mutating func mutateCSV(_ b: inout [UInt8]) {
        let lineStarts = [0] + b.indices.filter { b[$0] == UInt8(ascii: "\n") }.map { $0 + 1 }.filter { $0 < b.count }
        let start = lineStarts[below(lineStarts.count)]
        let end = b[start...].firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? b.count
        switch below(4) {
        case 0:  // rows: one line many times
            let line = Array(b[start..<end]) + (end == b.count ? [UInt8(ascii: "\n")] : [])
            b.insert(contentsOf: Array([[UInt8]](repeating: line, count: 1 << below(10)).joined()), at: end)
        case 1:  // a field widened
            b.insert(contentsOf: [UInt8](repeating: UInt8(ascii: "7"), count: 1 << below(15)), at: start)
        case 2:  // columns: many separators in one line
            b.insert(contentsOf: [UInt8](repeating: UInt8(ascii: ","), count: 1 << below(14)), at: start)
        default:  // a number at an edge
            let numbers = ["-1", "0", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
                           "99999999999999999999999", "1e308", "1e309", "4294967296", "2147483648"]
            b.insert(contentsOf: Array(numbers[below(numbers.count)].utf8), at: start)
        }
    }

    /// One input with 1 to 3 structured mutations (containers), or one structured and up to 2 byte-level
    /// mutations (CSV).
    mutating func nextStructured() -> [UInt8] {
        var b = seeds[below(seeds.count)]
        if Self.sections(b) != nil {
            for _ in 0...below(3) where !mutateContainer(&b) { mutate(&b) }
        } else {
            mutateCSV(&b)
            for _ in 0..<below(3) { mutate(&b) }
        }
        return b
    }

    // MARK: container bytes

    typealias Section = (tag: [UInt8], payload: [UInt8])

    /// The sections of a container whose table is consistent, or nil.
    static func sections(_ b: [UInt8]) -> [Section]? {
        guard b.count >= 20, Array(b[0..<8]) == ModelContainer.magic else { return nil }
        let count = Int(u64(b, 12) & 0xFFFF_FFFF)
        guard count < 1 << 16, b.count >= 16 + 48 * count + 4 else { return nil }
        var out = [Section]()
        for e in 0..<count {
            let at = 16 + 48 * e
            let offset = u64(b, at + 16), length = u64(b, at + 24)
            guard offset <= UInt64(b.count), length <= UInt64(b.count) - offset else { return nil }
            let tag = Array(b[at..<at + 16]).prefix { $0 != 0 }
            out.append((Array(tag), Array(b[Int(offset)..<Int(offset + length)])))
        }
        return out
    }

    /// A container of `sections` as given (repeated or odd tags too), with consistent offsets and checksums.
    static func container(_ sections: [Section]) -> [UInt8] {
        var w = ByteWriter()
        w.raw(ModelContainer.magic)
        w.u32(ModelContainer.formatVersion)
        w.u32(UInt32(sections.count))
        var offset = UInt64(16 + 48 * sections.count + 4)
        for s in sections {
            w.raw(Array(s.tag.prefix(16)) + [UInt8](repeating: 0, count: 16 - min(16, s.tag.count)))
            w.u64(offset)
            w.u64(UInt64(s.payload.count))
            w.u32(crc32Checksum(s.payload))
            w.u32(0)
            w.raw(Array(SHA256Digest.hash(s.payload).prefix(8)))
            offset += UInt64(s.payload.count)
        }
        w.u32(crc32Checksum(w.bytes))
        return w.bytes + Array(sections.map(\.payload).joined())
    }

    /// Little-endian u64 at `at` (bytes past the end read as zero).
    static func u64(_ b: [UInt8], _ at: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { v, i in at + i < b.count ? v | UInt64(b[at + i]) << (8 * UInt64(i)) : v }
    }

    static func u32(_ b: [UInt8], _ at: Int) -> UInt32 { UInt32(truncatingIfNeeded: u64(Array(b[at..<min(b.count, at + 4)]), 0)) }

    static func put<T: FixedWidthInteger>(_ v: T, at: Int, in b: inout [UInt8]) {
        for i in 0..<MemoryLayout<T>.size where at + i < b.count { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) }
    }
}
