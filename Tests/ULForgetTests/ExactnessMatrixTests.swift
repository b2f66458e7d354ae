import Foundation
import XCTest
import ULTestSupport

/// The promise of `ul-forget --method exact`, over a generated matrix (ExactnessMatrix): the model it writes
/// equals, byte for byte, the model the same commands give when rerun on the remaining rows, which keep the
/// shard and block columns ul-forget leaves them (no repartitioning); with selection the same ul-select
/// command line runs again on those rows without their selected and select_step columns.
///
/// A refusal fails the combination unless the request forgets every row or the same commands refuse the
/// remaining rows too (one class left), with exit 65 and no model written. All combinations run (two at a
/// time) and every failure is listed in one message.
///
/// UL_MATRIX=SUBSTRING[,SUBSTRING...] runs only the combinations whose name (kind/data/partition/selection/
/// shape/pattern, e.g. softmax/digits/random-3x3/entropy-0.5/derived/whole-shard) contains one of them;
/// UL_MATRIX_KEEP=1 keeps the work directory and prints it.
final class ExactnessMatrixTests: XCTestCase {
    func testForgetEqualsTheSameCommandsOnTheRemainingRows() throws {
        for tool in ["ul-partition", "ul-select", "ul-train", "ul-forget"] where !BuiltTools.isBuilt(tool) {
            throw XCTSkip("\(tool) is not built in \(BuiltTools.directory.path)")
        }
        let environment = ProcessInfo.processInfo.environment
        let matrix = ExactnessMatrix()
        let all = matrix.combinations()
        let chosen = ExactnessMatrix.select(all, filter: environment["UL_MATRIX"])
        let setups = MatrixSetupRun.group(chosen)
        print("exactness matrix: \(chosen.count) combinations in \(setups.count) setups (\(all.count) generated: \(matrix.axes)"
              + (environment["UL_MATRIX"].map { "; UL_MATRIX=\($0)" } ?? "") + ")")
        if chosen.isEmpty { throw XCTSkip("UL_MATRIX matches no combination") }

        let keep = environment["UL_MATRIX_KEEP"] == "1"
        let root = keep ? try WorkDirectory.make("exactness-matrix") : try makeWorkDirectory("exactness-matrix")
        if keep { print("exactness matrix: work directory \(root.path)") }
        var prepared = [String: MatrixData]()
        for data in Set(chosen.map(\.setup.data.name)).sorted() {
            let spec = chosen.first { $0.setup.data.name == data }!.setup.data
            prepared[data] = try MatrixData.prepare(spec, in: root)
        }

        let start = Date()
        // The partitioned (and selected) rows, once for all the setups that share them.
        var inputNames = [String]()
        for s in setups where !inputNames.contains(s.setup.inputsName) { inputNames.append(s.setup.inputsName) }
        let inputs = Collected<(String, MatrixInputs)>()
        let inputWork = WorkList(inputNames.map { name in setups.first { $0.setup.inputsName == name }!.setup })
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            while let (index, setup) = inputWork.next() {
                let made = MatrixInputs.make(setup, data: prepared[setup.data.name]!, in: root.appendingPathComponent(String(format: "inputs%03d", index)))
                inputs.append([(setup.inputsName, made)])
            }
        }
        let inputsByName = Dictionary(uniqueKeysWithValues: inputs.all)
        let results = Collected<MatrixOutcome>()
        let work = WorkList(setups)
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            while let (index, setup) = work.next() {
                let run = MatrixSetupRun(setup: setup.setup, data: prepared[setup.setup.data.name]!, inputs: inputsByName[setup.setup.inputsName]!,
                                         directory: root.appendingPathComponent(String(format: "s%03d", index)))
                results.append(run.run(setup.patterns))
            }
        }
        let outcomes = results.all.sorted { $0.name < $1.name }
        let failures = outcomes.filter { $0.problem != nil }
        let skipped = outcomes.filter { $0.skipped != nil }
        print(String(format: "exactness matrix: %d run, %d failed, %d not applicable, %.1f s", outcomes.count - skipped.count,
                     failures.count, skipped.count, Date().timeIntervalSince(start)))
        for s in skipped { print("  not applicable: \(s.name): \(s.skipped!)") }
        if !failures.isEmpty {
            var byWhat = [String: Int]()
            for f in failures { byWhat[f.category, default: 0] += 1 }
            let summary = byWhat.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
                .map { "  \($0.value) × \($0.key)" }.joined(separator: "\n")
            let list = failures.map { "  \($0.description)" }.joined(separator: "\n")
            XCTFail("\(failures.count) of \(outcomes.count - skipped.count) combinations broke the exactness promise\n"
                    + "by what happened:\n\(summary)\neach (kind data partition selection shape pattern: what happened):\n\(list)")
        }
    }
}

