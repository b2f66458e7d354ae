import Foundation

/// The selection of one shard as recorded in the model: the count m fixed at the first selection and the
/// chosen ids in step order.
public struct ShardSelection: Equatable, Sendable {
    /// m, the number of rows to choose (−1: random selection by the fraction, no count).
    public var count: Int
    /// Ids chosen, in step order (`order[t−1]` was chosen at step t).
    public var order: [String]

    public init(count: Int, order: [String]) {
        self.count = count
        self.order = order
    }
}

/// Selects within one shard. `features` are as read (row-major, `ids.count × dimension`); `spec.scale` is applied
/// here. `count` is m (ignored by random selection with a fraction). `previous` is the recorded order of an
/// earlier selection of the shard: entropy and spread selection resume from it (see `selectByEntropy`); random selection
/// does not need it, and coverage and herding (whose every step depends on every row) select afresh and report
/// the steps it shares with it. Random selection's steps rank the chosen rows by (hash, id).
public func selectShard(features: [Float], dimension: Int, ids: [String], spec: SelectionSpec, count: Int,
                        resumingFrom previous: [String] = []) throws -> SelectionOutcome {
    let n = ids.count
    switch spec.method {
    case .entropy, .spread:
        let x = spec.scale.map { s in features.map { $0 * s } } ?? features
        var config = spec.entropy
        if spec.method == .spread, case .rbf(nil) = config.kernel {
            config.kernel = .rbf(gamma: SelectionMethod.spreadGammaPerFeature / Double(max(dimension, 1)))
        }
        let e = try selectByEntropy(features: x, dimension: dimension, ids: ids, config: config,
                                    budget: SelectionBudget(count: count), rule: spec.method.greedyRule!,
                                    resumingFrom: previous)
        return SelectionOutcome(selected: e.selected, step: e.step, record: ShardSelection(count: count, order: e.orderedIDs(ids)),
                                replayedSteps: e.replayedSteps)
    case .coverage, .herding:
        let x = spec.scale.map { s in features.map { $0 * s } } ?? features
        guard case .rbf(let g) = spec.entropy.kernel else { throw SelectionError.invalidConfig("\(spec.method) selection needs the rbf kernel") }
        let coverage = spec.method == .coverage
        let gamma = g ?? (coverage ? SelectionMethod.coverageGammaPerFeature : SelectionMethod.herdingGammaPerFeature) / Double(max(dimension, 1))
        let order = coverage ? try selectByCoverage(features: x, dimension: dimension, ids: ids, gamma: gamma, count: count)
            : try selectByHerding(features: x, dimension: dimension, ids: ids, gamma: gamma, count: count)
        var selected = [Bool](repeating: false, count: n), step = [Int](repeating: 0, count: n)
        for (t, i) in order.enumerated() { selected[i] = true; step[i] = t + 1 }
        let chosen = order.map { ids[$0] }
        return SelectionOutcome(selected: selected, step: step, record: ShardSelection(count: count, order: chosen),
                                replayedSteps: zip(chosen, previous).prefix { $0 == $1 }.count)
    case .random:
        guard features.count == n * dimension else {
            throw SelectionError.shapeMismatch("\(features.count) feature values for \(n) rows of \(dimension)")
        }
        if Set(ids).count != n { throw SelectionError.duplicateID(ids.first { id in ids.filter { $0 == id }.count > 1 }!) }
        let hash = ids.map { stableHash($0, seed: spec.entropy.seed, salt: randomSelectionSalt) }
        let ranked = (0..<n).sorted { hash[$0] != hash[$1] ? hash[$0] < hash[$1] : ids[$0] < ids[$1] }
        let chosen: [Int]
        if let f = spec.fraction {
            chosen = ranked.filter { isRandomlySelected(id: ids[$0], fraction: f, seed: spec.entropy.seed) }
        } else {
            chosen = Array(ranked.prefix(max(0, count)))
        }
        var selected = [Bool](repeating: false, count: n), step = [Int](repeating: 0, count: n)
        for (t, i) in chosen.enumerated() { selected[i] = true; step[i] = t + 1 }
        return SelectionOutcome(selected: selected, step: step,
                                record: ShardSelection(count: spec.fraction == nil ? count : -1, order: chosen.map { ids[$0] }),
                                replayedSteps: 0)
    }
}
