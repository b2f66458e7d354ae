import Foundation
import XCTest
import ULCLI
@testable import ULCore
import ULTestSupport

/// Mutated CSV files and model files fed to the CSV reader, the ledger reader and the model decoder:
/// each input must give a value or a typed error (ToolError, ModelFileError), never a crash or a hang.
/// `UL_FUZZ_SECONDS` runs for that long instead of a fixed count (examples/bench/fuzz.sh);
/// `UL_FUZZ_LAST` names a file that holds the input being tried, so a crash leaves it behind.
final class FuzzTests: XCTestCase {
    static let regressions = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("fuzz-regressions")

    var dir: URL!
    override func setUpWithError() throws { dir = try makeWorkDirectory("fuzz") }

    /// Valid CSV inputs: quoted fields with commas, quotes and newlines, CR LF, a byte-order mark,
    /// and the head of the real data sets.
    static func csvSeeds() throws -> [[UInt8]] {
        var seeds = [
            "id,label,a,b\n1,x,0.5,2\n2,y,1e3,-0\n",
            "id,label,a,b\r\n\"1\",\"x, y\",0.5,2\r\n\"2\",\"say \"\"hi\"\"\",3,4\r\n",
            "id,label,a\n\"multi\nline\",x,1\n3,\"a\r\nb\",2\n",
            "\u{FEFF}id,label,a\n1,x,1.5\n",
            "id,label,shard,block,a\n1,x,0,1,7\n2,y,1,0,8\n",
            LedgerEntry.columns.joined(separator: ",") + "\n",
        ].map { Array($0.utf8) }
        for name in ["digits.csv", "breast_cancer.csv"] {
            // The files end lines with CR LF: the head is joined with CR LF again.
            let lines = try exampleLines(name).prefix(4)
            seeds.append(Array((lines.joined(separator: "\r\n") + "\r\n").utf8))
        }
        return seeds
    }

    /// Small valid model files: softmax with standardisation, a two-shard network with hidden layers,
    /// and a part file.
    static func modelSeeds() throws -> [[UInt8]] {
        func model(_ config: TrainConfig, labels: [String], features: [String], held: [Int]) throws -> [UInt8] {
            let learner = config.kind.learner(config: config, featureCount: features.count, classCount: labels.count)
            let shards = held.map { s in
                ShardRecord(index: s, standardization: s == 0 ? FeatureStandardization(mean: features.map { _ in 0.5 }, factor: features.map { _ in 2 }) : nil,
                            blocks: (0..<config.blockCount).map { b in
                                BlockRecord(ids: ["r\(s)\(b)", "q\(s)\(b)"], digest: SHA256Digest.hash(Array("\(s)\(b)".utf8)),
                                            parameters: (0..<learner.parameterCount).map { Double($0) * 0.25 - 1 })
                            })
            }
            return try ModelFile(config: config, labels: labels, features: features, shards: shards).encode()
        }
        var softmax = TrainConfig(kind: .softmax, shardCount: 1, blockCount: 2)
        softmax.standardize = true
        var mlp = TrainConfig(kind: .mlp, hidden: [3, 2], shardCount: 2, blockCount: 1)
        mlp.scale = 0.0625
        return [
            try model(softmax, labels: ["a", "b", "c"], features: ["x", "y"], held: [0]),
            try model(mlp, labels: ["0", "1"], features: ["p", "q", "r"], held: [0, 1]),
            try model(mlp, labels: ["0", "1"], features: ["p", "q", "r"], held: [1]),
        ]
    }

