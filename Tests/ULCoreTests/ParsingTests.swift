import CZlib
import XCTest
@testable import ULCore

final class ParsingTests: XCTestCase {
    func parse(_ s: String) -> Float? {
        var s = s
        return s.withUTF8 { parseFloat32($0) }
    }

    func testFastPathMatchesStrtof() {
        let cases = ["0", "1", "16", "255", "-3", "+7", "0.5", "0.1", "17.99", "1001.0", "0.07871", "123.4567",
                     "16777216", "16777217", "99999999", "1e3", "2.5E-3", "-0.0", "3.4028235e38", " 12 ", "0.3"]
        for c in cases {
            XCTAssertEqual(parse(c), Float(c.trimmingCharacters(in: .whitespaces)), c)
        }
    }

    func testExhaustiveShortDecimals() {
        for i in 0..<20000 {
            let s = String(format: "%d.%03d", i / 1000, i % 1000)
            XCTAssertEqual(parse(s), Float(s), s)
        }
    }

    func testRejects() {
        for c in ["", "  ", "abc", "1.2.3", "1e", "--1", "0x10", "1,5"] {
            XCTAssertNil(parse(c), c)
        }
        XCTAssertEqual(parse("nan")?.isNaN, true)
        XCTAssertEqual(parse("inf"), .infinity)
    }

    func testStableHashIsStable() {
        // Fixed values: assignments in saved models depend on them never changing.
        XCTAssertEqual(stableHash("d00000", seed: 0), stableHash("d00000", seed: 0))
        XCTAssertNotEqual(stableHash("d00000", seed: 0), stableHash("d00000", seed: 1))
        XCTAssertEqual(hexString(SHA256Digest.hash(Array("abc".utf8))),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(crc32Checksum(Array("123456789".utf8)), 0xCBF4_3926)
    }

    /// The CRC-32 is zlib's, whoever computes it: every length up to 300 bytes and a few larger ones, at every
    /// offset within a cache line, from zero and from other starting values.
    func testCRCEqualsZlibAtEveryLengthAndOffset() {
        var g = SeededGenerator(seed: 11)
        let bytes = (0..<70_000).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        bytes.withUnsafeBytes { raw in
            for length in Array(0...300) + [1_023, 4_096, 65_537] {
                for offset in [0, 1, 7, 63] {
                    let piece = UnsafeRawBufferPointer(rebasing: raw[offset..<offset + length])
                    for start: UInt32 in [0, 0xFFFF_FFFF, 0x1234_5678] {
                        let zlib = crc32(uLong(start), piece.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(length))
                        XCTAssertEqual(UInt64(crc32Continue(start, piece)), UInt64(zlib), "length \(length) offset \(offset) start \(start)")
                    }
                }
            }
        }
    }

    /// A buffer large enough to be checked in two lanes has the CRC-32 of one pass, from any starting value
    /// and for odd lengths (the halves then differ in length).
    func testTwoLaneCRCEqualsOnePass() {
        var g = SeededGenerator(seed: 7)
        let bytes = (0..<(crc32TwoLaneBytes + 12_345)).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        var serial = uLong(0)
        var continued = uLong(0x1234_5678)
        bytes.withUnsafeBufferPointer { b in
            serial = crc32(0, b.baseAddress, uInt(b.count))
            continued = crc32(continued, b.baseAddress, uInt(b.count))
        }
        XCTAssertEqual(UInt64(crc32Checksum(bytes)), UInt64(serial))
        XCTAssertEqual(UInt64(bytes.withUnsafeBytes { crc32Continue(0x1234_5678, $0) }), UInt64(continued))
        XCTAssertEqual(UInt64(crc32Checksum(Array(bytes.dropLast()))), UInt64(crc32(0, Array(bytes.dropLast()), uInt(bytes.count - 1))))
    }
}
