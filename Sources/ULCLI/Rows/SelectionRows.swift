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
    var fieldsPerRow: Int { ids.isEmpty ? 0 : fieldEnds.count / ids.count }

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
