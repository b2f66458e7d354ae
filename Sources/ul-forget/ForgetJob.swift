import Foundation
import ULCLI
import ULCore

/// The plumbing every forget method shares: the options, the lock on the model, the model and the
/// request ids; reading and checking the data against the model's record; and the outputs (new model,
/// ledger line, remaining rows), written in an order that a crash at any point leaves recoverable.
final class ForgetJob {
    /// The parsed command line (methods read their own options from it).
    let args: ParsedArguments
    let ctx: ToolContext
    let method: String
    let modelPath: String
    let outputPath: String
    let remainingPath: String?
    let ledgerPath: String?
    let dataPath: String
    let dataIsDirectory: Bool
    let idColumn: String
    let labelColumn: String
    let ignoreUnknown: Bool
    let jobs: Int
    /// Held for the whole job; released by the kernel even on `kill -9`.
    let lock: LockFile
    /// The model file's bytes as read under the lock.
    let modelBytes: [UInt8]
    let model: ModelFile
    /// The requested ids the model holds, with their shard and block.
    let requestedLocations: [String: RowLocation]
    /// Every id the model was trained on, with its shard and block. It grows with the model, so it is
    /// built only to name the row when the data does not match the model's record.
    private(set) lazy var recorded: [String: RowLocation] = model.rowLocations()
    /// The distinct requested ids, in request order.
    let requestIds: [String]
    let requestsPath: String
    let started = Date()

    init(_ args: ParsedArguments, _ ctx: ToolContext, method: String) throws {
        self.args = args
        self.ctx = ctx
        self.method = method
        guard args.positionals.isEmpty else { throw ToolError.usage("unexpected argument '\(args.positionals[0])' (inputs are named by --model, --data, --requests)") }
        guard let model = args.value("model") else { throw ToolError.usage("a model is required (--model M)") }
        guard let data = args.value("data") else { throw ToolError.usage("the training data is required (--data FILE|DIR)") }
        guard let requests = args.value("requests") else { throw ToolError.usage("the forget requests are required (--requests FILE)") }
        guard let output = args.value("output"), output != "-" else { throw ToolError.usage("an output model file is required (-o NEW)") }
        guard data != "-" else { throw ToolError.usage("--data must be a file or a directory (it is read twice), not standard input") }
        modelPath = model
        outputPath = output
        dataPath = data
        requestsPath = requests
        var isDir: ObjCBool = false
        dataIsDirectory = FileManager.default.fileExists(atPath: data, isDirectory: &isDir) && isDir.boolValue
        remainingPath = args.value("remaining")
        if dataIsDirectory, remainingPath != nil {
            throw ToolError.usage("--remaining does not apply to --data DIR (the shard files are rewritten in place)")
        }
        ledgerPath = args.value("ledger")
        idColumn = args.string("id", default: "id")
        labelColumn = args.string("label", default: "label")
        ignoreUnknown = args.flag("ignore-unknown")
        jobs = try args.int("jobs", default: ProcessInfo.processInfo.activeProcessorCount, min: 1)
        let wait = try args.double("wait", default: 0, min: 0)

        _ = try FileByteSource(path: model)  // a missing model is "cannot open" before a lock file is created
        // Outputs that cannot be created fail now, not after the retraining.
        for out in [output, remainingPath, ledgerPath].compactMap({ $0 }) where out != "-" {
            let dir = URL(fileURLWithPath: out).deletingLastPathComponent().path
            guard access(dir, W_OK) == 0 else {
                throw ToolError(.cantCreate, "cannot create output: directory \(dir) is not writable", file: out)
            }
        }
        // Everything that can be refused without the model's content is refused before the lock file is
        // created: the requests, and whether the data can be opened.
        let dataFd = open(data, O_RDONLY | O_CLOEXEC)
        guard dataFd >= 0 else { throw ToolError(.noInput, "cannot open: \(String(cString: strerror(errno)))", file: data) }
        close(dataFd)
        requestIds = try Self.readRequests(requests, idColumn: idColumn)
        lock = try LockFile(for: model, timeout: wait)
        modelBytes = try readWholeFile(model)
        do {
            self.model = try ModelFile.decode(try ModelContainerReader(source: modelBytes))
        } catch let e as ModelFileError {
            throw ToolError.data("\(e)", file: model)
        }
        guard self.model.isComplete else {
            throw ToolError.data("a part file (shards \(self.model.config.heldShards.map(String.init).joined(separator: ","))); merge the parts first (ul-train --merge)", file: model)
        }
        requestedLocations = self.model.rowLocations(of: Set(requestIds))
        if let l = ledgerPath {
            ledger = try LedgerFile.read(l)
            if let last = ledger.last, last.modelAfter != hexString(SHA256Digest.hash(modelBytes)) {
                ctx.note("warning: \(model) is not the model the ledger's last line produced")
            }
        }
    }

