import Foundation
import ULCLI
import ULCore

/// What every forget method shares: the lock on the model, the model and the request ids, and the one
/// commit path (new model, ledger line, remaining rows), written in an order that a crash at any point
/// leaves recoverable. Reading the data against the model's record is in DataCheck.swift.
final class ForgetJob {
    let options: ForgetOptions
    let ctx: ToolContext
    /// Held for the whole job; released by the kernel even on `kill -9`.
    let lock: LockFile
    /// The ledger's own lock, so that jobs on two models sharing one ledger cannot lose a line.
    let ledgerLock: LockFile?
    /// The model file's bytes as read under the lock.
    let modelBytes: [UInt8]
    /// Their SHA-256 in hex, as the ledger records models.
    private(set) lazy var modelDigest = hexString(SHA256Digest.hash(modelBytes))
    let model: ModelFile
    /// The requested ids the model holds, with their shard and block.
    let requestedLocations: [String: RowLocation]
    /// Every id the model was trained on, with its shard and block. It grows with the model, so it is
    /// built only to name the row when the data does not match the model's record.
    private(set) lazy var recorded: [String: RowLocation] = model.rowLocations()
    /// The distinct requested ids, in request order (keyed with --id-key).
    let requestIds: [String]
    /// The requested ids as the requests file has them, by keyed id (with --id-key), for messages.
    let requestFileIds: [String: String]
    /// The ledger as read before the job (empty without --ledger).
    let ledger: [LedgerEntry]
    /// Store files read (by path), still mapped: their rewrite copies from the map that was checked.
    var storesRead = [String: MappedStore]()
    /// The rewrite of the store files, started before the retraining (`stageRemaining`).
    private var staging: StoreStaging?
    let started = Date()

    init(_ options: ForgetOptions, _ ctx: ToolContext) throws {
        self.options = options
        self.ctx = ctx
        let modelPath = options.modelPath
        _ = try FileByteSource(path: modelPath)  // a missing model is "cannot open" before a lock file is created
        // Outputs that cannot be created fail now, not after the retraining.
        for out in [options.outputPath, options.remainingPath, options.ledgerPath, options.approximate?.weightsPath].compactMap({ $0 }) where out != "-" {
            try checkOutputKind(out)
            let dir = URL(fileURLWithPath: out).deletingLastPathComponent().path
            guard access(dir, W_OK) == 0 else {
                throw ToolError(.cantCreate, "cannot create output: directory \(displayName(dir)) is not writable", file: out)
            }
        }
        // Everything that can be refused without the model's content is refused before the lock file is
        // created: the requests, and whether the data can be opened.
        let dataFd = open(options.dataPath, O_RDONLY | O_CLOEXEC)
        guard dataFd >= 0 else { throw ToolError(.noInput, "cannot open: \(String(cString: strerror(errno)))", file: options.dataPath) }
        close(dataFd)
        let requests = try Self.readRequests(options.requestsPath, idColumn: options.columns.id)
        requestIds = requests.map { options.idKey?.keyed($0) ?? $0 }
        requestFileIds = options.idKey == nil ? [:] : Dictionary(uniqueKeysWithValues: zip(requestIds, requests))
        lock = try LockFile(for: modelPath, timeout: options.wait)
        ledgerLock = try options.ledgerPath.map { try LockFile(for: $0, timeout: options.wait) }
        modelBytes = try readWholeFile(modelPath)
        do {
            model = try ModelFile.decode(try ModelContainerReader(source: modelBytes))
        } catch let e as ModelFileError {
            throw ToolError.data("\(e)", file: modelPath)
        }
        try IdKeyOption.check(options.idKey, model: model, path: modelPath)
        guard model.isComplete else {
            throw ToolError.data("a part file (shards \(model.config.heldShards.map(String.init).joined(separator: ","))); merge the parts first (ul-train --merge)", file: modelPath)
        }
        requestedLocations = model.rowLocations(of: Set(requestIds))
        ledger = try options.ledgerPath.map { try LedgerFile.read($0) } ?? []
        if let last = ledger.last, last.modelAfter != modelDigest {
            ctx.note("warning: \(displayName(modelPath)) is not the model the ledger's last line produced")
        }
    }

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

    /// An id read from the data as the model records it.
    func keyed(_ id: String) -> String { options.idKey?.keyed(id) ?? id }

    func shardRecord(_ index: Int) -> ShardRecord { model.shards.first { $0.index == index }! }

    /// Path of shard `k`'s file in a ul-partition --split or --store directory.
    func shardFile(_ k: Int) -> String {
        options.dataPath + "/" + (options.dataIsStore ? StoreDirectory.fileName(shard: k) : String(format: "shard-%04d.csv", k))
    }