/// One combination's result: `problem` when the promise broke, `skipped` when the data hold no rows for
/// the pattern.
struct MatrixOutcome {
    let name: String
    let combination: ExactnessMatrix.Combination
    var problem: String?
    var category: String = ""
    var skipped: String?

    var description: String {
        let s = combination.setup
        return "kind=\(s.kind.name) data=\(s.data.name) partition=\(s.partition.name) selection=\(s.selection.name) "
            + "shape=\(s.declaration.name) ids=\(s.ids.name) pattern=\(combination.pattern.rawValue): \(problem ?? "ok")"
    }
}

/// The work still to do, handed out to the workers one item at a time with its index.
private final class WorkList<Item>: @unchecked Sendable {
    private let lock = NSLock()
    private let items: [Item]
    private var index = 0

    init(_ items: [Item]) { self.items = items }

    func next() -> (Int, Item)? {
        lock.lock()
        defer { lock.unlock() }
        guard index < items.count else { return nil }
        index += 1
        return (index - 1, items[index - 1])
    }
}

/// What the workers return.
private final class Collected<Item>: @unchecked Sendable {
    private let lock = NSLock()
    private var items = [Item]()

    func append(_ more: [Item]) {
        lock.lock()
        items += more
        lock.unlock()
    }

    var all: [Item] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}

/// A CSV of the matrix (no quoted fields: the example data have none): header and rows as fields.
struct MatrixTable {
    let header: [String]
    let rows: [[String]]

    init(_ text: String) {
        var lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
        header = lines.isEmpty ? [] : lines.removeFirst().components(separatedBy: ",")
        rows = lines.map { $0.components(separatedBy: ",") }
    }

    init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    init(contentsOf url: URL) throws { self.init(try String(contentsOf: url, encoding: .utf8)) }

    func column(_ name: String) -> Int? { header.firstIndex(of: name) }

    var text: String { ([header] + rows).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n" }

    /// The table without the named columns.
    func dropping(_ names: Set<String>) -> MatrixTable {
        let keep = header.indices.filter { !names.contains(header[$0]) }
        return MatrixTable(header: keep.map { header[$0] }, rows: rows.map { r in keep.map { r[$0] } })
    }
}

/// FNV-1a, 64 bits: a stable hash for choosing rows and deletion probabilities.
func matrixHash(_ text: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return h
}

/// A data set of the matrix written to the work directory: the subset, with p_delete = u⁴ for u a hash of
/// the id in [0, 1) (skewed: few rows are likely deletions).
struct MatrixData {
    let file: URL
    let labels: [String]
    /// A quarter of the total deletion probability, for --by capacity (about four shards).
    let capacity: String
    let rowCount: Int
    /// The id key of keyed setups (the same bytes for every setup).
    let keyFile: URL

    /// `--id-key FILE` for a keyed setup, nothing for a plain one.
    func keyOptions(_ setup: ExactnessMatrix.Setup) -> [String] { setup.ids.keyed ? ["--id-key", keyFile.path] : [] }

    static func prepare(_ spec: ExactnessMatrix.DataSet, in directory: URL) throws -> MatrixData {
        let source = try MatrixTable(contentsOf: TestPaths.data(spec.file))
        var rows = [[String]]()
        var total = 0.0
        for (i, row) in source.rows.enumerated() where i % spec.keepEvery == 0 {
            let u = Double(matrixHash("p_delete:" + row[0]) >> 11) / Double(1 << 53)
            let p = String(format: "%.4f", u * u * u * u)
            total += Double(p)!
            rows.append(row + [p])
        }
        let table = MatrixTable(header: source.header + ["p_delete"], rows: rows)
        let file = directory.appendingPathComponent("data-\(spec.name).csv")
        try table.text.write(to: file, atomically: true, encoding: .utf8)
        let label = table.column("label")!
        let keyFile = directory.appendingPathComponent("id.key")
        try Data("exactness matrix id key, 32 bytes".utf8).write(to: keyFile)
        return MatrixData(file: file, labels: sortedLabels(Set(rows.map { $0[label] })),
                          capacity: String(format: "%.4f", total / 4), rowCount: rows.count, keyFile: keyFile)
    }