    private(set) var ledger: [LedgerEntry] = []

    static func readRequests(_ path: String, idColumn: String) throws -> [String] {
        let r = try CSVReader(path: path)
        let col = try r.requireColumn(idColumn, option: "id")
        var seen = Set<String>(), out = [String]()
        while try r.next() {
            let id = r.string(col)
            guard !id.isEmpty else { throw ToolError.data("empty id", file: path, line: r.line) }
            if seen.insert(id).inserted { out.append(id) }
        }
        return out
    }

    /// The requested ids the model was trained on: per shard, the blocks that hold them.
    lazy var affectedBlocksByShard: [Int: Set<Int>] = {
        var out = [Int: Set<Int>]()
        for id in requestIds { if let l = requestedLocations[id] { out[l.shard, default: []].insert(l.block) } }
        return out
    }()

    func shardRecord(_ index: Int) -> ShardRecord { model.shards.first { $0.index == index }! }

    /// Path of shard `k`'s file in a ul-partition --split directory.
    func shardFile(_ k: Int) -> String { dataPath + "/" + String(format: "shard-%04d.csv", k) }

    func trainingProgress(shards: Int) -> ShardProgress { ShardProgress(ctx.progress("retraining", total: 1000), shards: shards) }

    // MARK: Data

    /// Reads the data and checks it against the model's record: every trained row is present with the
    /// shard and block it was trained in, no other row claims to be trained, and the rows of each kept
    /// shard hash to the digests of its blocks. Rows of `keepShards` are kept in memory (features as
    /// training sees them); with --data DIR only those shards' files are read (and the others' ids only
    /// when a requested id is not in the model). Any mismatch is exit 65, before any work.
    ///
    /// Memory follows the kept shards, not the file: the rows of other shards are checked by a tally per
    /// block (row count and sum of id fingerprints, equal for the same ids in any order), and a fingerprint
    /// per row finds duplicate ids (see IdSet). Only when a tally differs is the data read once more
    /// against the index of every recorded id, to name the offending row.
    func readData(keepShards: Set<Int>) throws -> ForgetData {
        do {
            return try readData(keepShards: keepShards, exact: false)
        } catch is RecordMismatch {
            return try readData(keepShards: keepShards, exact: true)
        }
    }

    /// The data differs from the model's record somewhere; the exact reading says where.
    private struct RecordMismatch: Error {}

