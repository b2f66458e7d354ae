import XCTest
@testable import ULCore

final class AuditROCTests: XCTestCase {
    /// Mann–Whitney by brute force: P(member > non-member) + ½ P(tie).
    func bruteForceAUC(_ pos: [Double], _ neg: [Double]) -> Double {
        var twice = 0
        for p in pos { for n in neg { twice += p > n ? 2 : p == n ? 1 : 0 } }
        return Double(twice) / Double(2 * pos.count * neg.count)
    }

    func testAUCEqualsMannWhitneyWithTies() throws {
        var g = SeededGenerator(seed: 7)
        for trial in 0..<200 {
            let np = 1 + Int(g.next() % 40), nn = 1 + Int(g.next() % 40)
            // Few distinct values, so ties within and across the groups are common.
            let levels = 1 + Int(g.next() % 8)
            let pos = (0..<np).map { _ in Double(g.next() % UInt64(levels)) + (trial % 2 == 0 ? 0.5 : 0) }
            let neg = (0..<nn).map { _ in Double(g.next() % UInt64(levels)) }
            let roc = try ROCCurve(memberScores: pos, nonMemberScores: neg)
            XCTAssertEqual(roc.auc, bruteForceAUC(pos, neg), accuracy: 1e-15, "trial \(trial)")
            // The curve itself: monotone, from (0,0) to (1,1), one point per distinct score.
            XCTAssertEqual(roc.points.count, Set(pos + neg).count + 1)
            XCTAssertEqual(roc.points.first?.falsePositiveRate, 0)
            XCTAssertEqual(roc.points.first?.truePositiveRate, 0)
            XCTAssertEqual(roc.points.last?.falsePositiveRate, 1)
            XCTAssertEqual(roc.points.last?.truePositiveRate, 1)
            for (a, b) in zip(roc.points, roc.points.dropFirst()) {
                XCTAssertGreaterThan(a.threshold, b.threshold)
                XCTAssertLessThanOrEqual(a.truePositives, b.truePositives)
                XCTAssertLessThanOrEqual(a.falsePositives, b.falsePositives)
                XCTAssertEqual(b.truePositives, pos.filter { $0 >= b.threshold }.count)
                XCTAssertEqual(b.falsePositives, neg.filter { $0 >= b.threshold }.count)
            }
            // Advantage by brute force over every threshold.
            let best = Set(pos + neg).map { t in
                Double(pos.filter { $0 >= t }.count) / Double(np) - Double(neg.filter { $0 >= t }.count) / Double(nn)
            }.max()!
            XCTAssertEqual(roc.advantage, max(best, 0), accuracy: 1e-15)
        }
    }

    func testHandComputedCurve() throws {
        // Members 0.9, 0.8, 0.4; non-members 0.8, 0.3 (a tie at 0.8).
        let roc = try ROCCurve(memberScores: [0.4, 0.9, 0.8], nonMemberScores: [0.3, 0.8])
        XCTAssertEqual(roc.points.map(\.threshold), [.infinity, 0.9, 0.8, 0.4, 0.3])
        XCTAssertEqual(roc.points.map(\.truePositives), [0, 1, 2, 3, 3])
        XCTAssertEqual(roc.points.map(\.falsePositives), [0, 0, 1, 1, 2])
        // Pairs: (0.9 > both) 2, (0.8: tie ½, > 0.3) 1.5, (0.4 > 0.3) 1 → 4.5 / 6.
        XCTAssertEqual(roc.auc, 0.75, accuracy: 1e-15)
        // TPR − FPR: 1/3, 2/3 − 1/2, 1 − 1/2, 0 → best 1/2 at threshold 0.4.
        XCTAssertEqual(roc.advantage, 0.5, accuracy: 1e-15)
        XCTAssertEqual(roc.advantageThreshold, 0.4)
        let t = roc.tpr(atFPR: 0.01)
        XCTAssertEqual(t.truePositiveRate, 1.0 / 3.0, accuracy: 1e-15)
        XCTAssertEqual(t.falsePositiveRate, 0)
        XCTAssertEqual(t.resolution, 0.5)
        XCTAssertFalse(t.isResolved)
        let half = roc.tpr(atFPR: 0.5)
        XCTAssertEqual(half.truePositiveRate, 1)
        XCTAssertEqual(half.falsePositiveRate, 0.5)
        XCTAssertTrue(half.isResolved)
    }

