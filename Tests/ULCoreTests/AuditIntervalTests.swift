import XCTest
@testable import ULCore

/// Intervals and the per-example unlearning ε of the audit.
final class AuditIntervalTests: XCTestCase {
    /// Known Clopper–Pearson intervals (e.g. R's binom.test).
    func testClopperPearsonMatchesKnownValues() {
        let half = ConfidenceInterval.clopperPearson(successes: 5, trials: 10)
        XCTAssertEqual(half.low, 0.187086, accuracy: 1e-6)
        XCTAssertEqual(half.high, 0.812914, accuracy: 1e-6)
        let none = ConfidenceInterval.clopperPearson(successes: 0, trials: 10)
        XCTAssertEqual(none.low, 0)
        XCTAssertEqual(none.high, 1 - pow(0.025, 0.1), accuracy: 1e-9)
        let all = ConfidenceInterval.clopperPearson(successes: 10, trials: 10)
        XCTAssertEqual(all.low, pow(0.025, 0.1), accuracy: 1e-9)
        XCTAssertEqual(all.high, 1)
        XCTAssertEqual(regularizedBeta(0.3, a: 2, b: 3), 0.3483, accuracy: 1e-4)
    }

    /// Gaussian scores, members shifted by 0.5: the bootstrap intervals hold the point estimate and narrow with
    /// sixteen times the rows (by about four).
    func testBootstrapIntervalsHoldThePointAndShrinkWithMoreRows() throws {
        var g = SeededGenerator(seed: 7)
        func sample(_ n: Int, _ shift: Double) -> [Double] { (0..<n).map { _ in g.nextGaussian() + shift } }
        var widths = [Double]()
        for n in [50, 800] {
            let members = sample(n, 0.5), nonMembers = sample(n, 0)
            let curve = try ROCCurve(memberScores: members, nonMemberScores: nonMembers)
            let ci = try ConfidenceInterval.bootstrap(members: members, nonMembers: nonMembers, resamples: 400, seed: 1,
                                                      statistics: [{ $0.auc }, { $0.advantage }])
            XCTAssertLessThanOrEqual(ci[0].low, curve.auc)
            XCTAssertGreaterThanOrEqual(ci[0].high, curve.auc)
            XCTAssertLessThanOrEqual(ci[1].low, curve.advantage)
            XCTAssertGreaterThanOrEqual(ci[1].high, curve.advantage)
            widths.append(ci[0].high - ci[0].low)
            let again = try ConfidenceInterval.bootstrap(members: members, nonMembers: nonMembers, resamples: 400, seed: 1,
                                                         statistics: [{ $0.auc }])
            XCTAssertEqual(again[0], ci[0], "seeded")
        }
        XCTAssertLessThan(widths[1], widths[0] / 2.5)
    }

    func testEpsilonOfIdenticalAndSeparatedPopulations() {
        let a = (0..<16).map { Double($0) }
        XCTAssertEqual(UnlearningEpsilon.epsilon(a, a, delta: 1e-5), 0)
        // Completely separated: every threshold test errs on no model; each error rate counts as half a model.
        let b = a.map { $0 + 100 }
        XCTAssertEqual(UnlearningEpsilon.epsilon(a, b, delta: 1e-5), log((1 - 1e-5 - 1.0 / 32) * 32), accuracy: 1e-12)
        XCTAssertEqual(UnlearningEpsilon.epsilon(b, a, delta: 1e-5), UnlearningEpsilon.epsilon(a, b, delta: 1e-5))
        // Half overlapping: in between.
        let c = a.map { $0 + 8 }
        let e = UnlearningEpsilon.epsilon(a, c, delta: 1e-5)
        XCTAssertGreaterThan(e, 0)
        XCTAssertLessThan(e, UnlearningEpsilon.epsilon(a, b, delta: 1e-5))
    }
}