    /// `exact`: look every row up in `recorded`; else check the rows not requested by the tallies.
    private func readData(keepShards: Set<Int>, exact: Bool) throws -> ForgetData {
        let requested = Set(requestIds)
        var data = ForgetData()
        var seenRecorded = 0
        var tallies = [BlockKey: BlockTally]()
        if dataIsDirectory {
            for k in keepShards.sorted() {
                guard FileManager.default.fileExists(atPath: shardFile(k)) else {
                    throw ToolError(.noInput, "cannot open: no file for shard \(k) in \(dataPath)", file: shardFile(k))
                }
                seenRecorded += try scan(shardFile(k), onlyShard: k, keep: keepShards, requested: requested, exact: exact,
                                         tallies: &tallies, into: &data)
            }
            if !exact, tallies != recordedTallies(keepShards) { throw RecordMismatch() }
            let expected = keepShards.reduce(0) { n, k in n + shardRecord(k).blocks.reduce(0) { $0 + $1.rowCount } }
            if exact, seenRecorded != expected { try reportMissing(in: keepShards, data: data) }
            if requested.contains(where: { requestedLocations[$0] == nil }) {
                // Ids the model does not hold may still be rows of other shard files (not selected, or
                // dropped from the model by an interrupted earlier run): find them by id alone.
                for k in model.config.heldShards where !keepShards.contains(k) {
                    guard FileManager.default.fileExists(atPath: shardFile(k)) else { continue }
                    try scanIds(shardFile(k), requested: requested, into: &data)
                }
            }
        } else {
            seenRecorded = try scan(dataPath, onlyShard: nil, keep: keepShards, requested: requested, exact: exact,
                                    tallies: &tallies, into: &data)
            if !exact, tallies != recordedTallies(nil) { throw RecordMismatch() }
            if exact, seenRecorded != recorded.count { try reportMissing(in: nil, data: data) }
        }
        for k in keepShards.sorted() {
            let rows = data.shards[k] ?? ShardRows(featureCount: model.features.count)
            if let b = firstMismatchingBlock(shardRecord(k), data: rows.data, blocks: rows.blocks, labels: model.labels) {
                throw ToolError.data("shard \(k) block \(b): the rows differ from those the model was trained on (digest mismatch)", file: dataPath)
            }
        }
        data.unknown = requestIds.filter { requestedLocations[$0] == nil && !data.droppedIds.contains($0) }
        return data
    }

    /// The tallies of the model's blocks (of `shards`, or all).
    private func recordedTallies(_ shards: Set<Int>?) -> [BlockKey: BlockTally] {
        var out = [BlockKey: BlockTally]()
        for s in model.shards where shards?.contains(s.index) ?? true {
            for (b, block) in s.blocks.enumerated() where !block.ids.isEmpty {
                var t = BlockTally()
                for id in block.ids { t.add(id) }
                out[BlockKey(shard: s.index, block: b)] = t
            }
        }
        return out
    }

    private func reportMissing(in shards: Set<Int>?, data: ForgetData) throws {
        for s in model.shards where shards?.contains(s.index) ?? true {
            for (b, block) in s.blocks.enumerated() {
                for id in block.ids where !data.seen.contains(id) {
                    throw ToolError.data("row '\(id)' (shard \(s.index) block \(b) in the model) is missing from the data", file: dataPath)
                }
            }
        }
    }

