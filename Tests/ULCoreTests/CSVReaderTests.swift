import Foundation
import XCTest
@testable import ULCLI

final class CSVReaderTests: XCTestCase {
    func reader(_ text: String) throws -> CSVReader {
        let path = NSTemporaryDirectory() + "ul-csv-\(getpid())-\(UUID().uuidString).csv"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { unlink(path) }
        return try CSVReader(path: path)
    }

    /// Both readers keep every byte of a field (no trimming) and of the header (not UTF-8 included), and both
    /// refuse a header line with a carriage return before its end.
    func testBothReadersKeepBytesAndRefuseAnInnerCarriageReturn() throws {
        func file(_ bytes: [UInt8]) throws -> String {
            let path = NSTemporaryDirectory() + "ul-csv-\(getpid())-\(UUID().uuidString).csv"
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            addTeardownBlock { unlink(path) }
            return path
        }
        let kept = try file(Array("id,caf".utf8) + [0xE9] + Array(",x\n r1 ,\tb c\t, 2 \n".utf8))
        let mapped = try XCTUnwrap(try MappedCSV.open(kept))
        for r in [mapped as DataRows, try CSVReader(path: kept)] {
            XCTAssertEqual(r.headerFields[1], Array("caf".utf8) + [0xE9])
            XCTAssertTrue(try r.next())
            XCTAssertEqual([r.string(0), r.string(1)], [" r1 ", "\tb c\t"])
            XCTAssertEqual(try r.float(2), 2)
        }
        let edited = try file(Array("id,x\r,y\na,1\r,2\n".utf8))
        for open in [{ try MappedCSV.open(edited) as DataRows? }, { try CSVReader(path: edited) }] {
            XCTAssertThrowsError(try open()) { XCTAssertTrue("\($0)".contains("carriage return before its end"), "\($0)") }
        }
        // Lines ending in CR alone are still read (by the parser: the map steps aside).
        let mac = try file(Array("id,x\ra,1\r".utf8))
        XCTAssertNil(try MappedCSV.open(mac))
        let r = try CSVReader(path: mac)
        XCTAssertTrue(try r.next())
        XCTAssertEqual(r.string(1), "1")
    }

    /// checkNumbers must accept and refuse exactly what float() does.
    func testCheckNumbersAgreesWithFloat() throws {
        let fields = ["0", "255", "123456789", "1234567890", "1.5", "-3", " 7", "1e3", "", "1a", "inf", "nan", "0x10",
                      "12345678a", "-", "٣"]
        let r = try reader("x\n" + fields.map { "\"\($0)\"" }.joined(separator: "\n") + "\n")
        for f in fields {
            XCTAssertTrue(try r.next())
            let viaFloat = (try? r.float(0)) != nil
            let viaCheck = (try? r.checkNumbers([0])) != nil
            XCTAssertEqual(viaCheck, viaFloat, "field '\(f)'")
        }
        XCTAssertFalse(try r.next())
    }

    func testFieldsAndLinesAcrossQuotedNewlines() throws {
        let r = try reader("id,note\r\n\"a,1\",\"x\ny\"\r\nb,\"say \"\"hi\"\"\"\r\n")
        XCTAssertTrue(try r.next())
        XCTAssertEqual([r.string(0), r.string(1), "\(r.line)"], ["a,1", "x\ny", "2"])
        XCTAssertTrue(try r.next())
        XCTAssertEqual([r.string(0), r.string(1), "\(r.line)"], ["b", "say \"hi\"", "4"])
        XCTAssertFalse(try r.next())
    }

    /// Blank lines are skipped but still counted, with LF, CRLF or CR line ends.
    func testLineNumbersCountBlankLines() throws {
        for nl in ["\n", "\r\n", "\r"] {
            let r = try reader("\(nl)id,x\(nl)a,1\(nl)\(nl)\(nl)b,2\(nl)\"c\(nl)\(nl)d\",3\(nl)\(nl)e,4")
            var seen = [String]()
            while try r.next() { seen.append("\(r.string(0).count):\(r.line)") }  // "\r\n" is one Character
            XCTAssertEqual(seen, ["1:3", "1:6", "4:7", "1:11"], "line end \(nl.debugDescription)")
        }
    }
}
