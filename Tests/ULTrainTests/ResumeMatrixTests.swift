import Dispatch
import Foundation
import XCTest
import ULTestSupport

/// The promise of `ul-train --resume OLD`: over a generated matrix of model kinds × changes to the rows, the
/// model it writes equals, byte for byte, `ul-train` from scratch on the changed rows with the same options,
/// and it reruns no block step when nothing changed. Every combination runs (two at a time) and every
/// failure is listed in one message. UL_RESUME_MATRIX=SUBSTRING runs only the combinations whose name
/// (kind/change) contains it.
final class ResumeMatrixTests: XCTestCase {
    struct Kind {
        let name: String
        let options: String
        let oneClass: Bool
    }

    /// What happens to the rows between OLD and the resume.
    enum Change: String, CaseIterable {
        case nothing
        /// New rows into the last block that has rows (block 2).
        case appendLast = "append-last-block"
        /// New rows into block 3, declared by --blocks 4 but empty until now.
        case appendNewBlock = "append-new-block"
        /// New rows into block 3 with the block count derived from the rows: it grows, so every shard retrains.
        case appendNewBlockDerived = "append-new-block-derived"
        /// A feature of a row of block 1 corrected (same id).
        case edit = "edit-row"
        /// A label corrected (same id; classifiers only: a one-class shard holds one label).
        case relabel = "relabel-row"
        case delete = "delete-row"
        case all = "append-edit-delete"
        /// --only-shards 0,2 resumed from the whole OLD, merged with shard 1 resumed alone.
        case parts = "parts-then-merge"
    }

    static let kinds: [Kind] = [
        Kind(name: "softmax", options: "-e 4", oneClass: false),
        Kind(name: "softmax-standardized", options: "-e 4 --standardize", oneClass: false),
        Kind(name: "mlp", options: "--model mlp -e 2 --hidden 6 --batch 32 --seed 5", oneClass: false),
        Kind(name: "ppca", options: "--model ppca --components 3", oneClass: true),
        Kind(name: "mppca", options: "--model mppca --mixtures 2 --components 2 -e 3", oneClass: true),
        Kind(name: "knn", options: "--model knn --neighbours 3", oneClass: true),
        Kind(name: "autoencoder", options: "--model autoencoder --hidden 4 -e 2 --batch 32 --lr 0.01", oneClass: true),
    ]

    /// The digits subset (every fifth row): the first 300 rows are OLD's, the other 60 arrive later. Rows
    /// are partitioned as ul-partition does, new ones with --block B into the shards their ids hash to.
    static func setupScript(_ kind: Kind) -> String {
        let partition = kind.oneClass ? "--by class --classes 0,1,2,3,4,5,6,7,8,9" : "--shards 3 --seed 1"
        return """
            set -e
            tr -d '\\r' < "$DATA/digits.csv" | awk 'NR == 1 || NR % 5 == 2' > all.csv
            head -301 all.csv > base.csv
            { head -1 all.csv; tail -n +302 all.csv; } > new.csv
            ul-partition \(partition) --blocks 3 base.csv -o p0.csv
            ul-partition \(partition) --block 2 new.csv -o new2.csv
            ul-partition \(partition) --block 3 new.csv -o new3.csv
            ul-train \(kind.options) --scale 0.0625 --blocks 4 p0.csv -o old.ulm
            ul-train \(kind.options) --scale 0.0625 p0.csv -o old-derived.ulm

            """
    }

    /// The changed rows (p1.csv) and the commands to compare; the script exits non-zero when the bytes differ.
    static func changeScript(_ kind: Kind, _ change: Change) -> String {
        let opts = "\(kind.options) --scale 0.0625 --blocks 4"
        // Line 10 of p0.csv is a row of block 1 or 2; line 20 is deleted.
        let edit = #"awk -F, 'BEGIN { OFS = "," } NR == 10 { $20 = $20 + 1 } { print }'"#
        let relabel = #"awk -F, 'BEGIN { OFS = "," } NR == 10 { $2 = ($2 + 1) % 10 } { print }'"#
        let delete = "awk 'NR != 20'"
        var rows: String
        switch change {
        case .nothing, .parts: rows = "cp p0.csv p1.csv"
        case .appendLast: rows = "{ cat p0.csv; tail -n +2 new2.csv; } > p1.csv"
        case .appendNewBlock, .appendNewBlockDerived: rows = "{ cat p0.csv; tail -n +2 new3.csv; } > p1.csv"
        case .edit: rows = "\(edit) p0.csv > p1.csv"
        case .relabel: rows = "\(relabel) p0.csv > p1.csv"
        case .delete: rows = "\(delete) p0.csv > p1.csv"
        case .all: rows = "{ cat p0.csv; tail -n +2 new2.csv; } | \(edit) | \(delete) > p1.csv"
        }
        switch change {
        case .appendNewBlockDerived:
            let derived = "\(kind.options) --scale 0.0625"
            return rows + """

                ul-train \(derived) --resume old-derived.ulm p1.csv -o resumed.ulm
                ul-train \(derived) p1.csv -o scratch.ulm
                cmp resumed.ulm scratch.ulm
                """
        case .parts:
            return rows + """

                \(edit) p0.csv > p1.csv
                ul-train \(opts) --only-shards 0,2 --resume old.ulm p1.csv -o part02.ulm
                ul-train \(opts) --only-shards 1 --resume old.ulm p1.csv -o part1.ulm
                ul-train \(opts) --only-shards 0,2 p1.csv -o scratch02.ulm
                cmp part02.ulm scratch02.ulm
                ul-train --merge part1.ulm part02.ulm -o resumed.ulm
                ul-train \(opts) p1.csv -o scratch.ulm
                cmp resumed.ulm scratch.ulm
                """
        default:
            return rows + """

                ul-train \(opts) --resume old.ulm p1.csv -o resumed.ulm
                ul-train \(opts) p1.csv -o scratch.ulm
                cmp resumed.ulm scratch.ulm
                """
        }
    }

