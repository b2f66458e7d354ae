import Foundation
import XCTest
@testable import ULCore

final class AuditReportTests: XCTestCase {
    func sample() -> AuditReport {
        var r = AuditReport()
        r.set(AuditMetric.accuracyTest, 0.9)
        r.set(AuditMetric.miaLossAUC, 0.625)
        r.set(AuditMetric.miaTPRAt0_1Percent, .nan)
        r.set(AuditMetric.paramDistance, 1e-5)
        r.set(AuditMetric.lineageOK, true)
        r.set(AuditMetric.accuracyTest, 0.875)   // replaces in place
        return r
    }

    func testMetricNames() {
        XCTAssertEqual(AuditMetric.all, [
            "accuracy_retain", "accuracy_forget", "accuracy_test", "mia_loss_auc", "mia_loss_advantage",
            "mia_lira_auc", "mia_tpr_at_1pct", "mia_tpr_at_0_1pct", "mia_tpr_at_0_01pct", "resistance", "param_distance", "agreement",
            "kl", "lineage_ok", "remanence_ok",
        ])
    }

    func testCSV() {
        XCTAssertEqual(sample().csv(), """
            metric,value
            accuracy_test,0.875
            mia_loss_auc,0.625
            mia_tpr_at_0_1pct,NaN
            param_distance,1e-05
            lineage_ok,1

            """)
        var odd = AuditReport()
        odd.set("a,\"b\"", -.infinity)
        XCTAssertEqual(odd.csv(), "metric,value\n\"a,\"\"b\"\"\",-Inf\n")
    }

    func testJSONParsesWithSameKeysAndValues() throws {
        let r = sample()
        let text = r.json()
        XCTAssertTrue(text.hasPrefix("{\n  \"accuracy_test\": 0.875,\n"))
        let parsed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(Set(parsed.keys), Set(r.entries.map(\.name)))
        XCTAssertEqual(parsed["accuracy_test"] as? Double, 0.875)
        XCTAssertEqual(parsed["param_distance"] as? Double, 1e-5)
        XCTAssertEqual(parsed["lineage_ok"] as? Double, 1)
        XCTAssertTrue(parsed["mia_tpr_at_0_1pct"] is NSNull)
        var odd = AuditReport()
        odd.set("q\"\\\n\u{1}é", 3)
        odd.set("inf", .infinity)
        let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(odd.json().utf8)) as? [String: Any])
        XCTAssertEqual(o["q\"\\\n\u{1}é"] as? Double, 3)
        XCTAssertTrue(o["inf"] is NSNull)
        XCTAssertEqual(AuditReport().json(), "{}\n")
    }

    func testThresholdsPass() {
        var r = sample()
        r.set(AuditMetric.miaLiRAAUC, 0.6)
        let t = AuditThresholds(maxAUC: 0.625, maxAccuracyDrop: 0.03, requireLineage: true)
        XCTAssertEqual(t.check(r, referenceAccuracy: 0.9), [])
        XCTAssertEqual(AuditThresholds().check(AuditReport()), [])
    }

    func testThresholdFailuresSayWhy() {
        var r = sample()
        r.set(AuditMetric.miaLiRAAUC, 0.7)
        r.set(AuditMetric.lineageOK, false)
        let f = AuditThresholds(maxAUC: 0.65, maxAccuracyDrop: 0.01, requireLineage: true)
            .check(r, referenceAccuracy: 0.9)
        XCTAssertEqual(f.map(\.metric), ["mia_lira_auc", "accuracy_test", "lineage_ok"])
        XCTAssertEqual(f[0].value, 0.7)
        XCTAssertEqual(f[0].limit, 0.65)
        XCTAssertEqual(f[1].value, 0.9 - 0.875, accuracy: 1e-15)
        XCTAssertTrue(f[1].reason.contains("dropped"), f[1].reason)
        XCTAssertTrue(f[2].reason.contains("lineage check failed"), f[2].reason)
    }

    func testUnmeasuredMetricsFail() {
        var r = AuditReport()
        r.set(AuditMetric.miaLossAUC, .nan)
        let f = AuditThresholds(maxAUC: 0.6, maxAccuracyDrop: 0.01, requireLineage: true).check(r)
        XCTAssertEqual(f.count, 3)
        XCTAssertTrue(f[0].reason.contains("no membership AUC"), f[0].reason)
        XCTAssertTrue(f[1].reason.contains("accuracy_test missing"), f[1].reason)
        XCTAssertTrue(f[2].reason.contains("not checked"), f[2].reason)
        XCTAssertTrue(f.allSatisfy { $0.value.isNaN })
        // Test accuracy present but no reference.
        r.set(AuditMetric.accuracyTest, 0.8)
        let g = AuditThresholds(maxAccuracyDrop: 0.01).check(r)
        XCTAssertEqual(g.count, 1)
        XCTAssertTrue(g[0].reason.contains("reference accuracy missing"), g[0].reason)
    }

    func testMembershipMetrics() throws {
        let neg = (0..<200).map { Double($0) }
        let loss = try ROCCurve(memberScores: [150.5, 199.5, 300], nonMemberScores: neg)
        var r = AuditReport()
        r.setMembership(loss: loss, lira: nil)
        XCTAssertEqual(r.entries.map(\.name), ["mia_loss_auc", "mia_loss_advantage", "mia_lira_auc",
                                               "mia_tpr_at_1pct", "mia_tpr_at_0_1pct", "mia_tpr_at_0_01pct"])
        XCTAssertEqual(r["mia_loss_auc"], loss.auc)
        XCTAssertEqual(r["mia_loss_advantage"], loss.advantage)
        XCTAssertTrue(r["mia_lira_auc"]!.isNaN)
        // 200 non-members: 1% allows two false positives (198, 199), so 300 and 199.5 count; 0.1% is unresolved.
        XCTAssertEqual(r["mia_tpr_at_1pct"], 2.0 / 3)
        XCTAssertTrue(r["mia_tpr_at_0_1pct"]!.isNaN)
        let lira = try ROCCurve(memberScores: [1000, 1001], nonMemberScores: (0..<1000).map { Double($0) })
        r.setMembership(loss: loss, lira: lira)
        XCTAssertEqual(r["mia_lira_auc"], 1)
        XCTAssertEqual(r["mia_tpr_at_1pct"], 1)
        XCTAssertEqual(r["mia_tpr_at_0_1pct"], 1)
    }
}
