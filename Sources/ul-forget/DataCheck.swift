import Foundation
import ULCLI
import ULCore

/// Reading the data against the model's record.
extension ForgetJob {
    /// Reads the data and checks it against the model's record: every trained row is present with the
    /// shard and block it was trained in, no other row claims to be trained, and the rows of each kept
    /// shard hash to the digests of its blocks. Rows of `keepShards` are kept in memory (features as
    /// training sees them); with --data DIR only those shards' files are read (and the others' ids only
    /// when a requested id is not in the model). Any mismatch is exit 65, before any work (a block digest's,
    /// with `deferringDigests`, before anything is written).
    ///
    /// Memory follows the kept shards, not the file: the rows of other shards are checked by a tally per
    /// block (row count and sum of id fingerprints, equal for the same ids in any order), and a fingerprint
    /// per row finds duplicate ids (see IdSet). Only when a tally differs is the data read once more
    /// against the index of every recorded id, to name the offending row.
    ///
    /// With `candidates` (ARCANE) the kept shards hold every row, selected or not, with features as read
    /// (selection scales them itself); the digests are checked over their selected rows, scaled.
    ///
    /// `deferringDigests`: the block digests (SHA-256 over every kept row) are checked on other threads while
    /// the caller works with the rows (`ForgetData.digestCheck`); a mismatch is still exit 65 with nothing
    /// written, found before the commit instead of before the work.
    func readData(keepShards: Set<Int>, candidates: Bool = false, deferringDigests: Bool = false) throws -> ForgetData {
        do {
            return try readData(keepShards: keepShards, candidates: candidates, exact: false, deferringDigests: deferringDigests)
        } catch is TallyMismatch {
            return try readData(keepShards: keepShards, candidates: candidates, exact: true, deferringDigests: deferringDigests)
        }
    }

    /// The data differs from the model's record somewhere; the exact reading says where.
    private struct TallyMismatch: Error {}

