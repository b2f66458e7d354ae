import Foundation
import XCTest
@testable import ULCLI
@testable import ULCore
import ULTestSupport

/// The readers that cut a file into pieces parsed at once (ul-train's and ul-select's) give what one stream
/// gives: the same rows in the same order with the same bits, or the same error (message, file and line). Pieces of a few bytes
/// put cuts next to every kind of record: quoted fields with commas, quotes and newlines, CR LF, lone CR,
/// blank lines, a byte-order mark; then the fuzzing corpus of CSV mutations.
final class PieceReaderTests: XCTestCase {
    var dir: URL!
    var savedPieceBytes = 0
    override func setUpWithError() throws {
        dir = try makeWorkDirectory("pieces")
        savedPieceBytes = RecordPieces.pieceBytes
    }
    override func tearDown() { RecordPieces.pieceBytes = savedPieceBytes }

    /// The rows of both readers, as text to compare; an error as its description.
    func outcome(_ path: String, pieces: Bool, workers: Int = 2, options base: TrainingRows.Options) -> (String, Int) {
        var options = base
        options.readInPieces = pieces
        options.workers = workers
        do {
            let rows = try TrainingRows(path: path, options: options)
            var text = "features \(rows.featureNames) rows \(rows.rowCount) labels \(rows.labelShards.mapValues { $0.sorted() }.sorted { $0.key < $1.key })\n"
            text += "max shard \(rows.maxShard) block \(rows.maxBlock) counts \(rows.shardRowCounts.sorted { $0.key < $1.key })\n"
            for s in rows.shardRowCounts.keys.sorted() {
                guard let shard = try rows.shard(s) else { continue }
                text += "shard \(s): \(shard.ids) \(shard.labels) \(shard.blocks) \(shard.steps) \(shard.features.map(\.bitPattern))\n"
            }
            return (text, rows.piecesRead)
        } catch {
            return ("error: \(error)", 0)
        }
    }

    /// ul-select's reader likewise: shards, positions, ids, feature bits and the fields kept to write back.
    func selectionOutcome(_ path: String, pieces: Bool, workers: Int = 2) -> (String, Int) {
        var options = SelectionRows.Options()
        options.readInPieces = pieces
        options.workers = workers
        do {
            let rows = try SelectionRows(path: path, options: options)
            var text = "header \(rows.header) replaced \(rows.replaced) features \(rows.featureCount) rows \(rows.rowCount)\n"
            text += "fields \(rows.fieldBytes) \(rows.fieldEnds)\n"
            for s in rows.shards.keys.sorted() {
                let shard = rows.shards[s]!
                text += "shard \(s): \(shard.rows) \(shard.ids) \(shard.features.map(\.bitPattern))\n"
            }
            return (text, rows.piecesRead)
        } catch {
            return ("error: \(error)", 0)
        }
    }

    /// ul-predict's reader likewise, in batches of two rows (every feature column but the first, ids checked
    /// when there is an id column): the batches as handed over, or the error.
    func echoOutcome(_ path: String, pieces: Bool, workers: Int = 2) -> String {
        var text = ""
        do {
            let r = try CSVReader(path: path)
            let rows = EchoRows(r, featureColumns: Array(r.header.indices.dropFirst()), idColumn: r.column("id"),
                                batchRows: 2, workers: workers, readInPieces: pieces)
            try rows.forEachBatch { b in
                text += "batch \(b.rows): \(b.features.map(\.bitPattern)) \(b.text) \(b.rowEnds)\n"
            }
            return text
        } catch {
            return text + "error: \(error)"
        }
    }