    func trainingProgress(shards: Int) -> ShardProgress { ShardProgress(ctx.progress("retraining", total: 1000), shards: shards) }

    // MARK: Outputs

    /// Handles the requests that need no retraining. Unknown ids (neither in the model nor in the data)
    /// are an error unless --ignore-unknown, or unless the ledger shows this very batch was processed
    /// (then it is "already honoured"). Returns an exit status when there is nothing to retrain.
    func finishIfNothingToRetrain(_ data: ForgetData) throws -> ExitStatus? {
        let honoured = ledger.lastIndex { $0.records(requests: requestIds, key: options.idKey) }
        // An interrupted run of this very batch (the ledger's last line, which produced this model) may have
        // rewritten some shard files of --data DIR and not others: the ids already gone are not unknown.
        let interrupted = honoured.map { $0 == ledger.count - 1 && ledger[$0].modelAfter == modelDigest } ?? false
        try refuseUnknown(data, unlessHonoured: honoured != nil && (data.droppedIds.isEmpty || interrupted))
        guard data.droppedIds.isEmpty else {
            if affectedBlocksByShard.isEmpty {
                // Rows the model never held (not selected, or already forgotten by an interrupted run):
                // the model stays as it is, the rows leave the data. When the ledger's last line is this very
                // batch and produced this model, the run was interrupted after its ledger line: finishing it
                // adds no second line for the same batch.
                if interrupted, let h = honoured {
                    ctx.note("finishing the run of ledger line \(h + 2) (\(escapedForMessage(ledger[h].time))): its rows leave the data; model and ledger unchanged")
                    try data.digestCheck?.wait()
                    try writeModel(modelBytes)
                    try writeRemaining(data, selection: nil)
                    return .ok
                }
                try commit(ForgetOutcome(model: nil), data: data)
                return .ok
            }
            return nil
        }
        if let h = honoured {
            ctx.note("already honoured (ledger line \(h + 2), \(escapedForMessage(ledger[h].time))): nothing to forget; model unchanged")
        } else {
            ctx.note("nothing to forget: none of the \(requestIds.count) requested ids is in the model or the data; model unchanged")
        }
        try data.digestCheck?.wait()
        try writeModel(modelBytes)
        try writeRemaining(data, selection: nil)
        return .ok
    }

    /// Unknown ids are an error unless --ignore-unknown (then a note says how many) or `unlessHonoured`.
    func refuseUnknown(_ data: ForgetData, unlessHonoured: Bool = false) throws {
        guard !data.unknown.isEmpty else { return }
        if options.ignoreUnknown {
            ctx.note("ignoring \(data.unknown.count) unknown id\(data.unknown.count == 1 ? "" : "s")")
        } else if !unlessHonoured {
            let shown = data.unknown.prefix(3).map { quoted(requestFileIds[$0] ?? $0) }.joined(separator: ", ")
            let more = data.unknown.count > 3 ? " and \(data.unknown.count - 3) more" : ""
            throw ToolError.data("unknown id \(shown)\(more): in neither the model nor the data (see --ignore-unknown)", file: options.requestsPath)
        }
    }

    /// Starts rewriting the store files that hold dropped rows (with --data DIR of a store) under temporary
    /// names, to be renamed into place by `writeRemaining`: the writing and flushing overlap the retraining.
    func stageRemaining(_ data: ForgetData) {
        let stores = storesRead.filter { data.filesWithDrops.contains($0.key) }
        guard options.dataIsStore, staging == nil, !stores.isEmpty else { return }
        staging = StoreStaging(stores, dropping: data.droppedIds, key: options.idKey)
    }

    /// The one commit path. Writes the outputs in a crash-safe order: the new model (atomically), then
    /// the ledger line (atomically), then the remaining rows. A crash before the model's rename leaves
    /// everything as it was; after it, rerunning the same request finds the ids gone from the model and
    /// only drops them from the data. Staged store files must be written before anything is committed.
    func commit(_ outcome: ForgetOutcome, data: ForgetData) throws {
        try data.digestCheck?.wait()
        _ = try staging?.wait()
        // Sections the request left as they were keep their checksums from the model read.
        let after = try outcome.model?.encode(reusing: try ModelContainerReader(source: modelBytes)) ?? modelBytes
        try writeModel(after)
        if options.approximate == nil, let m = outcome.model { try dropCurvatureOfRetrainedShards(m) }
        if let l = options.ledgerPath {
            var text = outcome.note
            if !data.unknown.isEmpty { text += (text.isEmpty ? "" : "; ") + "\(data.unknown.count) unknown ids ignored" }
            let entry = LedgerEntry(time: LedgerFile.now(), requestsDigest: ledgerRequestsDigest(requestIds, key: options.idKey), requestCount: requestIds.count,
                                    method: options.method.rawValue, modelBefore: modelDigest,
                                    modelAfter: hexString(SHA256Digest.hash(after)),
                                    shardsRetrained: outcome.shardsRetrained.map(String.init).joined(separator: " "),
                                    rowsRetrained: outcome.cost, residualBound: outcome.residualBound, note: text)
            try LedgerFile.append(entry, to: l)
        }
        try writeRemaining(data, selection: outcome.selection)
        ctx.summary(String(format: "%@: %d rows forgotten, shards [%@] retrained, cost %d, %.2f s%@", options.method.rawValue,
                           data.droppedIds.count, outcome.shardsRetrained.map(String.init).joined(separator: " "), outcome.cost,
                           Date().timeIntervalSince(started), outcome.note.isEmpty ? "" : "; " + outcome.note))
    }

