import Foundation

/// Result of greedy joint-entropy selection over one shard's rows (indices refer to the input rows).
struct EntropySelection: Equatable, Sendable {
    /// Per row: chosen or not.
    var selected: [Bool]
    /// Per row: the 1-based step at which it was chosen, 0 if not chosen.
    var step: [Int]
    /// Row indices in the order they were chosen (`order[t-1]` was chosen at step t).
    var order: [Int]
    /// Per step: the conditional variance k(x,x) + σ² − k_Sxᵀ(K_S + σ²I)⁻¹k_Sx of the chosen row, i.e. the
    /// squared pivot of the Cholesky factor of K_S + σ²I.
    var conditionalVariances: [Double]
    /// How many leading steps were replayed from the previous order rather than chosen afresh.
    var replayedSteps: Int

    /// log det(K_S + σ²I) = Σ log(pivot²), from the incremental factor.
    var logDeterminant: Double { conditionalVariances.reduce(0) { $0 + log($1) } }
    /// H(S) = ½ log det(2πe (K_S + σ²I)).
    var entropy: Double {
        0.5 * (Double(order.count) * log(2 * Double.pi * M_E) + logDeterminant)
    }
    /// Ids of the chosen rows in step order.
    func orderedIDs(_ ids: [String]) -> [String] { order.map { ids[$0] } }
}

/// Greedy maximisation of H(S) = ½ log det(2πe (L_S + σ²I)) over the rows of one shard, with
/// L = diag(q) K diag(q) (q ≡ 1 unless `quality` is given).
///
/// Step t adds the candidate of largest conditional variance (or, with `rule: .randomKey`, of smallest key
/// E(id)/variance, see `GreedyRule`); ties go to the smallest id (`String` order).
/// With `config.cells > 1` the candidates of step t are the unchosen rows of one hash cell, the cells being
/// visited round-robin and a cell with no unchosen row skipped. The Cholesky factor of L_S + σ²I is extended by
/// one column per step (O(N·m) memory, O(N·m·(m + d)) time at most for m chosen of N rows of d features), lazily:
/// a row's column is computed only when the row could be the step's choice (see `GreedyLogDet`).
///
/// Guarantees (exact, bit for bit, because every number computed for a row depends only on that row, the
/// rows chosen before it and the configuration, in a fixed order of operations):
/// 1. Deleting a row that was not chosen leaves `order`, `step` of every other row and the variances unchanged,
///    given the same budget count (see `SelectionBudget` for why a fraction must be turned into a recorded count).
/// 2. Deleting the row chosen at step t leaves steps 1..t−1 unchanged; passing the previous `orderedIDs` as
///    `resumingFrom` replays the steps whose ids are still present (the longest present prefix) and continues
///    greedily, giving exactly the result of selecting from scratch on the remaining rows.
///
/// - Parameters:
///   - features: row-major rows × dimension values.
///   - ids: one unique id per row.
///   - quality: optional per-row weight q > 0. To keep guarantee 1 it must depend only on that row and the
///     configuration (never on statistics of other rows).
///   - resumingFrom: ids chosen by an earlier selection, in step order. Replay stops at the first id that is
///     absent. Each replayed id must belong to the cell its step draws from.
func selectByEntropy(
    features: [Float], dimension: Int, ids: [String],
    config: EntropySelectionConfig = EntropySelectionConfig(),
    budget: SelectionBudget,
    quality: [Double]? = nil,
    rule: GreedyRule = .largestVariance,
    resumingFrom previous: [String] = []
) throws -> EntropySelection {
    try greedySelection(features: features, dimension: dimension, ids: ids, config: config, budget: budget,
                        quality: quality, rule: rule, resumingFrom: previous).selection
}

/// `selectByEntropy` with the engine's evaluation chosen (tests) and its work counts (measurements).
func greedySelection(
    features: [Float], dimension: Int, ids: [String],
    config: EntropySelectionConfig = EntropySelectionConfig(),
    budget: SelectionBudget,
    quality: [Double]? = nil,
    rule: GreedyRule = .largestVariance,
    resumingFrom previous: [String] = [],
    evaluation: GreedyEvaluation = .automatic
) throws -> (selection: EntropySelection, work: GreedyWork) {
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

    var engine = GreedyLogDet(features: features, dimension: dimension, ids: ids, config: config,
                              quality: quality, rule: rule,
                              // With the variance rule alone m is unknown: start small, grow by doubling.
                              capacity: budget.count <= n ? budget.count : min(64, n), evaluation: evaluation)
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
            engine.refresh([i])
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
    return (result, engine.work)
}

/// Dot product with a fixed summation order (four lanes, then lane sums), independent of alignment and of
/// where the vectors sit in memory.
@inline(__always)
func orderedDot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
    var s = SIMD4<Double>()
    var k = 0
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    while k + 3 < n {
        s += ra.loadUnaligned(fromByteOffset: k * 8, as: SIMD4<Double>.self)
            * rb.loadUnaligned(fromByteOffset: k * 8, as: SIMD4<Double>.self)
        k += 4
    }
    while k < n { s[0] += a[k] * b[k]; k += 1 }
    return (s[0] + s[1]) + (s[2] + s[3])
}

/// ‖a − b‖² with the same fixed order.
@inline(__always)
func orderedSquaredDistance(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
    var s = SIMD4<Double>()
    var k = 0
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    while k + 3 < n {
        let t = ra.loadUnaligned(fromByteOffset: k * 8, as: SIMD4<Double>.self)
            - rb.loadUnaligned(fromByteOffset: k * 8, as: SIMD4<Double>.self)
        s += t * t
        k += 4
    }
    while k < n { let t = a[k] - b[k]; s[0] += t * t; k += 1 }
    return (s[0] + s[1]) + (s[2] + s[3])
}

/// `orderedDot` of Float vectors, each element converted to Double first: the same value as `orderedDot` of the
/// converted vectors, without storing them.
@inline(__always)
func orderedDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Double {
    var s = SIMD4<Double>()
    var k = 0
    while k + 3 < n {
        s += widened(a, k) * widened(b, k)
        k += 4
    }
    while k < n { s[0] += Double(a[k]) * Double(b[k]); k += 1 }
    return (s[0] + s[1]) + (s[2] + s[3])
}

/// `orderedSquaredDistance` of Float vectors converted to Double, likewise.
@inline(__always)
func orderedSquaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Double {
    var s = SIMD4<Double>()
    var k = 0
    while k + 3 < n {
        let t = widened(a, k) - widened(b, k)
        s += t * t
        k += 4
    }
    while k < n { let t = Double(a[k]) - Double(b[k]); s[0] += t * t; k += 1 }
    return (s[0] + s[1]) + (s[2] + s[3])
}

/// Four Floats from a[k] on, as Doubles (exact).
@inline(__always)
func widened(_ a: UnsafePointer<Float>, _ k: Int) -> SIMD4<Double> {
    SIMD4<Double>(UnsafeRawPointer(a).loadUnaligned(fromByteOffset: k * 4, as: SIMD4<Float>.self))
}
