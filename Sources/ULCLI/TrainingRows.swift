import Foundation
import ULCore

/// Rows of a training CSV grouped by shard, read exactly as `ul-train` reads them, so that tools that
/// retrain or analyse a model (exact forgetting, influence) see the same features, bits and order.
public struct TrainingRows {
    /// Rows of one shard, in file order.
    public struct Shard {
        public var ids: [String] = []
        public var labels: [String] = []
        public var blocks: [Int] = []
        /// Features after `--scale`, row-major.
        public var features: [Float] = []
    }

    /// What to read.
    public struct Options {
        public var idColumn = "id"
        public var labelColumn = "label"
        /// Columns that are not features.
        public var exclude: [String] = []
        /// Exactly these feature columns, by name (a model's features); nil: every other column.
        public var features: [String]? = nil
        /// Multiplies every feature (the model's `scale`).
        public var scale: Float? = nil
        /// Keep features only for these shards (nil: all); other rows count for labels only.
        public var keepShards: Set<Int>? = nil
        /// Fixed label list: another label is an error.
        public var classes: [String]? = nil
        public init() {}
    }

    public var featureNames: [String]
    public var shards: [Int: Shard]
    /// Shards in which each label occurs.
    public var labelShards: [String: Set<Int>]
    public var maxShard: Int
    public var maxBlock: Int
    public var rowCount: Int

    /// The label list: the fixed one, or the sorted set of labels (numeric order when all are numbers).
    public func labelList(fixed: [String]?) -> [String] {
        if let f = fixed { return f }
        let set = Set(labelShards.keys)
        if set.allSatisfy({ Double($0) != nil }) {
            return set.sorted { Double($0)! != Double($1)! ? Double($0)! < Double($1)! : $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }
        return set.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// One shard as training input, labels mapped to class indices of `labels`; nil if it has no rows.
    public func shardInput(_ shard: Int, labels: [String]) -> ShardInput? {
        guard let s = shards[shard], !s.ids.isEmpty else { return nil }
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, Int32($0)) })
        let data = Dataset(featureCount: featureNames.count, features: s.features, classes: s.labels.map { index[$0]! }, ids: s.ids)
        return ShardInput(shard: shard, data: data, blocks: s.blocks)
    }

    /// Reads `path` (`-` is standard input). Rows with selected=0 are skipped. Errors name file, line and column.
    public init(path: String, options: Options, progress: Progress? = nil) throws {
        let r = try CSVReader(path: path)
        let idCol = try r.requireColumn(options.idColumn, option: "id")
        let labelCol = try r.requireColumn(options.labelColumn, option: "label")
        let shardCol = r.column("shard"), blockCol = r.column("block"), selectedCol = r.column("selected")
        let featureCols: [Int]
        if let names = options.features {
            featureCols = try names.map { name in
                guard let c = r.column(name) else {
                    throw ToolError.data("missing feature column '\(name)' (the model has \(names.count) features)", file: r.path, line: 1)
                }
                return c
            }
        } else {
            for e in options.exclude where r.column(e) == nil {
                throw ToolError.usage("--exclude: no column '\(e)' in \(displayName(r.path))")
            }
            let special = Set([idCol, labelCol] + [shardCol, blockCol, selectedCol].compactMap { $0 }
                + options.exclude.compactMap { r.column($0) })
            featureCols = r.header.indices.filter { !special.contains($0) }
        }
        guard !featureCols.isEmpty else { throw ToolError.data("no feature columns", file: r.path, line: 1) }
        featureNames = featureCols.map { r.header[$0] }
        let classSet = options.classes.map(Set.init)
        var shards = [Int: Shard]()
        var seenIds = Set<String>()
        var labelShards = [String: Set<Int>]()
        var maxShard = 0, maxBlock = 0
        var row = [Float](repeating: 0, count: featureCols.count)
        func index(_ col: Int) throws -> Int {
            let text = r.string(col)
            guard let v = Int(text.trimmingCharacters(in: .whitespaces)), v >= 0 else {
                throw ToolError.data("column '\(r.header[col])': expected a non-negative integer, got '\(text)'", file: r.path, line: r.line)
            }
            return v
        }
        while try r.next() {
            if let s = selectedCol {
                let v = r.string(s).trimmingCharacters(in: .whitespaces)
                guard v == "0" || v == "1" else {
                    throw ToolError.data("column 'selected': expected 0 or 1, got '\(v)'", file: r.path, line: r.line)
                }
                if v == "0" { continue }
            }
            let id = r.string(idCol)
            guard !id.isEmpty else { throw ToolError.data("empty id", file: r.path, line: r.line) }
            guard seenIds.insert(id).inserted else { throw ToolError.data("duplicate id '\(id)'", file: r.path, line: r.line) }
            let label = r.string(labelCol)
            if let c = classSet, !c.contains(label) {
                throw ToolError.data("label '\(label)' is not in --classes", file: r.path, line: r.line)
            }
            let shard = try shardCol.map(index) ?? 0
            let block = try blockCol.map(index) ?? 0
            maxShard = max(maxShard, shard)
            maxBlock = max(maxBlock, block)
            labelShards[label, default: []].insert(shard)
            if options.keepShards?.contains(shard) ?? true {
                for (j, c) in featureCols.enumerated() {
                    let x = try r.float(c)
                    row[j] = options.scale.map { x * $0 } ?? x
                    if !row[j].isFinite {
                        throw ToolError.data("column '\(r.header[c])': value overflows after scaling", file: r.path, line: r.line)
                    }
                }
                shards[shard, default: Shard()].ids.append(id)
                shards[shard]!.labels.append(label)
                shards[shard]!.blocks.append(block)
                shards[shard]!.features.append(contentsOf: row)
            }
            if r.recordCount % 1024 == 0 { progress?.update(r.bytesRead) }
        }
        progress?.finish()
        guard !seenIds.isEmpty else { throw ToolError.data("no rows to train on", file: r.path) }
        self.shards = shards
        self.labelShards = labelShards
        self.maxShard = maxShard
        self.maxBlock = maxBlock
        rowCount = seenIds.count
    }
}
