/// One operating point of a membership attack: "member" iff score ≥ `threshold`.
struct ROCPoint: Equatable {
    /// Scores at or above this are called members; `+∞` for the first point (nobody is called a member).
    let threshold: Double
    /// Members called members.
    let truePositives: Int
    /// Non-members called members.
    let falsePositives: Int
    /// `truePositives / members`.
    let truePositiveRate: Double
    /// `falsePositives / nonMembers`.
    let falsePositiveRate: Double
}
