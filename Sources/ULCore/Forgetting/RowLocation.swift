import Foundation

/// Where a trained row sits in a model's record (both 0-based).
public struct RowLocation: Equatable, Sendable {
    public var shard: Int
    public var block: Int
    public init(shard: Int, block: Int) {
        self.shard = shard
        self.block = block
    }
}

extension ModelFile {
    /// Every recorded id with its shard and block.
    public func rowLocations() -> [String: RowLocation] {
        var out = [String: RowLocation](minimumCapacity: shards.reduce(0) { $0 + $1.blocks.reduce(0) { $0 + $1.rowCount } })
        for s in shards {
            for (b, block) in s.blocks.enumerated() {
                for id in block.ids { out[id] = RowLocation(shard: s.index, block: b) }
            }
        }
        return out
    }

    /// The shard and block of those of `ids` that the model holds: memory follows `ids`, not the model.
    public func rowLocations(of ids: Set<String>) -> [String: RowLocation] {
        var out = [String: RowLocation]()
        // A few ids are compared directly: cheaper than hashing every id of the model.
        let few = ids.count <= 16 ? Array(ids) : nil
        for s in shards {
            for (b, block) in s.blocks.enumerated() {
                for id in block.ids where few?.contains(id) ?? ids.contains(id) { out[id] = RowLocation(shard: s.index, block: b) }
            }
        }
        return out
    }
}
