/// TPR at a target FPR, with the resolution the number of non-members allows.
struct TPRAtFPR: Equatable {
    /// The requested FPR bound.
    let targetFPR: Double
    /// The largest TPR over the ROC points with FPR ≤ `targetFPR`.
    let truePositiveRate: Double
    /// The FPR of the first (lowest-FPR) point reaching `truePositiveRate`; ≤ `targetFPR`.
    let falsePositiveRate: Double
    /// The smallest non-zero FPR measurable: 1 / non-members.
    let resolution: Double
    /// False when `resolution > targetFPR`: then not even one false positive fits under the target and
    /// `truePositiveRate` is the TPR at FPR = 0 (no false positive at all), a stricter operating point than asked
    /// for. Callers that want a plain "not measurable" should report NaN in that case.
    var isResolved: Bool { resolution <= targetFPR }
}
