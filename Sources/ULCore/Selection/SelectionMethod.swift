import Foundation

/// How rows are chosen within a shard.
public enum SelectionMethod: String, CaseIterable, Sendable {
    /// Greedy joint entropy (`selectByEntropy`).
    case entropy
    /// By a stable hash of (id, seed): below the fraction, or the m smallest hashes.
    case random
    /// Random keys repelled by the chosen rows (`selectByEntropy` with `GreedyRule.randomKey`): step t takes the
    /// row of smallest E(id)/v_t(row), E an exponential variate from a hash of (id, seed) and v_t the conditional
    /// variance given the rows chosen before.
    case spread
    /// Greedy facility location (`selectByCoverage`): step t takes the row that most raises Σᵢ max_{s∈S} k(xᵢ, x_s),
    /// how well every row of the shard is covered by its closest chosen row. Deleting an unchosen row can change
    /// a step, so forgetting re-selects the shard whenever it loses a row.
    case coverage
    /// Kernel herding (`selectByHerding`): step t takes the row that brings the chosen rows' kernel mean closest
    /// to the shard's. Like coverage, deleting an unchosen row can change a step.
    case herding

    /// Spread's default rbf width is γ = 40/d rather than entropy's 1/d: repulsion must reach a row's near
    /// neighbours only. With features in [0, 1] (pixels / 255) a Fashion-MNIST row's nearest neighbour lies at a
    /// squared distance of about 14, so k ≈ 0.5 there and ≈ 0.03 at the median distance (about 70).
    public static let spreadGammaPerFeature = 40.0

    /// Coverage's default rbf width γ = 10/d: with features in [0, 1] (pixels / 255) about 1/median squared
    /// distance between Fashion-MNIST rows of one class, so a row covers its neighbourhood, not the class.
    public static let coverageGammaPerFeature = 10.0

    /// Herding's default rbf width γ = 40/d, spread's: measured best for ppca and knn together (10/d and 20/d
    /// were also measured; examples/bench/selection-results.md).
    public static let herdingGammaPerFeature = 40.0

    /// Coverage and herding: greedy over the rbf kernel of every pair of the shard's rows (no noise, cells or keys).
    public var usesKernelMatrix: Bool { self == .coverage || self == .herding }

    /// Whether deleting a row that was not chosen leaves the selection as it was: not where every row counts in
    /// every step.
    public var unchosenRowsAreFree: Bool { !usesKernelMatrix }

    /// The rule of the greedy engine, nil for random selection (no greedy steps).
    var greedyRule: GreedyRule? {
        switch self {
        case .entropy: return .largestVariance
        case .spread: return .randomKey
        case .random, .coverage, .herding: return nil
        }
    }
}
