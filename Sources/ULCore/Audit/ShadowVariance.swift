import Foundation

/// How LiRA estimates the spread of shadow-model scores.
public enum ShadowVariance: Equatable {
    /// Each example's own unbiased sample variance (needs at least 2 shadow scores per example).
    case perExample
    /// One variance for all examples: the pooled within-example variance
    /// `Σ_i Σ_k (φ_ik − μ_i)² / Σ_i (K_i − 1)`, Carlini et al.'s choice when shadow models are few
    /// (every example needs at least 1 score, and at least one example at least 2).
    case global
}