    /// What the resume must say: (expected substring, block steps rerun must be below all of them).
    static func expectedReport(_ kind: Kind, _ change: Change) -> (String, partial: Bool) {
        switch change {
        case .nothing: return ("nothing changed since old.ulm: no block step rerun", false)
        case .appendNewBlockDerived: return ("blocks 3 → 4: every shard retrains", false)
        case .appendLast, .appendNewBlock:
            // The first steps of every shard keep their checkpoints, unless the shard's statistics changed.
            return ("resumed old.ulm: rows added ", !kind.options.contains("--standardize"))
        case .edit, .relabel, .delete, .all: return ("resumed old.ulm: ", false)
        case .parts: return ("resumed old.ulm: rows added 0, removed 0, corrected in ", false)
        }
    }

    func testResumeEqualsTrainingFromScratch() throws {
        for tool in ["ul-partition", "ul-train"] where !BuiltTools.isBuilt(tool) {
            throw XCTSkip("\(tool) is not built in \(BuiltTools.directory.path)")
        }
        let filter = ProcessInfo.processInfo.environment["UL_RESUME_MATRIX"] ?? ""
        let root = try makeWorkDirectory("resume-matrix")
        var combinations = [(Kind, Change)]()
        for kind in Self.kinds {
            for change in Change.allCases where !(kind.oneClass && change == .relabel) && !(kind.oneClass && change == .parts) {
                if filter.isEmpty || "\(kind.name)/\(change.rawValue)".contains(filter) { combinations.append((kind, change)) }
            }
        }
        if combinations.isEmpty { throw XCTSkip("UL_RESUME_MATRIX matches no combination") }
        let kinds = Self.kinds.filter { k in combinations.contains { $0.0.name == k.name } }
        let failures = Failures()
        let started = Date()
        DispatchQueue.concurrentPerform(iterations: kinds.count) { k in
            let kind = kinds[k]
            let setup = root.appendingPathComponent(kind.name)
            do {
                try FileManager.default.createDirectory(at: setup, withIntermediateDirectories: true)
                let r = try ProcessRunner.runScript(Self.setupScript(kind), in: setup)
                guard r.status == 0 else { return failures.add("\(kind.name): setup exited \(r.status): \(r.stderr)") }
                for (other, change) in combinations where other.name == kind.name {
                    let name = "\(kind.name)/\(change.rawValue)"
                    let dir = setup.appendingPathComponent(change.rawValue)
                    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                    let copy = try ProcessRunner.runScript("cp ../p0.csv ../new2.csv ../new3.csv ../old.ulm ../old-derived.ulm .", in: dir)
                    guard copy.status == 0 else { failures.add("\(name): \(copy.stderr)"); continue }
                    let r = try ProcessRunner.runScript("set -e\n" + Self.changeScript(kind, change), in: dir)
                    guard r.status == 0 else { failures.add("\(name): exited \(r.status) (cmp: the bytes differ): \(r.stdout) \(r.stderr)"); continue }
                    let (said, partial) = Self.expectedReport(kind, change)
                    guard r.stderr.contains(said) else { failures.add("\(name): expected \(said.debugDescription) in \(r.stderr.debugDescription)"); continue }
                    if partial {
                        // "block steps rerun N of T": only the steps from the new rows' block on, N < T.
                        let numbers = r.stderr.components(separatedBy: "block steps rerun ").last!.split(separator: " ")
                        guard numbers.count >= 3, let n = Int(numbers[0]), let t = Int(numbers[2].prefix { $0.isNumber }), n > 0, n < t else {
                            failures.add("\(name): expected some but not all block steps rerun: \(r.stderr)")
                            continue
                        }
                    }
                }
            } catch {
                failures.add("\(kind.name): \(error)")
            }
        }
        print(String(format: "resume matrix: %d combinations, %.1f s", combinations.count, Date().timeIntervalSince(started)))
        let list = failures.all
        if !list.isEmpty { XCTFail("\(list.count) of \(combinations.count) combinations broke the resume promise:\n" + list.joined(separator: "\n")) }
    }
}

private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var items = [String]()
    func add(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return items.sorted() }
}