    /// Recomputes the header and section checksums of something shaped like a model file, so that
    /// mutations reach the section decoders instead of stopping at a checksum.
    static func fixChecksums(_ b: inout [UInt8]) {
        guard b.count >= 16, Array(b[0..<8]) == ModelContainer.magic else { return }
        let count = Int(b[12]) | Int(b[13]) << 8 | Int(b[14]) << 16 | Int(b[15]) << 24
        let headerSize = 16 + 48 * count + 4
        guard count < 4096, b.count >= headerSize else { return }
        func u64(_ at: Int) -> Int? {
            let v = (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) }
            return v < UInt64(b.count) ? Int(v) : nil
        }
        for e in 0..<count {
            let at = 16 + 48 * e
            guard let offset = u64(at + 16), let length = u64(at + 24), offset + length <= b.count else { continue }
            let crc = crc32Checksum(Array(b[offset..<offset + length]))
            for i in 0..<4 { b[at + 32 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        }
        let crc = crc32Checksum(Array(b[0..<headerSize - 4]))
        for i in 0..<4 { b[headerSize - 4 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
    }

    /// The property for CSV bytes: every record and field can be read, as text and as a number, and
    /// the only errors are ToolError. The same bytes are also read as a forget ledger.
    func checkCSV(_ bytes: [UInt8]) throws {
        let file = dir.appendingPathComponent("input.csv").path
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        for hasHeader in [true, false] {
            do {
                let r = try CSVReader(path: file, hasHeader: hasHeader)
                _ = r.column("id")
                while try r.next() {
                    _ = r.line
                    for i in 0..<r.fieldCount {
                        _ = r.string(i)
                        _ = try? r.float(i)
                    }
                    _ = try? r.checkNumbers(Array(0..<r.fieldCount))
                }
            } catch is ToolError {}
        }
        do { _ = try LedgerFile.read(file) } catch is ToolError {}
    }

    /// The property for model bytes: the container and the model decode or fail with ModelFileError,
    /// in memory and through the file reader the tools use (whose open errors are ToolError).
    func checkModel(_ bytes: [UInt8]) throws {
        do {
            _ = try ModelContainer.decode(bytes)
        } catch is ModelFileError {}
        do {
            let model = try ModelFile.decode(try ModelContainerReader(source: bytes))
            // A model that decodes encodes again, and decodes to the same shape.
            let again = try ModelFile.decode(try ModelContainerReader(source: try model.encode()))
            XCTAssertEqual(again.shards.count, model.shards.count)
        } catch is ModelFileError {}
        let file = dir.appendingPathComponent("input.ulm").path
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        do {
            _ = try ModelFile.decode(try openModelContainer(file))
        } catch is ModelFileError {} catch is ToolError {}
    }

    /// Runs `count` mutated inputs (or `UL_FUZZ_SECONDS` seconds' worth) through `check`; returns the
    /// number tried. An input slower than a second counts as a hang.
    func fuzz(_ name: String, seed: UInt64, count: Int, seeds: [[UInt8]], fix: Bool = false, _ check: ([UInt8]) throws -> Void) throws -> Int {
        let env = ProcessInfo.processInfo.environment
        let seconds = env["UL_FUZZ_SECONDS"].flatMap(Double.init)
        let last = env["UL_FUZZ_LAST"].map { URL(fileURLWithPath: $0 + "." + name) }
        var m = Mutator(seed: env["UL_FUZZ_SEED"].flatMap(UInt64.init) ?? seed, seeds: seeds)
        let start = Date()
        var tried = 0, failures = 0
        while seconds.map({ Date().timeIntervalSince(start) < $0 }) ?? (tried < count) {
            var input = m.next()
            if fix && m.below(2) == 0 { Self.fixChecksums(&input) }
            if let last { try Data(input).write(to: last) }
            let t0 = Date()
            do { try check(input) } catch {
                failures += 1
                XCTFail("\(name): untyped error \(type(of: error)): \(error) for input \(input.prefix(64))")
            }
            let dt = Date().timeIntervalSince(t0)
            if dt > 1 { failures += 1; XCTFail("\(name): \(dt) s on one input of \(input.count) bytes") }
            tried += 1
        }
        if let last { try? FileManager.default.removeItem(at: last) }
        print("fuzz \(name): \(tried) inputs, \(failures) failures, \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        return tried
    }

    func testSeedsAreValid() throws {
        for s in try Self.csvSeeds() { XCTAssertNoThrow(try checkCSV(s)) }
        for s in try Self.modelSeeds() { XCTAssertNoThrow(try ModelFile.decode(try ModelContainerReader(source: s))) }
    }

    func testMutatedCSVGivesRecordsOrToolErrors() throws {
        XCTAssertGreaterThan(try fuzz("csv", seed: 1, count: 3000, seeds: try Self.csvSeeds(), checkCSV), 0)
    }

    func testMutatedModelsDecodeOrGiveModelFileErrors() throws {
        XCTAssertGreaterThan(try fuzz("model", seed: 2, count: 4000, seeds: try Self.modelSeeds(), fix: true, checkModel), 0)
    }

    /// Every input a fuzzing run found crashing, kept as a file: `csv-*` or `model-*`.
    func testRegressionInputs() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.regressions.path).filter { !$0.hasPrefix(".") && $0 != "README" }
        for name in files.sorted() {
            let bytes = [UInt8](try Data(contentsOf: Self.regressions.appendingPathComponent(name)))
            if name.hasPrefix("csv-") { try checkCSV(bytes) } else if name.hasPrefix("model-") { try checkModel(bytes) } else {
                XCTFail("\(name): regression files are named csv-* or model-*")
            }
        }
    }
}
