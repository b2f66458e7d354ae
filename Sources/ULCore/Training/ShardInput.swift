import Foundation

/// One shard's input to `trainShards`.
public struct ShardInput: Sendable {
    public var shard: Int
    public var data: Dataset
    public var blocks: [Int]
    /// Blocks whose rows the caller has checked against the record being resumed (`ShardResume.recorded`) and
    /// left as they were: the resume engine takes their recorded digests instead of hashing every feature again.
    public var blocksAsRecorded: Set<Int>
    public init(shard: Int, data: Dataset, blocks: [Int], blocksAsRecorded: Set<Int> = []) {
        self.shard = shard
        self.data = data
        self.blocks = blocks
        self.blocksAsRecorded = blocksAsRecorded
    }
}
