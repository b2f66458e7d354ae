import Foundation

/// One shard's input to `trainShards`.
public struct ShardInput: Sendable {
    public var shard: Int
    public var data: Dataset
    public var blocks: [Int]
    /// Digests of blocks (by block) whose rows the caller has checked against exactly these digests and left
    /// as they were: the resume engine takes them instead of hashing every feature again.
    public var checkedDigests: [Int: [UInt8]]
    public init(shard: Int, data: Dataset, blocks: [Int], checkedDigests: [Int: [UInt8]] = [:]) {
        self.shard = shard
        self.data = data
        self.blocks = blocks
        self.checkedDigests = checkedDigests
    }
}
