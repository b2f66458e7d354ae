import Foundation
import ULCore

/// The input of ul-select: each shard's rows (their positions in the file, ids and features as written) and
/// every row's fields but `selected` and `select_step`, kept to be written back beside the new ones.
///
/// A regular file is cut into pieces (`RecordPieces`) that `Options.workers` threads parse at once, their rows
/// taken in file order, so the result never depends on the number of workers; at the first error of any kind
/// the file is read again as one stream, which reports the error a sequential reader meets first, with its line.
public struct SelectionRows {
    /// One shard's rows, in file order.
    public struct Shard {
        /// Positions of the rows in the input (0-based, header excluded).
        public var rows: [Int] = []
        /// Ids as selection sees them (keyed with `Options.idKey`).
        public var ids: [String] = []
        /// Row-major, `featureCount` per row.
        public var features: [Float] = []
    }

    /// What to read.
    public struct Options {
        public var idColumn = "id"
        public var labelColumn = "label"
        /// Columns that are not features.
        public var exclude: [String] = []
        /// Selection sees keyed ids, as forgetting from a keyed model does.
        public var idKey: IdKey? = nil
        /// Threads that parse pieces of a regular file at once; the rows never depend on it.
        public var workers = ProcessInfo.processInfo.activeProcessorCount
        /// false: read even a regular file as one stream (the reference the pieces are tested against).
        public var readInPieces = true
        public init() {}
    }

    public private(set) var path: String
    public private(set) var header: [String]
    /// The header's fields as bytes, to write them back unchanged.
    public private(set) var headerFields: [[UInt8]]
    /// Positions of the `selected` and `select_step` columns the output replaces (nil: absent, appended).
    public private(set) var replaced: (selected: Int?, step: Int?)
    public private(set) var featureCount: Int
    public private(set) var shards: [Int: Shard] = [:]
    public private(set) var rowCount = 0
    /// The kept fields (every column but the replaced ones) of every row, concatenated, and where each ends.
    public private(set) var fieldBytes: [UInt8] = []
    public private(set) var fieldEnds: [Int] = []
    /// Pieces the rows came from; 0 when the input was read as one stream.
    public private(set) var piecesRead = 0

    private var seen = Set<String>()

    /// Reads `path` (`-` is standard input).
    public init(path: String, options: Options, progress: Progress? = nil) throws {
        let r = try CSVReader(path: path)
        self.path = r.path
        header = r.header
        headerFields = r.headerFields
        let layout = try SelectionLayout(r, options: options)
        replaced = (layout.selectedColumn, layout.stepColumn)
        featureCount = layout.featureColumns.count
        if options.readInPieces, let pieces = RecordPieces.open(path) {
            var inPieces = self
            if (try? inPieces.readPieces(pieces, layout: layout, workers: options.workers, progress: progress)) != nil {
                self = inPieces
                self.piecesRead = pieces.ranges.count
                progress?.finish()
                return
            }
        }
        try readStream(r, layout: layout, progress: progress)
        progress?.finish()
    }

    /// Every record through one stream, checked and kept one at a time.
    private mutating func readStream(_ r: CSVReader, layout: SelectionLayout, progress: Progress?) throws {
        var one = SelectionPiece()
        while try r.next() {
            one.removeAll()
            try layout.convert(r, into: &one, path: r.path, line: r.line) { id in
                guard seen.insert(id).inserted else { throw ToolError.data("duplicate id \(quoted(id))", file: r.path, line: r.line) }
            }
            keep(one)
            if r.recordCount % 1024 == 0 { progress?.update(r.bytesRead) }
        }
    }

    /// The pieces of a mapped file, a wave at a time: each piece converted on its own thread, then kept in order.
    private mutating func readPieces(_ pieces: RecordPieces, layout: SelectionLayout, workers: Int, progress: Progress?) throws {
        let wave = 4
        let slots = (0..<wave).map { _ in SelectionPieceSlot() }
        try pieces.readInWaves(width: layout.width, workers: workers, wave: wave, progress: progress) { place, records in
            let slot = slots[place]
            slot.piece.removeAll()
            while try records.next() { try layout.convert(records, into: &slot.piece, path: "", line: 0, admit: { _ in }) }
        } merge: { wave in
            for k in wave {
                let piece = slots[k - wave.lowerBound].piece
                // A repeated id: the stream read that follows reports it with its line.
                for id in piece.rawIds where !seen.insert(id).inserted { throw PieceRecords.PieceError() }
                keep(piece)
            }
        }
    }