    /// ul-train's order: numeric when every label is a number, byte order otherwise.
    static func sortedLabels(_ labels: Set<String>) -> [String] {
        if labels.allSatisfy({ Double($0) != nil }) { return labels.sorted { Double($0)! < Double($1)! } }
        return labels.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }
}

/// The rows of a setup after ul-partition and ul-select (data.csv), and the selection record; shared by the
/// setups that differ only in the training command.
struct MatrixInputs {
    let data: URL
    let spec: String?
    let failure: (String, String)?

    static func make(_ setup: ExactnessMatrix.Setup, data: MatrixData, in directory: URL) -> MatrixInputs {
        let out = directory.appendingPathComponent("data.csv")
        func run(_ tool: String, _ args: [String]) throws -> ProcessResult {
            let r = try ProcessRunner.run(tool: tool, args, in: directory)
            guard r.status == 0 else {
                let message = "\(tool) exited \(r.status): \(r.stderr.split(separator: "\n").last ?? "")"
                throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey: message])
            }
            return r
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            _ = try run("ul-partition", setup.partition.options(data.capacity) + ["--exclude", "p_delete", data.file.path, "-o", "parted.csv"])
            guard let options = setup.selection.commandLine(setup.data) else {
                try FileManager.default.moveItem(at: directory.appendingPathComponent("parted.csv"), to: out)
                return MatrixInputs(data: out, spec: nil, failure: nil)
            }
            _ = try run("ul-select", options + data.keyOptions(setup) + ["--exclude", "p_delete", "parted.csv", "-o", "data.csv"])
            let spec = try run("ul-select", ["--spec"] + options).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            return MatrixInputs(data: out, spec: spec, failure: nil)
        } catch {
            return MatrixInputs(data: out, spec: nil, failure: ("partition or selection refused", (error as NSError).localizedDescription))
        }
    }
}

/// Runs one setup (train on its inputs) and then its forget patterns, each in a directory of its own,
/// one after the other. Problems are returned, never asserted, so that every combination is reported.
struct MatrixSetupRun {
    let setup: ExactnessMatrix.Setup
    let data: MatrixData
    let inputs: MatrixInputs
    let directory: URL

    /// The combinations grouped by setup, in order.
    static func group(_ combinations: [ExactnessMatrix.Combination]) -> [(setup: ExactnessMatrix.Setup, patterns: [ExactnessMatrix.Pattern])] {
        var out = [(setup: ExactnessMatrix.Setup, patterns: [ExactnessMatrix.Pattern])]()
        for c in combinations {
            if let last = out.last, last.setup.name == c.setup.name {
                out[out.count - 1].patterns.append(c.pattern)
            } else {
                out.append((c.setup, [c.pattern]))
            }
        }
        return out
    }

    private struct Failure: Error {
        let category: String
        let message: String
    }

    private func fail(_ category: String, _ message: String) -> Failure { Failure(category: category, message: message) }

    private func tool(_ name: String, _ args: [String], in dir: URL) throws -> ProcessResult {
        try ProcessRunner.run(tool: name, args, in: dir)
    }

    /// The line of standard error that says what went wrong: a crash's "Fatal error" line, else the last.
    private static func message(_ text: String) -> String {
        let lines = text.split(separator: "\n").map(String.init)
        return lines.first { $0.contains("Fatal error") } ?? lines.last ?? "(no message)"
    }

    /// "exited N", or "crashed (signal N)".
    private static func exit(_ r: ProcessResult) -> String {
        r.reason == .uncaughtSignal || r.stderr.contains("Program crashed") ? "crashed (signal \(r.status))" : "exited \(r.status)"
    }

