/// How per-shard class probabilities combine into the model's prediction.
public enum Aggregation: String, CaseIterable, Sendable {
    /// Mean of the shards' class probabilities.
    case mean
    /// Majority vote of the shards' predicted classes (ties to the first label); probabilities are vote shares.
    case vote
}
