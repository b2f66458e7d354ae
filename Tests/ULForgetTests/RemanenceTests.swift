import Foundation
import XCTest
@testable import ULCore
import ULTestSupport

/// Nothing of a forgotten row stays behind: after each method forgets rows with distinctive ids and feature
/// values, no file the tools wrote or keep (model, part files, curvature sidecar, ledger, lock, remaining rows,
/// weights, temporary directory) holds the id, its unkeyed SHA-256, its keyed form (with an id key), or the rows'
/// value as Float32 or Float64.
/// The inputs the user supplied (the data and the requests) are not the tools' to erase and are not scanned.
final class RemanenceTests: XCTestCase {
    static let ids = ["forget-me-4711-a", "forget-me-4711-b", "forget-me-4711-c"]
    /// A value no digits pixel has (0–16), written into every feature of the forgotten rows.
    static let value = "1234.5678"

    /// Byte strings that must not occur: each id, its SHA-256 raw and in hex, the value's bits.
    static var needles: [(String, [UInt8])] {
        var out = [(String, [UInt8])]()
        for id in ids {
            out.append(("id \(id)", Array(id.utf8)))
            let digest = SHA256Digest.hash(Array(id.utf8))
            out.append(("SHA-256 of \(id)", digest))
            out.append(("SHA-256 hex of \(id)", Array(hexString(digest).utf8)))
        }
        let f = Float(value)!
        out.append(("Float32 value", withUnsafeBytes(of: f.bitPattern.littleEndian) { Array($0) }))
        out.append(("Float64 of the Float32 value", withUnsafeBytes(of: Double(f).bitPattern.littleEndian) { Array($0) }))
        out.append(("Float64 value", withUnsafeBytes(of: Double(value)!.bitPattern.littleEndian) { Array($0) }))
        return out
    }

