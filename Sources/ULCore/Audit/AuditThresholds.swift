import Foundation

/// Pass/fail limits for a cron job. A `nil` limit is not checked.
public struct AuditThresholds: Equatable {
    /// Every membership AUC in the report (`mia_loss_auc`, `mia_lira_auc`) that is present and not NaN must be
    /// ≤ this; fails if none is.
    public var maxAUC: Double?
    /// `referenceAccuracy − accuracy_test` must be ≤ this (the reference is supplied to `check`, e.g. the
    /// original model's test accuracy); fails if either is missing or NaN.
    public var maxAccuracyDrop: Double?
    /// `lineage_ok` must be present and equal to 1.
    var requireLineage: Bool

    public init(maxAUC: Double? = nil, maxAccuracyDrop: Double? = nil, requireLineage: Bool = false) {
        self.maxAUC = maxAUC
        self.maxAccuracyDrop = maxAccuracyDrop
        self.requireLineage = requireLineage
    }
}

/// One failed threshold.
public struct ThresholdFailure: Equatable, CustomStringConvertible {
    /// The metric concerned (for the accuracy drop: `accuracy_test`).
    let metric: String
    /// Its measured value (the drop for `maxAccuracyDrop`), NaN when it was not measured.
    public let value: Double
    /// The limit it had to meet.
    let limit: Double
    /// A sentence saying what was wrong.
    public let reason: String
    public var description: String { reason }

    public static func == (a: ThresholdFailure, b: ThresholdFailure) -> Bool {
        a.metric == b.metric && a.limit == b.limit && a.reason == b.reason
            && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
    }
}

extension AuditThresholds {
    /// The failed thresholds in the order maxAUC, maxAccuracyDrop, requireLineage; empty when all pass.
    public func check(_ report: AuditReport, referenceAccuracy: Double? = nil) -> [ThresholdFailure] {
        var failures = [ThresholdFailure]()
        if let limit = maxAUC {
            let measured = [AuditMetric.miaLossAUC, AuditMetric.miaLiRAAUC].compactMap { name in
                report[name].flatMap { $0.isNaN ? nil : (name, $0) }
            }
            if measured.isEmpty {
                failures.append(ThresholdFailure(metric: AuditMetric.miaLossAUC, value: .nan, limit: limit,
                                                 reason: "no membership AUC was measured (limit \(limit))"))
            }
            for (name, v) in measured where !(v <= limit) {
                failures.append(ThresholdFailure(metric: name, value: v, limit: limit,
                                                 reason: "\(name) \(v) exceeds the limit \(limit)"))
            }
        }
        if let limit = maxAccuracyDrop {
            let name = AuditMetric.accuracyTest
            if let acc = report[name], !acc.isNaN, let ref = referenceAccuracy, !ref.isNaN {
                let drop = ref - acc
                if !(drop <= limit) {
                    failures.append(ThresholdFailure(
                        metric: name, value: drop, limit: limit,
                        reason: "\(name) dropped by \(drop) (from \(ref) to \(acc)), more than the limit \(limit)"))
                }
            } else {
                failures.append(ThresholdFailure(
                    metric: name, value: .nan, limit: limit,
                    reason: "accuracy drop not measurable: \(report[name] == nil || report[name]!.isNaN ? name : "reference accuracy") missing"))
            }
        }
        if requireLineage {
            let name = AuditMetric.lineageOK
            let v = report[name] ?? .nan
            if v != 1 {
                failures.append(ThresholdFailure(
                    metric: name, value: v, limit: 1,
                    reason: v.isNaN ? "lineage was not checked" : "lineage check failed: a forgotten id remains or a digest does not match"))
            }
        }
        return failures
    }
}
