import Foundation
@testable import ULCore

// The greedy engine as it was before lazy evaluation, kept verbatim (renamed) as the reference the library's
// engine must match bit for bit: every unchosen row is brought up to date at every step and the candidates are
// scanned in row order. It lives here rather than in the library so that a change to the library's engine cannot
// change the reference too.


/// Incremental Cholesky factor of L_S + σ²I and the conditional variances of every candidate.
/// Plain loops in a fixed order rather than BLAS: a BLAS kernel may round a row differently depending on where
/// it sits in the matrix, which would break the row-by-row exactness that selection promises.
struct EagerGreedyLogDet {
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

func eagerSelectByEntropy(
    features: [Float], dimension: Int, ids: [String],
    config: EntropySelectionConfig = EntropySelectionConfig(),
    budget: SelectionBudget,
    quality: [Double]? = nil,
    rule: GreedyRule = .largestVariance,
    resumingFrom previous: [String] = []
) throws -> EntropySelection {
    let n = ids.count
    guard dimension > 0, features.count == n * dimension else {
        throw SelectionError.shapeMismatch("\(features.count) feature values for \(n) rows of \(dimension)")
    }
    if let q = quality, q.count != n { throw SelectionError.shapeMismatch("\(q.count) quality values for \(n) rows") }
    if let q = quality, let bad = q.first(where: { !($0 > 0 && $0.isFinite) }) {
        throw SelectionError.invalidConfig("quality \(bad) is not a positive finite number")
    }
    guard config.noise > 0, config.noise.isFinite else { throw SelectionError.invalidConfig("noise must be > 0") }
    guard config.cells >= 1 else { throw SelectionError.invalidConfig("cells must be ≥ 1") }
    guard budget.count >= 0 else { throw SelectionError.invalidConfig("budget count must be ≥ 0") }
    if let g = config.gamma(dimension: dimension), !(g > 0 && g.isFinite) {
        throw SelectionError.invalidConfig("gamma must be > 0")
    }
    var indexOf = [String: Int](minimumCapacity: n)
    for (i, id) in ids.enumerated() {
        if indexOf.updateValue(i, forKey: id) != nil { throw SelectionError.duplicateID(id) }
    }

    var engine = EagerGreedyLogDet(features: features, dimension: dimension, ids: ids, config: config,
                              quality: quality, rule: rule,
                              // With the variance rule alone m is unknown: start small, grow by doubling.
                              capacity: budget.count <= n ? budget.count : min(64, n))
    var result = EntropySelection(selected: Array(repeating: false, count: n), step: Array(repeating: 0, count: n),
                                  order: [], conditionalVariances: [], replayedSteps: 0)
    var replay = previous.makeIterator()
    var replaying = true
    while result.order.count < budget.count {
        guard let cell = engine.nextCell() else { break }
        var choice: Int? = nil
        if replaying, let id = replay.next(), let i = indexOf[id] {
            guard engine.cellOf[i] == cell, !result.selected[i] else {
                throw SelectionError.inconsistentResume(id: id, step: result.order.count + 1)
            }
            choice = i
            result.replayedSteps += 1
        } else {
            replaying = false
            choice = engine.best(in: cell)
            // The chosen row's variance, never another candidate's: so an unchosen row cannot move the stop.
            if let c = choice, engine.variance[c] < budget.minimumVariance { choice = nil }
        }
        guard let j = choice, engine.variance[j] > 0 else { break }
        result.conditionalVariances.append(engine.variance[j])
        engine.choose(j)
        result.selected[j] = true
        result.order.append(j)
        result.step[j] = result.order.count
    }
    return result
}
