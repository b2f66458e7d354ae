import Foundation
import XCTest
import ULCLI
@testable import ULCore
import ULTestSupport

/// Mutated CSV files, forget ledgers, model files and curvature sidecars fed to their readers: each input
/// must give a value or a typed error (ToolError, ModelFileError) — never a crash or a hang — within a time
/// bound and without taking memory beyond a bound proportional to its size (`ResourceMeter`). Half the runs
/// mutate bytes blindly, the other half aim at the declared counts (`StructuredMutations`).
/// `UL_FUZZ_SECONDS` runs each target for that long instead of a fixed count (examples/bench/fuzz.sh);
/// `UL_FUZZ_LAST` names a file that holds the input being tried, so a crash leaves it behind.
final class FuzzTests: XCTestCase {
    static let regressions = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("fuzz-regressions")

    /// CPU seconds one input may take (`UL_FUZZ_MAX_CPU`); a refusal takes milliseconds. The wall-clock bound
    /// only catches a call that blocks: it is loose, for a machine shared with other work.
    static let maxCPUSeconds = ProcessInfo.processInfo.environment["UL_FUZZ_MAX_CPU"].flatMap(Double.init) ?? 0.5
    /// CPU seconds allowed per input byte on top: a debug build reads CSV at about 0.5 MB/s.
    static let cpuSecondsPerByte = 4e-6
    static let maxWallSeconds = 20.0
    /// Memory an input may take: a fixed allowance (first use of a code path pages in its code, the heap grows
    /// in steps) and 32 bytes per input byte (decoded strings cost about 4 times their bytes, the file's mapped
    /// pages once more, a model that decodes is encoded again).
    static func memoryBound(_ inputBytes: Int) -> Int { (16 << 20) + 32 * inputBytes }

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

