import Foundation
import ULCore

/// Rows of a training CSV grouped by shard, read exactly as `ul-train` reads them, so that tools that
/// retrain or analyse a model (exact forgetting, influence) see the same features, bits and order.
public struct TrainingRows {
    /// Rows of one shard, in file order.
    public struct Shard {
        public init() {}
        public var ids: [String] = []
        public var labels: [String] = []
        public var blocks: [Int] = []
        /// Features after `--scale`, row-major.
        public var features: [Float] = []
        /// select_step per row (only with `Options.selectionSteps`).
        public var steps: [Int] = []
    }

    /// What to read.
    public struct Options {
        public var idColumn = "id"
        public var labelColumn = "label"
        /// Columns that are not features.
        public var exclude: [String] = []
        /// Multiplies every feature (the model's `scale`).
        public var scale: Float? = nil
        /// Keep features only for these shards (nil: all); other rows count for labels only.
        public var keepShards: Set<Int>? = nil
        /// Fixed label list: another label is an error.
        public var classes: [String]? = nil
        /// Read the select_step column of ul-select (required then).
        public var selectionSteps = false
        /// A selected column is a usage error (ul-train without --selection: see `Plan`).
        public var refuseSelectedColumn = false
        /// A selected column is a usage error with this message.
        public var selectedColumnRefusal: String? = nil
        /// With a shard column, write the kept rows to a temporary file in this directory instead of memory,
        /// to be read back one shard at a time (`shard(_:)`, `shardInput(_:labels:)`).
        public var spillDirectory: String? = nil
        /// Ids are kept keyed (`--id-key`): the model records, and every later match uses, the keyed id.
        public var idKey: IdKey? = nil
        public init() {}
    }

    public var featureNames: [String]
    /// Columns a ul tool wrote (predicted, p_<label>, influence columns) that were not taken as features.
    public var skippedColumns: [String]
    /// The kept shards' rows, unless they were spilled.
    public var shards: [Int: Shard]
    /// The kept shards' rows when `Options.spillDirectory` applied.
    let spill: ShardSpill?
    /// Labels in order of first appearance: spilled records name them by position.
    let spilledLabels: [String]
    let hasSteps: Bool
    /// Rows kept per shard.
    public var shardRowCounts: [Int: Int]
    /// Shards in which each label occurs.
    public var labelShards: [String: Set<Int>]
    public var maxShard: Int
    public var maxBlock: Int
    public var rowCount: Int
    /// Whether the input had both a shard and a block column.
    public var hadShardColumns: Bool