    /// The new model keeps no stored curvature (`NEW.curv`, e.g. from ul-influence on a model rewritten in place,
    /// or left by an earlier file at NEW) for shard states it does not have (`dropStaleCurvature`). With -o
    /// elsewhere, the old model keeps its sidecar.
    func dropCurvatureOfRetrainedShards(_ newModel: ModelFile) throws {
        let dropped = try dropStaleCurvature(besides: options.outputPath, newModel: newModel)
        if !dropped.isEmpty { ctx.note(staleCurvatureNote(dropped, modelPath: options.outputPath, before: "the forget")) }
    }

    /// The model bytes to -o, atomically; nothing to do when -o is the model and the bytes are the same.
    func writeModel(_ bytes: [UInt8]) throws {
        if bytes == modelBytes, sameFile(options.outputPath, options.modelPath) { return }
        try writeFileAtomically(options.outputPath, bytes)
    }

    /// The data without the dropped rows: to --remaining or standard output, or with --data DIR the
    /// shard files (CSV or store) that held dropped rows, rewritten in place (each atomically). With a re-selection, the
    /// rows of the re-selected shards get their new selected and select_step values.
    func writeRemaining(_ data: ForgetData, selection: Reselection?) throws {
        if options.dataIsDirectory {
            let files = data.filesWithDrops.union(selection?.shards.map(shardFile) ?? [])
            for path in files.sorted() { try copyRows(from: path, to: path, dropping: data.droppedIds, selection: selection) }
        } else {
            try copyRows(from: options.dataPath, to: options.remainingPath, dropping: data.droppedIds, selection: selection)
        }
    }

    private func copyRows(from input: String, to output: String?, dropping: Set<String>, selection: Reselection?) throws {
        if selection == nil, output == input, let staged = try staging?.wait()[input] {
            try staged.commit()
            return
        }
        if selection == nil, let output, let store = try storesRead[input] ?? MappedStore.open(input) {
            // A store file is written anew without the rows (the model records no selection for a store).
            try StoreDirectory.write(store, dropping: dropping, key: options.idKey, to: output)
            return
        }
        let rows = selection == nil ? try openDataRows(input) : try CSVReader(path: input)
        guard let idCol = rows.header.firstIndex(of: options.columns.id) else {
            throw ToolError.data("missing required column \(quoted(options.columns.id)) (choose another with --id)\(rows.headerNote(options.columns.id))", file: input, line: 1)
        }
        if let m = rows as? MappedCSV {
            let out = try OutputFile(path: output)
            try m.copy(to: out, idColumn: idCol, dropping: dropping, key: options.idKey)
            try out.commit()
            return
        }
        let r = rows as! CSVReader
        let columns = try selection.map { _ in (try r.requireColumn("selected"), try r.requireColumn("select_step")) }
        let w = CSVWriter(try OutputFile(path: output))
        w.fields(r.headerFields)
        try w.endRow()
        while try r.next() {
            let id = keyed(r.string(idCol))
            if dropping.contains(id) { continue }
            let new = selection?.rows[id]
            for i in 0..<r.fieldCount {
                if let n = new, let c = columns, i == c.0 {
                    w.field(n.selected ? "1" : "0")
                } else if let n = new, let c = columns, i == c.1 {
                    w.field(n.step)
                } else {
                    w.field(r.field(i))
                }
            }
            try w.endRow()
        }
        try w.finish()
    }
}

/// What a forget method produced, for the commit path.
struct ForgetOutcome {
    /// The new model; nil keeps the model as it is.
    var model: ModelFile?
    var shardsRetrained: [Int] = []
    /// Cost of the retraining (see `retrainingCost`).
    var cost = 0
    var residualBound = ""
    var note = ""
    /// New selection columns of re-selected shards (ARCANE).
    var selection: Reselection? = nil
}

/// The selection of re-selected shards, as the remaining rows must carry it.
struct Reselection {
    var shards: Set<Int>
    var rows: [String: (selected: Bool, step: Int)]
}

