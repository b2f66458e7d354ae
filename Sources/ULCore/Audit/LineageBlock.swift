/// The ids one block of one shard of a model was trained on, as its model file records them.
struct LineageBlock: Equatable {
    let shard: Int
    let block: Int
    /// The ids in the order they were recorded (or, when the file keeps only a digest, supplied from elsewhere,
    /// e.g. the partition file, and then verified against `digest`).
    let ids: [String]
    /// The recorded SHA-256 of `ids` (`lineageDigest`), if the file keeps one.
    let digest: [UInt8]?

    init(shard: Int, block: Int, ids: [String], digest: [UInt8]? = nil) {
        self.shard = shard
        self.block = block
        self.ids = ids
        self.digest = digest
    }
}

/// SHA-256 of an id list in its canonical encoding: for each id in order, its UTF-8 byte count as a little-endian
/// UInt64 followed by its UTF-8 bytes (`SHA256Digest.updateField`), nothing else. The order matters; the empty
/// list gives the SHA-256 of no bytes.
func lineageDigest(_ ids: [String]) -> [UInt8] {
    let d = SHA256Digest()
    for id in ids { d.updateField(id) }
    return d.finish()
}
