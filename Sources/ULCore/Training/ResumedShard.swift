/// What the resume engine did to one shard.
public struct ResumedShard: Sendable {
    /// The shard's record: the recorded one, same bits, when no block step had to run.
    public var record: ShardRecord
    /// First block step (1-based) that ran; blockCount + 1 when none did.
    public var fromStep: Int
    /// Rows per block of the shard's current rows.
    var blockSizes: [Int]
    /// Cost of the steps that ran, in the unit of SISA's formulas (see `retrainingCost`).
    public var cost: Int
    public var retrained: Bool { fromStep <= blockSizes.count }
}
