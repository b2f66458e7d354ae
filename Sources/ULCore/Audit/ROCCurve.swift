/// The exact empirical ROC curve of a binary membership attack.
///
/// Members are positives, non-members negatives; a higher score means "more likely a member". Every distinct score
/// value is one threshold, so tied scores move the curve in one (possibly diagonal) step. The points run from
/// (0, 0) at threshold `+∞` to (1, 1) at the lowest score, with FPR and TPR non-decreasing.
public struct ROCCurve: Equatable {
    /// Number of member scores (positives).
    public let members: Int
    /// Number of non-member scores (negatives).
    let nonMembers: Int
    /// The curve, thresholds strictly decreasing.
    let points: [ROCPoint]
    /// Area under the curve by the trapezoid rule, which equals the Mann–Whitney probability that a random member
    /// scores above a random non-member, ties counting ½.
    public let auc: Double

    /// Builds the curve; throws if either list is empty or holds a NaN or infinite score.
    public init(memberScores: [Double], nonMemberScores: [Double]) throws {
        guard !memberScores.isEmpty, !nonMemberScores.isEmpty else {
            throw AuditError.noScores(members: memberScores.count, nonMembers: nonMemberScores.count)
        }
        for (i, s) in memberScores.enumerated() where !s.isFinite {
            throw AuditError.nonFiniteScore(what: "member", index: i, value: s)
        }
        for (i, s) in nonMemberScores.enumerated() where !s.isFinite {
            throw AuditError.nonFiniteScore(what: "non-member", index: i, value: s)
        }
        let pos = memberScores.sorted(by: >)
        let neg = nonMemberScores.sorted(by: >)
        let p = Double(pos.count), n = Double(neg.count)
        var points = [ROCPoint(threshold: .infinity, truePositives: 0, falsePositives: 0,
                               truePositiveRate: 0, falsePositiveRate: 0)]
        var i = 0, j = 0
        // Twice the Mann–Whitney count: a member above a non-member counts 2, a tie 1 (exact in integers).
        var twiceWins = 0
        while i < pos.count || j < neg.count {
            let t = max(i < pos.count ? pos[i] : -.infinity, j < neg.count ? neg[j] : -.infinity)
            let i0 = i, j0 = j
            while i < pos.count && pos[i] == t { i += 1 }
            while j < neg.count && neg[j] == t { j += 1 }
            let dp = i - i0, dn = j - j0
            twiceWins += dn * (2 * i0 + dp)
            points.append(ROCPoint(threshold: t, truePositives: i, falsePositives: j,
                                   truePositiveRate: Double(i) / p, falsePositiveRate: Double(j) / n))
        }
        self.members = pos.count
        self.nonMembers = neg.count
        self.points = points
        self.auc = Double(twiceWins) / (2 * p * n)
    }

    /// The point with the largest `TPR − FPR`; among equals, the one with the highest threshold.
    var bestAdvantagePoint: ROCPoint {
        var best = points[0]
        for q in points.dropFirst()
        where q.truePositiveRate - q.falsePositiveRate > best.truePositiveRate - best.falsePositiveRate {
            best = q
        }
        return best
    }

    /// Membership advantage: max over thresholds of `TPR − FPR`, in [0, 1] (the first point gives 0).
    var advantage: Double {
        let b = bestAdvantagePoint
        return b.truePositiveRate - b.falsePositiveRate
    }

    /// The threshold of `bestAdvantagePoint`. It is `+∞` when no threshold beats chance (advantage 0), and then
    /// every row is called a non-member.
    var advantageThreshold: Double { bestAdvantagePoint.threshold }

    /// The largest TPR among the points with FPR ≤ `target` (see `TPRAtFPR.isResolved` for small samples).
    func tpr(atFPR target: Double) -> TPRAtFPR {
        var best = points[0]
        for q in points where q.falsePositiveRate <= target && q.truePositiveRate > best.truePositiveRate {
            best = q
        }
        return TPRAtFPR(targetFPR: target, truePositiveRate: best.truePositiveRate,
                        falsePositiveRate: best.falsePositiveRate, resolution: 1 / Double(nonMembers))
    }

    /// Resistance of forgotten rows at this curve's advantage-maximising threshold: see `resistance(_:threshold:)`.
    /// Use a curve measured on a reference (e.g. the original model's members against held-out rows) to fix the
    /// threshold, then apply it to the forgotten rows' scores under the model being audited.
    func resistance(of forgottenScores: [Double]) throws -> Double {
        try ULCore.resistance(forgottenScores, threshold: advantageThreshold)
    }
}

/// PUMA's resistance: the share of `forgottenScores` the attack calls non-members, i.e. with score < `threshold`
/// (a score equal to the threshold is a member, as in `ROCPoint`). NaN when there are no scores; throws on a NaN
/// or infinite score.
func resistance(_ forgottenScores: [Double], threshold: Double) throws -> Double {
    var nonMembers = 0
    for (i, s) in forgottenScores.enumerated() {
        guard s.isFinite else { throw AuditError.nonFiniteScore(what: "forgotten", index: i, value: s) }
        if s < threshold { nonMembers += 1 }
    }
    return forgottenScores.isEmpty ? .nan : Double(nonMembers) / Double(forgottenScores.count)
}