    func write(_ text: String, _ name: String = "input.csv") throws -> String {
        let path = dir.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Checks one file at several piece sizes; returns whether every run read it in pieces (no run fell back
    /// to the stream, as it does at any error).
    @discardableResult
    func check(_ path: String, options: TrainingRows.Options = TrainingRows.Options(), file: StaticString = #filePath, line: UInt = #line) -> Bool {
        RecordPieces.pieceBytes = savedPieceBytes
        let stream = outcome(path, pieces: false, options: options).0
        let selectionStream = selectionOutcome(path, pieces: false).0
        let echoStream = echoOutcome(path, pieces: false)
        var used = true
        for size in [1, 3, 7, 16, 64, 1 << 20] {
            RecordPieces.pieceBytes = size
            for workers in [1, 2, 3] {
                let (text, pieces) = outcome(path, pieces: true, workers: workers, options: options)
                XCTAssertEqual(text, stream, "piece size \(size), \(workers) workers", file: file, line: line)
                XCTAssertEqual(echoOutcome(path, pieces: true, workers: workers), echoStream, "ul-predict, piece size \(size), \(workers) workers", file: file, line: line)
                let (selection, selectionPieces) = selectionOutcome(path, pieces: true, workers: workers)
                XCTAssertEqual(selection, selectionStream, "ul-select, piece size \(size), \(workers) workers", file: file, line: line)
                used = used && pieces > 0 && (selectionPieces > 0 || selection.hasPrefix("error:"))
            }
        }
        return used
    }

    func testValidFilesReadInPiecesAsOneStream() throws {
        let files = [
            "id,label,a,b\n1,x,0.5,2\n2,y,1e3,-0\n3,x,7,8\n",
            "id,label,a,b\r\n\"1\",\"x, y\",0.5,2\r\n\"2\",\"say \"\"hi\"\"\",3,4\r\n5,z,1,1\r\n",
            "id,label,a\n\"multi\nline\",x,1\n3,\"a\r\nb\",2\n4,x,3\n\n\n5,y,4\n",
            "\u{FEFF}id,label,a\n1,x,1.5\n2,x,2.5\n",
            "id,label,shard,block,a\n1,x,0,1,7\n2,y,1,0,8\n3,y,1,1,9\n",
            "id,label,a\n1,x,1\r2,y,2\r3,x,3\n4,y,4\n",
            "id,label,a\n1,x,1\n2,y,2",
            "id,selected,label,shard,a,select_step\n1,1,x,0,7,2\n\"2,\",0,y,1,8,0\n3,1,y,1,9,1\n",
        ]
        for (i, text) in files.enumerated() {
            XCTAssertTrue(check(try write(text, "valid\(i).csv")), "file \(i) fell back to the stream")
        }
        // The real files, CR LF line ends, with quoted ids and shard columns.
        var lines = try exampleLines("digits.csv")
        var out = "shard,block," + lines.removeFirst() + "\r\n"
        for (i, line) in lines.prefix(300).enumerated() {
            var f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if i % 5 == 0 { f[0] = "\"\(f[0]),\nx\"" }
            out += "\(i % 3),\(i % 2)," + f.joined(separator: ",") + "\r\n"
        }
        let digits = try write(out, "digits.csv")
        var options = TrainingRows.Options()
        options.scale = 0.0625
        options.keepShards = [0, 2]
        XCTAssertTrue(check(digits, options: options))
        options.spillDirectory = dir.path
        options.idKey = IdKey(bytes: Array(repeating: 7, count: 32))
        XCTAssertTrue(check(digits, options: options))
    }

    func testErrorsAreTheStreamsWithTheirLines() throws {
        let files = [
            "id,label,a\n1,x,1\n2,y,oops\n3,x,\"4\n",        // a bad number before an unterminated quote
            "id,label,a\n1,x,1\n2,y,2,3\n",                    // ragged
            "id,label,a\n1,x,1\n1,y,2\n",                      // duplicate id
            "id,label,a\n1,x,1\n2,\"y\"z,2\n",                 // a quote after a quoted field
            "id,label,a\n1,x,1\n2,y\"z,2\n",                   // a quote in an unquoted field
            "id,label,a\n1,x,1\n,y,2\n",                       // empty id
            "id,label,a,shard\n1,x,1,0\n2,y,2,-1\n",           // bad shard
            "id,label,a\n1,x,1\n2,y,\n",                       // empty number
            "id,label,a\n1,x,1\n2,y,1e39\n",                   // overflow
        ]
        for (i, text) in files.enumerated() {
            let path = try write(text, "bad\(i).csv")
            check(path)
            XCTAssertTrue(outcome(path, pieces: true, options: TrainingRows.Options()).0.hasPrefix("error:"), "file \(i)")
        }
        var options = TrainingRows.Options()
        options.classes = ["x"]
        check(try write("id,label,a\n1,x,1\n2,y,2\n", "classes.csv"), options: options)
        setenv("UL_CSV_MAX_FIELD", "4", 1)
        defer { unsetenv("UL_CSV_MAX_FIELD") }
        check(try write("id,label,a\n1,x,1\n2,y,12345\n", "long.csv"))
    }

    /// The fuzzing corpus's CSV mutations: whatever the bytes, pieces and stream agree.
    func testMutatedFilesAgree() throws {
        var m = Mutator(seed: 5, seeds: try FuzzTests.csvSeeds())
        for k in 0..<300 {
            let path = dir.appendingPathComponent("mutated.csv").path
            try Data(k % 2 == 0 ? m.next() : m.nextStructured()).write(to: URL(fileURLWithPath: path))
            RecordPieces.pieceBytes = savedPieceBytes
            let stream = outcome(path, pieces: false, options: TrainingRows.Options()).0
            let selectionStream = selectionOutcome(path, pieces: false).0
            let echoStream = echoOutcome(path, pieces: false)
            for size in [1, 5, 32] {
                RecordPieces.pieceBytes = size
                XCTAssertEqual(outcome(path, pieces: true, options: TrainingRows.Options()).0, stream, "mutation \(k), piece size \(size)")
                XCTAssertEqual(selectionOutcome(path, pieces: true).0, selectionStream, "ul-select, mutation \(k), piece size \(size)")
                XCTAssertEqual(echoOutcome(path, pieces: true), echoStream, "ul-predict, mutation \(k), piece size \(size)")
            }
        }
    }
}
