import XCTest
@testable import ULCore

final class AuditScoreTests: XCTestCase {
    func testLossScore() throws {
        let p = try ClassProbabilities(rows: [[0.7, 0.2, 0.1], [0.25, 0.25, 0.5]])
        XCTAssertEqual(MembershipScore.crossEntropy(p[0], label: 0), 0.35667494393873245, accuracy: 1e-15)
        XCTAssertEqual(try MembershipScore.lossScores(p, labels: [0, 2]), [log(0.7), log(0.5)])
        // A zero probability gives the floor, not −∞.
        XCTAssertEqual(MembershipScore.loss([1.0, 0.0], label: 1), log(1e-300), accuracy: 1e-9)
        // Monotone: a more confident true class scores higher.
        var last = -Double.infinity
        for q in stride(from: 0.0, through: 1.0, by: 0.01) {
            let s = MembershipScore.loss([1 - q, q], label: 1)
            XCTAssertGreaterThan(s, last)
            last = s
        }
    }

    func testLiRAKnownValues() throws {
        // log(0.7 / 0.3)
        XCTAssertEqual(MembershipScore.lira([0.7, 0.3], label: 0), 0.8472978603872037, accuracy: 1e-15)
        // log 0.2 − log(0.7 + 0.1)
        XCTAssertEqual(MembershipScore.lira([0.7, 0.2, 0.1], label: 1), log(0.25), accuracy: 1e-15)
        XCTAssertEqual(MembershipScore.lira(trueClassProbability: 0.7), 0.8472978603872037, accuracy: 1e-15)
        XCTAssertEqual(MembershipScore.lira(trueClassProbability: 0.5), 0)
        XCTAssertEqual(MembershipScore.lira(logits: [2.0, 1.0, -1.0], label: 0),
                       2 - log(exp(1) + exp(-1)), accuracy: 1e-15)
        let p = try ClassProbabilities(rows: [[0.7, 0.3], [0.1, 0.9]])
        XCTAssertEqual(try MembershipScore.liraScores(p, labels: [0, 0]),
                       [log(0.7 / 0.3), log(0.1 / 0.9)])
    }

    func testLiRAIsStableNearCertainty() {
        // p_y = 1 − 1e−12 with the rest given exactly: φ = log(1 − 1e−12) − log(1e−12).
        let phi = MembershipScore.lira([1 - 1e-12, 1e-12], label: 0)
        XCTAssertEqual(phi, 27.631021115928547 - 1e-12, accuracy: 1e-13)
        // Three classes: the rest is the sum of the others.
        XCTAssertEqual(MembershipScore.lira([4e-13, 1 - 1e-12, 6e-13], label: 1), -log(1e-12), accuracy: 1e-12)
        // From the true class alone: 1 − p carries p's own rounding (relative 9e−5 at 1e−12), nothing worse.
        XCTAssertEqual(MembershipScore.lira(trueClassProbability: 1 - 1e-12), 27.631021115928547, accuracy: 1e-3)
        // The edges are finite and ordered.
        let top = MembershipScore.lira(trueClassProbability: 1)
        let bottom = MembershipScore.lira(trueClassProbability: 0)
        XCTAssertTrue(top.isFinite && bottom.isFinite)
        XCTAssertEqual(top, log(0x1p53), accuracy: 1e-9)
        XCTAssertEqual(MembershipScore.lira([1, 0], label: 0), -log(1e-300), accuracy: 1e-9)
        XCTAssertEqual(MembershipScore.lira([0, 1], label: 0), log(1e-300), accuracy: 1e-9)
        // Logits far apart lose nothing.
        XCTAssertEqual(MembershipScore.lira(logits: [800.0, 0.0], label: 0), 800)
        XCTAssertEqual(MembershipScore.lira(logits: [0.0, 800.0, 800.0], label: 0), -800 - log(2), accuracy: 1e-12)
        // Monotone in the true class's probability, over the whole range including the last few ulps.
        var last = -Double.infinity
        var q = 1e-300
        while q < 1 {
            let s = MembershipScore.lira(trueClassProbability: q)
            let v = MembershipScore.lira([q, 1 - q], label: 0)
            XCTAssertGreaterThan(s, last, "q \(q)")
            XCTAssertEqual(s, v, accuracy: 1e-9 * max(1, abs(v)) + (q > 0.999 ? 1e-3 : 0))
            last = s
            q = q < 0.5 ? q * 3 : 1 - (1 - q) / 3
        }
    }