    /// `exact`: look every row up in `recorded`; else check the rows not requested by the tallies.
    private func readData(keepShards: Set<Int>, candidates: Bool, exact: Bool, deferringDigests: Bool) throws -> ForgetData {
        let requested = Set(requestIds)
        var data = ForgetData()
        var seenRecorded = 0
        var tallies = [BlockKey: BlockTally]()
        if options.dataIsDirectory {
            for k in keepShards.sorted() {
                guard FileManager.default.fileExists(atPath: shardFile(k)) else {
                    throw ToolError(.noInput, "cannot open: no file for shard \(k) in \(displayName(options.dataPath))", file: shardFile(k))
                }
                seenRecorded += try scan(shardFile(k), onlyShard: k, keep: keepShards, candidates: candidates, requested: requested, exact: exact,
                                         tallies: &tallies, into: &data)
            }
            if !exact, tallies != recordedTallies(keepShards) { throw TallyMismatch() }
            let expected = keepShards.reduce(0) { n, k in n + shardRecord(k).blocks.reduce(0) { $0 + $1.rowCount } }
            if exact, seenRecorded != expected { try reportMissing(in: keepShards, data: data) }
            if requested.contains(where: { requestedLocations[$0] == nil }) {
                // Ids the model does not hold may still be rows of other shard files (not selected, or
                // dropped from the model by an interrupted earlier run): find them by id alone.
                for k in model.config.heldShards where !keepShards.contains(k) {
                    guard FileManager.default.fileExists(atPath: shardFile(k)) else { continue }
                    try scanIds(shardFile(k), shard: k, requested: requested, into: &data)
                }
            }
        } else {
            seenRecorded = try scan(options.dataPath, onlyShard: nil, keep: keepShards, candidates: candidates, requested: requested, exact: exact,
                                    tallies: &tallies, into: &data)
            if !exact, tallies != recordedTallies(nil) { throw TallyMismatch() }
            if exact, seenRecorded != recorded.count { try reportMissing(in: nil, data: data) }
        }
        var checks = [(file: String?, record: ShardRecord, rows: ShardRows)]()
        for k in keepShards.sorted() {
            var rows = data.shards[k] ?? ShardRows(featureCount: model.features.count)
            if candidates { rows = rows.trainedRows(config: model.config) }
            checks.append((options.dataIsStore ? shardFile(k) : nil, shardRecord(k), rows))
            if !candidates { data.shardsAsRecorded.insert(k) }
        }
        let labels = model.labels, dataPath = options.dataPath, pending = checks
        let checkAll: @Sendable () throws -> Void = {
            for c in pending {
                do { try c.record.check(c.rows.data, blocks: c.rows.blocks, labels: labels) } catch let e as RecordMismatch {
                    throw ToolError.data("\(e)", file: c.file ?? dataPath)
                }
            }
        }
        if deferringDigests { data.digestCheck = BackgroundWork(checkAll) } else { try checkAll() }
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
                    throw ToolError.data("\(RecordMismatch.missingRow(id: id, shard: s.index, block: b))",
                                         file: options.dataIsStore ? shardFile(s.index) : options.dataPath)
                }
            }
        }
    }

    /// One pass over a data file; returns how many trained rows it held (`exact`), or adds the rows that
    /// claim to be trained to `tallies` (throwing `RecordMismatch` when a row cannot be checked that way).
    private func scan(_ path: String, onlyShard: Int?, keep: Set<Int>, candidates: Bool, requested: Set<String>, exact: Bool,
                      tallies: inout [BlockKey: BlockTally], into data: inout ForgetData) throws -> Int {
        let r = try openDataRows(path)
        if let store = (r as? StoreRows)?.singleStore { storesRead[path] = store }
        let columns = try ModelColumns(r, model: model, idColumn: options.columns.id, labelColumn: options.columns.label)
        let idCol = columns.id!, labelCol = columns.label!, featureCols = columns.features
        let shardCol = r.column("shard"), blockCol = r.column("block"), selectedCol = r.column("selected")
        let config = model.config
        var row = [Float](repeating: 0, count: featureCols.count)
        // The model's features in the file's order, one run of columns (as ul-partition writes them): read at once.
        let firstFeature = featureCols.first ?? 0
        let oneRun = !featureCols.isEmpty && featureCols.elementsEqual(firstFeature..<(firstFeature + featureCols.count))
        var trained = 0
        /// Keeps the current row in its shard's rows: features scaled as training scales them, or as read
        /// for `candidates`.
        func keepRow(id: String, shard: Int, block: Int, selected: Bool) throws {
            let c = try columns.classIndex(of: r.string(labelCol), path: path, line: r.line)
            if oneRun {
                try row.withUnsafeMutableBufferPointer { try r.floats(from: firstFeature, count: $0.count, into: $0.baseAddress!) }
                if !candidates, let scale = config.scale { for j in row.indices { row[j] *= scale } }
            } else {
                for (j, col) in featureCols.enumerated() { row[j] = candidates ? try r.float(col) : config.scaled(try r.float(col)) }
            }
            if data.shards[shard] == nil {
                // The model knows how many rows the shard has: no growth by doubling.
                let rows = model.shards.first { $0.index == shard }.map { $0.blocks.reduce(0) { $0 + $1.rowCount } } ?? 0
                data.shards[shard] = ShardRows(featureCount: featureCols.count, reserving: rows)
            }
            row.withUnsafeBufferPointer { data.shards[shard]!.append(id: id, classIndex: c, block: block, selected: selected, features: $0) }
        }
        let progress = ctx.progress("checking", total: r.totalBytes)
        while try r.next() {
            let raw = r.string(idCol)
            guard !raw.isEmpty else { throw ToolError.data("empty id", file: path, line: r.line) }
            let id = keyed(raw)
            guard data.seen.insert(id) else { throw ToolError.data("duplicate id \(quoted(raw))", file: path, line: r.line) }
            var selected = true
            if let s = selectedCol {
                let text = r.string(s)
                let v = text == "0" || text == "1" ? text : text.trimmingCharacters(in: .whitespaces)
                guard v == "0" || v == "1" else {
                    throw ToolError.data("column 'selected': expected 0 or 1, got \(quoted(v))", file: path, line: r.line)
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
                          onlyShard.map({ $0 == s }) ?? true else { throw TallyMismatch() }
                    location = RowLocation(shard: s, block: b)
                }
            }
            guard let location else {
                if forgotten {
                    data.droppedIds.insert(id)
                    data.filesWithDrops.insert(path)
                    if let s = try? shardCol.map({ try parseIndex(r, $0) }) ?? 0 { data.unselectedDrops[onlyShard ?? s, default: []].insert(id) }
                } else if selected {
                    throw ToolError.data("\(RecordMismatch.unrecordedRow(id: raw))", file: path, line: r.line)
                } else if candidates, case let s = try shardCol.map({ try parseIndex(r, $0) }) ?? 0, keep.contains(s) {
                    try keepRow(id: id, shard: s, block: try blockCol.map { try parseIndex(r, $0) } ?? 0, selected: false)
                }
                continue
            }
            let shard = try shardCol.map { try parseIndex(r, $0) } ?? 0
            let block = try blockCol.map { try parseIndex(r, $0) } ?? 0
            guard shard == location.shard, block == location.block, onlyShard.map({ $0 == shard }) ?? true else {
                throw ToolError.data("\(RecordMismatch.misplacedRow(id: raw, shard: shard, block: block, recordedShard: location.shard, recordedBlock: location.block))", file: path, line: r.line)
            }
            trained += 1
            if !exact { tallies[BlockKey(shard: shard, block: block), default: BlockTally()].add(id) }
            if forgotten {
                data.droppedIds.insert(id)
                data.filesWithDrops.insert(path)
            }
            if !keep.contains(shard) {
                if !forgotten { data.labelsOfOtherShards.insert(r.string(labelCol)) }
            } else {
                do {
                    try keepRow(id: id, shard: shard, block: block, selected: true)
                } catch is ToolError where !exact && !forgotten {
                    // The row's place is only claimed so far: if it is not in the model, that is the error to report.
                    throw TallyMismatch()
                }
            }
            if r.recordCount % 1024 == 0 { progress.update(r.bytesRead) }
        }
        progress.finish()
        return trained
    }

    /// Finds requested ids in a data file by id alone.
    private func scanIds(_ path: String, shard: Int, requested: Set<String>, into data: inout ForgetData) throws {
        let r = try openDataRows(path)
        let idCol = try r.requireColumn(options.columns.id, option: "id")
        while try r.next() {
            let id = keyed(r.string(idCol))
            if requested.contains(id), requestedLocations[id] == nil {
                data.droppedIds.insert(id)
                data.filesWithDrops.insert(path)
                data.unselectedDrops[shard, default: []].insert(id)
            }
        }
    }

    func parseIndex(_ r: DataRows, _ col: Int) throws -> Int {
        let text = r.string(col)
        // Trimming goes through Foundation, slow for every row: only text that does not parse as it is needs it.
        guard let v = Int(text) ?? Int(text.trimmingCharacters(in: .whitespaces)), v >= 0 else {
            throw ToolError.data("column \(quoted(r.header[col])): expected a non-negative integer, got \(quoted(text))", file: r.path, line: r.line)
        }
        return v
    }

    /// A kept shard's rows without the forgotten ones, and their blocks (none when every row is forgotten:
    /// the shard becomes an empty shard, as ul-train records a shard without rows).
    /// The shard's rows leave `data` (so its memory holds them once). Blocks that lose no row keep the rows
    /// the reading checked against the model's digests, and so those digests (`checkedDigests`).
    func takeRemainingRows(of shard: Int, from data: inout ForgetData) -> ShardInput {
        var all = data.shards.removeValue(forKey: shard) ?? ShardRows(featureCount: model.features.count)
        let keep = (0..<all.data.count).filter { !data.droppedIds.contains(all.data.ids[$0]) }
        let losing = Set((0..<all.data.count).filter { data.droppedIds.contains(all.data.ids[$0]) }.map { all.blocks[$0] })
        var checked = [Int: [UInt8]]()
        if data.shardsAsRecorded.contains(shard) {
            for (b, block) in shardRecord(shard).blocks.enumerated() where !losing.contains(b) { checked[b] = block.digest }
        }
        all.data.retain(keep)
        return ShardInput(shard: shard, data: all.data, blocks: keep.map { all.blocks[$0] }, checkedDigests: checked)
    }

    /// A record mismatch is bad data (65) in the data file (`file`, else --data).
    func recordErrors<T>(file: String? = nil, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as RecordMismatch { throw ToolError.data("\(e)", file: file ?? options.dataPath) }
    }
}