    /// Runs a tool that must succeed; otherwise a failure of `category`.
    private func require(_ name: String, _ args: [String], in dir: URL, _ category: String) throws -> ProcessResult {
        let r = try tool(name, args, in: dir)
        guard r.status == 0 else {
            throw fail(category, "\(name) \(Self.exit(r)): \(Self.message(r.stderr))")
        }
        return r
    }

    private var selectOptions: [String]? { setup.selection.commandLine(setup.data).map { $0 + data.keyOptions(setup) } }

    /// The ul-train command line, before the input file: the kind's options and, when the setup declares
    /// them, the shard and block counts of the partition and the labels of the data.
    private func trainOptions(shards: Int) -> [String] {
        ["--model", setup.kind.name] + setup.kind.options + ["--scale", setup.data.scale, "--exclude", "p_delete"] + data.keyOptions(setup)
            + (setup.declaration.declares ? ["--shards", String(shards), "--blocks", String(setup.partition.blocks),
                                             "--classes", data.labels.joined(separator: ",")] : [])
    }

    func run(_ patterns: [ExactnessMatrix.Pattern]) -> [MatrixOutcome] {
        let outcomes = patterns.map { MatrixOutcome(name: ExactnessMatrix.Combination(setup: setup, pattern: $0).name,
                                                    combination: ExactnessMatrix.Combination(setup: setup, pattern: $0)) }
        let prepared: (table: MatrixTable, train: [String], spec: String?)
        do {
            prepared = try prepare()
        } catch let f as Failure {
            return outcomes.map { var o = $0; o.problem = "setup: \(f.message)"; o.category = "setup: \(f.category)"; return o }
        } catch {
            return outcomes.map { var o = $0; o.problem = "setup: \(error)"; o.category = "setup: error"; return o }
        }
        return outcomes.map { o in
            var o = o
            let dir = directory.appendingPathComponent(o.combination.pattern.rawValue)
            do {
                guard let steps = requests(o.combination.pattern, prepared.table) else {
                    o.skipped = "the data hold no rows for this pattern"
                    return o
                }
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                try check(o.combination.pattern, steps, table: prepared.table, train: prepared.train, spec: prepared.spec, in: dir)
            } catch let f as Failure {
                o.problem = f.message
                o.category = f.category
            } catch {
                o.problem = "\(error)"
                o.category = "error"
            }
            return o
        }
    }

