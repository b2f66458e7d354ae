import XCTest
@testable import ULCore

final class IdKeyTests: XCTestCase {
    /// RFC 4231, test case 1: HMAC-SHA-256 with a 20-byte key of 0x0b over "Hi There".
    func testHMACMatchesRFC4231() throws {
        let key = try XCTUnwrap(IdKey(bytes: [UInt8](repeating: 0x0b, count: 20)))
        XCTAssertEqual(key.keyed("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }

    /// RFC 4231, test case 6: a key longer than the block (131 bytes of 0xaa).
    func testLongKeyMatchesRFC4231() throws {
        let key = try XCTUnwrap(IdKey(bytes: [UInt8](repeating: 0xaa, count: 131)))
        XCTAssertEqual(key.keyed("Test Using Larger Than Block-Size Key - Hash Key First"),
                       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    func testShortKeysAreRefusedAndKeysAreDistinguished() throws {
        XCTAssertNil(IdKey(bytes: Array("fifteen bytes..".utf8)))
        let a = try XCTUnwrap(IdKey(bytes: Array("sixteen bytes...".utf8)))
        let b = try XCTUnwrap(IdKey(bytes: Array("sixteen bytes..!".utf8)))
        XCTAssertNotEqual(a.check, b.check)
        XCTAssertNotEqual(a.keyed("r1"), b.keyed("r1"))
        XCTAssertEqual(a.keyed("r1"), a.keyed("r1"))
        XCTAssertNotEqual(a.keyed("r1"), a.keyed("r1 "))
    }

    /// The ledger's keyed digest: order-independent, different for another batch or key, recognised only with the key.
    func testKeyedLedgerDigest() throws {
        let a = try XCTUnwrap(IdKey(bytes: Array("sixteen bytes...".utf8)))
        let b = try XCTUnwrap(IdKey(bytes: Array("sixteen bytes..!".utf8)))
        let d = keyedRequestsDigest(["x", "y"], key: a)
        XCTAssertTrue(d.hasPrefix("hmac:"))
        XCTAssertEqual(d, keyedRequestsDigest(["y", "x"], key: a))
        XCTAssertNotEqual(d, keyedRequestsDigest(["x", "y", "z"], key: a))
        XCTAssertNotEqual(d, keyedRequestsDigest(["x", "y"], key: b))
        let entry = LedgerEntry(time: "t", requestsDigest: d, requestCount: 2, method: "exact", modelBefore: "", modelAfter: "",
                                shardsRetrained: "", rowsRetrained: 0)
        XCTAssertTrue(entry.records(requests: ["y", "x"], key: a))
        XCTAssertFalse(entry.records(requests: ["y", "x"], key: b))
        XCTAssertFalse(entry.records(requests: ["y", "x"]))
    }
}