    /// One pass over a data file; returns how many trained rows it held (`exact`), or adds the rows that
    /// claim to be trained to `tallies` (throwing `RecordMismatch` when a row cannot be checked that way).
    private func scan(_ path: String, onlyShard: Int?, keep: Set<Int>, requested: Set<String>, exact: Bool,
                      tallies: inout [BlockKey: BlockTally], into data: inout ForgetData) throws -> Int {
        let r = try openDataRows(path)
        let idCol = try r.requiredColumn(idColumn, option: "id")
        let labelCol = try r.requiredColumn(labelColumn, option: "label")
        let shardCol = r.columnIndex("shard"), blockCol = r.columnIndex("block"), selectedCol = r.columnIndex("selected")
        var featureCols = [Int]()
        for name in model.features {
            guard let c = r.columnIndex(name) else {
                throw ToolError.data("missing feature column '\(name)' the model was trained on", file: path, line: 1)
            }
            featureCols.append(c)
        }
        let classIndex = Dictionary(uniqueKeysWithValues: model.labels.enumerated().map { ($1, Int32($0)) })
        let config = model.config
        var row = [Float](repeating: 0, count: featureCols.count)
        var trained = 0
        let progress = ctx.progress("checking", total: r.totalBytes)
        while try r.next() {
            let id = r.string(idCol)
            guard !id.isEmpty else { throw ToolError.data("empty id", file: path, line: r.line) }
            guard data.seen.insert(id) else { throw ToolError.data("duplicate id '\(id)'", file: path, line: r.line) }
            var selected = true
            if let s = selectedCol {
                let v = r.string(s).trimmingCharacters(in: .whitespaces)
                guard v == "0" || v == "1" else {
                    throw ToolError.data("column 'selected': expected 0 or 1, got '\(v)'", file: path, line: r.line)
                }
                selected = v == "1"
            }
            let forgotten = requested.contains(id)
            var location: RowLocation? = nil
            if selected {
                if exact {
                    location = recorded[id]
                } else if forgotten {
                    location = requestedLocations[id]
                } else {
                    // The row claims to be trained where its columns say; the tallies check the claim.
                    guard let s = try? shardCol.map({ try parseIndex(r, $0) }) ?? 0, let b = try? blockCol.map({ try parseIndex(r, $0) }) ?? 0,
                          onlyShard.map({ $0 == s }) ?? true else { throw RecordMismatch() }
                    location = RowLocation(shard: s, block: b)
                }
            }
            guard let location else {
                if forgotten {
                    data.droppedIds.insert(id)
                    data.filesWithDrops.insert(path)
                } else if selected {
                    throw ToolError.data("row '\(id)' is not in the model's record: this is not the data the model was trained on", file: path, line: r.line)
                }
                continue
            }
            let shard = try shardCol.map { try parseIndex(r, $0) } ?? 0
            let block = try blockCol.map { try parseIndex(r, $0) } ?? 0
            guard shard == location.shard, block == location.block, onlyShard.map({ $0 == shard }) ?? true else {
                throw ToolError.data("row '\(id)' is in shard \(shard) block \(block) here but was trained in shard \(location.shard) block \(location.block)", file: path, line: r.line)
            }
            trained += 1
            if !exact { tallies[BlockKey(shard: shard, block: block), default: BlockTally()].add(id) }
            if forgotten {
                data.droppedIds.insert(id)
                data.filesWithDrops.insert(path)
            }
            if keep.contains(shard) {
                let c: Int32
                do {
                    guard let i = classIndex[r.string(labelCol)] else {
                        throw ToolError.data("label '\(r.string(labelCol))' is not one the model knows", file: path, line: r.line)
                    }
                    c = i
                    for (j, col) in featureCols.enumerated() { row[j] = config.scaled(try r.float(col)) }
                } catch is ToolError where !exact && !forgotten {
                    // The row's place is only claimed so far: if it is not in the model, that is the error to report.
                    throw RecordMismatch()
                }
                if data.shards[shard] == nil {
                    // The model knows how many rows the shard has: no growth by doubling.
                    let rows = model.shards.first { $0.index == shard }.map { $0.blocks.reduce(0) { $0 + $1.rowCount } } ?? 0
                    data.shards[shard] = ShardRows(featureCount: featureCols.count, reserving: rows)
                }
                row.withUnsafeBufferPointer { data.shards[shard]!.append(id: id, classIndex: c, block: block, features: $0) }
            }
            if r.recordCount % 1024 == 0 { progress.update(r.bytesRead) }
        }
        progress.finish()
        return trained
    }

    /// Finds requested ids in a data file by id alone.
    private func scanIds(_ path: String, requested: Set<String>, into data: inout ForgetData) throws {
        let r = try openDataRows(path)
        let idCol = try r.requiredColumn(idColumn, option: "id")
        while try r.next() {
            let id = r.string(idCol)
            if requested.contains(id), requestedLocations[id] == nil {
                data.droppedIds.insert(id)
                data.filesWithDrops.insert(path)
            }
        }
    }

