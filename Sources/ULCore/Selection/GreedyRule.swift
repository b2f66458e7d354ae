import Foundation

/// Which candidate a greedy selection step takes. Either way the choice at step t depends only on the
/// candidates themselves, the rows chosen at steps 1..t−1 and the configuration, so deleting a row that was never
/// chosen changes no step (property 1) and deleting the row of step t leaves steps 1..t−1 as they were.
enum GreedyRule: Equatable, Sendable {
    /// The largest conditional variance v_t (greedy log-det, joint entropy): diverse, hence atypical, rows.
    case largestVariance
    /// The smallest E/v_t, E = −log(1 − u) an exponential variate from a stable hash u of (id, seed). Without
    /// the variance it is random selection in hash order; dividing by v_t delays rows close (in the kernel) to
    /// rows already chosen, so near-duplicates give way to the rest: a weighted draw without replacement with
    /// weights v_t, a sequential approximation of a k-DPP sample. Dense regions are thinned compared with
    /// random selection (on Fashion-MNIST that helps one-class knn and hurts ppca).
    case randomKey
}

/// The key E of a row for `GreedyRule.randomKey`. It uses random selection's hash, so with no repulsion (all
/// v_t equal) the rule chooses exactly the rows `--method random --per-shard m` chooses, in the same order.
func selectionKey(of id: String, seed: UInt64) -> Double {
    -log1p(-unitInterval(stableHash(id, seed: seed, salt: randomSelectionSalt)))
}