    /// Forget ledgers of one and two lines, as ul-forget writes them.
    static func ledgerSeeds() -> [[UInt8]] {
        let digest = String(repeating: "ab", count: 32)
        let entries = [
            LedgerEntry(time: "2026-01-02T03:04:05Z", requestsDigest: "00112233445566778899aabbccddeeff:" + digest, requestCount: 3,
                        method: "exact", modelBefore: digest, modelAfter: String(repeating: "cd", count: 32), shardsRetrained: "0 2",
                        rowsRetrained: 120),
            LedgerEntry(time: "2026-01-02T03:05:00Z", requestsDigest: digest, requestCount: 1, method: "newton",
                        modelBefore: String(repeating: "cd", count: 32), modelAfter: digest, shardsRetrained: "", rowsRetrained: 0,
                        residualBound: "0.00125", note: "approximate \"newton\", one, row"),
        ]
        func csv(_ rows: [[String]]) -> [UInt8] {
            Array(rows.map { $0.map { $0.contains(where: { $0 == "," || $0 == "\"" }) ? "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : $0 }
                .joined(separator: ",") + "\n" }.joined().utf8)
        }
        return [csv([LedgerEntry.columns, entries[0].fields]), csv([LedgerEntry.columns] + entries.map(\.fields))]
    }

    /// Small one-class models fitted for real (ppca, mppca, knn, autoencoder), one class per shard and two
    /// blocks, on 4 features of breast_cancer.csv: their checkpoints hold the row and component counts.
    static func oneClassSeeds() throws -> [[UInt8]] {
        let all = breastCancerDataset()
        var small = Dataset(featureCount: 4)
        for i in 0..<24 {
            let row = (0..<4).map { all.features[i * all.featureCount + $0] / 100 }
            row.withUnsafeBufferPointer { small.append(id: all.ids[i], classIndex: all.classes[i], features: $0) }
        }
        var seeds = [[UInt8]]()
        for kind in [ModelKind.ppca, .mppca, .knn, .autoencoder] {
            var c = TrainConfig(kind: kind, epochs: 2, hidden: kind == .autoencoder ? [3] : nil, batchSize: 4, shardCount: 2, blockCount: 2)
            c.components = 2
            c.mixtures = 2
            c.neighbours = 2
            let inputs = (0..<2).map { s -> ShardInput in
                let sub = small.subset((0..<small.count).filter { small.classes[$0] == Int32(s) })
                return ShardInput(shard: s, data: sub, blocks: (0..<sub.count).map { $0 % 2 })
            }
            let shards = try trainShards(inputs, config: c, labels: ["M", "B"], jobs: 1)
            seeds.append(try ModelFile(config: c, labels: ["M", "B"], features: ["a", "b", "c", "d"], shards: shards).encode())
        }
        return seeds
    }

    /// Curvature sidecars: Cholesky factors of two shards, and a diagonal preconditioner.
    static func curvatureSeeds() throws -> [[UInt8]] {
        let factor = try CholeskyFactor(symmetric: [4, 1, 0.5, 1, 3, 0.25, 0.5, 0.25, 2], n: 3)
        let key = (0..<32).map { UInt8($0) }
        return [
            try CurvatureFile(solver: .exact, damping: 0.5, entries: [.init(shard: 0, key: key, curvature: .cholesky(factor)),
                                                                      .init(shard: 2, key: key.reversed(), curvature: .cholesky(factor))]).encode(),
            try CurvatureFile(solver: .cg, damping: 0.01, entries: [.init(shard: 1, key: key, curvature: .diagonal([1, 2, 3, 4, 5]))]).encode(),
        ]
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
        ] + (try oneClassSeeds())
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

    /// The property for curvature sidecar bytes: the table, every entry and the whole file decode or fail with
    /// ModelFileError, in memory and through the file reader; a file that decodes encodes again.
    func checkCurvature(_ bytes: [UInt8]) throws {
        do {
            let store = try CurvatureStore(try ModelContainerReader(source: bytes))
            for k in store.keys { _ = try store.lookup(shard: k.shard, key: k.key, solver: store.solver, damping: store.damping) }
            let encoded = try store.file().encode()
            // Compared as bytes: a mutated value may be NaN.
            XCTAssertEqual(try CurvatureFile.decode(try ModelContainerReader(source: encoded)).encode(), encoded)
        } catch is ModelFileError {}
        let file = dir.appendingPathComponent("input.curvature.ulm").path
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        do {
            _ = try CurvatureFile.decode(try openModelContainer(file))
        } catch is ModelFileError {} catch is ToolError {}
    }

    /// Runs `count` mutated inputs (or `UL_FUZZ_SECONDS` seconds' worth) through `check`, each measured
    /// against the time and memory bounds; returns the number tried. `structured` aims the mutations at the
    /// declared counts; `fix` recomputes the checksums of half the blind mutations.
    func fuzz(_ name: String, seed: UInt64, count: Int, seeds: [[UInt8]], structured: Bool = false, fix: Bool = false,
              _ check: ([UInt8]) throws -> Void) throws -> Int {
        let env = ProcessInfo.processInfo.environment
        let seconds = env["UL_FUZZ_SECONDS"].flatMap(Double.init)
        let last = env["UL_FUZZ_LAST"].map { URL(fileURLWithPath: $0 + "." + name) }
        var m = Mutator(seed: env["UL_FUZZ_SEED"].flatMap(UInt64.init) ?? seed, seeds: seeds)
        let meter = ResourceMeter()
        // A sanitizer slows everything down by up to 20 times (ThreadSanitizer).
        let slowdown = meter.sanitized ? 20.0 : 1
        func cpuBound(_ bytes: Int) -> Double { (Self.maxCPUSeconds + Self.cpuSecondsPerByte * Double(bytes)) * slowdown }
        let start = Date()
        var tried = 0, failures = 0, largest = 0
        var worst = (cpu: 0.0, wall: 0.0, growth: 0, growthInput: 0, ratio: 0.0)
        while seconds.map({ Date().timeIntervalSince(start) < $0 }) ?? (tried < count) {
            var input = structured ? m.nextStructured() : m.next()
            if !structured && fix && m.below(2) == 0 { Self.fixChecksums(&input) }
            if let last { try Data(input).write(to: last) }
            var thrown: Error?
            let use = meter.measure {
                do { try check(input) } catch { thrown = error }
            }
            if let thrown {
                failures += 1
                XCTFail("\(name): untyped error \(type(of: thrown)): \(thrown) for input \(input.prefix(64))")
            }
            if use.cpuSeconds > cpuBound(input.count) || use.wallSeconds > Self.maxWallSeconds * slowdown {
                failures += 1
                XCTFail("\(name): \(use.cpuSeconds) s CPU, \(use.wallSeconds) s on one input of \(input.count) bytes")
            }
            if let growth = use.peakGrowth {
                if growth > Self.memoryBound(input.count) {
                    failures += 1
                    XCTFail("\(name): \(growth >> 20) MiB for one input of \(input.count) bytes (bound \(Self.memoryBound(input.count) >> 20) MiB)")
                }
                if growth > worst.growth { (worst.growth, worst.growthInput) = (growth, input.count) }
                // Per byte only for inputs large enough that the page and heap steps do not dominate.
                if input.count >= 65536 { worst.ratio = max(worst.ratio, Double(growth) / Double(input.count)) }
            }
            worst.cpu = max(worst.cpu, use.cpuSeconds)
            worst.wall = max(worst.wall, use.wallSeconds)
            largest = max(largest, input.count)
            tried += 1
        }
        if let last { try? FileManager.default.removeItem(at: last) }
        let memory = meter.seesMemory
            ? String(format: "max peak growth %.1f MiB (input of %d bytes), max %.1f bytes per input byte of inputs ≥ 64 KiB", Double(worst.growth) / 1048576,
                     worst.growthInput, worst.ratio)
            : "memory not measured (sanitizer or no /proc/self/clear_refs)"
        print("fuzz \(name): \(tried) inputs, \(failures) failures, \(String(format: "%.1f", Date().timeIntervalSince(start))) s; "
              + String(format: "max %.1f ms CPU, max %.1f ms wall; ", worst.cpu * 1000, worst.wall * 1000) + memory
              + "; largest input \(largest) bytes")
        return tried
    }

    func testSeedsAreValid() throws {
        for s in try Self.csvSeeds() + Self.ledgerSeeds() { XCTAssertNoThrow(try checkCSV(s)) }
        for s in Self.ledgerSeeds() { XCTAssertEqual(try LedgerFile.read(try write(s)).count, s == Self.ledgerSeeds()[0] ? 1 : 2) }
        for s in try Self.modelSeeds() { XCTAssertNoThrow(try ModelFile.decode(try ModelContainerReader(source: s))) }
        for s in try Self.curvatureSeeds() { XCTAssertFalse(try CurvatureFile.decode(try ModelContainerReader(source: s)).entries.isEmpty) }
        // The structured mutations find the counts they aim at in every seed.
        var m = Mutator(seed: 3, seeds: [])
        for s in try Self.modelSeeds() + Self.curvatureSeeds() {
            XCTAssertNotNil(Mutator.sections(s))
            var b = s
            XCTAssertTrue(m.mutateContainer(&b))
            XCTAssertNotEqual(b, s)
        }
    }

    func write(_ bytes: [UInt8]) throws -> String {
        let file = dir.appendingPathComponent("seed.csv").path
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    /// The meter sees what a call touches and the CPU it spends, so the bounds above can fail.
    func testMeterSeesMemoryAndTime() throws {
        let meter = ResourceMeter()
        try XCTSkipUnless(meter.seesMemory, "the peak resident set cannot be reset here (sanitizer, or no /proc/self/clear_refs)")
        let use = meter.measure {
            let a = [UInt8](repeating: 1, count: 64 << 20)
            XCTAssertEqual(a[a.count / 2], 1)
        }
        XCTAssertGreaterThan(use.peakGrowth ?? 0, 60 << 20)
        XCTAssertGreaterThan(use.peakGrowth ?? 0, Self.memoryBound(1 << 20))
        // The same again: seen only because the peak was reset (it stayed at the first call's otherwise).
        let again = meter.measure {
            let a = [UInt8](repeating: 3, count: 64 << 20)
            XCTAssertEqual(a[a.count / 3], 3)
        }
        XCTAssertGreaterThan(again.peakGrowth ?? 0, 60 << 20)
        let small = meter.measure { XCTAssertEqual([UInt8](repeating: 2, count: 1000).count, 1000) }
        XCTAssertLessThan(small.peakGrowth ?? .max, 1 << 20)
        let busy = meter.measure {
            var x = 0.0
            let until = ResourceMeter.threadCPU() + 0.05
            while ResourceMeter.threadCPU() < until { x += 1 }
            XCTAssertGreaterThan(x, 0)
        }
        XCTAssertGreaterThanOrEqual(busy.cpuSeconds, 0.05)
    }

    func testMutatedCSVGivesRecordsOrToolErrors() throws {
        XCTAssertGreaterThan(try fuzz("csv", seed: 1, count: 800, seeds: try Self.csvSeeds(), checkCSV), 0)
        XCTAssertGreaterThan(try fuzz("csv-structured", seed: 11, count: 150, seeds: try Self.csvSeeds(), structured: true, checkCSV), 0)
    }

    func testMutatedLedgersGiveEntriesOrToolErrors() throws {
        XCTAssertGreaterThan(try fuzz("ledger", seed: 4, count: 300, seeds: Self.ledgerSeeds(), checkCSV), 0)
        XCTAssertGreaterThan(try fuzz("ledger-structured", seed: 14, count: 100, seeds: Self.ledgerSeeds(), structured: true, checkCSV), 0)
    }

    func testMutatedModelsDecodeOrGiveModelFileErrors() throws {
        XCTAssertGreaterThan(try fuzz("model", seed: 2, count: 1000, seeds: try Self.modelSeeds(), fix: true, checkModel), 0)
    }

    func testCountMutatedModelsDecodeOrGiveModelFileErrors() throws {
        XCTAssertGreaterThan(try fuzz("model-structured", seed: 12, count: 600, seeds: try Self.modelSeeds(), structured: true, checkModel), 0)
    }

    func testMutatedCurvatureDecodesOrGivesModelFileErrors() throws {
        XCTAssertGreaterThan(try fuzz("curvature", seed: 5, count: 300, seeds: try Self.curvatureSeeds(), fix: true, checkCurvature), 0)
        XCTAssertGreaterThan(try fuzz("curvature-structured", seed: 15, count: 300, seeds: try Self.curvatureSeeds(), structured: true,
                                      checkCurvature), 0)
    }

    /// Every input a fuzzing run found crashing, kept as a file: `csv-*`, `ledger-*`, `model-*` or `curvature-*`.
    func testRegressionInputs() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.regressions.path).filter { !$0.hasPrefix(".") && $0 != "README" }
        for name in files.sorted() {
            let bytes = [UInt8](try Data(contentsOf: Self.regressions.appendingPathComponent(name)))
            if name.hasPrefix("csv-") || name.hasPrefix("ledger-") {
                try checkCSV(bytes)
            } else if name.hasPrefix("model-") {
                try checkModel(bytes)
            } else if name.hasPrefix("curvature-") {
                try checkCurvature(bytes)
            } else {
                XCTFail("\(name): regression files are named csv-*, ledger-*, model-* or curvature-*")
            }
        }
    }
}