    func parseIndex(_ r: DataRows, _ col: Int) throws -> Int {
        let text = r.string(col)
        guard let v = Int(text.trimmingCharacters(in: .whitespaces)), v >= 0 else {
            throw ToolError.data("column '\(r.header[col])': expected a non-negative integer, got '\(text)'", file: r.path, line: r.line)
        }
        return v
    }

    /// A kept shard's rows without the forgotten ones, and their blocks. A shard left with no rows is
    /// refused: ul-train cannot train an empty shard either, so no model could be bit-identical to it.
    func remainingRows(of shard: Int, in data: ForgetData) throws -> ShardInput {
        let all = data.shards[shard] ?? ShardRows(featureCount: model.features.count)
        let keep = (0..<all.data.count).filter { !data.droppedIds.contains(all.data.ids[$0]) }
        guard !keep.isEmpty else {
            throw ToolError.data("forgetting these rows leaves shard \(shard) with no rows, and a shard cannot be trained empty; repartition the remaining rows into fewer shards and train anew (ul-partition, ul-train)", file: requestsPath)
        }
        return ShardInput(shard: shard, data: all.data.subset(keep), blocks: keep.map { all.blocks[$0] })
    }

    // MARK: Outputs

    /// Handles the requests that need no retraining. Unknown ids (neither in the model nor in the data)
    /// are an error unless --ignore-unknown, or unless the ledger shows this very batch was processed
    /// (then it is "already honoured"). Returns an exit status when there is nothing to retrain.
    func finishIfNothingToRetrain(_ data: ForgetData) throws -> ExitStatus? {
        let digest = requestsDigest(requestIds)
        let honoured = ledger.lastIndex { $0.requestsDigest == digest }
        if !data.unknown.isEmpty && !(ignoreUnknown || (honoured != nil && data.droppedIds.isEmpty)) {
            let shown = data.unknown.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
            let more = data.unknown.count > 3 ? " and \(data.unknown.count - 3) more" : ""
            throw ToolError.data("unknown id \(shown)\(more): in neither the model nor the data (see --ignore-unknown)", file: requestsPath)
        }
        if !data.unknown.isEmpty && ignoreUnknown {
            ctx.note("ignoring \(data.unknown.count) unknown id\(data.unknown.count == 1 ? "" : "s")")
        }
        guard data.droppedIds.isEmpty else {
            if affectedBlocksByShard.isEmpty {
                // Rows the model never held (not selected, or already forgotten by an interrupted run):
                // the model stays as it is, the rows leave the data.
                try finish(newModel: nil, data: data, shardsRetrained: [], rowsRetrained: 0)
                return .ok
            }
            return nil
        }
        if let h = honoured {
            ctx.note("already honoured (ledger line \(h + 2), \(ledger[h].time)): nothing to forget; model unchanged")
        } else {
            ctx.note("nothing to forget: none of the \(requestIds.count) requested ids is in the model or the data; model unchanged")
        }
        try writeModel(modelBytes)
        try writeRemaining(data)
        return .ok
    }

    /// Writes the outputs in a crash-safe order: the new model (atomically), then the ledger line
    /// (atomically), then the remaining rows. A crash before the model's rename leaves everything as it
    /// was; after it, rerunning the same request finds the ids gone from the model and only drops them
    /// from the data. `newModel` nil keeps the model as it is.
    func finish(newModel: ModelFile?, data: ForgetData, shardsRetrained: [Int], rowsRetrained: Int,
                residualBound: String = "", note: String = "") throws {
        let after = try newModel?.encode() ?? modelBytes
        try writeModel(after)
        let forgotten = data.droppedIds.count
        if let l = ledgerPath {
            var text = note
            if !data.unknown.isEmpty { text += (text.isEmpty ? "" : "; ") + "\(data.unknown.count) unknown ids ignored" }
            let entry = LedgerEntry(time: LedgerFile.now(), requestsDigest: requestsDigest(requestIds), requestCount: requestIds.count,
                                    method: method, modelBefore: hexString(SHA256Digest.hash(modelBytes)),
                                    modelAfter: hexString(SHA256Digest.hash(after)),
                                    shardsRetrained: shardsRetrained.map(String.init).joined(separator: " "),
                                    rowsRetrained: rowsRetrained, residualBound: residualBound, note: text)
            try LedgerFile.append(entry, to: l)
        }
        try writeRemaining(data)
        ctx.summary(String(format: "%@: %d rows forgotten, shards [%@] retrained, %d row-epochs, %.2f s", method, forgotten,
                           shardsRetrained.map(String.init).joined(separator: " "), rowsRetrained, Date().timeIntervalSince(started)))
    }

