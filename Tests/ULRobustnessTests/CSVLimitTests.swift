import Foundation
import XCTest
import ULCLI
import ULTestSupport

/// Fields and records longer than the limits (`CSVLimits`, set here through the environment) are refused
/// with `FILE:LINE: field longer than N bytes`, by the streaming reader (quoted fields, standard input) and by
/// the mapped one.
final class CSVLimitTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = try makeWorkDirectory("csv-limits")
        setenv("UL_CSV_MAX_FIELD", "100", 1)
        setenv("UL_CSV_MAX_RECORD", "300", 1)
    }
    override func tearDown() {
        unsetenv("UL_CSV_MAX_FIELD")
        unsetenv("UL_CSV_MAX_RECORD")
    }

    func write(_ text: String) throws -> String {
        let path = dir.appendingPathComponent("in-\(UUID().uuidString).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func message(_ path: String, mapped: Bool) -> String? {
        do {
            if mapped {
                guard let r = try MappedCSV.open(path) else { XCTFail("not mapped"); return nil }
                while try r.next() {}
            } else {
                let r = try CSVReader(path: path)
                while try r.next() {}
            }
            return nil
        } catch let e as ToolError {
            XCTAssertEqual(e.status, .dataError)
            return e.description
        } catch {
            XCTFail("\(error)")
            return nil
        }
    }

    func testLongFieldsAndRecords() throws {
        let long = String(repeating: "7", count: 101)
        let field = try write("id,x\na,1\nb,\(long)\n")
        XCTAssertEqual(message(field, mapped: false), "\(field):3: field longer than 100 bytes")
        XCTAssertEqual(message(field, mapped: true), "\(field):3: field longer than 100 bytes")
        // Quoted (so only the streaming reader), over several lines: the line where the record starts.
        let quoted = try write("id,x\n\"a\n\(long)\",1\n")
        XCTAssertEqual(message(quoted, mapped: false), "\(quoted):2: field longer than 100 bytes")
        let wide = Array(repeating: String(repeating: "5", count: 60), count: 6).joined(separator: ",")
        let record = try write((1...6).map { "c\($0)" }.joined(separator: ",") + "\n" + wide + "\n")
        XCTAssertEqual(message(record, mapped: false), "\(record):2: record longer than 300 bytes")
        XCTAssertEqual(message(record, mapped: true), "\(record):2: record longer than 300 bytes")
        // Both readers count a record's fields and separators: 300 bytes pass, 301 do not.
        let header = (1...6).map { "c\($0)" }.joined(separator: ",") + "\n"
        let row = Array(repeating: String(repeating: "5", count: 49), count: 6).joined(separator: ",")
        XCTAssertEqual(row.utf8.count, 299)
        for (extra, refused) in [("5", false), ("55", true)] {
            let path = try write(header + row + extra + "\n")
            for mapped in [false, true] {
                XCTAssertEqual(message(path, mapped: mapped), refused ? "\(path):2: record longer than 300 bytes" : nil, "mapped \(mapped)")
            }
        }
        let fine = try write("id,x\na,\(String(repeating: "7", count: 100))\n")
        XCTAssertNil(message(fine, mapped: false))
        XCTAssertNil(message(fine, mapped: true))
    }

    /// A field longer than the limit that never ends (an unterminated quote) is refused while libcsv still
    /// gathers it, not after the whole input has been buffered.
    func testUnterminatedQuoteIsRefusedByLength() throws {
        let path = try write("id,x\n\"a" + String(repeating: "z", count: 5000))
        XCTAssertEqual(message(path, mapped: false), "\(path):2: field longer than 100 bytes")
    }

    func testBadLimitIsAUsageError() throws {
        setenv("UL_CSV_MAX_FIELD", "lots", 1)
        let path = try write("id,x\na,1\n")
        XCTAssertThrowsError(try CSVReader(path: path)) { XCTAssertEqual(($0 as? ToolError)?.status, .usage) }
    }
}
