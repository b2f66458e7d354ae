import Foundation

/// Incremental Cholesky factor of L_S + σ²I and the conditional variances of the candidates, evaluated lazily.
///
/// Row i's factor row and variance are brought up to the current step only when the row could be the one the rule
/// takes (`refresh`). Each column is computed with the formula and order of operations of an eager update
/// (e = (q_i q_p k(i, p) − Σ_l F_p[l] F_i[l]) / pivot, v −= e²), so every number equals the one eager evaluation
/// computes, only later. Plain loops in a fixed order rather than BLAS: a BLAS kernel may round a row differently
/// depending on where it sits in the matrix, which would break the row-by-row exactness that selection promises.
///
/// Why the lazy choice is the eager one. A row's variance never increases from one step to the next
/// (v − e² ≤ v in floating point too, e² ≥ 0 and rounding is monotone), so a stale variance is an upper bound of
/// the current one and a stale key E/v (E ≥ 0, v > 0) a lower bound of the current key. Each cell keeps a heap
/// ordered by (priority, id rank), priority −v or E/v, stale or not: exactly the order of the eager scan, which
/// takes the lexicographic minimum of (priority, id). When the top row is current, every other row r has
/// (current priority(r), id r) ≥ (stored priority(r), id r) > (priority(top), id top), so the top is the eager
/// choice, ties included. A row may also be brought only part of the way (`refresh(_:behind:)`): its variance
/// so far is a bound all the same. The argument needs every variance to stay a number and, for E/v, positive at
/// every step; `lazyIsExact` checks a sufficient condition up front, and otherwise every candidate is refreshed at
/// every step and scanned as before (eager evaluation).
struct GreedyLogDet {
    let n: Int
    let d: Int
    /// n × d, as given; each use converts to Double, which is exact, so kernel values equal those of Double rows.
    let x: [Float]
    let q: [Double]
    let noise: Double
    let gamma: Double?
    let cells: Int
    let cellOf: [Int]
    var remainingInCell: [Int]
    var nextCellPointer = 0
    var factor: [Double]     // n × capacity: row i holds its Cholesky row (first `current[i]` entries)
    var capacity: Int
    var t = 0
    /// Per row: the conditional variance given the first `current[i]` chosen rows.
    var variance: [Double]
    /// Per row: how many columns of its factor row are computed (= t once it is brought up to date).
    var current: [Int]
    var chosen: [Bool]
    /// The row chosen at step k + 1 and its pivot √v.
    var chosenRows: [Int] = []
    var pivots: [Double] = []
    /// Per row: the key E of `GreedyRule.randomKey`, nil for `largestVariance`.
    let keys: [Double]?
    let ids: [String]
    /// Lazy evaluation (heaps) or eager (every candidate refreshed and scanned at every step).
    var lazy = false
    /// Per row: −v (largest variance first) or E/v, as of the row's last refresh; ordered ascending in the heaps.
    var priority: [Double]
    /// Per row: its position in id order, so heap comparisons need no string comparison.
    let rank: [Int32]
    /// Per cell: a binary min-heap of rows by (priority, rank). Chosen rows are dropped when they reach the top.
    var heaps: [[Int32]]
    /// Work done: rows brought up to date and factor columns computed (kernel evaluations and dot products).
    var work = GreedyWork()

    init(features: [Float], dimension: Int, ids: [String], config: EntropySelectionConfig, quality: [Double]?,
         rule: GreedyRule = .largestVariance, capacity: Int, evaluation: GreedyEvaluation = .automatic) {
        n = ids.count
        d = dimension
        x = features
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
        current = Array(repeating: 0, count: n)
        keys = rule == .randomKey ? ids.map { selectionKey(of: $0, seed: config.seed) } : nil
        priority = Array(repeating: 0, count: n)
        var r = [Int32](repeating: 0, count: n)
        for (k, i) in (0..<n).sorted(by: { ids[$0] < ids[$1] }).enumerated() { r[i] = Int32(k) }
        rank = r
        heaps = Array(repeating: [], count: config.cells)
        for i in 0..<n { variance[i] = q[i] * q[i] * kernel(i, i) + noise }
        lazy = evaluation == .automatic && lazyIsExact()
        guard lazy else { return }
        for i in 0..<n {
            setPriority(i)
            heaps[cellOf[i]].append(Int32(i))
        }
        for c in 0..<cells where heaps[c].count > 1 {
            for k in stride(from: heaps[c].count / 2 - 1, through: 0, by: -1) { siftDown(c, k) }
        }
    }

