import Foundation

/// A trained model as stored in a `.ulm` container (sections documented in man/ul-model.5):
/// `config`, `labels`, `features`, `selection` (only for a model trained on selected rows), then one `shardNNNN`
/// section per held shard, ascending.
public struct ModelFile: Equatable, Sendable {
    public var config: TrainConfig
    /// Class labels; class index i of the model is `labels[i]`.
    public var labels: [String]
    /// Feature column names, in the order of the parameters' input dimension.
    public var features: [String]
    /// The held shards, ascending by index (all of them unless a part file).
    public var shards: [ShardRecord]
    /// ARCANE: how the training rows were selected, when recorded (`ul-train --selection`).
    public var selection: SelectionSpec?
    /// Shards changed by approximate removal (section `approx`, absent when empty).
    public var approximate: [ApproximateShard] = []
    /// What ul-train was told rather than derived (section `declared`, absent when nothing was).
    public var declared: DeclaredShape = []
    /// With ids keyed (`ul-train --id-key`): the key's check value (`IdKey.check`), section `idkey`; every id in
    /// the block and selection records is then the keyed id.
    public var idKeyCheck: [UInt8]? = nil

    /// `config.heldShards` is set from `shards`.
    public init(config: TrainConfig, labels: [String], features: [String], shards: [ShardRecord],
                selection: SelectionSpec? = nil) {
        self.selection = selection
        self.config = config
        self.config.heldShards = shards.map(\.index).sorted()
        self.labels = labels
        self.features = features
        self.shards = shards.sorted { $0.index < $1.index }
    }

    /// True when every shard is present (not a part file).
    public var isComplete: Bool {
        shards.count == config.shardCount && shards.indices.allSatisfy { shards[$0].index == $0 }
    }

    static func shardTag(_ index: Int) -> String {
        let s = String(index)
        return "shard" + String(repeating: "0", count: max(0, 4 - s.count)) + s
    }

    /// The bytes of the model file. A section whose payload is byte for byte that of the same section in
    /// `previous` (the file this model was read from, whose payloads were checked when it was decoded)
    /// keeps its table entry's checksums instead of hashing the payload again: a request that retrains one
    /// shard of ten hashes one shard's section.
    public func encode(reusing previous: ModelContainerReader? = nil) throws -> [UInt8] {
        let sections = sectionPayloads()
        var streams = [ModelSectionStream]()
        for section in sections {
            var stream = ModelSectionStream(section)
            if let e = previous?.entry(section.tag), e.length == section.payload.count,
               try previous!.source.withBytes(offset: e.offset, count: e.length, { old in
                   section.payload.withUnsafeBytes { e.length == 0 || memcmp(old.baseAddress!, $0.baseAddress!, e.length) == 0 }
               }) {
                stream.checksums = (e.length, e.crc, e.digestPrefix)
            }
            streams.append(stream)
        }
        var out = [UInt8]()
        out.reserveCapacity(ModelContainer.headerSize(sections: sections.count) + sections.reduce(0) { $0 + $1.payload.count })
        try ModelContainer.write(streams, to: { out.append(contentsOf: $0) })
        return out
    }

    private func sectionPayloads() -> [ModelSection] {
        var sections = [ModelSection]()
        var w = ByteWriter()
        config.encode(into: &w)
        sections.append(ModelSection(tag: "config", payload: w.bytes))
        w = ByteWriter()
        w.strings(labels)
        sections.append(ModelSection(tag: "labels", payload: w.bytes))
        w = ByteWriter()
        w.strings(features)
        sections.append(ModelSection(tag: "features", payload: w.bytes))
        if let spec = selection {
            w = ByteWriter()
            spec.encode(into: &w)
            sections.append(ModelSection(tag: "selection", payload: w.bytes))
        }
        if !declared.isEmpty {
            w = ByteWriter()
            w.u32(declared.rawValue)
            sections.append(ModelSection(tag: "declared", payload: w.bytes))
        }
        if let check = idKeyCheck {
            w = ByteWriter()
            w.raw(check)
            sections.append(ModelSection(tag: "idkey", payload: w.bytes))
        }
        for s in shards {
            w = ByteWriter()
            Self.encodeShard(s, into: &w)
            sections.append(ModelSection(tag: Self.shardTag(s.index), payload: w.bytes))
        }
        if !approximate.isEmpty {
            sections.append(ModelSection(tag: "approx", payload: ApproximateShard.encode(approximate.sorted { $0.shard < $1.shard })))
        }
        return sections
    }

    static func encodeShard(_ s: ShardRecord, into w: inout ByteWriter) {
        w.int(s.index)
        w.bool(s.standardization != nil)
        w.floats(s.standardization?.mean ?? [])
        w.floats(s.standardization?.factor ?? [])
        w.int(s.blocks.count)
        for b in s.blocks {
            w.int(b.rowCount)
            w.strings(b.ids)
            w.raw(b.digest)
            w.doubles(b.parameters)
        }
        // Optional trailer, absent in models without selection.
        if let sel = s.selection {
            w.int(sel.count)
            w.strings(sel.order)
        }
    }

