import XCTest
@testable import ULCore

final class ContainerTests: XCTestCase {
    func sample() throws -> [UInt8] {
        var w = ByteWriter()
        w.string("softmax")
        w.floats([1.5, -2, 0])
        return try ModelContainer.encode([
            ModelSection(tag: "config", payload: w.bytes),
            ModelSection(tag: "shard0000", payload: [1, 2, 3, 4]),
            ModelSection(tag: "empty", payload: []),
        ])
    }

    func testRoundTrip() throws {
        let bytes = try sample()
        let sections = try ModelContainer.decode(bytes)
        XCTAssertEqual(sections.map(\.tag), ["config", "shard0000", "empty"])
        let reader = try ModelContainerReader(source: bytes)
        let (kind, values) = try reader.decode("config") { r in (try r.string(), try r.floats()) }
        XCTAssertEqual(kind, "softmax")
        XCTAssertEqual(values, [1.5, -2, 0])
        XCTAssertEqual(try reader.payload("shard0000"), [1, 2, 3, 4])
        XCTAssertThrowsError(try reader.payload("nope")) { XCTAssertEqual($0 as? ModelFileError, .missingSection("nope")) }
    }

    /// The layout of ul-model(5), built by hand: magic, version, count, a 48-byte table entry per section
    /// (tag, offset, length, CRC-32, zero, SHA-256 prefix), the header's CRC-32, the payloads.
    func testBytesFollowTheDocumentedLayout() throws {
        let payloads: [(String, [UInt8])] = [("config", Array("softmax".utf8)), ("shard0000", [1, 2, 3, 4]), ("empty", [])]
        var expected = ModelContainer.magic
        func le<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { expected += $0 } }
        le(UInt32(1)); le(UInt32(payloads.count))
        var offset = UInt64(16 + 48 * payloads.count + 4)
        for (tag, p) in payloads {
            expected += Array(tag.utf8) + [UInt8](repeating: 0, count: 16 - tag.utf8.count)
            le(offset); le(UInt64(p.count)); le(crc32Checksum(p)); le(UInt32(0))
            expected += SHA256Digest.hash(p).prefix(8)
            offset += UInt64(p.count)
        }
        le(crc32Checksum(expected))
        for (_, p) in payloads { expected += p }
        XCTAssertEqual(try ModelContainer.encode(payloads.map { ModelSection(tag: $0.0, payload: $0.1) }), expected)
    }

    /// A payload handed out in pieces of any size gives the bytes of the whole payload.
    func testStreamedPiecesGiveTheSameBytes() throws {
        let big = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let sections = [ModelSection(tag: "curvature", payload: [9, 8, 7]), ModelSection(tag: "curve0000", payload: big),
                        ModelSection(tag: "empty", payload: [])]
        let whole = try ModelContainer.encode(sections)
        for size in [1, 3, 64, 999, 5000] {
            let streams = sections.map { s in
                ModelSectionStream(tag: s.tag) { emit in
                    var start = 0
                    while start < s.payload.count {
                        let end = min(s.payload.count, start + size)
                        try s.payload[start..<end].withUnsafeBytes { try emit($0) }
                        start = end
                    }
                }
            }
            var out = [UInt8]()
            var calls = 0
            try ModelContainer.write(streams, to: { out += $0; calls += 1 })
            XCTAssertEqual(out, whole, "pieces of \(size)")
            XCTAssertGreaterThan(calls, 1)
        }
    }

    /// A payload that hands out more bytes when written than when checksummed is refused, not written short.
    func testPayloadThatChangesWhileWrittenIsRefused() {
        var passes = 0
        let stream = ModelSectionStream(tag: "curve0000") { emit in
            passes += 1
            try [UInt8](repeating: 1, count: passes == 1 ? 4 : 5).withUnsafeBytes { try emit($0) }
        }
        XCTAssertThrowsError(try ModelContainer.write([stream], to: { _ in })) {
            XCTAssertEqual($0 as? ModelFileError, .malformedSection("curve0000", "payload changed while written"))
        }
    }

    func testSameInputsSameBytes() throws {
        XCTAssertEqual(try sample(), try sample())
    }

    func testEveryTruncationIsRefused() throws {
        let bytes = try sample()
        for n in 0..<bytes.count {
            let cut = Array(bytes.prefix(n))
            XCTAssertThrowsError(try ModelContainer.decode(cut), "length \(n)") { e in
                guard let e = e as? ModelFileError else { return XCTFail("\(e)") }
                switch e {
                case .truncated, .corruptHeader: break
                case .foreign where n == 0: break
                default: XCTFail("length \(n): \(e)")
                }
            }
        }
    }

    func testEveryFlippedByteIsDetected() throws {
        let bytes = try sample()
        for i in 0..<bytes.count {
            var b = bytes
            b[i] ^= 0x40
            XCTAssertThrowsError(try ModelContainer.decode(b), "byte \(i)")
        }
    }

    func testForeignAndNewer() throws {
        XCTAssertThrowsError(try ModelContainer.decode(Array("id,label\n1,2\n".utf8))) {
            XCTAssertEqual($0 as? ModelFileError, .foreign)
        }
        var b = try sample()
        b[8] = 2  // format version 2
        XCTAssertThrowsError(try ModelContainer.decode(b)) {
            XCTAssertEqual($0 as? ModelFileError, .newerVersion(found: 2, supported: 1))
        }
    }

    func testMalformedPayloadIsNamed() throws {
        let bytes = try ModelContainer.encode([ModelSection(tag: "config", payload: [1, 0])])
        let reader = try ModelContainerReader(source: bytes)
        XCTAssertThrowsError(try reader.decode("config") { try $0.string() }) { e in
            guard case .malformedSection("config", _)? = e as? ModelFileError else { return XCTFail("\(e)") }
        }
    }
}