    /// The label list: the fixed one, or the sorted set of labels (numeric order when all are numbers).
    public func labelList(fixed: [String]?) -> [String] {
        if let f = fixed { return f }
        let set = Set(labelShards.keys)
        if set.allSatisfy({ Double($0) != nil }) {
            return set.sorted { Double($0)! != Double($1)! ? Double($0)! < Double($1)! : $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }
        return set.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The rows of a kept shard (read back from the temporary file when spilled); nil if it has no rows.
    public func shard(_ index: Int) throws -> Shard? {
        guard let spill else { return shards[index].flatMap { $0.ids.isEmpty ? nil : $0 } }
        let n = shardRowCounts[index] ?? 0
        guard n > 0 else { return nil }
        var out = Shard()
        out.ids.reserveCapacity(n)
        out.labels.reserveCapacity(n)
        out.blocks.reserveCapacity(n)
        out.features.reserveCapacity(n * featureNames.count)
        if hasSteps { out.steps.reserveCapacity(n) }
        try spill.read(shard: index) { chunk in
            var c = SpillCursor(bytes: chunk)
            while !c.atEnd {
                out.ids.append(c.string())
                out.labels.append(spilledLabels[Int(c.raw(UInt32.self))])
                out.blocks.append(c.raw(Int.self))
                if hasSteps { out.steps.append(c.raw(Int.self)) }
                c.floats(into: &out.features, count: featureNames.count)
            }
        }
        return out
    }

    /// One shard as training input, labels mapped to class indices of `labels`; nil if it has no rows.
    /// Safe to call from several threads at once.
    public func shardInput(_ shard: Int, labels: [String]) throws -> ShardInput? {
        guard let s = try self.shard(shard) else { return nil }
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, Int32($0)) })
        let data = Dataset(featureCount: featureNames.count, features: s.features, classes: s.labels.map { index[$0]! }, ids: s.ids)
        return ShardInput(shard: shard, data: data, blocks: s.blocks)
    }

    /// Reads `path` (`-` is standard input). Rows with selected=0 are skipped; select_step is never a feature. Errors name file, line and column.
    public init(path: String, options: Options, progress: Progress? = nil) throws {
        let r = try openInputRows(path)
        let idCol = try r.requireColumn(options.idColumn, option: "id")
        let labelCol = try r.requireColumn(options.labelColumn, option: "label")
        let shardCol = r.column("shard"), blockCol = r.column("block"), selectedCol = r.column("selected")
        let stepCol = r.column("select_step")
        if options.refuseSelectedColumn, selectedCol != nil {
            throw ToolError.usage("\(displayName(r.path)) has a selected column (ul-select): give --selection \"$(ul-select --spec ...)\" with the options of that ul-select, so that forgetting a selected row re-selects as ul-select would, or --selection fixed to train on the selected rows as a fixed subset (forgetting then only drops rows)")
        }
        if let why = options.selectedColumnRefusal, selectedCol != nil || stepCol != nil { throw ToolError(.usage, why, file: r.path) }
        if options.selectionSteps, selectedCol == nil || stepCol == nil {
            throw ToolError.data("a recorded selection needs the selected and select_step columns of ul-select", file: r.path, line: 1)
        }
        let features = try FeatureColumns(header: r.header, roles: [idCol, labelCol, shardCol, blockCol, selectedCol, stepCol],
                                          exclude: options.exclude, path: r.path)
        let featureCols = features.indices
        skippedColumns = features.skippedWritten
        featureNames = featureCols.map { r.header[$0] }
        let classSet = options.classes.map(Set.init)
        var shards = [Int: Shard]()
        // A fingerprint per row, not the id: see IdSet for the cost.
        var seenIds = IdSet()
        let spill = try shardCol != nil ? options.spillDirectory.map(ShardSpill.init) : nil
        var labelPositions = [String: UInt32](), spilledLabels = [String]()
        var rowCounts = [Int: Int]()
        var labelShards = [String: Set<Int>]()
        var maxShard = 0, maxBlock = 0
        var row = [Float](repeating: 0, count: featureCols.count)
        func index(_ col: Int) throws -> Int {
            let text = r.string(col)
            guard let v = Int(text.trimmingCharacters(in: .whitespaces)), v >= 0 else {
                throw ToolError.data("column \(quoted(r.header[col])): expected a non-negative integer, got \(quoted(text))", file: r.path, line: r.line)
            }
            return v
        }
        while try r.next() {
            if let s = selectedCol {
                let v = r.string(s).trimmingCharacters(in: .whitespaces)
                guard v == "0" || v == "1" else {
                    throw ToolError.data("column 'selected': expected 0 or 1, got \(quoted(v))", file: r.path, line: r.line)
                }
                if v == "0" { continue }
            }
            let raw = r.string(idCol)
            guard !raw.isEmpty else { throw ToolError.data("empty id", file: r.path, line: r.line) }
            guard seenIds.insert(raw) else { throw ToolError.data("duplicate id \(quoted(raw))", file: r.path, line: r.line) }
            let id = options.idKey?.keyed(raw) ?? raw
            let label = r.string(labelCol)
            if let c = classSet, !c.contains(label) {
                throw ToolError.data("label \(quoted(label)) is not in --classes", file: r.path, line: r.line)
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
                        throw ToolError.data("column \(quoted(r.header[c])): value overflows after scaling", file: r.path, line: r.line)
                    }
                }
                let step = options.selectionSteps ? try index(stepCol!) : 0
                rowCounts[shard, default: 0] += 1
                if let spill {
                    let position = labelPositions[label] ?? {
                        spilledLabels.append(label)
                        labelPositions[label] = UInt32(spilledLabels.count - 1)
                        return UInt32(spilledLabels.count - 1)
                    }()
                    try spill.append(shard: shard) { out in
                        var id = id
                        id.withUTF8 { out.appendRaw(UInt32($0.count)); out.append(contentsOf: $0) }
                        out.appendRaw(position)
                        out.appendRaw(block)
                        if options.selectionSteps { out.appendRaw(step) }
                        row.withUnsafeBytes { out.append(contentsOf: $0) }
                    }
                } else {
                    shards[shard, default: Shard()].ids.append(id)
                    shards[shard]!.labels.append(label)
                    shards[shard]!.blocks.append(block)
                    shards[shard]!.features.append(contentsOf: row)
                    if options.selectionSteps { shards[shard]!.steps.append(step) }
                }
            }
            if r.recordCount % 1024 == 0 { progress?.update(r.bytesRead) }
        }
        progress?.finish()
        guard seenIds.count > 0 else { throw ToolError.data("no rows to train on", file: r.path) }
        try spill?.flush()
        self.shards = shards
        self.spill = spill
        self.spilledLabels = spilledLabels
        hasSteps = options.selectionSteps
        shardRowCounts = rowCounts
        self.labelShards = labelShards
        self.maxShard = maxShard
        self.maxBlock = maxBlock
        rowCount = seenIds.count
        hadShardColumns = shardCol != nil && blockCol != nil
    }
}