    /// The model bytes to -o, atomically; nothing to do when -o is the model and the bytes are the same.
    func writeModel(_ bytes: [UInt8]) throws {
        if bytes == modelBytes, sameFile(outputPath, modelPath) { return }
        try writeFileAtomically(outputPath, bytes)
    }

    /// The data without the dropped rows: to --remaining or standard output, or with --data DIR the
    /// shard files that held dropped rows, rewritten in place (each atomically).
    func writeRemaining(_ data: ForgetData) throws {
        if dataIsDirectory {
            for path in data.filesWithDrops.sorted() { try copyRows(from: path, to: path, dropping: data.droppedIds) }
        } else {
            try copyRows(from: dataPath, to: remainingPath, dropping: data.droppedIds)
        }
    }

    private func copyRows(from input: String, to output: String?, dropping: Set<String>) throws {
        let rows = try openDataRows(input)
        guard let idCol = rows.header.firstIndex(of: idColumn) else {
            throw ToolError.data("missing required column '\(idColumn)' (choose another with --id)", file: input, line: 1)
        }
        if let m = rows as? MappedCSV {
            let out = try OutputFile(path: output)
            try m.copy(to: out, idColumn: idCol, dropping: dropping)
            try out.commit()
            return
        }
        let r = rows as! CSVReader
        let w = CSVWriter(try OutputFile(path: output))
        try w.row(r.header)
        while try r.next() {
            if dropping.contains(r.string(idCol)) { continue }
            for i in 0..<r.fieldCount { w.field(r.field(i)) }
            try w.endRow()
        }
        try w.finish()
    }
}

/// True when both paths name the same existing file.
func sameFile(_ a: String, _ b: String) -> Bool {
    var sa = stat(), sb = stat()
    guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
}

/// One shard's rows as read: all of them, the forgotten ones included (the digests cover them).
struct ShardRows {
    var data: Dataset
    var blocks: [Int] = []
    init(featureCount: Int, reserving rows: Int = 0) {
        data = Dataset(featureCount: featureCount)
        data.ids.reserveCapacity(rows)
        data.classes.reserveCapacity(rows)
        data.features.reserveCapacity(rows * featureCount)
        blocks.reserveCapacity(rows)
    }
    mutating func append(id: String, classIndex: Int32, block: Int, features: UnsafeBufferPointer<Float>) {
        data.append(id: id, classIndex: classIndex, features: features)
        blocks.append(block)
    }
}

/// What reading the data found.
struct ForgetData {
    /// Rows of the kept shards.
    var shards: [Int: ShardRows] = [:]
    /// Every id seen in the files read (as fingerprints).
    var seen = IdSet()
    /// Requested ids present in the data: they leave the remaining rows.
    var droppedIds = Set<String>()
    /// Files that hold dropped rows.
    var filesWithDrops = Set<String>()
    /// Requested ids in neither the model nor the data.
    var unknown: [String] = []
}


/// A block of a shard.
struct BlockKey: Hashable {
    var shard: Int
    var block: Int
}

/// Row count and sum of id fingerprints of one block: the same for the same ids in any order, and
/// different, but with odds of 2⁻¹²⁸, for any other multiset of ids.
struct BlockTally: Equatable {
    var count = 0
    var sum: UInt128 = 0
    mutating func add(_ id: String) {
        count += 1
        sum &+= IdSet.fingerprint(id)
    }
}
