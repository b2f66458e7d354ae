import Foundation

/// Incremental Cholesky factor of L_S + σ²I and the conditional variances of every candidate.
/// Plain loops in a fixed order rather than BLAS: a BLAS kernel may round a row differently depending on where
/// it sits in the matrix, which would break the row-by-row exactness that selection promises.
struct GreedyLogDet {
    let n: Int
    let d: Int
    let x: [Double]          // n × d
    let ids: [String]
    let q: [Double]
    let noise: Double
    let gamma: Double?
    let cells: Int
    let cellOf: [Int]
    var remainingInCell: [Int]
    var nextCellPointer = 0
    var factor: [Double]     // n × capacity: row i holds its Cholesky row (first `t` entries)
    var capacity: Int
    var t = 0
    var variance: [Double]
    var chosen: [Bool]
    /// Per row: the key E of `GreedyRule.randomKey`, nil for `largestVariance`.
    let keys: [Double]?

    init(features: [Float], dimension: Int, ids: [String], config: EntropySelectionConfig, quality: [Double]?,
         rule: GreedyRule = .largestVariance, capacity: Int) {
        n = ids.count
        d = dimension
        x = features.map(Double.init)
        self.ids = ids
        q = quality ?? Array(repeating: 1, count: n)
        noise = config.noise
        gamma = config.gamma(dimension: dimension)
        cells = config.cells
        cellOf = ids.map { config.cell(of: $0) }
        remainingInCell = Array(repeating: 0, count: config.cells)
        for c in cellOf { remainingInCell[c] += 1 }
        // A budget without a count (variance rule only) starts small and grows, keeping memory O(N·m).
        self.capacity = capacity
        factor = Array(repeating: 0, count: n * self.capacity)
        chosen = Array(repeating: false, count: n)
        variance = Array(repeating: 0, count: n)
        keys = rule == .randomKey ? ids.map { selectionKey(of: $0, seed: config.seed) } : nil
        for i in 0..<n { variance[i] = q[i] * q[i] * kernel(i, i) + noise }
    }

    func kernel(_ i: Int, _ j: Int) -> Double {
        x.withUnsafeBufferPointer { p in
            let a = p.baseAddress! + i * d, b = p.baseAddress! + j * d
            if let g = gamma {
                if i == j { return 1 }
                return exp(-g * orderedSquaredDistance(a, b, d))
            }
            return orderedDot(a, b, d)
        }
    }

    /// The cell the next step draws from, advancing the round-robin pointer; nil when every row is chosen.
    mutating func nextCell() -> Int? {
        for k in 0..<cells {
            let c = (nextCellPointer + k) % cells
            if remainingInCell[c] > 0 {
                nextCellPointer = (c + 1) % cells
                return c
            }
        }
        return nil
    }

    /// Doubles the factor's row length (capped at n), keeping each row's entries.
    mutating func grow() {
        let newCapacity = min(max(2 * capacity, 1), n)
        var f = [Double](repeating: 0, count: n * newCapacity)
        for i in 0..<n { for k in 0..<t { f[i * newCapacity + k] = factor[i * capacity + k] } }
        factor = f
        capacity = newCapacity
    }

    /// The unchosen row of `cell` the rule takes: the largest conditional variance, or the smallest key E/v;
    /// ties to the smallest id.
    func best(in cell: Int) -> Int? {
        var b: Int? = nil
        if let e = keys {
            var bestKey = Double.infinity
            for i in 0..<n where !chosen[i] && cellOf[i] == cell {
                let k = e[i] / variance[i]
                guard let cur = b else { b = i; bestKey = k; continue }
                if k < bestKey || (k == bestKey && ids[i] < ids[cur]) { b = i; bestKey = k }
            }
            return b
        }
        for i in 0..<n where !chosen[i] && cellOf[i] == cell {
            guard let cur = b else { b = i; continue }
            if variance[i] > variance[cur] || (variance[i] == variance[cur] && ids[i] < ids[cur]) { b = i }
        }
        return b
    }

    /// Adds row j to S: appends one column to the factor of every unchosen row and lowers its variance.
    mutating func choose(_ j: Int) {
        if t == capacity { grow() }
        let pivot = variance[j].squareRoot()
        chosen[j] = true
        remainingInCell[cellOf[j]] -= 1
        let m = capacity, tt = t
        for i in 0..<n where !chosen[i] {
            let kij = q[i] * q[j] * kernel(i, j)
            let dot = factor.withUnsafeBufferPointer { f in orderedDot(f.baseAddress! + j * m, f.baseAddress! + i * m, tt) }
            let e = (kij - dot) / pivot
            factor[i * m + tt] = e
            variance[i] -= e * e
        }
        t += 1
    }
}