    func testScoresValidateLabels() throws {
        let p = try ClassProbabilities(rows: [[0.5, 0.5]])
        XCTAssertThrowsError(try MembershipScore.lossScores(p, labels: [2])) {
            XCTAssertEqual($0 as? AuditError, .labelOutOfRange(row: 0, label: 2, classes: 2))
        }
        XCTAssertThrowsError(try MembershipScore.liraScores(p, labels: [-2])) {
            XCTAssertEqual($0 as? AuditError, .labelOutOfRange(row: 0, label: -2, classes: 2))
        }
        // A label the model does not have (a removed class): probability 0, floored.
        XCTAssertEqual(try MembershipScore.lossScores(p, labels: [Int(Dataset.absentClass)]), [log(MembershipScore.probabilityFloor)])
        XCTAssertThrowsError(try MembershipScore.liraScores(p, labels: [0, 1])) {
            XCTAssertEqual($0 as? AuditError, .lengthMismatch(what: "labels", expected: 1, actual: 2))
        }
    }

    func testProbabilityValidation() {
        XCTAssertThrowsError(try ClassProbabilities(flat: [0.5, 0.5, 1], classes: 2)) {
            XCTAssertEqual($0 as? AuditError, .badShape(values: 3, classes: 2))
        }
        XCTAssertThrowsError(try ClassProbabilities(flat: [1.5, -0.5], classes: 2)) {
            XCTAssertEqual($0 as? AuditError, .invalidProbability(row: 0, value: -0.5))
        }
        XCTAssertThrowsError(try ClassProbabilities(rows: [[0.5, 0.5], [2.0, 1.0]])) {
            XCTAssertEqual($0 as? AuditError, .rowNotNormalised(row: 1, sum: 3))
        }
        XCTAssertThrowsError(try ClassProbabilities(rows: [[0.5, 0.5], [1.0]])) {
            XCTAssertEqual($0 as? AuditError, .lengthMismatch(what: "row 1", expected: 2, actual: 1))
        }
        XCTAssertNoThrow(try ClassProbabilities(flat: [Float(0.1), 0.2, 0.7], classes: 3))
    }

    func testLogNormalCDF() {
        // Reference values: scipy.stats.norm.logcdf.
        let cases: [(Double, Double)] = [
            (0, -0.6931471805599453), (-1, -1.8410216450092634), (1, -0.1727537790234499),
            (-5, -15.064998393988727), (-20, -203.9171553710973), (-34.9, -613.4772446953714),
            (-35.1, -620.4829497048894), (-40, -804.6084420137539), (-100, -5005.524208694205),
            (5, -2.8665161296376294e-07), (10, -7.61985302416047e-24),
        ]
        for (z, v) in cases {
            XCTAssertEqual(LiRA.logNormalCDF(z), v, accuracy: 1e-12 * abs(v), "z \(z)")
        }
        // Strictly increasing across the switch between the two formulas.
        XCTAssertLessThan(LiRA.logNormalCDF(-35.000001), LiRA.logNormalCDF(-35))
        XCTAssertTrue(LiRA.logNormalCDF(-1e6).isFinite)
    }

    func testGaussianFits() throws {
        let shadows: [[Double]] = [[1, 2, 3], [10, 14]]
        let per = try LiRA.fit(shadows, variance: .perExample)
        XCTAssertEqual(per, [GaussianFit(mean: 2, variance: 1), GaussianFit(mean: 12, variance: 8)])
        // Pooled: (2 + 8) / (2 + 1).
        let global = try LiRA.fit(shadows, variance: .global)
        XCTAssertEqual(global.map(\.mean), [2, 12])
        XCTAssertEqual(global.map(\.variance), [10.0 / 3, 10.0 / 3])
        // One score per example is enough for the global variance if another example has two.
        XCTAssertEqual(try LiRA.fit([[5], [1, 3]], variance: .global).map(\.variance), [2, 2])
        XCTAssertThrowsError(try LiRA.fit([[5], [1, 3]], variance: .perExample)) {
            XCTAssertEqual($0 as? AuditError, .tooFewShadowScores(example: 0, count: 1, needed: 2))
        }
        XCTAssertThrowsError(try LiRA.fit([[5], [1]], variance: .global))
        XCTAssertThrowsError(try LiRA.fit([[5], []], variance: .global)) {
            XCTAssertEqual($0 as? AuditError, .tooFewShadowScores(example: 1, count: 0, needed: 1))
        }
        // Identical shadow scores: the variance floor keeps the score finite.
        XCTAssertEqual(try LiRA.fit([[2, 2]], variance: .perExample, minimumVariance: 1e-6)[0].variance, 1e-6)
    }

