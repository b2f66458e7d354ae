import Foundation

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

extension AuditReport {
    /// Records the membership-attack metrics. `mia_loss_auc` and `mia_loss_advantage` come from `loss`;
    /// `mia_lira_auc` from `lira` (NaN without shadow models). The two TPR metrics come from the strongest attack
    /// measured, LiRA when given, else the loss attack, and are NaN when the non-members are too few to resolve
    /// the target FPR (`TPRAtFPR.isResolved`), e.g. fewer than 1000 for 0.1%.
    /// The TPR metrics and their FPR targets.
    static let tprTargets = [(AuditMetric.miaTPRAt1Percent, 0.01), (AuditMetric.miaTPRAt0_1Percent, 0.001),
                             (AuditMetric.miaTPRAt0_01Percent, 0.0001)]

    /// Each interval as `NAME_ci_low` and `NAME_ci_high`, after the metrics.
    public mutating func setIntervals(_ intervals: [(name: String, interval: ConfidenceInterval)], prefix: String = "") {
        for i in intervals {
            set(prefix + i.name + "_ci_low", i.interval.low)
            set(prefix + i.name + "_ci_high", i.interval.high)
        }
    }

    mutating func setMembership(loss: ROCCurve, lira: ROCCurve?) {
        set(AuditMetric.miaLossAUC, loss.auc)
        set(AuditMetric.miaLossAdvantage, loss.advantage)
        set(AuditMetric.miaLiRAAUC, lira?.auc ?? .nan)
        let strongest = lira ?? loss
        for (name, target) in Self.tprTargets {
            let t = strongest.tpr(atFPR: target)
            set(name, t.isResolved ? t.truePositiveRate : .nan)
        }
    }
}
