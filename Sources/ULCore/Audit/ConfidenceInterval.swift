import Foundation

/// A two-sided 95 % interval of an audit metric.
public struct ConfidenceInterval: Equatable, Sendable {
    public let low: Double
    public let high: Double

    /// Both ends NaN: the metric itself was not measurable.
    static let unmeasured = ConfidenceInterval(low: .nan, high: .nan)

    public static func == (a: Self, b: Self) -> Bool {
        (a.low == b.low || (a.low.isNaN && b.low.isNaN)) && (a.high == b.high || (a.high.isNaN && b.high.isNaN))
    }

    /// Clopper–Pearson (exact binomial) interval of a rate of `k` successes in `n` trials: every rate the interval
    /// holds gives the observed count a two-sided tail probability of at least 2.5 % on each side.
    static func clopperPearson(successes k: Int, trials n: Int, level: Double = 0.95) -> ConfidenceInterval {
        guard n > 0, k >= 0, k <= n else { return .unmeasured }
        let tail = (1 - level) / 2
        let low = k == 0 ? 0 : inverseRegularizedBeta(tail, a: Double(k), b: Double(n - k + 1))
        let high = k == n ? 1 : inverseRegularizedBeta(1 - tail, a: Double(k + 1), b: Double(n - k))
        return ConfidenceInterval(low: low, high: high)
    }

    /// Percentile bootstrap of statistics of the ROC curve: `resamples` times, members and non-members are each
    /// drawn with replacement (seeded), the curve rebuilt, and each statistic taken; the interval is the 2.5th
    /// and 97.5th percentile of each. A statistic that is NaN on a resample is left out of its percentiles.
    static func bootstrap(members: [Double], nonMembers: [Double], resamples: Int, seed: UInt64,
                          statistics: [(ROCCurve) -> Double]) throws -> [ConfidenceInterval] {
        guard resamples > 0, !members.isEmpty, !nonMembers.isEmpty else { return statistics.map { _ in .unmeasured } }
        var g = SeededGenerator(seed: mix64(seed ^ 0x424f_4f54_5354_5250))
        var values = [[Double]](repeating: [], count: statistics.count)
        var m = members, n = nonMembers
        for _ in 0..<resamples {
            for i in m.indices { m[i] = members[Int(g.next() % UInt64(members.count))] }
            for i in n.indices { n[i] = nonMembers[Int(g.next() % UInt64(nonMembers.count))] }
            let curve = try ROCCurve(memberScores: m, nonMemberScores: n)
            for (s, f) in statistics.enumerated() {
                let v = f(curve)
                if !v.isNaN { values[s].append(v) }
            }
        }
        return values.map { v in
            guard !v.isEmpty else { return .unmeasured }
            let sorted = v.sorted()
            return ConfidenceInterval(low: percentile(sorted, 0.025), high: percentile(sorted, 0.975))
        }
    }

    /// Linear interpolation between closest ranks of a sorted list.
    public static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        let x = p * Double(sorted.count - 1)
        let i = Int(x.rounded(.down)), f = x - Double(i)
        return i + 1 < sorted.count ? sorted[i] + f * (sorted[i + 1] - sorted[i]) : sorted[i]
    }
}

/// The regularised incomplete beta function I_x(a, b), by its continued fraction (modified Lentz), using the
/// symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges slowly.
func regularizedBeta(_ x: Double, a: Double, b: Double) -> Double {
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    let front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x))
    if x > (a + 1) / (a + b + 2) { return 1 - regularizedBeta(1 - x, a: b, b: a) }
    let tiny = 1e-300
    var c = 1.0, d = 1 - (a + b) * x / (a + 1)
    if abs(d) < tiny { d = tiny }
    d = 1 / d
    var f = d
    for m in 1...500 {
        let m = Double(m)
        let even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        d = 1 + even * d; if abs(d) < tiny { d = tiny }
        c = 1 + even / c; if abs(c) < tiny { c = tiny }
        d = 1 / d
        f *= d * c
        let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        d = 1 + odd * d; if abs(d) < tiny { d = tiny }
        c = 1 + odd / c; if abs(c) < tiny { c = tiny }
        d = 1 / d
        let delta = d * c
        f *= delta
        if abs(delta - 1) < 1e-15 { break }
    }
    return front * f / a
}

/// x with I_x(a, b) = p, by bisection (I is increasing in x): 100 halvings reach the Double resolution.
func inverseRegularizedBeta(_ p: Double, a: Double, b: Double) -> Double {
    var lo = 0.0, hi = 1.0
    for _ in 0..<100 {
        let mid = (lo + hi) / 2
        if regularizedBeta(mid, a: a, b: b) < p { lo = mid } else { hi = mid }
    }
    return (lo + hi) / 2
}
