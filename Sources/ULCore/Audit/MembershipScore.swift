import Foundation

/// Per-row membership-attack scores; higher means "more likely a member".
enum MembershipScore {
    /// Probabilities below this are raised to it before a logarithm, so scores stay finite (−log of it ≈ 690.8).
    static let probabilityFloor = 1e-300

    /// Cross-entropy of the true label: `−log max(p_y, probabilityFloor)`.
    static func crossEntropy<C: Collection>(_ probabilities: C, label: Int) -> Double
    where C.Element == Double {
        -log(max(label < 0 ? 0 : probabilities[probabilities.index(probabilities.startIndex, offsetBy: label)], probabilityFloor))
    }

    /// The loss-threshold attack (Yeom et al. 2018): score = −cross-entropy, so low loss means member.
    static func loss<C: Collection>(_ probabilities: C, label: Int) -> Double where C.Element == Double {
        -crossEntropy(probabilities, label: label)
    }

    /// LiRA's logit-scaled confidence (Carlini et al. 2022): `φ = log p_y − log Σ_{y′≠y} p_{y′}`.
    /// The second sum is taken over the other entries, not as `1 − p_y`, so a confident row
    /// (`p_y = 1 − 1e−12`) keeps its precision; both terms are floored at `probabilityFloor`.
    static func lira<C: Collection>(_ probabilities: C, label: Int) -> Double where C.Element == Double {
        var py = 0.0, rest = 0.0
        for (c, p) in probabilities.enumerated() {
            if c == label { py = p } else { rest += p }
        }
        return log(max(py, probabilityFloor)) - log(max(rest, probabilityFloor))
    }

    /// φ from the true class's probability alone: `log p − log1p(−p)`, clamped into
    /// `[probabilityFloor, 1 − 2⁻⁵³]` (so p = 0 and p = 1 give finite values, at most log 2⁵³ ≈ 36.7).
    /// Prefer the vector form when all probabilities are known: `1 − p` loses digits as p nears 1.
    static func lira(trueClassProbability p: Double) -> Double {
        let q = min(max(p, probabilityFloor), 1 - 0x1p-53)
        return log(q) - log1p(-q)
    }

    /// φ from logits (unnormalised log-probabilities): `z_y − logsumexp_{y′≠y} z_{y′}`, exact for any range
    /// (`+∞` when there is no other class).
    static func lira<C: Collection>(logits: C, label: Int) -> Double where C.Element == Double {
        var zy = 0.0, m = -Double.infinity
        for (c, z) in logits.enumerated() {
            if c == label { zy = z } else { m = max(m, z) }
        }
        guard m > -.infinity else { return .infinity }
        var s = 0.0
        for (c, z) in logits.enumerated() where c != label { s += exp(z - m) }
        return zy - (m + log(s))
    }

    /// Loss-attack scores of every row; validates the labels.
    static func lossScores(_ p: ClassProbabilities, labels: [Int]) throws -> [Double] {
        try p.validate(labels: labels)
        return labels.indices.map { loss(p[$0], label: labels[$0]) }
    }

    /// LiRA φ of every row; validates the labels.
    static func liraScores(_ p: ClassProbabilities, labels: [Int]) throws -> [Double] {
        try p.validate(labels: labels)
        return labels.indices.map { lira(p[$0], label: labels[$0]) }
    }
}
