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

    /// Spread's default rbf width is γ = 40/d rather than entropy's 1/d: repulsion must reach a row's near
    /// neighbours only. With features in [0, 1] (pixels / 255) a Fashion-MNIST row's nearest neighbour lies at a
    /// squared distance of about 14, so k ≈ 0.5 there and ≈ 0.03 at the median distance (about 70).
    public static let spreadGammaPerFeature = 40.0

    /// The rule of the greedy engine, nil for random selection (no greedy steps).
    var greedyRule: GreedyRule? {
        switch self {
        case .entropy: return .largestVariance
        case .spread: return .randomKey
        case .random: return nil
        }
    }
}