    /// Train on the shared inputs: data.csv and model.ulm in the setup's directory.
    private func prepare() throws -> (table: MatrixTable, train: [String], spec: String?) {
        if let (category, message) = inputs.failure { throw fail(category, message) }
        let spec = inputs.spec
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: inputs.data, to: directory.appendingPathComponent("data.csv"))
        let table = try MatrixTable(contentsOf: directory.appendingPathComponent("data.csv"))
        let shard = table.column("shard")!
        let shards = (table.rows.map { Int($0[shard])! }.max() ?? 0) + 1
        let train = trainOptions(shards: shards) + (spec.map { ["--selection", $0] } ?? [])
        _ = try require("ul-train", train + ["data.csv", "-o", "model.ulm"], in: directory, "ul-train refused")
        return (table, train, spec)
    }

    // MARK: the requests of a pattern

    /// The request batches the pattern sends one after the other, or nil when the data hold no rows for it.
    private func requests(_ pattern: ExactnessMatrix.Pattern, _ t: MatrixTable) -> [[String]]? {
        let id = t.column("id")!, label = t.column("label")!, shardColumn = t.column("shard")!, blockColumn = t.column("block")!
        let selected = t.column("selected")
        let rows = t.rows
        // Rows whose removal changes training: the selected ones when there is a selection.
        let candidates = selected.map { s in rows.filter { $0[s] == "1" } } ?? rows
        func shard(_ r: [String]) -> Int { Int(r[shardColumn])! }
        func block(_ r: [String]) -> Int { Int(r[blockColumn])! }
        func pick(_ from: [[String]], _ salt: String) -> String? {
            from.min { (matrixHash(salt + $0[id]), $0[id]) < (matrixHash(salt + $1[id]), $1[id]) }?[id]
        }
        let shards = Set(rows.map(shard)).sorted()
        let largest = shards.max { a, b in
            let (na, nb) = (rows.filter { shard($0) == a }.count, rows.filter { shard($0) == b }.count)
            return na < nb || (na == nb && a > b)
        }!
        let second = shards.count > 1 ? shards[1] : shards[0]
        let lastBlock = setup.partition.blocks - 1
        func one(_ id: String?) -> [[String]]? { id.map { [[$0]] } }
        switch pattern {
        case .oneRow:
            return one(pick(candidates, "one"))
        case .oneUnselectedRow:
            guard let s = selected else { return nil }
            return one(pick(rows.filter { $0[s] == "0" }, "unselected"))
        case .firstBlockRow:
            return one(pick(candidates.filter { block($0) == 0 }, "first"))
        case .lastBlockRow:
            return one(pick(candidates.filter { block($0) == lastBlock }, "last"))
        case .wholeBlock:
            let ids = rows.filter { shard($0) == largest && block($0) == 0 }.map { $0[id] }
            return ids.isEmpty ? nil : [ids]
        case .wholeShard:
            return [rows.filter { shard($0) == second }.map { $0[id] }]
        case .wholeClass:
            return [rows.filter { $0[label] == data.labels.last! }.map { $0[id] }]
        case .allButOneOfShard:
            let inShard = rows.filter { shard($0) == second }
            guard inShard.count > 1, let kept = pick(candidates.filter { shard($0) == second }, "kept") ?? pick(inShard, "kept") else { return nil }
            return [inShard.map { $0[id] }.filter { $0 != kept }]
        case .oneInEveryShard:
            let ids = shards.compactMap { s in pick(candidates.filter { shard($0) == s }, "every") ?? pick(rows.filter { shard($0) == s }, "every") }
            return [ids]
        case .sameRequestTwice:
            return pick(candidates, "twice").map { [[$0], [$0]] }
        case .unknownIgnored:
            return [["no-such-id"]]
        case .successiveVsCombined:
            guard let a = pick(candidates.filter { block($0) == 0 }, "first"),
                  let b = pick(candidates.filter { block($0) == lastBlock && $0[id] != a }, "then") else { return nil }
            return [[a], [b]]
        case .approximateThenExact:
            guard let a = pick(candidates.filter { shard($0) == largest }, "approximate"),
                  let b = pick(candidates.filter { shard($0) == largest && $0[id] != a }, "exact after") else { return nil }
            return [[a], [b]]
        }
    }

    // MARK: one combination

    private func read(_ url: URL) -> Data? { try? Data(contentsOf: url) }

    /// For a model that differs with selection: whether it is what the pipeline gives with the counts m the
    /// model records (ul-select --counts-from) instead of the count rule typed; a hint for the report.
    private func countsNote(_ model: String, train: [String], in dir: URL) throws -> String {
        guard let options = selectOptions, let f = options.firstIndex(of: "--fraction") else { return "" }
        var counted = options
        counted.removeSubrange(f...(f + 1))
        let select = try tool("ul-select", counted + ["--counts-from", model, "--exclude", "p_delete", "rest-unselected.csv", "-o", "counted.csv"], in: dir)
        guard select.status == 0 else { return "" }
        let train = try tool("ul-train", train + ["counted.csv", "-o", "counted.ulm"], in: dir)
        guard train.status == 0, let a = read(dir.appendingPathComponent(model)), a == read(dir.appendingPathComponent("counted.ulm")) else {
            return ""
        }
        return " (it equals the pipeline with ul-select --counts-from the new model: the recorded count m was kept, not re-derived)"
    }

    /// For a refused request: what the same commands do on the rows it would have left, and whether they
    /// refuse too.
    private func referenceNote(_ rest: MatrixTable, train: [String], in dir: URL) throws -> (String, Bool) {
        var input = "refused-rest.csv"
        try rest.dropping(["selected", "select_step"]).text.write(to: dir.appendingPathComponent(input), atomically: true, encoding: .utf8)
        if let options = selectOptions {
            let r = try tool("ul-select", options + ["--exclude", "p_delete", input, "-o", "refused-reselected.csv"], in: dir)
            if r.status != 0 { return (" [the same ul-select refuses those rows too: \(Self.message(r.stderr))]", true) }
            input = "refused-reselected.csv"
        }
        let r = try tool("ul-train", train + [input, "-o", "refused-reference.ulm"], in: dir)
        return r.status == 0 ? (" [the same commands on the remaining rows succeed]", false)
            : (" [the same ul-train refuses those rows too: \(Self.message(r.stderr))]", true)
    }

    private func check(_ pattern: ExactnessMatrix.Pattern, _ steps: [[String]], table: MatrixTable, train: [String], spec: String?,
                       in dir: URL) throws {
        let idColumn = table.column("id")!
        let known = Set(table.rows.map { $0[idColumn] })
        var model = "../model.ulm", rows = "../data.csv"
        var forgotten = Set<String>()
        for (i, ids) in steps.enumerated() {
            try ("id\n" + ids.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("requests\(i).csv"), atomically: true, encoding: .utf8)
            forgotten.formUnion(ids.filter { known.contains($0) })
            let method = pattern == .approximateThenExact && i == 0 ? "puma" : "exact"
            let r = try tool("ul-forget", ["--method", method, "-m", model, "-d", rows, "-r", "requests\(i).csv", "-o", "new\(i).ulm",
                                           "--remaining", "rest\(i).csv", "--ledger", "ledger.csv"] + data.keyOptions(setup)
                             + (pattern == .unknownIgnored ? ["--ignore-unknown"] : []), in: dir)
            if r.status != 0 {
                if forgotten.count == known.count { return }  // every row gone: refusing is allowed
                let step = steps.count > 1 ? "request \(i + 1) of \(steps.count): " : ""
                let rest = MatrixTable(header: table.header, rows: table.rows.filter { !forgotten.contains($0[idColumn]) })
                let (note, alsoRefused) = try referenceNote(rest, train: train, in: dir)
                // The promise is the same commands on the remaining rows: where they refuse (one class left),
                // ul-forget refusing, with exit 65 and nothing written, keeps it.
                if alsoRefused && r.status == 65 && !r.stderr.contains("Program crashed")
                    && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("new\(i).ulm").path) { return }
                let what = r.stderr.contains("Program crashed") ? "ul-forget crashed" : alsoRefused ? "ul-forget refused, and so do the same commands" : "ul-forget refused"
                throw fail(what, "\(step)ul-forget \(Self.exit(r)) (\(ids.count) id\(ids.count == 1 ? "" : "s")): \(Self.message(r.stderr))" + note)
            }
            if pattern == .sameRequestTwice && i == 1 {
                if read(dir.appendingPathComponent("new1.ulm")) != read(dir.appendingPathComponent("new0.ulm")) {
                    throw fail("repeated request changed the model", "the same request again (with the ledger) changed the model")
                }
                if read(dir.appendingPathComponent("rest1.csv")) != read(dir.appendingPathComponent("rest0.csv")) {
                    throw fail("repeated request changed the remaining rows", "the same request again (with the ledger) changed the remaining rows")
                }
            }
            model = "new\(i).ulm"
            rows = "rest\(i).csv"
        }
        let final = dir.appendingPathComponent(model), rest = dir.appendingPathComponent(rows)

        // The remaining rows: the input less the forgotten ids, every column unchanged (the selection's
        // columns are checked against ul-select below).
        let remaining = try MatrixTable(contentsOf: rest)
        let selectionColumns: Set<String> = spec == nil ? [] : ["selected", "select_step"]
        let expected = MatrixTable(header: table.header, rows: table.rows.filter { !forgotten.contains($0[idColumn]) }).dropping(selectionColumns)
        let got = remaining.dropping(selectionColumns)
        if got.header != expected.header || got.rows != expected.rows {
            let detail = got.header != expected.header ? "header \(got.header.suffix(4)) instead of \(expected.header.suffix(4))"
                : "\(got.rows.count) rows instead of \(expected.rows.count)"
            throw fail("remaining rows wrong", "--remaining is not the input minus the forgotten ids: \(detail)")
        }

        // The same commands on the remaining rows.
        var trainInput = rows
        if let options = selectOptions {
            try remaining.dropping(selectionColumns).text.write(to: dir.appendingPathComponent("rest-unselected.csv"), atomically: true, encoding: .utf8)
            _ = try require("ul-select", options + ["--exclude", "p_delete", "rest-unselected.csv", "-o", "reselected.csv"], in: dir,
                            "reference ul-select refused")
            trainInput = "reselected.csv"
        }
        _ = try require("ul-train", train + [trainInput, "-o", "reference.ulm"], in: dir, "reference ul-train refused")
        let reference = read(dir.appendingPathComponent("reference.ulm"))
        let forgot = read(final)
        if forgot != reference {
            throw fail("model differs from the reference", "model differs from ul-train on the remaining rows: "
                       + ModelDifference.describe(forgot ?? Data(), reference ?? Data()) + (try countsNote(model, train: train, in: dir)))
        }
        if spec != nil, read(rest) != read(dir.appendingPathComponent("reselected.csv")) {
            throw fail("selection columns differ", "the model matches, but --remaining's selected/select_step columns differ from ul-select's on the same rows")
        }
        if pattern == .unknownIgnored, forgot != read(dir.appendingPathComponent("../model.ulm")) {
            throw fail("unknown id changed the model", "an unknown id with --ignore-unknown changed the model")
        }
        if pattern == .successiveVsCombined {
            let all = steps.flatMap { $0 }
            try ("id\n" + all.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("combined.csv"), atomically: true, encoding: .utf8)
            let r = try tool("ul-forget", ["--method", "exact", "-m", "../model.ulm", "-d", "../data.csv", "-r", "combined.csv",
                                           "-o", "combined.ulm", "--remaining", "combined-rest.csv"] + data.keyOptions(setup), in: dir)
            if r.status != 0 {
                throw fail("ul-forget refused", "the combined request: ul-forget \(Self.exit(r)): \(Self.message(r.stderr))")
            }
            if read(dir.appendingPathComponent("combined.ulm")) != forgot {
                throw fail("successive differs from combined", "two successive requests and one combined request give different models: "
                           + ModelDifference.describe(forgot ?? Data(), read(dir.appendingPathComponent("combined.ulm")) ?? Data()))
            }
            if read(dir.appendingPathComponent("combined-rest.csv")) != read(rest) {
                throw fail("successive differs from combined", "two successive requests and one combined request leave different remaining rows")
            }
        }
    }
}

