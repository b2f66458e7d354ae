/// Labels in shard order for `--by class`: numeric order when every label is a number, else byte order.
public func classOrder(_ labels: some Sequence<String>) -> [String] {
    let unique = Array(Set(labels))
    let numbers = unique.map { parseDouble($0) }
    if !unique.isEmpty, numbers.allSatisfy({ $0 != nil }) {
        return zip(unique, numbers).sorted { a, b in a.1! != b.1! ? a.1! < b.1! : Array(a.0.utf8).lexicographicallyPrecedes(b.0.utf8) }.map { $0.0 }
    }
    return unique.sorted { Array($0.utf8).lexicographicallyPrecedes($1.utf8) }
}

/// The order of rows by ascending deletion probability, ties by `tie` (a hash of id and seed).
func probabilityOrder(_ rows: [Int], probability: [Double], tie: [UInt64]) -> [Int] {
    rows.sorted { a, b in
        probability[a] != probability[b] ? probability[a] < probability[b] : tie[a] != tie[b] ? tie[a] < tie[b] : a < b
    }
}

/// ARCANE sorting: within each shard, rows in ascending deletion probability are cut into `blocks`
/// equal runs, so the rows most likely to be deleted are in the last blocks. Returns a block per row.
public func blocksByRank(shard: [Int], probability: [Double], tie: [UInt64], blocks: Int) -> [Int] {
    precondition(shard.count == probability.count && shard.count == tie.count && blocks >= 1)
    var members = [Int: [Int]]()
    for (i, s) in shard.enumerated() { members[s, default: []].append(i) }
    var out = [Int](repeating: 0, count: shard.count)
    for rows in members.values {
        let order = probabilityOrder(rows, probability: probability, tie: tie)
        for (rank, row) in order.enumerated() { out[row] = rank * blocks / order.count }
    }
    return out
}

/// SISA distribution-aware sharding: rows in ascending deletion probability fill shard 0 until the
/// sum of their probabilities reaches `capacity`, then shard 1, and so on. Rows likely to be deleted
/// end up together in small shards, which are cheap to retrain. Returns a shard per row.
public func capacityShards(probability: [Double], tie: [UInt64], capacity: Double) -> [Int] {
    precondition(probability.count == tie.count && capacity > 0)
    var out = [Int](repeating: 0, count: probability.count)
    var shard = 0
    var load = 0.0
    for row in probabilityOrder(Array(probability.indices), probability: probability, tie: tie) {
        out[row] = shard
        load += probability[row]
        if load >= capacity {
            shard += 1
            load = 0
        }
    }
    return out
}