    func testOfflineLiRA() throws {
        // OUT scores mean 2, variance 1 (per example) → z = target − 2.
        let out: [[Double]] = [[1, 2, 3], [1, 2, 3], [1, 2, 3]]
        let s = try LiRA.offlineScores(target: [2, 3, 0], out: out, variance: .perExample)
        XCTAssertEqual(s[0], log(0.5), accuracy: 1e-15)
        XCTAssertEqual(s[1], -0.1727537790234499, accuracy: 1e-14)
        XCTAssertEqual(s[2], LiRA.logNormalCDF(-2), accuracy: 1e-14)
        // Per-example calibration: the same target φ is more suspicious for an example whose OUT scores are low.
        let calibrated = try LiRA.offlineScores(target: [5, 5], out: [[0, 1, 2], [4, 5, 6]], variance: .global)
        XCTAssertGreaterThan(calibrated[0], calibrated[1])
        // Monotone in the target score.
        let ts = stride(from: -50.0, through: 50, by: 0.5).map { $0 }
        let mono = try LiRA.offlineScores(target: ts, out: Array(repeating: [0, 0.1, 0.2], count: ts.count),
                                          variance: .perExample)
        for (a, b) in zip(mono, mono.dropFirst()) { XCTAssertLessThanOrEqual(a, b) }
        XCTAssertLessThan(mono[0], mono[1])
        XCTAssertThrowsError(try LiRA.offlineScores(target: [1], out: out, variance: .global)) {
            XCTAssertEqual($0 as? AuditError, .lengthMismatch(what: "OUT shadow scores", expected: 1, actual: 3))
        }
        XCTAssertThrowsError(try LiRA.offlineScores(target: [.nan], out: [[1, 2]], variance: .global))
        XCTAssertThrowsError(try LiRA.offlineScores(target: [1], out: [[1, .infinity]], variance: .global))
    }

    func testOnlineLiRA() throws {
        // IN mean 4, OUT mean 0, both variance 1: log-ratio = −(t−4)²/2 + t²/2 = 4t − 8.
        let inS: [[Double]] = [[3, 4, 5]], outS: [[Double]] = [[-1, 0, 1]]
        for t in [-3.0, 0, 2, 7] {
            let s = try LiRA.onlineScores(target: [t], in: inS, out: outS, variance: .perExample)
            XCTAssertEqual(s[0], 4 * t - 8, accuracy: 1e-12)
        }
        // Different variances: log N(t; 0, 4) − log N(t; 0, 1) = −t²/8 + t²/2 − log 2 at mean 0.
        let wide = try LiRA.onlineScores(target: [1.5], in: [[-2, 0, 2]], out: [[-1, 0, 1]], variance: .perExample)
        XCTAssertEqual(wide[0], 1.5 * 1.5 * 3 / 8 - log(2), accuracy: 1e-12)
        XCTAssertThrowsError(try LiRA.onlineScores(target: [1], in: [], out: outS, variance: .global)) {
            XCTAssertEqual($0 as? AuditError, .lengthMismatch(what: "IN shadow scores", expected: 1, actual: 0))
        }
    }

    /// An end-to-end check on synthetic scores: an attack on separated distributions has a high AUC, and LiRA's
    /// per-example calibration beats the global loss threshold when examples differ in difficulty.
    func testLiRACalibrationHelpsOnHeterogeneousExamples() throws {
        var g = SeededGenerator(seed: 3)
        let n = 400, k = 8
        var targets = [Double](), outs = [[Double]](), isMember = [Bool]()
        for i in 0..<n {
            let difficulty = 6 * g.nextGaussian()          // per-example offset shared by all models
            outs.append((0..<k).map { _ in difficulty + g.nextGaussian() })
            let member = i % 2 == 0
            targets.append(difficulty + (member ? 2 : 0) + g.nextGaussian())
            isMember.append(member)
        }
        let lira = try LiRA.offlineScores(target: targets, out: outs, variance: .global)
        let pick = { (s: [Double], m: Bool) in zip(s, isMember).filter { $0.1 == m }.map(\.0) }
        let liraROC = try ROCCurve(memberScores: pick(lira, true), nonMemberScores: pick(lira, false))
        let rawROC = try ROCCurve(memberScores: pick(targets, true), nonMemberScores: pick(targets, false))
        XCTAssertGreaterThan(liraROC.auc, 0.85)
        XCTAssertLessThan(rawROC.auc, 0.7)
    }
}