    /// digits' first 400 rows, three of them renamed and given the distinctive value in every feature.
    func writeData(_ dir: URL) throws {
        var lines = try exampleLines("digits.csv").prefix(401).map { $0 }
        for (k, row) in [37, 150, 301].enumerated() {
            let fields = lines[row].split(separator: ",", omittingEmptySubsequences: false)
            lines[row] = ([Self.ids[k], String(fields[1])] + Array(repeating: Self.value, count: fields.count - 2)).joined(separator: ",")
        }
        try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("data.csv"), atomically: true, encoding: .utf8)
        try ("id\n" + Self.ids.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("requests.csv"), atomically: true, encoding: .utf8)
    }

    /// Scripts: each trains, forgets the three rows in place (-o model.ulm) and leaves what the tools leave.
    /// Inputs it writes for itself (parted.csv, selected.csv) are inputs like data.csv and are removed.
    static let scenarios: [(String, String)] = [
        ("softmax exact", "ul-partition --by random --shards 2 --blocks 2 --seed 1 data.csv -o in.csv && ul-train -q --epochs 5 in.csv -o model.ulm && ul-forget -q -m model.ulm -d in.csv -r requests.csv --ledger ledger.csv -o model.ulm --remaining rest.csv"),
        ("softmax retrain", "ul-partition --by random --shards 2 --blocks 2 --seed 1 data.csv -o in.csv && ul-train -q --epochs 5 in.csv -o model.ulm && ul-forget -q --method retrain -m model.ulm -d in.csv -r requests.csv --ledger ledger.csv -o model.ulm --remaining rest.csv"),
        ("mlp exact", "ul-partition --by random --shards 2 --blocks 2 --seed 1 data.csv -o in.csv && ul-train -q --model mlp --hidden 8 --epochs 2 in.csv -o model.ulm && ul-forget -q -m model.ulm -d in.csv -r requests.csv --ledger ledger.csv -o model.ulm --remaining rest.csv"),
        ("softmax puma", "ul-partition --by random --shards 1 --blocks 3 --seed 1 data.csv -o in.csv && ul-train -q --standardize --epochs 30 in.csv -o model.ulm && ul-forget -q --method puma --weights weights.csv -m model.ulm -d in.csv -r requests.csv --ledger ledger.csv -o model.ulm --remaining rest.csv"),
        ("softmax newton after influence", "ul-partition --by random --shards 2 --blocks 2 --seed 1 data.csv -o in.csv && ul-train -q --standardize --epochs 30 in.csv -o model.ulm && ul-influence -q -m model.ulm -d in.csv -o influence.csv && rm influence.csv && ul-forget -q --method newton -m model.ulm -d in.csv -r requests.csv --ledger ledger.csv -o model.ulm --remaining rest.csv"),
        // Two requests in a row: the curvature sidecar is kept, downdated to the remaining rows each time.
        ("softmax puma then newton, curvature kept", "ul-partition --by random --shards 1 --blocks 2 --seed 1 data.csv -o in.csv && ul-train -q --standardize --epochs 30 in.csv -o model.ulm && head -2 requests.csv > r1.csv && ul-forget -q --method puma -m model.ulm -d in.csv -r r1.csv -o model.ulm --remaining rest1.csv && ul-forget -q --method newton --ignore-unknown -m model.ulm -d rest1.csv -r requests.csv --ledger ledger.csv -o model.ulm --remaining rest.csv && rm r1.csv rest1.csv && test -s model.ulm.curv"),
        ("knn class shards exact", "ul-partition --by class --blocks 2 data.csv -o in.csv && ul-train -q --model knn in.csv -o model.ulm && ul-forget -q -m model.ulm -d in.csv -r requests.csv --ledger ledger.csv -o model.ulm --remaining rest.csv"),
        ("ppca selected (ARCANE) exact", "ul-partition --by class --blocks 2 data.csv -o p.csv && ul-select --per-shard 20 p.csv -o in.csv && rm p.csv && ul-train -q --model ppca --selection \"$(ul-select --spec --per-shard 20)\" in.csv -o model.ulm && ul-forget -q -m model.ulm -d in.csv -r requests.csv --ledger ledger.csv -o model.ulm --remaining rest.csv"),
        ("mlp puma (cg)", "ul-partition --by random --shards 2 --blocks 2 --seed 1 data.csv -o in.csv && ul-train -q --model mlp --standardize --hidden 4 --epochs 3 in.csv -o model.ulm && ul-forget -q --method puma --damping 1000 --weights weights.csv -m model.ulm -d in.csv -r requests.csv --ledger ledger.csv -o model.ulm --remaining rest.csv"),
        ("mlp newton (cg)", "ul-partition --by random --shards 2 --blocks 2 --seed 1 data.csv -o in.csv && ul-train -q --model mlp --standardize --hidden 4 --epochs 3 in.csv -o model.ulm && ul-forget -q --method newton --damping 1000 -m model.ulm -d in.csv -r requests.csv --ledger ledger.csv -o model.ulm --remaining rest.csv"),
        ("softmax puma, keyed ids", "head -c 32 /dev/urandom > key && ul-partition --by random --shards 1 --blocks 3 --seed 1 data.csv -o in.csv && ul-train -q --id-key key --standardize --epochs 30 in.csv -o model.ulm && ul-forget -q --id-key key --method puma --weights weights.csv -m model.ulm -d in.csv -r requests.csv --ledger ledger.csv -o model.ulm --remaining rest.csv"),
        ("mppca selected (ARCANE), keyed ids", "head -c 32 /dev/urandom > key && ul-partition --by class --blocks 2 data.csv -o p.csv && ul-select --id-key key --method random --per-shard 20 p.csv -o in.csv && rm p.csv && ul-train -q --id-key key --model mppca --mixtures 2 --components 2 --selection \"$(ul-select --spec --method random --per-shard 20)\" in.csv -o model.ulm && ul-forget -q --id-key key -m model.ulm -d in.csv -r requests.csv --ledger ledger.csv -o model.ulm --remaining rest.csv"),
        ("autoencoder split directory exact", "ul-partition --by class --blocks 2 --split parts data.csv && { head -1 parts/shard-0000.csv; tail -q -n +2 parts/*.csv; } > in.csv && ul-train -q --model autoencoder --hidden 4 --epochs 1 in.csv -o model.ulm && ul-forget -q -m model.ulm -d parts -r requests.csv --ledger ledger.csv -o model.ulm"),
    ]

    func testForgottenRowsLeaveNoTrace() throws {
        var findings = [String]()
        for (name, script) in Self.scenarios {
            let dir = try makeWorkDirectory("remanence")
            try writeData(dir)
            let tmp = dir.appendingPathComponent("tmp")
            try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
            let r = try ProcessRunner.runScript("set -e; " + script, in: dir, environment: ["TMPDIR": tmp.path])
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
            // The user's inputs; with --split the shard files are the data ul-forget rewrites, so they are scanned.
            for input in ["data.csv", "requests.csv", "in.csv"] { try? FileManager.default.removeItem(at: dir.appendingPathComponent(input)) }
            let files = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }
                .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            XCTAssertTrue(files.contains { $0.lastPathComponent == "model.ulm" }, name)
            // With an id key, the forgotten rows' keyed ids must be gone too.
            var needles = Self.needles
            if let k = try? Data(contentsOf: dir.appendingPathComponent("key")), let key = IdKey(bytes: [UInt8](k)) {
                needles += Self.ids.map { ("keyed id of \($0)", Array(key.keyed($0).utf8)) }
            }
            for file in files {
                let bytes = [UInt8](try Data(contentsOf: file))
                for (what, needle) in needles where contains(bytes, needle) {
                    findings.append("\(name): \(file.lastPathComponent) holds the \(what)")
                }
            }
        }
        XCTAssertTrue(findings.isEmpty, findings.joined(separator: "\n"))
    }

    /// A keyed model holds no training id in any form (id, its SHA-256), only keyed ids; an unkeyed one does.
    func testKeyedModelHoldsNoTrainingId() throws {
        let dir = try makeWorkDirectory("remanence-keyed")
        let lines = try exampleLines("digits.csv").prefix(301).map { $0 }
        try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("data.csv"), atomically: true, encoding: .utf8)
        let ids = lines.dropFirst().map { String($0.prefix { $0 != "," }) }
        let script = "set -e; head -c 32 /dev/urandom > key; ul-partition --by class --blocks 2 data.csv -o p.csv; "
            + "ul-select --id-key key --per-shard 10 p.csv -o s.csv; "
            + "ul-train -q --id-key key --model ppca --selection \"$(ul-select --spec --per-shard 10)\" s.csv -o keyed.ulm; "
            + "ul-train -q --model ppca --selection \"$(ul-select --spec --per-shard 10)\" s.csv -o plain.ulm"
        let r = try ProcessRunner.runScript(script, in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let scan = RemanenceScan(ids: ids)
        let keyed = scan.hits(in: [UInt8](try Data(contentsOf: dir.appendingPathComponent("keyed.ulm"))))
        XCTAssertEqual(keyed, [], "a keyed model holds training ids")
        let plain = scan.hits(in: [UInt8](try Data(contentsOf: dir.appendingPathComponent("plain.ulm"))))
        XCTAssertGreaterThan(plain.count, 0, "the scan finds the ids an unkeyed model lists")
        let key = try XCTUnwrap(IdKey(bytes: [UInt8](try Data(contentsOf: dir.appendingPathComponent("key")))))
        let withKey = RemanenceScan(ids: ids, key: key).hits(in: [UInt8](try Data(contentsOf: dir.appendingPathComponent("keyed.ulm"))))
        XCTAssertTrue(withKey.allSatisfy { $0.form == "keyed id" } && !withKey.isEmpty, "the keyed ids are what the model lists")
    }

    /// The scan finds every form it looks for, at its offset, and nothing in unrelated bytes.
    func testRemanenceScanFindsEachForm() throws {
        let key = try XCTUnwrap(IdKey(bytes: Array("0123456789abcdef".utf8)))
        let long = "customer-0042@example.org", short = "r7"
        var bytes = [UInt8](repeating: 0xEE, count: 100)
        func place(_ p: [UInt8]) -> Int { let at = bytes.count; bytes += p + [0xEE, 0xEE]; return at }
        let a = place(Array(long.utf8))
        let b = place([2, 0, 0, 0] + Array(short.utf8))
        let c = place(SHA256Digest.hash(Array(short.utf8)))
        let d = place(Array(hexString(SHA256Digest.hash(Array(long.utf8))).uppercased().utf8))
        let e = place(Array(key.keyed(short).utf8))
        let hits = RemanenceScan(ids: [long, short], key: key).hits(in: bytes)
        XCTAssertEqual(hits.map(\.offset), [a, b, c, d, e])
        XCTAssertEqual(hits.map(\.form), ["id", "length-prefixed id", "SHA-256", "SHA-256 hex", "keyed id"])
        XCTAssertEqual(RemanenceScan(ids: ["r8", "customer-0043@example.org"], key: key).hits(in: bytes), [])
        // The bare short id occurs, but only its length-prefixed form counts.
        XCTAssertEqual(RemanenceScan(ids: [short]).hits(in: Array("xx r7 xx".utf8)), [])
    }

    func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count, let first = needle.first else { return false }
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == first && Array(haystack[i..<i + needle.count]) == needle { return true }
            i += 1
        }
        return false
    }
}
