import Foundation
import XCTest
import ULCLI
@testable import ULCore
import ULTestSupport

/// Crafted model files of a few kilobytes that declare enormous work: shard and block counts, network
/// widths, epochs, checkpoint row counts, many or duplicate sections. Each must be refused with a
/// `ModelFileError` by the decoder before it allocates or computes anything proportional to the declared
/// counts; the work is bounded by construction (no timing assertions): a decoder that trusted a count would
/// allocate terabytes or trap here instead of throwing.
final class ModelBombTests: XCTestCase {
    /// A model of `config` over `features` and `labels`, every held shard with `blocks(shard)` records.
    func bytes(_ config: TrainConfig, labels: [String] = ["a", "b"], features: [String] = ["x", "y"],
               held: [Int] = [0], parameters: (Int) -> [Double]) throws -> [UInt8] {
        let shards = held.map { s in
            ShardRecord(index: s, standardization: nil, blocks: (0..<config.blockCount).map { b in
                BlockRecord(ids: ["r\(s)-\(b)"], digest: SHA256Digest.hash(Array("\(s)\(b)".utf8)), parameters: parameters(b))
            })
        }
        var model = ModelFile(config: config, labels: labels, features: features, shards: shards)
        model.config = config
        model.config.heldShards = held
        return try model.encode()
    }

