import Foundation
import ULCore

/// Rows read to be written back with columns added (ul-predict): in batches of `batchRows` rows (the last may
/// be shorter) in file order, each row's features as Float and every field's bytes. The batches are the same
/// however the file is read (a model's products over a batch may round a row differently by its place in it).
///
/// A regular file is cut into pieces (`RecordPieces`) that `workers` threads parse at once, a piece being a
/// batch; if a piece fails (a bad number, a ragged or malformed record, a repeated id), the rows handed over so
/// far stand and the file is read on as one stream from the next row, which reports the error a sequential
/// reader meets first, with its line — or, for a cut misplaced by a malformed quote that the stream reads
/// without complaint, hands over the rest.
public struct EchoRows {
    /// One batch: `rows` rows of `featureColumns.count` features each, and each row's fields as CSV text.
    public struct Batch {
        public var rows = 0
        public var features: [Float] = []
        /// Every row's fields encoded as `CSVWriter` writes them (comma-separated, quoted only where needed, no
        /// line end), concatenated, and where each row ends: encoded while the pieces are parsed on every core,
        /// so writing a row back is one copy (`CSVWriter.encodedFields`).
        public var text: [UInt8] = []
        public var rowEnds: [Int] = []
        /// Ids of the rows (only with an id column).
        var ids: [String] = []

        /// The encoded fields of row i.
        public func row(_ i: Int, in bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: bytes[(i == 0 ? 0 : rowEnds[i - 1])..<rowEnds[i]])
        }

        /// The first `n` rows.
        func prefix(_ n: Int) -> Batch {
            let d = features.count / rows
            var out = Batch()
            out.rows = n
            out.features = Array(features[0..<n * d])
            out.rowEnds = Array(rowEnds[0..<n])
            out.text = Array(text[0..<(out.rowEnds.last ?? 0)])
            out.ids = ids.isEmpty ? [] : Array(ids[0..<n])
            return out
        }

        /// Drops the first `n` rows.
        mutating func removeFirst(_ n: Int) {
            let d = features.count / rows
            let bytes = n == 0 ? 0 : rowEnds[n - 1]
            features.removeFirst(n * d)
            text.removeFirst(bytes)
            rowEnds = rowEnds[n...].map { $0 - bytes }
            if !ids.isEmpty { ids.removeFirst(n) }
            rows -= n
        }

        /// Appends the rows of `other`.
        mutating func append(_ other: Batch) {
            let base = text.count
            features += other.features
            text += other.text
            rowEnds += other.rowEnds.map { $0 + base }
            ids += other.ids
            rows += other.rows
        }

        mutating func removeAll() {
            rows = 0
            features.removeAll(keepingCapacity: true)
            text.removeAll(keepingCapacity: true)
            rowEnds.removeAll(keepingCapacity: true)
            ids.removeAll(keepingCapacity: true)
        }
    }

    let reader: CSVReader
    let featureColumns: [Int]
    /// With an id column, a repeated id is an error.
    let idColumn: Int?
    let batchRows: Int
    let workers: Int
    /// false: read even a regular file as one stream (the reference the pieces are tested against).
    let readInPieces: Bool

    /// `reader`: the input opened, its header read (it is read on as the stream).
    public init(_ reader: CSVReader, featureColumns: [Int], idColumn: Int?, batchRows: Int = 1024,
                workers: Int = ProcessInfo.processInfo.activeProcessorCount, readInPieces: Bool = true) {
        self.reader = reader
        self.featureColumns = featureColumns
        self.idColumn = idColumn
        self.batchRows = batchRows
        self.workers = workers
        self.readInPieces = readInPieces
    }

    /// Hands every row over to `handle`, a batch at a time, in file order.
    public func forEachBatch(_ handle: (Batch) throws -> Void) throws {
        var seen = IdSet()
        var handed = 0
        // Rows taken from pieces, handed over once a batch is full; with their ids, admitted only then, so that
        // the stream that follows a failed piece sees none of them.
        var pending = Batch()
        func handFull() throws {
            while pending.rows >= batchRows {
                let full = pending.prefix(batchRows)
                for id in full.ids { _ = seen.insert(id) }
                do { try handle(full) } catch { throw HandlerError(error: error) }
                handed += batchRows
                pending.removeFirst(batchRows)
            }
        }
        if readInPieces, let pieces = RecordPieces.open(reader.path) {
            let slots = (0..<4).map { _ in EchoBatchSlot() }
            let header = reader.header, columns = featureColumns, idColumn = idColumn
            do {
                try pieces.readInWaves(width: header.count, workers: workers, wave: slots.count, progress: nil) { place, records in
                    let batch = slots[place]
                    batch.value.removeAll()
                    while try records.next() {
                        if let c = idColumn { batch.value.ids.append(records.string(c)) }
                        try Self.convert(records, columns: columns, header: header, into: &batch.value)
                    }
                } merge: { wave in
                    for k in wave {
                        let batch = slots[k - wave.lowerBound].value
                        if idColumn != nil {
                            var own = Set(pending.ids)
                            guard batch.ids.allSatisfy({ own.insert($0).inserted && !seen.contains($0) }) else { throw PieceRecords.PieceError() }
                        }
                        pending.append(batch)
                        try handFull()
                    }
                }
                if pending.rows > 0 {
                    do { try handle(pending) } catch { throw HandlerError(error: error) }
                }
                return
            } catch let e as HandlerError {
                throw e.error
            } catch {
                // Any error of a piece: read on as a stream from the first row not handed over.
            }
        }
        var batch = Batch()
        var skipped = 0
        while try reader.next() {
            if skipped < handed {
                skipped += 1
                continue
            }
            if let c = idColumn, !seen.insert(reader.string(c)) {
                throw ToolError.data("duplicate id \(quoted(reader.string(c)))", file: reader.path, line: reader.line)
            }
            try Self.convert(reader, columns: featureColumns, header: reader.header, into: &batch)
            if batch.rows == batchRows {
                try handle(batch)
                batch.removeAll()
            }
        }
        if batch.rows > 0 { try handle(batch) }
    }

    /// Appends the features and the encoded fields of the current record of `record` (a bad number is the
    /// record's error).
    @inline(__always)
    static func convert<R: FieldRecord>(_ record: R, columns: [Int], header: [String], into batch: inout Batch) throws {
        for c in columns { batch.features.append(try record.feature(c, column: header)) }
        for j in 0..<header.count {
            if j > 0 { batch.text.append(0x2C) }
            CSVWriter.encode(record.field(j), into: &batch.text)
        }
        batch.rowEnds.append(batch.text.count)
        batch.rows += 1
    }
}

/// An error of the caller's handler, which must not send the reading back to the stream.
private struct HandlerError: Error {
    let error: Error
}

/// One batch per place in a wave, reused from wave to wave.
final class EchoBatchSlot: @unchecked Sendable {
    var value = EchoRows.Batch()
}
