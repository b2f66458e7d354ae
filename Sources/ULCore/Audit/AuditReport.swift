import Foundation

/// Names of the audit metrics, fixed so that scripts and tests agree.
public enum AuditMetric {
    public static let accuracyRetain = "accuracy_retain"
    public static let accuracyForget = "accuracy_forget"
    public static let accuracyTest = "accuracy_test"
    public static let miaLossAUC = "mia_loss_auc"
    public static let miaLossAdvantage = "mia_loss_advantage"
    public static let miaLiRAAUC = "mia_lira_auc"
    public static let miaTPRAt1Percent = "mia_tpr_at_1pct"
    public static let miaTPRAt0_1Percent = "mia_tpr_at_0_1pct"
    public static let resistance = "resistance"
    public static let paramDistance = "param_distance"
    public static let agreement = "agreement"
    public static let kl = "kl"
    /// 1 when the lineage check passed, 0 when it failed.
    public static let lineageOK = "lineage_ok"

    /// All of the above, in the order a report lists them.
    public static let all = [accuracyRetain, accuracyForget, accuracyTest, miaLossAUC, miaLossAdvantage,
                             miaLiRAAUC, miaTPRAt1Percent, miaTPRAt0_1Percent, resistance, paramDistance,
                             agreement, kl, lineageOK]
}

/// An ordered list of metric name → value. Names keep the order of their first `set`; setting a name again
/// replaces its value in place. NaN means "not measurable" and is written as such.
public struct AuditReport: Equatable {
    public private(set) var entries: [(name: String, value: Double)] = []

    public init() {}

    public static func == (a: AuditReport, b: AuditReport) -> Bool {
        a.entries.count == b.entries.count
            && zip(a.entries, b.entries).allSatisfy {
                $0.name == $1.name && ($0.value == $1.value || ($0.value.isNaN && $1.value.isNaN))
            }
    }

    public mutating func set(_ name: String, _ value: Double) {
        if let i = entries.firstIndex(where: { $0.name == name }) {
            entries[i].value = value
        } else {
            entries.append((name, value))
        }
    }

    /// A boolean metric as 1 or 0.
    public mutating func set(_ name: String, _ flag: Bool) { set(name, flag ? 1.0 : 0.0) }

    public subscript(name: String) -> Double? { entries.first { $0.name == name }?.value }

    /// `metric,value` header and one row per entry. Numbers in Swift's shortest round-trip form;
    /// NaN, +∞ and −∞ as `NaN`, `Inf`, `-Inf`. Names are quoted when they hold a comma, quote or line break.
    public func csv() -> String {
        var out = "metric,value\n"
        for e in entries {
            let v = e.value.isNaN ? "NaN" : e.value == .infinity ? "Inf" : e.value == -.infinity ? "-Inf" : reportNumber(e.value)
            out += "\(csvField(e.name)),\(v)\n"
        }
        return out
    }

    /// One JSON object with the same keys in the same order, values as numbers; NaN and ±∞ (which JSON cannot
    /// hold) as `null`. Pretty-printed, two-space indent, ending in a newline.
    public func json() -> String {
        if entries.isEmpty { return "{}\n" }
        let body = entries.map { e in
            "  \(jsonString(e.name)): \(e.value.isFinite ? reportNumber(e.value) : "null")"
        }
        return "{\n" + body.joined(separator: ",\n") + "\n}\n"
    }
}

/// Shortest round-trip text; whole numbers (flags, counts) without a fraction, so `lineage_ok` reads 1 or 0.
private func reportNumber(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
}

private func csvField(_ s: String) -> String {
    guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
    return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

private func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20:
            let h = String(u.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}

/// Pass/fail limits for a cron job. A `nil` limit is not checked.
public struct AuditThresholds: Equatable {
    /// Every membership AUC in the report (`mia_loss_auc`, `mia_lira_auc`) that is present and not NaN must be
    /// ≤ this; fails if none is.
    public var maxAUC: Double?
    /// `referenceAccuracy − accuracy_test` must be ≤ this (the reference is supplied to `check`, e.g. the
    /// original model's test accuracy); fails if either is missing or NaN.
    public var maxAccuracyDrop: Double?
    /// `lineage_ok` must be present and equal to 1.
    public var requireLineage: Bool

    public init(maxAUC: Double? = nil, maxAccuracyDrop: Double? = nil, requireLineage: Bool = false) {
        self.maxAUC = maxAUC
        self.maxAccuracyDrop = maxAccuracyDrop
        self.requireLineage = requireLineage
    }
}

/// One failed threshold.
public struct ThresholdFailure: Equatable, CustomStringConvertible {
    /// The metric concerned (for the accuracy drop: `accuracy_test`).
    public let metric: String
    /// Its measured value (the drop for `maxAccuracyDrop`), NaN when it was not measured.
    public let value: Double
    /// The limit it had to meet.
    public let limit: Double
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

extension AuditReport {
    /// Records the membership-attack metrics. `mia_loss_auc` and `mia_loss_advantage` come from `loss`;
    /// `mia_lira_auc` from `lira` (NaN without shadow models). The two TPR metrics come from the strongest attack
    /// measured, LiRA when given, else the loss attack, and are NaN when the non-members are too few to resolve
    /// the target FPR (`TPRAtFPR.isResolved`), e.g. fewer than 1000 for 0.1%.
    public mutating func setMembership(loss: ROCCurve, lira: ROCCurve?) {
        set(AuditMetric.miaLossAUC, loss.auc)
        set(AuditMetric.miaLossAdvantage, loss.advantage)
        set(AuditMetric.miaLiRAAUC, lira?.auc ?? .nan)
        let strongest = lira ?? loss
        for (name, target) in [(AuditMetric.miaTPRAt1Percent, 0.01), (AuditMetric.miaTPRAt0_1Percent, 0.001)] {
            let t = strongest.tpr(atFPR: target)
            set(name, t.isResolved ? t.truePositiveRate : .nan)
        }
    }
}
