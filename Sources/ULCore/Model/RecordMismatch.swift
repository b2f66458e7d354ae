/// Why rows are not the rows a model was trained on: one wording for every tool that checks data against
/// a model's record (ul-forget, ul-influence, ul-audit).
public enum RecordMismatch: Error, Equatable, CustomStringConvertible {
    /// A row the record lists is not in the data.
    case missingRow(id: String, shard: Int, block: Int)
    /// A row the data claims was trained is not in the record.
    case unrecordedRow(id: String)
    /// A row sits in another shard or block than the one it was trained in.
    case misplacedRow(id: String, shard: Int, block: Int, recordedShard: Int, recordedBlock: Int)
    /// A block's rows (ids, labels, features) hash to another digest than the recorded one.
    case digest(shard: Int, block: Int)

    public var description: String {
        switch self {
        case let .missingRow(id, s, b): return "row \(quotedForMessage(id)) (shard \(s) block \(b) in the model) is missing from the data"
        case let .unrecordedRow(id): return "row \(quotedForMessage(id)) is not in the model's record: this is not the data the model was trained on"
        case let .misplacedRow(id, s, b, rs, rb): return "row \(quotedForMessage(id)) is in shard \(s) block \(b) here but was trained in shard \(rs) block \(rb)"
        case let .digest(s, b): return "shard \(s) block \(b): the rows differ from those the model was trained on (digest mismatch)"
        }
    }
}

extension BlockRecord {
    /// Whether `rows` of `data`, in this block's record order, are the rows it was trained on.
    func matches(_ data: Dataset, rows: [Int], labels: [String]) -> Bool {
        blockDigest(data, rows: rows, labels: labels) == digest
    }
}

extension ShardRecord {
    /// Positions in the data of the shard's rows in record order (block by block), found by id.
    public func rowsInRecordOrder(_ position: [String: Int]) throws -> [Int] {
        var out = [Int]()
        out.reserveCapacity(blocks.reduce(0) { $0 + $1.rowCount })
        for (b, block) in blocks.enumerated() {
            for id in block.ids {
                guard let p = position[id] else { throw RecordMismatch.missingRow(id: id, shard: index, block: b) }
                out.append(p)
            }
        }
        return out
    }

    /// Checks `data` holding the shard's rows in record order (as `rowsInRecordOrder` lays them out).
    public func check(recordOrdered data: Dataset, labels: [String]) throws {
        var start = 0
        for (b, block) in blocks.enumerated() {
            guard block.matches(data, rows: Array(start ..< start + block.rowCount), labels: labels) else {
                throw RecordMismatch.digest(shard: index, block: b)
            }
            start += block.rowCount
        }
    }

    /// Checks the shard's rows in `data` (`blocks[i]` is row i's block, any row order) against the record.
    public func check(_ data: Dataset, blocks rowBlocks: [Int], labels: [String]) throws {
        var rows = [[Int]](repeating: [], count: blocks.count)
        for (i, b) in rowBlocks.enumerated() {
            guard b >= 0, b < rows.count else { throw RecordMismatch.digest(shard: index, block: max(0, min(b, rows.count - 1))) }
            rows[b].append(i)
        }
        // Each block's digest hashes every feature of it: the blocks on both cores, the first mismatch reported.
        let matching = concurrentMap(Array(rows.indices), workers: 2) { _, b in
            let sorted = rows[b].sorted { data.ids[$0].utf8.lexicographicallyPrecedes(data.ids[$1].utf8) }
            return blocks[b].matches(data, rows: sorted, labels: labels)
        }
        if let b = matching.firstIndex(of: false) { throw RecordMismatch.digest(shard: index, block: b) }
    }
}
