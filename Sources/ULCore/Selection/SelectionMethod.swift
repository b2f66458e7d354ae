import Foundation

/// How rows are chosen within a shard.
public enum SelectionMethod: String, CaseIterable, Sendable {
    /// Greedy joint entropy (`selectByEntropy`).
    case entropy
    /// By a stable hash of (id, seed): below the fraction, or the m smallest hashes.
    case random
}
