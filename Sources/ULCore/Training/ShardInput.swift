import Foundation

/// One shard's input to `trainShards`.
public struct ShardInput: Sendable {
    public var shard: Int
    public var data: Dataset
    public var blocks: [Int]
    public init(shard: Int, data: Dataset, blocks: [Int]) {
        self.shard = shard
        self.data = data
        self.blocks = blocks
    }
}
