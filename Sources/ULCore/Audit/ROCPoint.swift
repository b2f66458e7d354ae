/// One operating point of a membership attack: "member" iff score ≥ `threshold`.
public struct ROCPoint: Equatable {
    /// Scores at or above this are called members; `+∞` for the first point (nobody is called a member).
    public let threshold: Double
    /// Members called members.
    public let truePositives: Int
    /// Non-members called members.
    public let falsePositives: Int
    /// `truePositives / members`.
    public let truePositiveRate: Double
    /// `falsePositives / nonMembers`.
    public let falsePositiveRate: Double
}
