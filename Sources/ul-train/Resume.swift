import Foundation
import ULCLI
import ULCore

/// `--resume OLD` and the options that go with it, checked before any input is read.
struct ResumePlan {
    var oldModel: String
    var ledger: String?
    var wait: Double

    /// nil without --resume (then --ledger and --wait are refused).
    init?(_ args: ParsedArguments, merge: Bool) throws {
        guard let old = args.value("resume") else {
            for o in ["ledger", "wait"] where args.value(o) != nil { throw ToolError.usage("--\(o) applies only to --resume") }
            return nil
        }
        guard !merge else { throw ToolError.usage("--resume does not apply to --merge (resume each part, then merge them)") }
        guard old != "-" else { throw ToolError.usage("--resume: name the model file (- is the training data's place)") }
        oldModel = old
        ledger = args.value("ledger")
        wait = try args.double("wait", default: 0, min: 0)
        if let l = ledger { try checkOutputKind(l) }
    }
}

/// A resume in progress: OLD read under its lock (and the ledger's), checked against this run, and the
/// one commit path: the ledger line, then the new model.
final class ResumeJob {
    let plan: ResumePlan
    /// Held for the whole run, so that a forget or another resume cannot change OLD meanwhile.
    let lock: LockFile
    let ledgerLock: LockFile?
    let oldBytes: [UInt8]
    let old: ModelFile
    /// The id key (--id-key): the ledger digests keyed ids under it, as ul-forget does.
    let idKey: IdKey?
    /// The ledger as read under its lock (empty without --ledger).
    let ledger: [LedgerEntry]
    /// Configuration or label differences that make every shard retrain (empty: block steps resume).
    private(set) var differences: [String] = []

    init(_ plan: ResumePlan, idKey: IdKey?) throws {
        self.plan = plan
        self.idKey = idKey
        // A missing or damaged model is refused before a lock file is created; read again under the lock.
        var bytes = try readWholeFile(plan.oldModel)
        var model = try Self.decode(bytes, path: plan.oldModel)
        lock = try LockFile(for: plan.oldModel, timeout: plan.wait)
        ledgerLock = try plan.ledger.map { try LockFile(for: $0, timeout: plan.wait) }
        let locked = try readWholeFile(plan.oldModel)
        if locked != bytes { (bytes, model) = (locked, try Self.decode(locked, path: plan.oldModel)) }
        oldBytes = bytes
        old = model
        try IdKeyOption.check(idKey, model: old, path: plan.oldModel)
        ledger = try plan.ledger.map { try LedgerFile.read($0) } ?? []
    }

    private static func decode(_ bytes: [UInt8], path: String) throws -> ModelFile {
        do {
            return try ModelFile.decode(try ModelContainerReader(source: bytes))
        } catch let e as ModelFileError {
            throw ToolError.data("\(e) (--resume needs a model ul-train wrote)", file: path)
        }
    }

    /// OLD when its records can be continued into a model of `config` and `labels`, nil when every shard
    /// must retrain (a different configuration, said in a note). OLD of another data set (other features)
    /// or trained otherwise on its rows (with or without a selection) is refused.
    func continuable(config: TrainConfig, labels: [String], features: [String], selection: SelectionSpec?,
                     fixedSelection: Bool, ctx: ToolContext) throws -> ModelFile? {
        let path = plan.oldModel
        guard old.features == features else {
            let extra = features.filter { !old.features.contains($0) }, missing = old.features.filter { !features.contains($0) }
            let why = !extra.isEmpty ? "the data has feature \(quoted(extra[0])) it lacks"
                : !missing.isEmpty ? "it has feature \(quoted(missing[0])) the data lacks" : "its features are in another order"
            throw ToolError.data("a model of another data set: \(why); train without --resume", file: path)
        }
        let oldMode = old.selection != nil ? "--selection SPEC" : old.declared.contains(.fixedSelection) ? "--selection fixed" : "all rows"
        let newMode = selection != nil ? "--selection SPEC" : fixedSelection ? "--selection fixed" : "all rows"
        guard oldMode == newMode else {
            throw ToolError.data("a model of another configuration: trained on \(oldMode), this run on \(newMode); train without --resume", file: path)
        }
        differences = config.differences(from: old.config)
        if old.labels != labels { differences.append("labels \(old.labels.joined(separator: ",")) → \(labels.joined(separator: ","))") }
        if let s = selection, let o = old.selection, !sameSelection(s, o) { differences.append("selection spec") }
        guard differences.isEmpty else {
            ctx.note("\(displayName(path)): \(differences.joined(separator: ", ")): every shard retrains")
            return nil
        }
        let missing = config.heldShards.filter { s in !old.shards.contains { $0.index == s } }
        if !missing.isEmpty {
            ctx.note("\(displayName(path)) holds no shard \(missing.map(String.init).joined(separator: " ")): trained from scratch")
        }
        return old
    }

    /// The entropy method records no fraction (see ul-train's model); other fields must agree.
    private func sameSelection(_ a: SelectionSpec, _ b: SelectionSpec) -> Bool {
        var a = a
        if a.method == .entropy { a.fraction = nil }
        return a == b
    }

    /// Writes the ledger line, then the new model; refuses, writing nothing, when OLD shares no row with the
    /// data (a model of another data set). The line comes first so that a crash between the two is finished by
    /// running the same resume again: it finds its own line last (OLD → this model) and writes only the model.
    /// (A model written first would leave a ledger whose chain breaks at the crash, for ever.)
    func commit(_ bytes: [UInt8], to output: String, resumed: [ResumedShard], config: TrainConfig, input: String, ctx: ToolContext) throws {
        let summary = ResumeSummary(old: old, resumed: resumed, blockCount: config.blockCount)
        if summary.kept == 0, !summary.removed.isEmpty, !summary.added.isEmpty {
            throw ToolError.data("\(displayName(plan.oldModel)) shares no row with the data: a model of another data set; train without --resume", file: input)
        }
        let before = hexString(SHA256Digest.hash(oldBytes)), after = hexString(SHA256Digest.hash(bytes))
        var line = summary.description
        if !differences.isEmpty { line = "retrained (\(differences.joined(separator: ", "))); " + line }
        if let l = plan.ledger {
            if let last = ledger.last, last.method == "resume", last.modelBefore == before, last.modelAfter == after, before != after {
                ctx.note("the ledger's last line (\(escapedForMessage(last.time))) records this very run: no second line")
            } else {
                if let last = ledger.last, last.modelAfter != before {
                    // As ul-forget: said, not refused (a ledger may be started anew beside an older one).
                    ctx.note("warning: \(displayName(plan.oldModel)) is not the model the ledger's last line produced (\(displayName(l)))")
                }
                let entry = LedgerEntry(time: LedgerFile.now(), requestsDigest: ledgerRequestsDigest(summary.added + summary.removed, key: idKey),
                                        requestCount: summary.added.count + summary.removed.count, method: "resume",
                                        modelBefore: before, modelAfter: after,
                                        shardsRetrained: summary.shardsRetrained.map(String.init).joined(separator: " "),
                                        rowsRetrained: summary.cost, note: line)
                try LedgerFile.append(entry, to: l)
            }
        }
        if !(bytes == oldBytes && sameFile(output, plan.oldModel)) { try writeFileAtomically(output, bytes) }
        ctx.note(summary.stepsRerun == 0 ? "nothing changed since \(displayName(plan.oldModel)): no block step rerun" : "resumed \(displayName(plan.oldModel)): \(line)")
    }
}