    /// Appends converted rows, their ids admitted.
    private mutating func keep(_ piece: SelectionPiece) {
        let d = featureCount
        var fieldStart = 0
        for k in piece.ids.indices {
            piece.features.withUnsafeBufferPointer { f in
                shards[piece.shards[k], default: Shard()].append(row: rowCount, id: piece.ids[k], features: UnsafeBufferPointer(rebasing: f[k * d..<(k + 1) * d]))
            }
            let base = fieldBytes.count
            let ends = piece.fieldEnds[fieldStart..<fieldStart + piece.fieldsPerRow]
            fieldEnds.append(contentsOf: ends.map { $0 - piece.rowStarts[k] + base })
            fieldBytes.append(contentsOf: piece.fieldBytes[piece.rowStarts[k]..<ends.last!])
            fieldStart += piece.fieldsPerRow
            rowCount += 1
        }
    }
}

extension SelectionRows.Shard {
    mutating func append(row: Int, id: String, features values: UnsafeBufferPointer<Float>) {
        rows.append(row)
        ids.append(id)
        features.append(contentsOf: values)
    }
}

/// Rows of ul-select's input converted but not yet kept (one record of a stream, or a piece's records).
struct SelectionPiece {
    /// Ids as read (pieces admit them when merged).
    var rawIds: [String] = []
    var ids: [String] = []
    var shards: [Int] = []
    var features: [Float] = []
    /// The kept fields of the rows, concatenated; each row's start and each field's end.
    var fieldBytes: [UInt8] = []
    var rowStarts: [Int] = []
    var fieldEnds: [Int] = []
    var fieldsPerRow = 0

    mutating func removeAll() {
        rawIds.removeAll(keepingCapacity: true)
        ids.removeAll(keepingCapacity: true)
        shards.removeAll(keepingCapacity: true)
        features.removeAll(keepingCapacity: true)
        fieldBytes.removeAll(keepingCapacity: true)
        rowStarts.removeAll(keepingCapacity: true)
        fieldEnds.removeAll(keepingCapacity: true)
    }
}

/// One converted piece per place in a wave, reused from wave to wave.
final class SelectionPieceSlot: @unchecked Sendable {
    var piece = SelectionPiece()
}

/// A record as ul-select converts it: `TrainingRecord`'s fields plus their raw bytes.
protocol SelectionRecord: TrainingRecord {
    func field(_ i: Int) -> UnsafeBufferPointer<UInt8>
}

extension CSVReader: SelectionRecord {
    func feature(_ i: Int, column header: [String]) throws -> Float { try float(i) }
}
extension PieceRecords: SelectionRecord {}

/// Where ul-select finds id, shard and features in a header, and how it converts one record.
struct SelectionLayout {
    let width: Int
    let idColumn: Int
    let shardColumn: Int?
    let selectedColumn: Int?
    let stepColumn: Int?
    let featureColumns: [Int]
    /// Every column but `selected` and `select_step`, written back as read.
    let keptColumns: [Int]
    let header: [String]
    let idKey: IdKey?

    init(_ r: CSVReader, options: SelectionRows.Options) throws {
        header = r.header
        width = header.count
        idColumn = try r.requireColumn(options.idColumn, option: "id")
        let label = header.firstIndex(of: options.labelColumn)
        shardColumn = header.firstIndex(of: "shard")
        selectedColumn = header.firstIndex(of: "selected")
        stepColumn = header.firstIndex(of: "select_step")
        featureColumns = try FeatureColumns(header: header, roles: [idColumn, label, shardColumn, header.firstIndex(of: "block"), selectedColumn, stepColumn],
                                            exclude: options.exclude, path: r.path).indices
        let replaced = [selectedColumn, stepColumn]
        keptColumns = header.indices.filter { !replaced.contains($0) }
        idKey = options.idKey
    }

    /// Converts the current record of `record` and appends it to `piece`; errors name `path` and `line`.
    /// `admit` sees the id once it is known not to be empty (the stream's check of repeated ids).
    @inline(__always)
    func convert<R: SelectionRecord>(_ record: R, into piece: inout SelectionPiece, path: String, line: Int,
                                     admit: (String) throws -> Void) throws {
        let id = record.string(idColumn)
        guard !id.isEmpty else { throw ToolError.data("empty id", file: path, line: line) }
        try admit(id)
        var shard = 0
        if let c = shardColumn {
            let text = record.string(c)
            guard let v = Int(text.trimmingCharacters(in: .whitespaces)), v >= 0 else {
                throw ToolError.data("column 'shard': expected a non-negative integer, got \(quoted(text))", file: path, line: line)
            }
            shard = v
        }
        for c in featureColumns { piece.features.append(try record.feature(c, column: header)) }
        piece.rawIds.append(id)
        piece.ids.append(idKey?.keyed(id) ?? id)
        piece.shards.append(shard)
        piece.rowStarts.append(piece.fieldBytes.count)
        piece.fieldsPerRow = keptColumns.count
        for c in keptColumns {
            piece.fieldBytes.append(contentsOf: record.field(c))
            piece.fieldEnds.append(piece.fieldBytes.count)
        }
    }
}