    static func decodeShard(_ r: inout ByteReader, featureCount: Int) throws -> ShardRecord {
        let index = try r.int()
        let standardized = try r.bool()
        let mean = try r.floats()
        let factor = try r.floats()
        guard mean.count == factor.count, mean.count == (standardized ? featureCount : 0) else {
            throw ByteReaderError.invalid("standardisation has \(mean.count) values for \(featureCount) features")
        }
        let n = try r.int()
        guard n >= 1, n <= r.remaining / minimumBlockRecordSize else { throw ByteReaderError.invalid("block count \(n)") }
        var blocks = [BlockRecord]()
        for _ in 0..<n {
            let count = try r.int()
            let ids = try r.strings()
            guard ids.count == count else { throw ByteReaderError.invalid("row count \(count) but \(ids.count) ids") }
            let digest = try r.raw(32)
            blocks.append(BlockRecord(ids: ids, digest: digest, parameters: try r.doubles()))
        }
        var selection: ShardSelection? = nil
        if !r.atEnd {
            let count = try r.int()
            let order = try r.strings()
            let trained = Set(blocks.flatMap(\.ids))
            guard count >= -1, count == -1 || order.count <= count, Set(order) == trained, order.count == trained.count else {
                throw ByteReaderError.invalid("selection does not match the trained rows")
            }
            selection = ShardSelection(count: count, order: order)
        }
        return ShardRecord(index: index, standardization: standardized ? FeatureStandardization(mean: mean, factor: factor) : nil,
                           blocks: blocks, selection: selection)
    }

    /// Bytes of the smallest block record: row count, id count, digest, parameter count.
    static let minimumBlockRecordSize = 8 + 8 + 32 + 8
    /// Bytes of a shard section before its block records: index, standardised, two empty lists, block count.
    static let shardHeadSize = 8 + 1 + 8 + 8 + 8

    /// Reads and checks a model; errors are `ModelFileError`. Every count the file declares is checked
    /// against the bytes that must hold it before anything is allocated or computed from it, so a crafted
    /// file is refused in time proportional to its size.
    public static func decode(_ reader: ModelContainerReader) throws -> ModelFile {
        let config = try reader.decode("config") { try TrainConfig.decode(&$0) }
        let labels = try reader.decode("labels") { try $0.strings() }
        let features = try reader.decode("features") { try $0.strings() }
        guard !labels.isEmpty else { throw ModelFileError.malformedSection("labels", "no labels") }
        guard !features.isEmpty else { throw ModelFileError.malformedSection("features", "no features") }
        try checkShape(config, reader: reader, featureCount: features.count, classCount: labels.count)
        let selection = reader.has("selection") ? try reader.decode("selection") { try SelectionSpec.decode(&$0) } : nil
        let learner = config.kind.learner(config: config, featureCount: features.count, classCount: labels.count)
        let approximate = reader.has("approx") ? try reader.decode("approx") { try ApproximateShard.decode(&$0) } : []
        let dirty = Dictionary(approximate.map { ($0.shard, $0.firstDirtyBlock) }, uniquingKeysWith: min)
        // Shard sections decode on both cores (checksums, ids, checkpoints); the first bad one in file order is reported.
        let shards = try concurrentMap(config.heldShards, workers: 2) { _, index -> ShardRecord in
            let tag = shardTag(index)
            let s = try reader.decode(tag) { try decodeShard(&$0, featureCount: features.count) }
            guard s.index == index, s.blocks.count == config.blockCount,
                  s.isEmpty ? s.blocks.allSatisfy({ $0.parameters.isEmpty && $0.digest == ShardRecord.empty(index: index, blockCount: 1).blocks[0].digest })
                            : s.blocks.indices.allSatisfy({ b in
                                  learner.accepts(s.blocks[b].parameters)
                                      // An approximately unlearned shard's dirty checkpoints are dropped (empty).
                                      || (s.blocks[b].parameters.isEmpty && b < s.blocks.count - 1 && b >= dirty[index] ?? Int.max)
                              })
            else { throw ModelFileError.malformedSection(tag, "shard does not match the configuration") }
            return s
        }
        // The work the file implies: retraining its shards must end (ul-train refuses more, see TrainConfig).
        let work = shards.reduce(0.0) { $0 + config.rowEpochs(blockRows: $1.blocks.map(\.rowCount)) }
        guard work <= TrainConfig.maxRowEpochs else {
            throw ModelFileError.malformedSection("config", "training its shards takes \(work) row-epochs, more than \(TrainConfig.maxRowEpochs)")
        }
        guard shards.allSatisfy({ ($0.selection != nil) == (selection != nil) }) else {
            throw ModelFileError.malformedSection("selection", "shards and the selection record disagree")
        }
        var model = ModelFile(config: config, labels: labels, features: features, shards: shards, selection: selection)
        if reader.has("declared") {
            let raw = try reader.decode("declared") { try $0.u32() }
            guard raw & ~UInt32(15) == 0 else { throw ModelFileError.malformedSection("declared", "unknown flags \(raw)") }
            model.declared = DeclaredShape(rawValue: raw)
        }
        if reader.has("idkey") {
            model.idKeyCheck = try reader.decode("idkey") { r in
                let check = try r.raw(32)
                guard r.atEnd else { throw ByteReaderError.invalid("a key check value is 32 bytes") }
                return check
            }
        }
        if !approximate.isEmpty {
            model.approximate = approximate
            guard model.approximate.allSatisfy({ a in shards.contains { $0.index == a.shard } }) else {
                throw ModelFileError.malformedSection("approx", "names a shard the file does not hold")
            }
        }
        return model
    }

