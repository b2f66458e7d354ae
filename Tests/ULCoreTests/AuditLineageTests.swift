import XCTest
@testable import ULCore

final class AuditLineageTests: XCTestCase {
    func testDigestEncoding() {
        // Canonical encoding by hand: UInt64 little-endian byte count, then UTF-8, per id.
        var bytes = [UInt8]()
        for id in ["a", "é1", ""] {
            let u = Array(id.utf8)
            bytes += withUnsafeBytes(of: UInt64(u.count).littleEndian, Array.init) + u
        }
        XCTAssertEqual(lineageDigest(["a", "é1", ""]), SHA256Digest.hash(bytes))
        // Order and boundaries matter.
        XCTAssertNotEqual(lineageDigest(["a", "b"]), lineageDigest(["b", "a"]))
        XCTAssertNotEqual(lineageDigest(["ab"]), lineageDigest(["a", "b"]))
        XCTAssertEqual(hexString(lineageDigest([])),
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testForgottenIdsAreFound() {
        let blocks = [
            LineageBlock(shard: 0, block: 0, ids: ["r1", "r2", "r3"], digest: lineageDigest(["r1", "r2", "r3"])),
            LineageBlock(shard: 0, block: 1, ids: ["r4"]),
            LineageBlock(shard: 1, block: 0, ids: ["r5", "r2x", "r6"]),
        ]
        let clean = checkLineage(blocks: blocks, forgotten: ["r7", "R1", "r2 "])
        XCTAssertTrue(clean.ok)
        XCTAssertEqual(clean.remaining, [])
        let dirty = checkLineage(blocks: blocks, forgotten: ["r6", "r2", "r9", "r2"])
        XCTAssertFalse(dirty.ok)
        XCTAssertEqual(dirty.remaining, [LineageFinding(id: "r2", shard: 0, block: 0),
                                         LineageFinding(id: "r6", shard: 1, block: 0)])
        XCTAssertTrue(dirty.digestMismatches.isEmpty)
    }

    func testDigestMismatchIsReported() {
        let blocks = [
            LineageBlock(shard: 2, block: 3, ids: ["a", "b"], digest: lineageDigest(["b", "a"])),
            LineageBlock(shard: 2, block: 4, ids: ["c"], digest: lineageDigest(["c"])),
            LineageBlock(shard: 5, block: 0, ids: [], digest: lineageDigest(["x"])),
        ]
        let r = checkLineage(blocks: blocks, forgotten: [])
        XCTAssertFalse(r.ok)
        XCTAssertEqual(r.remaining, [])
        XCTAssertEqual(r.digestMismatches.map(\.shard), [2, 5])
        XCTAssertEqual(r.digestMismatches.map(\.block), [3, 0])
    }
}
