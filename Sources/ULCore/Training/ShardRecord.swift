/// One shard's sub-model: standardisation (if any) and the block records; the last checkpoint is the
/// shard's final parameters.
public struct ShardRecord: Equatable, Sendable {
    public var index: Int
    var standardization: FeatureStandardization?
    public var blocks: [BlockRecord]
    /// ARCANE: the shard's selection (count m and chosen ids in step order) when it was trained on selected rows.
    public var selection: ShardSelection?
    public var finalParameters: [Double] { blocks.last!.parameters }

    public init(index: Int, standardization: FeatureStandardization?, blocks: [BlockRecord], selection: ShardSelection? = nil) {
        self.index = index
        self.standardization = standardization
        self.blocks = blocks
        self.selection = selection
    }
}