/// Which sections of two model files (ul-model(5)) differ, to say where a model went wrong.
enum ModelDifference {
    struct Section: Equatable {
        let tag: String
        let offset: UInt64
        let length: UInt64
        let digest: [UInt8]
    }

    static func sections(_ d: Data) -> [Section]? {
        let b = [UInt8](d)
        func u32(_ o: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[o + $1]) << (8 * $1) } }
        func u64(_ o: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[o + $1]) << (8 * $1) } }
        guard b.count >= 16 else { return nil }
        let n = Int(u32(12))
        guard n < 100_000, b.count >= 20 + 48 * n else { return nil }
        return (0..<n).map { i in
            let e = 16 + 48 * i
            let tag = String(decoding: b[e..<(e + 16)].prefix { $0 != 0 }, as: UTF8.self)
            return Section(tag: tag, offset: u64(e + 16), length: u64(e + 24), digest: Array(b[(e + 40)..<(e + 48)]))
        }
    }

    static func describe(_ a: Data, _ b: Data) -> String {
        let sizes = "\(a.count) bytes, reference \(b.count)"
        guard let sa = sections(a), let sb = sections(b) else { return sizes }
        let tagsA = sa.map(\.tag), tagsB = sb.map(\.tag)
        if tagsA != tagsB {
            return "\(sizes); sections \(tagsA.joined(separator: " ")) against \(tagsB.joined(separator: " "))"
        }
        let differing = zip(sa, sb).filter { $0.length != $1.length || $0.digest != $1.digest }
        guard let (x, y) = differing.first else { return "\(sizes); sections differing: none (header)" }
        // Where the first differing section starts to differ, to tell a checkpoint from a record.
        let pa = Array([UInt8](a)[Int(x.offset)..<Int(x.offset + x.length)]), pb = Array([UInt8](b)[Int(y.offset)..<Int(y.offset + y.length)])
        let at = (0..<min(pa.count, pb.count)).first { pa[$0] != pb[$0] } ?? min(pa.count, pb.count)
        return "\(sizes); sections differing: \(differing.map(\.0.tag).joined(separator: " ")) (\(x.tag): from byte \(at) of \(x.length), reference \(y.length))"
    }
}
