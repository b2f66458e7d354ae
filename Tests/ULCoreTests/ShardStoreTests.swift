import XCTest
@testable import ULCore

/// The shard store format (ul-store(5)): rows come back bit for bit, and no change to a file's bytes goes
/// unseen: every single-byte change, every truncation and any appended byte is refused.
final class ShardStoreTests: XCTestCase {
    let ids = ["a", "bb", "row-3", "ü4"]
    let labels = ["cat", "dog", "cat", "bird"]
    let blocks = [0, 2, 1, 2]
    // Values whose bits matter: negative zero, a subnormal, the largest finite Float.
    let features: [Float] = [0, -0.0, 1.5, Float.leastNonzeroMagnitude, 3, Float.greatestFiniteMagnitude, -7.25, 1e-3]

    func encoded() -> [UInt8] {
        let table = ["cat", "dog", "bird"]
        return features.withUnsafeBytes { f in
            ShardStore.encode(shard: 3, idColumn: "id", labelColumn: "label", featureNames: ["x", "y"], labels: table,
                              rowCount: ids.count) { i in
                (Array(ids[i].utf8), table.firstIndex(of: labels[i])!, blocks[i], UnsafeRawBufferPointer(rebasing: f[8 * i ..< 8 * (i + 1)]))
            }
        }
    }

    /// Why `bytes` are refused; nil when they are read.
    func refusal(_ bytes: [UInt8]) -> ShardStoreError? {
        do {
            _ = try bytes.withUnsafeBytes { try ShardStore(bytes: $0) }
            return nil
        } catch {
            return error as? ShardStoreError
        }
    }

    func testRowsComeBackBitForBit() throws {
        let bytes = encoded()
        try bytes.withUnsafeBytes { raw in
            let s = try ShardStore(bytes: raw)
            XCTAssertEqual(s.shard, 3)
            XCTAssertEqual(s.rowCount, 4)
            XCTAssertEqual(s.featureNames, ["x", "y"])
            XCTAssertEqual((0..<4).map(s.id), ids)
            XCTAssertEqual((0..<4).map { s.labels[s.labelIndex($0)] }, labels)
            XCTAssertEqual((0..<4).map(s.block), blocks)
            XCTAssertEqual((0..<4).flatMap { i in (0..<2).map { s.feature(i, $0).bitPattern } }, features.map(\.bitPattern))
        }
        XCTAssertEqual(encoded(), bytes, "the same rows give the same bytes")
    }

    func testEverySingleByteChangeIsRefused() {
        let bytes = encoded()
        for i in bytes.indices {
            var changed = bytes
            changed[i] ^= 0x01
            XCTAssertNotNil(refusal(changed), "a change of byte \(i) went unseen")
        }
    }

    func testTruncationAndAppendedBytesAreRefused() {
        let bytes = encoded()
        for n in 0..<bytes.count {
            XCTAssertNotNil(refusal(Array(bytes.prefix(n))), "a file cut to \(n) bytes was read")
        }
        XCTAssertEqual(refusal(bytes + [0]), .wrongSize(recorded: bytes.count, actual: bytes.count + 1))
        XCTAssertEqual(refusal(Array(bytes.prefix(100))), .wrongSize(recorded: bytes.count, actual: 100))
    }

    func testNewerVersionIsNamed() {
        var bytes = encoded()
        bytes[8] = 2
        XCTAssertEqual(refusal(bytes), .unsupportedVersion(2))
    }
}
