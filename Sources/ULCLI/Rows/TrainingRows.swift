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
        /// Threads that parse pieces of a regular file at once; the rows never depend on it.
        public var workers = ProcessInfo.processInfo.activeProcessorCount
        /// false: read even a regular file as one stream (the reference the pieces are tested against).
        public var readInPieces = true
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
    /// Pieces the rows came from; 0 when the input was read as one stream.
    let piecesRead: Int
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
    ///
    /// A regular file is cut into pieces at record boundaries (`RecordPieces`) that `options.workers` threads
    /// parse at once; their rows are then taken in file order, so the result is the same for any number of
    /// workers. At the first error of any kind the file is read again as one stream, which reports the error
    /// a sequential reader meets first, with its line.
    /// A shard store (ul-store(5)) is read as one stream of stored numbers.
    public init(path: String, options: Options, progress: Progress? = nil) throws {
        let r = try openInputRows(path)
        let layout = try TrainingRowLayout(header: r.header, path: r.path, options: options)
        skippedColumns = layout.skippedColumns
        featureNames = layout.featureCols.map { r.header[$0] }
        var kept: TrainingRowsAccumulator? = nil
        if options.readInPieces, r is CSVReader, let pieces = RecordPieces.open(path) {
            kept = try? Self.readPieces(pieces, layout: layout, options: options, progress: progress)
            piecesRead = kept == nil ? 0 : pieces.ranges.count
        } else {
            piecesRead = 0
        }
        let rows = try kept ?? Self.readStream(r, layout: layout, options: options, progress: progress)
        progress?.finish()
        guard rows.seenIds.count > 0 else { throw ToolError.data("no rows to train on", file: r.path) }
        try rows.spill?.flush()
        shards = rows.shards
        spill = rows.spill
        spilledLabels = rows.spilledLabels
        hasSteps = options.selectionSteps
        shardRowCounts = rows.rowCounts
        labelShards = rows.labelShards
        maxShard = rows.maxShard
        maxBlock = rows.maxBlock
        rowCount = rows.seenIds.count
        hadShardColumns = layout.shardCol != nil && layout.blockCol != nil
    }

    /// Every record through one stream, checked and kept one at a time.
    private static func readStream(_ r: DataRows, layout: TrainingRowLayout, options: Options, progress: Progress?) throws -> TrainingRowsAccumulator {
        var rows = try TrainingRowsAccumulator(layout: layout, options: options)
        var converted = ConvertedRows()
        let record = StreamRecord(rows: r)
        while try r.next() {
            converted.removeAll()
            let taken = try layout.convert(record, into: &converted) { fingerprint, raw, label in
                try rows.admit(fingerprint, rawId: raw, label: label, line: r.line)
            }
            if taken { try rows.keep(converted, admitted: true) }
            if r.recordCount % 1024 == 0 { progress?.update(r.bytesRead) }
        }
        return rows
    }

    /// The pieces of a mapped file, a wave at a time: each piece converted on its own thread, then kept in order.
    private static func readPieces(_ pieces: RecordPieces, layout: TrainingRowLayout, options: Options, progress: Progress?) throws -> TrainingRowsAccumulator {
        var rows = try TrainingRowsAccumulator(layout: layout, options: options)
        let wave = 4
        let slots = (0..<wave).map { _ in ConvertedRowsSlot() }
        try pieces.readInWaves(width: layout.width, workers: options.workers, wave: wave, progress: progress) { place, records in
            let slot = slots[place]
            slot.rows.removeAll()
            while try records.next() { _ = try layout.convert(records, into: &slot.rows, admit: nil) }
        } merge: { wave in
            for k in wave { try rows.keep(slots[k - wave.lowerBound].rows, admitted: false) }
            if wave.lowerBound == 0 {
                // Rows of the whole file, from the first wave's rows per byte (2 % over, so one growth at most).
                let start = pieces.ranges[0].lowerBound, read = pieces.ranges[wave.upperBound - 1].upperBound - start
                let total = pieces.ranges[pieces.ranges.count - 1].upperBound - start
                if read > 0 { rows.reserveSingleShard(rows: Int(Double(rows.seenIds.count) * Double(total) / Double(read) * 1.02) + 64) }
            }
        }
        return rows
    }
}

