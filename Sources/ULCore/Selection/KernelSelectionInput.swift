/// What coverage and herding selection start from: the shard's rbf kernel of every pair of rows, each row's
/// position in id order (for ties) and the count m, after the checks both make.
struct KernelSelectionInput {
    let kernel: [Float]
    let rank: [Int]
    let rows: Int
    let count: Int

    /// nil when nothing is to be chosen (m = 0 or no rows).
    init?(features: [Float], dimension: Int, ids: [String], gamma: Double, count: Int, method: SelectionMethod) throws {
        let n = ids.count
        guard dimension > 0, features.count == n * dimension else {
            throw SelectionError.shapeMismatch("\(features.count) feature values for \(n) rows of \(dimension)")
        }
        guard gamma > 0, gamma.isFinite else { throw SelectionError.invalidConfig("gamma must be > 0") }
        guard count >= 0 else { throw SelectionError.invalidConfig("budget count must be ≥ 0") }
        var seen = Set<String>(minimumCapacity: n)
        for id in ids where !seen.insert(id).inserted { throw SelectionError.duplicateID(id) }
        guard n <= kernelMatrixRowLimit else { throw SelectionError.tooManyRows(rows: n, limit: kernelMatrixRowLimit, method: method.rawValue) }
        guard min(count, n) > 0 else { return nil }
        kernel = rbfKernelMatrix(features, dimension: dimension, rows: n, gamma: gamma)
        // Ties compare integers, not strings.
        var rank = [Int](repeating: 0, count: n)
        for (r, i) in ids.indices.sorted(by: { ids[$0] < ids[$1] }).enumerated() { rank[i] = r }
        self.rank = rank
        rows = n
        self.count = min(count, n)
    }
}