    /// The error decoding `bytes` gives; fails the test when it decodes.
    func refusal(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> ModelFileError? {
        do {
            _ = try ModelFile.decode(try ModelContainerReader(source: bytes))
            XCTFail("decoded a crafted model", file: file, line: line)
            return nil
        } catch let e as ModelFileError {
            return e
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return nil
        }
    }

    func softmaxParameters(_: Int) -> [Double] { [Double](repeating: 0.5, count: 3 * 2) }

    func testSeedDecodes() throws {
        let b = try bytes(TrainConfig(kind: .softmax), parameters: softmaxParameters)
        XCTAssertNoThrow(try ModelFile.decode(try ModelContainerReader(source: b)))
    }

    /// A part file holding shard 0 of 4×10⁸, 2⁴⁰ or 2⁶² shards: `isComplete` used to build the list of
    /// every shard index (3 GB, an abort, a crash).
    func testHugeShardCountIsRefused() throws {
        for count in [400_000_000, 1 << 40, 1 << 62, Int.max] {
            var c = TrainConfig(kind: .softmax)
            c.shardCount = count
            guard case .malformedSection("config", _)? = refusal(try bytes(c, parameters: softmaxParameters)) else {
                return XCTFail("shard count \(count) not refused as a malformed config")
            }
        }
    }

    func testHugeBlockCountIsRefused() throws {
        var c = TrainConfig(kind: .softmax)
        c.blockCount = 1
        var b = try bytes(c, parameters: softmaxParameters)
        // Within the configuration's bound but not the bytes: 2²⁰ block records in a section of one.
        c.blockCount = TrainConfig.maxBlocks
        var w = ByteWriter()
        c.encode(into: &w)
        let sections = try ModelContainer.decode(b).map { $0.tag == "config" ? ModelSection(tag: "config", payload: w.bytes) : $0 }
        b = try ModelContainer.encode(sections)
        guard case .malformedSection("shard0000", let why)? = refusal(b) else { return XCTFail("not refused for its shard section") }
        XCTAssertTrue(why.contains("cannot fit"), why)
        c.blockCount = 1 << 40
        XCTAssertEqual(refusal(try bytes(c, held: [], parameters: softmaxParameters)).map(\.isMalformedConfig), true)
    }

    /// An mlp of epochs 10¹² kept ul-forget retraining for ever.
    func testUnboundedEpochsAreRefused() throws {
        var c = TrainConfig(kind: .mlp, hidden: [2])
        c.epochs = 1_000_000_000_000
        XCTAssertEqual(refusal(try bytes(c, held: [], parameters: { _ in [] })).map(\.isMalformedConfig), true)
    }

    /// Epochs within their bound over rows that make the retraining endless: refused by the work it implies
    /// (row-epochs), while the same epochs over few rows decode.
    func testWorkOfEpochsTimesRowsIsBounded() throws {
        var c = TrainConfig(kind: .softmax)
        c.epochs = TrainConfig.maxEpochs
        c.shardCount = 1
        c.blockCount = 1
        func model(rows: Int) throws -> [UInt8] {
            let block = BlockRecord(ids: (0..<rows).map { "r\($0)" }, digest: SHA256Digest.hash([1]), parameters: softmaxParameters(0))
            var m = ModelFile(config: c, labels: ["a", "b"], features: ["x", "y"],
                              shards: [ShardRecord(index: 0, standardization: nil, blocks: [block])])
            m.config.heldShards = [0]
            return try m.encode()
        }
        XCTAssertEqual(refusal(try model(rows: 200_000)).map(\.isMalformedConfig), true)
        XCTAssertNoThrow(try ModelFile.decode(try ModelContainerReader(source: try model(rows: 1_000))))
        XCTAssertEqual(c.rowEpochs(blockRows: [200_000]), 2e11)
    }

    /// One wide layer, and 64 layers whose parameter count passes 2³¹ (or would overflow unchecked).
    func testWideNetworksAreRefused() throws {
        for hidden in [[1 << 20], [Int](repeating: TrainConfig.maxLayerWidth, count: 64), [1 << 40, 1 << 40]] {
            let c = TrainConfig(kind: .mlp, hidden: hidden)
            XCTAssertEqual(refusal(try bytes(c, held: [], parameters: { _ in [] })).map(\.isMalformedConfig), true, "\(hidden.count) layers")
        }
        XCTAssertNil(ModelFile.checkedParameterCount([1 << 40, 1 << 40, 1 << 40]))
        XCTAssertEqual(ModelFile.checkedParameterCount([2, 3, 2]), 3 * 3 + 4 * 2)
    }

    func testOneClassValuesAreBounded() throws {
        for edit in [{ (c: inout TrainConfig) in c.neighbours = 1 << 40 }, { $0.mixtures = 1 << 30 }, { $0.components = 1 << 30 }] {
            var c = TrainConfig(kind: .knn)
            edit(&c)
            XCTAssertEqual(refusal(try bytes(c, labels: ["a"], held: [], parameters: { _ in [] })).map(\.isMalformedConfig), true)
        }
    }

    /// A knn checkpoint declaring 2⁵³ rows of dimension 2048: n·d overflowed (a trap) before the length was
    /// checked. Rows counts beyond 2⁵³ are not exact integers in a checkpoint and are refused as such.
    func testCheckpointProductsCannotTrap() throws {
        let c = TrainConfig(kind: .knn)
        let wide = (0..<2048).map { "f\($0)" }
        for n in [Double(1 << 53), Double(1 << 62), 1e300] {
            let b = try bytes(c, labels: ["a"], features: wide, parameters: { _ in [0, 0, 1, 2048, 1, n, 0.5, 0.5] })
            guard case .malformedSection("shard0000", _)? = refusal(b) else { return XCTFail("knn n = \(n) not refused") }
        }
        // ppca: q below d = 2048, then d·q values that are not there.
        let p = TrainConfig(kind: .ppca)
        let b = try bytes(p, labels: ["a"], features: wide, parameters: { _ in [0, 0, 1, 2048, 2047, 1] })
        guard case .malformedSection("shard0000", _)? = refusal(b) else { return XCTFail("ppca not refused") }
    }

    /// Many sections read in linear time (a table lookup per tag), and a repeated tag refused.
    func testManySectionsAndDuplicateTags() throws {
        let many = (0..<50_000).map { ModelSection(tag: "s\($0)", payload: [UInt8(truncatingIfNeeded: $0)]) }
        let reader = try ModelContainerReader(source: try ModelContainer.encode(many))
        for s in many.suffix(100) { XCTAssertEqual(try reader.decode(s.tag) { try $0.raw(1) }, s.payload) }
        XCTAssertThrowsError(try reader.decode("missing") { _ in () }) { XCTAssertEqual($0 as? ModelFileError, .missingSection("missing")) }

        // "aaab" renamed "aaaa" in the table, checksums recomputed.
        var b = try ModelContainer.encode([ModelSection(tag: "aaaa", payload: [1]), ModelSection(tag: "aaab", payload: [2])])
        b[16 + 48 + 3] = UInt8(ascii: "a")
        FuzzTests.fixChecksums(&b)
        XCTAssertThrowsError(try ModelContainerReader(source: b)) { XCTAssertEqual($0 as? ModelFileError, .duplicateSection("aaaa")) }
        // A tag with a control byte, and one with bytes after its padding.
        for (at, byte) in [(16 + 1, UInt8(0x1b)), (16 + 10, UInt8(ascii: "z"))] {
            var t = try ModelContainer.encode([ModelSection(tag: "aaaa", payload: [1])])
            t[at] = byte
            FuzzTests.fixChecksums(&t)
            XCTAssertThrowsError(try ModelContainerReader(source: t)) {
                guard case .invalidTag? = $0 as? ModelFileError else { return XCTFail("\($0)") }
            }
        }
    }

    func testMessagesEscapeAndCutValues() {
        XCTAssertEqual(quoted("d00001"), "'d00001'")
        XCTAssertEqual(quoted("a\u{1b}[2J\nb\r\tc\\"), "'a\\x1b[2J\\nb\\r\\tc\\\\'")
        XCTAssertEqual(quoted("é\u{9b}\u{202e}"), "'é\\xc2\\x9b\\xe2\\x80\\xae'")
        let long = String(repeating: "x", count: 1_048_576)
        XCTAssertEqual(quoted(long), "'" + String(repeating: "x", count: 80) + "…' (1048576 bytes)")
        XCTAssertEqual(quoted(String(repeating: "y", count: 80)), "'" + String(repeating: "y", count: 80) + "'")
        let invalid: [UInt8] = [0x61, 0xff, 0xc3, 0x62]
        XCTAssertEqual(invalid.withUnsafeBufferPointer { quoted($0) }, "'a\\xff\\xc3b'")
        XCTAssertEqual(RecordMismatch.unrecordedRow(id: "x\ny").description.contains("'x\\ny'"), true)
        XCTAssertEqual(ModelFileError.missingSection("a\u{7}").description, "model file has no section 'a\\x07'")
        // Paths: escaped, unquoted, cut only beyond PATH_MAX.
        XCTAssertEqual(displayName("-"), "<stdin>")
        XCTAssertEqual(displayName("dir/m\n\u{1b}[2J.ulm"), "dir/m\\n\\x1b[2J.ulm")
        let deep = String(repeating: "d/", count: 1000) + "m.ulm"
        XCTAssertEqual(displayName(deep), deep)
        XCTAssertEqual(displayName(String(repeating: "p", count: 5000)), String(repeating: "p", count: pathMessageLimit) + "… (5000 bytes)")
        XCTAssertEqual(ToolError.data("bad", file: "a\rb", line: 2).description, "a\\rb:2: bad")
    }

    /// A curvature sidecar listing a shard twice (its section cannot be), or more entries than its bytes hold.
    func testCurvatureTableIsChecked() throws {
        func sidecar(_ shards: [Int], count: Int? = nil) -> [UInt8] {
            var w = ByteWriter()
            w.u32(1)
            w.string("cg")
            w.f64(0.5)
            w.int(count ?? shards.count)
            for s in shards { w.int(s); w.raw([UInt8](repeating: 7, count: 32)) }
            var d = ByteWriter()
            d.u8(1)
            d.int(1)
            d.doubles([2])
            return Mutator.container([(Array("curvature".utf8), w.bytes), (Array("curve0001".utf8), d.bytes)])
        }
        XCTAssertEqual(try CurvatureStore(try ModelContainerReader(source: sidecar([1]))).keys.map(\.shard), [1])
        for bad in [sidecar([1, 1]), sidecar([-1]), sidecar([1], count: 2), sidecar([1], count: 1 << 40)] {
            XCTAssertThrowsError(try CurvatureStore(try ModelContainerReader(source: bad))) {
                guard case .malformedSection("curvature", _)? = $0 as? ModelFileError else { return XCTFail("\($0)") }
            }
        }
    }
}

extension ModelFileError {
    var isMalformedConfig: Bool {
        if case .malformedSection("config", _) = self { return true }
        return false
    }
}
