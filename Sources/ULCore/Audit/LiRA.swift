import Foundation

/// The likelihood-ratio attack of Carlini et al. (2022) on LiRA scores φ (`MembershipScore.lira`).
///
/// For each example, `out[i]` holds its φ under shadow models that did NOT train on it and `in[i]` under shadow
/// models that did; `target[i]` is its φ under the model being attacked. Variances are raised to
/// `minimumVariance` so identical shadow scores give a large finite score rather than a division by zero.
public enum LiRA {
    /// Fits one Gaussian per example.
    static func fit(_ scores: [[Double]], variance: ShadowVariance,
                           minimumVariance: Double = 1e-12) throws -> [GaussianFit] {
        var means = [Double](), squares = [Double]()
        means.reserveCapacity(scores.count)
        squares.reserveCapacity(scores.count)
        let needed = variance == .perExample ? 2 : 1
        for (i, s) in scores.enumerated() {
            guard s.count >= needed else { throw AuditError.tooFewShadowScores(example: i, count: s.count, needed: needed) }
            for (k, v) in s.enumerated() where !v.isFinite {
                throw AuditError.nonFiniteScore(what: "shadow (example \(i))", index: k, value: v)
            }
            let mean = s.reduce(0, +) / Double(s.count)
            means.append(mean)
            squares.append(s.reduce(0) { $0 + ($1 - mean) * ($1 - mean) })
        }
        switch variance {
        case .perExample:
            return zip(means, zip(squares, scores)).map { m, sq in
                GaussianFit(mean: m, variance: max(sq.0 / Double(sq.1.count - 1), minimumVariance))
            }
        case .global:
            let dof = scores.reduce(0) { $0 + $1.count - 1 }
            guard dof > 0 else {
                throw AuditError.tooFewShadowScores(example: 0, count: scores.first?.count ?? 0, needed: 2)
            }
            let v = max(squares.reduce(0, +) / Double(dof), minimumVariance)
            return means.map { GaussianFit(mean: $0, variance: v) }
        }
    }

    /// Offline LiRA: `log Φ((φ_target − μ_out) / σ_out)`, the log-probability that an OUT score falls below the
    /// target's (one-sided: members score high). Strictly increasing in the target score; finite everywhere;
    /// it saturates at 0 only for z above about 38.
    static func offlineScores(target: [Double], out: [[Double]], variance: ShadowVariance,
                                     minimumVariance: Double = 1e-12) throws -> [Double] {
        guard target.count == out.count else {
            throw AuditError.lengthMismatch(what: "OUT shadow scores", expected: target.count, actual: out.count)
        }
        let fits = try fit(out, variance: variance, minimumVariance: minimumVariance)
        return try zip(target, fits).enumerated().map { i, tf in
            guard tf.0.isFinite else { throw AuditError.nonFiniteScore(what: "target", index: i, value: tf.0) }
            return logNormalCDF((tf.0 - tf.1.mean) / tf.1.standardDeviation)
        }
    }

    /// Online LiRA: the log-likelihood ratio `log N(φ; μ_in, σ_in²) − log N(φ; μ_out, σ_out²)`.
    static func onlineScores(target: [Double], in inScores: [[Double]], out: [[Double]],
                                    variance: ShadowVariance, minimumVariance: Double = 1e-12) throws -> [Double] {
        guard target.count == out.count else {
            throw AuditError.lengthMismatch(what: "OUT shadow scores", expected: target.count, actual: out.count)
        }
        guard target.count == inScores.count else {
            throw AuditError.lengthMismatch(what: "IN shadow scores", expected: target.count, actual: inScores.count)
        }
        let fin = try fit(inScores, variance: variance, minimumVariance: minimumVariance)
        let fout = try fit(out, variance: variance, minimumVariance: minimumVariance)
        return try target.indices.map { i in
            let t = target[i]
            guard t.isFinite else { throw AuditError.nonFiniteScore(what: "target", index: i, value: t) }
            return logNormalPDF(t, fin[i]) - logNormalPDF(t, fout[i])
        }
    }

    /// `log N(x; μ, σ²)`.
    static func logNormalPDF(_ x: Double, _ g: GaussianFit) -> Double {
        let d = x - g.mean
        return -0.5 * d * d / g.variance - 0.5 * log(2 * Double.pi * g.variance)
    }

    /// `log Φ(z)` of the standard normal CDF, accurate (relative error ≲ 1e-12) for every finite z: `erfc` in the
    /// body, `log1p` in the upper tail, the asymptotic series below z = −35 where `erfc` would underflow.
    static func logNormalCDF(_ z: Double) -> Double {
        if z >= 0 { return log1p(-0.5 * erfc(z / 2.0.squareRoot())) }
        if z > -35 { return log(0.5 * erfc(-z / 2.0.squareRoot())) }
        let r = 1 / (z * z)
        // Φ(z) ~ φ(z)/(−z) · (1 − r + 3r² − 15r³ + 105r⁴); the next term is below 1e-12 here.
        let series = 1 - r * (1 - r * (3 - r * (15 - r * 105)))
        return -0.5 * z * z - log(-z) - 0.5 * log(2 * Double.pi) + log(series)
    }
}