    /// Whether every conditional variance is sure to stay positive and finite, so that stale values bound current
    /// ones (see the type's comment). The candidates' conditional variances at step t are the last pivots of the
    /// Cholesky factorisation of the computed (t+1) × (t+1) matrix A = L_{S∪i} + σ²I + E, where E (rounding of the
    /// kernel values and quality products) has |E_ij| ≤ (d + 6)u·D, D = max_i A_ii, so λ_min(A) ≥ σ² − N(d + 6)u·D.
    /// Demmel's bound (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., Thm 10.7): Cholesky
    /// computed in floating point, inner products in any order, meets only positive pivots when
    /// λ_min(A)/D > nγ_{n+1}/(1 − nγ_{n+1}) ≈ n(n + 1)u. With n ≤ N both hold when σ² ≥ 8(N + 1)(N + d + 8)u·D
    /// (u = ε/2), which is what is checked; features must be finite and D far from overflow. Defaults (rbf, σ² =
    /// 0.01) pass up to about 3 million rows per shard.
    func lazyIsExact() -> Bool {
        guard x.allSatisfy({ $0.isFinite }), variance.allSatisfy({ $0.isFinite }) else { return false }
        let largest = variance.reduce(0, max)
        guard largest <= 1e300 else { return false }
        let rows = Double(n + 1)
        return noise >= 4 * rows * (rows + Double(d + 7)) * Double.ulpOfOne * largest
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

    /// Brings the rows up to step t together: appends to each the factor columns of the rows chosen since its last
    /// refresh, in step order, lowering its variance by each column's square. Columns go four at a time through all
    /// the rows, so the chosen rows' data read for one row is still in cache for the next.
    ///
    /// With `behind`, a row that has gained `minimumAdvance` columns stops early, after a group of four, once row
    /// `behind` (not one of `rows`) precedes it in heap order: it cannot be chosen before `behind` is looked at,
    /// and its variance so far is still a bound. Such a row is left part way (`current[i] < t`).
    mutating func refresh(_ rows: [Int], behind: Int? = nil) {
        let tt = t, m = capacity, dd = d, g = gamma
        let rows = rows.filter { current[$0] < tt }
        guard !rows.isEmpty else { return }
        var v = rows.map { variance[$0] }
        let starts = rows.map { current[$0] }
        var reached = [Int](repeating: tt, count: rows.count)
        let limit = behind.map { (priority[$0], rank[$0]) }
        let keys = keys, rowRanks = rows.map { rank[$0] }
        var stops = 0
        factor.withUnsafeMutableBufferPointer { fb in
            x.withUnsafeBufferPointer { xb in
                q.withUnsafeBufferPointer { qb in
                    chosenRows.withUnsafeBufferPointer { cb in
                        pivots.withUnsafeBufferPointer { pb in
                            let columns = FactorColumns(factor: fb.baseAddress!, x: xb.baseAddress!, q: qb.baseAddress!,
                                                        chosen: cb.baseAddress!, pivots: pb.baseAddress!, capacity: m,
                                                        dimension: dd, gamma: g)
                            // Single columns up to a multiple of 4, then groups of 4, then the last single ones.
                            var aligned = [Int](repeating: tt, count: rows.count)
                            for (r, i) in rows.enumerated() {
                                var k = starts[r]
                                while k < tt && k % 4 != 0 { columns.single(i, k, &v[r]); k += 1 }
                                aligned[r] = k
                            }
                            var active = [Bool](repeating: true, count: rows.count)
                            var k0 = aligned.min()!
                            while k0 + 4 <= tt {
                                for (r, i) in rows.enumerated() where active[r] && aligned[r] <= k0 {
                                    columns.group(i, k0, &v[r])
                                    if let (p, rk) = limit, k0 + 4 - starts[r] >= GreedyLogDet.minimumAdvance {
                                        let own = keys.map { $0[i] / v[r] } ?? -v[r]
                                        if !(own < p || (own == p && rowRanks[r] < rk)) {
                                            active[r] = false
                                            reached[r] = k0 + 4
                                            stops += 1
                                        }
                                    }
                                }
                                k0 += 4
                            }
                            for (r, i) in rows.enumerated() where active[r] {
                                var k = max(aligned[r], k0)
                                while k < tt { columns.single(i, k, &v[r]); k += 1 }
                            }
                        }
                    }
                }
            }
        }
        work.stops += stops
        for (r, i) in rows.enumerated() {
            variance[i] = v[r]
            current[i] = reached[r]
            work.refreshes += 1
            work.columns += reached[r] - starts[r]
            if lazy { setPriority(i) }
        }
    }

    mutating func setPriority(_ i: Int) {
        if let e = keys { priority[i] = e[i] / variance[i] } else { priority[i] = -variance[i] }
    }

    /// The unchosen row of `cell` the rule takes: the largest conditional variance, or the smallest key E/v;
    /// ties to the smallest id. The row returned is up to date.
    mutating func best(in cell: Int) -> Int? {
        guard lazy else { return eagerBest(in: cell) }
        var batch = [Int]()
        batch.reserveCapacity(GreedyLogDet.batchRows)
        while true {
            while let top = heaps[cell].first, chosen[Int(top)] { removeTop(cell) }
            guard let top = heaps[cell].first else { return nil }
            if current[Int(top)] == t { return Int(top) }
            // The top and the next stale rows in heap order are brought up to date together: those after the top
            // are the likeliest to need it next, and a row brought up to date early is not wrong, only early.
            batch.removeAll(keepingCapacity: true)
            while batch.count < GreedyLogDet.batchRows, let r = heaps[cell].first {
                let i = Int(r)
                if !chosen[i] {
                    if current[i] == t { break }
                    batch.append(i)
                }
                removeTop(cell)
            }
            while let top = heaps[cell].first, chosen[Int(top)] { removeTop(cell) }
            refresh(batch, behind: heaps[cell].first.map { Int($0) })
            for i in batch { push(cell, i) }
        }
    }

    /// Rows brought up to date together (their factor rows and a group of four chosen rows' stay in L2).
    static let batchRows = 8
    /// Columns a row gains at least before it may stop behind another row: each stop costs a heap update and the
    /// cache reuse of a batch, each column saved a kernel value and a dot product (measured on a Fashion-MNIST
    /// class: 128 cuts spread's columns by a third and entropy's by a seventh, where stopping after every group
    /// costs more in heap updates than it saves).
    static let minimumAdvance = 128

    /// Every candidate of the cell brought up to date, then scanned in row order.
    mutating func eagerBest(in cell: Int) -> Int? {
        let candidates = (0..<n).filter { !chosen[$0] && cellOf[$0] == cell }
        for start in stride(from: 0, to: candidates.count, by: GreedyLogDet.batchRows) {
            refresh(Array(candidates[start..<min(start + GreedyLogDet.batchRows, candidates.count)]))
        }
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

    /// Adds row j to S. Row j must be up to date (`refresh`): its factor row is read by every later refresh.
    mutating func choose(_ j: Int) {
        precondition(current[j] == t && !chosen[j])
        if t == capacity { grow() }
        pivots.append(variance[j].squareRoot())
        chosenRows.append(j)
        chosen[j] = true
        remainingInCell[cellOf[j]] -= 1
        t += 1
    }

    @inline(__always)
    func precedes(_ a: Int32, _ b: Int32) -> Bool {
        let pa = priority[Int(a)], pb = priority[Int(b)]
        return pa < pb || (pa == pb && rank[Int(a)] < rank[Int(b)])
    }

    mutating func siftDown(_ c: Int, _ start: Int) {
        var k = start
        let count = heaps[c].count
        let item = heaps[c][k]
        while true {
            var child = 2 * k + 1
            guard child < count else { break }
            if child + 1 < count && precedes(heaps[c][child + 1], heaps[c][child]) { child += 1 }
            guard precedes(heaps[c][child], item) else { break }
            heaps[c][k] = heaps[c][child]
            k = child
        }
        heaps[c][k] = item
    }

    mutating func push(_ c: Int, _ i: Int) {
        var k = heaps[c].count
        heaps[c].append(Int32(i))
        while k > 0 {
            let parent = (k - 1) / 2
            guard precedes(Int32(i), heaps[c][parent]) else { break }
            heaps[c][k] = heaps[c][parent]
            k = parent
        }
        heaps[c][k] = Int32(i)
    }

    mutating func removeTop(_ c: Int) {
        let last = heaps[c].removeLast()
        guard !heaps[c].isEmpty else { return }
        heaps[c][0] = last
        siftDown(c, 0)
    }
}
