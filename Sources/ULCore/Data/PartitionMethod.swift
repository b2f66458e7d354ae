/// Assignment of rows to shards and blocks (SISA slicing, ARCANE class partition and sorting).
///
/// Hash-based assignments depend only on a row's own id, label and the seed, so that deleting
/// rows never moves another row: the precondition of exact unlearning (ul-partition(1)).
/// Rank-based assignments (`blocksByRank`, `capacityShards`) depend on the other rows by nature.
public enum PartitionMethod: String, CaseIterable, Sendable {
    /// SISA uniform shards: shard from a hash of (id, seed).
    case random
    /// ARCANE: one shard per label, numbered in sorted label order.
    case byClass = "class"
    /// Each label's rows spread over the shards by a hash of (id, label, seed).
    case stratified
    /// SISA distribution-aware: shards filled in deletion-probability order up to a capacity.
    case capacity
}