    /// The declared shape against the bytes present, before any shard is decoded: every held shard has a
    /// section large enough for its block records (so shards × blocks is bounded by the file's size), and a
    /// network's parameter count neither overflows nor exceeds `maxParameters` (a shard that holds parameters
    /// is then checked against it, and decoding it is bounded by its bytes).
    static func checkShape(_ config: TrainConfig, reader: ModelContainerReader, featureCount: Int, classCount: Int) throws {
        let (blockBytes, overflow) = config.blockCount.multipliedReportingOverflow(by: minimumBlockRecordSize)
        for index in config.heldShards {
            let tag = shardTag(index)
            guard let e = reader.entry(tag) else { throw ModelFileError.missingSection(tag) }
            guard !overflow, e.length - shardHeadSize >= blockBytes else {
                throw ModelFileError.malformedSection(tag, "\(config.blockCount) block records cannot fit in \(e.length) bytes")
            }
        }
        guard !config.kind.isOneClass else { return }
        let sizes = [featureCount] + (config.kind == .mlp ? config.hidden : []) + [classCount]
        guard let count = checkedParameterCount(sizes), count <= maxParameters else {
            throw ModelFileError.malformedSection("config", "the network has more than \(maxParameters) parameters")
        }
    }

    /// Parameters of one network checkpoint a model file may declare (2³¹, 16 GiB of f64).
    public static let maxParameters = 1 << 31

    /// Σ (n(l) + 1)·n(l+1), or nil on overflow.
    static func checkedParameterCount(_ sizes: [Int]) -> Int? {
        var count = 0
        for l in 0..<sizes.count - 1 {
            let (w, o1) = (sizes[l] + 1).multipliedReportingOverflow(by: sizes[l + 1])
            let (sum, o2) = count.addingReportingOverflow(w)
            guard !o1, !o2 else { return nil }
            count = sum
        }
        return count
    }

    /// Why part files cannot be merged.
    public enum MergeError: Error, Equatable, CustomStringConvertible {
        /// Two parts were trained with different configurations, labels or features.
        case mismatch(String)
        /// A shard appears in two parts.
        case duplicateShard(Int)
        /// A shard appears in no part.
        case missingShard(Int)

        public var description: String {
            switch self {
            case let .mismatch(what): return "parts differ in \(what)"
            case let .duplicateShard(s): return "shard \(s) is in more than one part"
            case let .missingShard(s): return "shard \(s) is in no part"
            }
        }
    }

    /// Combines part files (disjoint shard subsets of one configuration) into the complete model.
    public static func merge(_ parts: [ModelFile]) throws -> ModelFile {
        guard let first = parts.first else { throw MergeError.mismatch("nothing to merge") }
        var all = [ShardRecord]()
        var seen = Set<Int>()
        for p in parts {
            var a = p.config, b = first.config
            a.heldShards = []
            b.heldShards = []
            guard a == b else { throw MergeError.mismatch("configuration") }
            guard p.labels == first.labels else { throw MergeError.mismatch("labels") }
            guard p.features == first.features else { throw MergeError.mismatch("features") }
            guard p.declared == first.declared else { throw MergeError.mismatch("declared shape") }
            guard p.selection == first.selection else { throw MergeError.mismatch("selection") }
            guard p.idKeyCheck == first.idKeyCheck else { throw MergeError.mismatch("id key") }
            for s in p.shards {
                guard seen.insert(s.index).inserted else { throw MergeError.duplicateShard(s.index) }
                all.append(s)
            }
        }
        for s in 0..<first.config.shardCount where !seen.contains(s) { throw MergeError.missingShard(s) }
        var config = first.config
        config.heldShards = Array(0..<config.shardCount)
        var model = ModelFile(config: config, labels: first.labels, features: first.features, shards: all, selection: first.selection)
        model.declared = first.declared
        model.idKeyCheck = first.idKeyCheck
        return model
    }
}

extension ModelFile {
    /// The learner of this model's kind and shape.
    var learner: ShardLearner {
        config.kind.learner(config: config, featureCount: features.count, classCount: labels.count)
    }
}