    func testTPRAtLowFPRUsesLargestTPRWithinTarget() throws {
        // Non-members score 0…999. Five members score above all of them; the other 995 score 989.5 − i/1000:
        // 500 of them lie strictly between the non-members 989 and 990, one ties with 989, the rest lie below it.
        let neg: [Double] = (0..<1000).map { Double($0) }
        var pos: [Double] = (0..<5).map { 2000 + Double($0) }
        for i in 0..<995 { pos.append(989.5 - Double(i) / 1000) }
        let roc = try ROCCurve(memberScores: pos, nonMemberScores: neg)
        // FPR ≤ 1% allows the 10 false positives 990…999, and so the 505 members above 989.
        let one = roc.tpr(atFPR: 0.01)
        XCTAssertTrue(one.isResolved)
        XCTAssertEqual(one.truePositiveRate, 505.0 / 1000)
        XCTAssertEqual(one.falsePositiveRate, 0.01)
        XCTAssertEqual(roc.tpr(atFPR: 0.0109).truePositiveRate, 505.0 / 1000)
        // FPR ≤ 0.1% allows one false positive (999), which gains nothing over none: the first point with that
        // TPR is reported.
        let tenth = roc.tpr(atFPR: 0.001)
        XCTAssertTrue(tenth.isResolved)
        XCTAssertEqual(tenth.resolution, 0.001)
        XCTAssertEqual(tenth.truePositiveRate, 5.0 / 1000)
        XCTAssertEqual(tenth.falsePositiveRate, 0)
        // FPR ≤ 1.1% allows 11 false positives, which reaches every member.
        let more = roc.tpr(atFPR: 0.011)
        XCTAssertEqual(more.truePositiveRate, 1)
        XCTAssertEqual(more.falsePositiveRate, 0.011)
    }

    func testPerfectAndReversedAttacks() throws {
        let perfect = try ROCCurve(memberScores: [3, 4], nonMemberScores: [1, 2])
        XCTAssertEqual(perfect.auc, 1)
        XCTAssertEqual(perfect.advantage, 1)
        XCTAssertEqual(perfect.advantageThreshold, 3)
        XCTAssertEqual(try perfect.resistance(of: [2.5, 3, 10, 0]), 0.5)
        let reversed = try ROCCurve(memberScores: [1, 2], nonMemberScores: [3, 4])
        XCTAssertEqual(reversed.auc, 0)
        XCTAssertEqual(reversed.advantage, 0)
        // No threshold beats chance: the first point (+∞) wins and every forgotten row is a non-member.
        XCTAssertEqual(reversed.advantageThreshold, .infinity)
        XCTAssertEqual(try reversed.resistance(of: [100, -100]), 1)
        let constant = try ROCCurve(memberScores: [1, 1], nonMemberScores: [1])
        XCTAssertEqual(constant.auc, 0.5)
        XCTAssertEqual(constant.points.count, 2)
    }

    func testResistanceAtThreshold() throws {
        // A score equal to the threshold is a member.
        XCTAssertEqual(try resistance([0.1, 0.5, 0.7, 0.5], threshold: 0.5), 0.25)
        XCTAssertTrue(try resistance([], threshold: 0).isNaN)
        XCTAssertThrowsError(try resistance([1, .nan], threshold: 0)) {
            guard case .nonFiniteScore("forgotten", 1, _)? = $0 as? AuditError else { return XCTFail("\($0)") }
        }
    }

    func testBadInputIsRefused() {
        XCTAssertThrowsError(try ROCCurve(memberScores: [], nonMemberScores: [1])) {
            XCTAssertEqual($0 as? AuditError, .noScores(members: 0, nonMembers: 1))
        }
        XCTAssertThrowsError(try ROCCurve(memberScores: [1], nonMemberScores: [])) {
            XCTAssertEqual($0 as? AuditError, .noScores(members: 1, nonMembers: 0))
        }
        XCTAssertThrowsError(try ROCCurve(memberScores: [1, .infinity], nonMemberScores: [0])) {
            XCTAssertEqual($0 as? AuditError, .nonFiniteScore(what: "member", index: 1, value: .infinity))
        }
        XCTAssertThrowsError(try ROCCurve(memberScores: [1], nonMemberScores: [.nan])) {
            guard case .nonFiniteScore("non-member", 0, _)? = $0 as? AuditError else { return XCTFail("\($0)") }
        }
    }
}
