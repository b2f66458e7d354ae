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
