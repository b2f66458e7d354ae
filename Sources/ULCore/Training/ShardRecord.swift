/// One shard's sub-model: standardisation (if any) and the block records; the last checkpoint is the
/// shard's final parameters.
public struct ShardRecord: Equatable, Sendable {
    public var index: Int
    var standardization: FeatureStandardization?
    public var blocks: [BlockRecord]
    /// ARCANE: the shard's selection (count m and chosen ids in step order) when it was trained on selected rows.
    public var selection: ShardSelection?
    public var finalParameters: [Double] { blocks.last!.parameters }
    /// A shard without rows (declared by --shards, or emptied by forgetting): it records no parameters and
    /// drops out of aggregation.
    public var isEmpty: Bool { blocks.allSatisfy { $0.ids.isEmpty } }

    /// The record of shard `index` without rows: `blockCount` blocks, no ids, no parameters.
    public static func empty(index: Int, blockCount: Int) -> ShardRecord {
        let digest = blockDigest(Dataset(featureCount: 0), rows: [], labels: [])
        return ShardRecord(index: index, standardization: nil,
                           blocks: Array(repeating: BlockRecord(ids: [], digest: digest, parameters: []), count: blockCount))
    }

    public init(index: Int, standardization: FeatureStandardization?, blocks: [BlockRecord], selection: ShardSelection? = nil) {
        self.index = index
        self.standardization = standardization
        self.blocks = blocks
        self.selection = selection
    }
}
