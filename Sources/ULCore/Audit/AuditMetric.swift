import Foundation

/// Names of the audit metrics, fixed so that scripts and tests agree.
public enum AuditMetric {
    static let accuracyRetain = "accuracy_retain"
    static let accuracyForget = "accuracy_forget"
    public static let accuracyTest = "accuracy_test"
    static let miaLossAUC = "mia_loss_auc"
    static let miaLossAdvantage = "mia_loss_advantage"
    static let miaLiRAAUC = "mia_lira_auc"
    static let miaTPRAt1Percent = "mia_tpr_at_1pct"
    static let miaTPRAt0_1Percent = "mia_tpr_at_0_1pct"
    static let miaTPRAt0_01Percent = "mia_tpr_at_0_01pct"
    static let resistance = "resistance"
    static let paramDistance = "param_distance"
    static let agreement = "agreement"
    static let kl = "kl"
    /// 1 when the lineage check passed, 0 when it failed.
    public static let lineageOK = "lineage_ok"
    /// 1 when no forgotten id, its SHA-256 or its keyed form occurs in the bytes of the model files.
    public static let remanenceOK = "remanence_ok"

    /// All of the above, in the order a report lists them.
    public static let all = [accuracyRetain, accuracyForget, accuracyTest, miaLossAUC, miaLossAdvantage,
                             miaLiRAAUC, miaTPRAt1Percent, miaTPRAt0_1Percent, miaTPRAt0_01Percent, resistance, paramDistance,
                             agreement, kl, lineageOK, remanenceOK]
}
