/// What one block of a shard holds after training.
public struct BlockRecord: Equatable, Sendable {
    /// Ids of the block's rows in canonical order (ascending UTF-8 bytes).
    public var ids: [String]
    /// SHA-256 of the block's rows in that order: per row the id and the label (each as u64 length and
    /// UTF-8 bytes), then the features as they are trained on before standardisation (after `--scale`),
    /// as little-endian Float32 bits.
    public var digest: [UInt8]
    /// θ after this block's step: exact Double bits.
    public var parameters: [Double]
    public var rowCount: Int { ids.count }

    public init(ids: [String], digest: [UInt8], parameters: [Double]) {
        self.ids = ids
        self.digest = digest
        self.parameters = parameters
    }
}
