import Foundation
import ULCLI
import ULCore

/// `--method puma` and `newton`: each affected shard's parameters are patched from its stored curvature
/// instead of retrained; the patch itself (`ParameterPatch`) is what tells the two apart. See the
/// APPROXIMATE METHODS section of ul-forget(1).
struct ApproximateForget: ForgetMethod {
    let patch: ParameterPatch

    func run(_ job: ForgetJob) throws -> ExitStatus {
        let options = job.options.approximate!
        let config = job.model.config
        let kind = config.kind
        guard !kind.isOneClass, job.model.selection == nil else {
            throw ToolError.data("--method \(job.options.method.rawValue) needs a softmax or mlp model trained on all its rows; use --method exact", file: job.options.modelPath)
        }
        let solverKind = options.solver ?? (kind == .softmax ? .exact : .cg)
        if solverKind == .exact && kind != .softmax { throw ToolError.usage("--solver exact: only for softmax models", hint: "use --solver cg") }
        let curvatureKind = CurvatureOptions.kind(options.curvatureKind, for: kind)
        try patch.prepare(job)

        let affected = job.affectedBlocksByShard.keys.sorted()
        let curvaturePath = options.curvaturePath
        let store = try openCurvatureStore(curvaturePath)
        var approximate = Dictionary(uniqueKeysWithValues: job.model.approximate.map { ($0.shard, $0) })
        let classCount = job.model.labels.count
        // The stored curvature is keyed by the shard's current state: after an approximate request it holds
        // the curvature over the remaining rows (downdated, see CurvatureDowndate) under the patched state's key.
        var curvatureKeys = [Int: [UInt8]]()
        for shard in affected {
            curvatureKeys[shard] = ShardCurvature.key(config: config, featureCount: job.model.features.count, classCount: classCount,
                                                      shard: job.shardRecord(shard))
        }
        // Keys depend on the model alone, so the first shard's stored factor (hundreds of megabytes) is read
        // while the data is; later shards' are read in turn, one factor in memory at a time.
        let first = affected.first
        let preload = CurvaturePreload(store: store, shard: first, key: first.map { curvatureKeys[$0]! }, solver: solverKind,
                                       kind: curvatureKind, damping: options.damping)
        // The rows' digests are checked beside the patch (SHA-256 over every row of the shard), before the commit.
        var data = try job.readData(keepShards: Set(affected), deferringDigests: true)
        if let status = try job.finishIfNothingToRetrain(data) { return status }
        job.stageRemaining(data)
        // A request that changes what ul-train derives from the rows (a label gone, the block count) changes
        // every shard: no patch can give that model, the exact retrain can.
        let trainedLabels = Set(affected.flatMap { s in
            data.shards[s].map { rows in rows.data.ids.indices.filter { !data.droppedIds.contains(rows.data.ids[$0]) }.map { job.model.labels[Int(rows.data.classes[$0])] } } ?? []
        })
        let shape = try data.reportingDigestsFirst {
            try job.derivedShape(of: job.model.removingIds(data.droppedIds), trainedLabels: trainedLabels, data: data)
        }
        if shape.labels != job.model.labels || shape.blockCount != job.model.config.blockCount {
            let why = "no \(job.options.method.rawValue) patch: the request changes the model's shape, so every shard is retrained exactly"
            job.ctx.note(why)
            return try ExactForget(fromScratch: false, notePrefix: why).run(job)
        }
        var records = [ShardRecord]()
        var curvatureSeconds = 0.0
        var emptied = [Int]()
        // Per shard the curvature over its remaining rows (under the patched state's key), or why it was dropped.
        var remaining = [CurvatureFile.Entry]()
        var fates = [String]()
        // Shards whose conjugate gradient did not converge, retrained exactly instead (--auto-retrain).
        var unsolved = [Int]()
        var unsolvedNotes = [String]()
        // A failure of the patch on rows that are not the model's is reported as that (the digests' error).
        try data.reportingDigestsFirst {
            for shard in affected {
                let record = job.shardRecord(shard)
                // The objective's rows are the shard's in record order, read in place from the data (no copy).
                let all = data.shards[shard]!.data
                var position = [String: Int](minimumCapacity: all.count)
                for (i, id) in all.ids.enumerated() { position[id] = i }
                let rows = try job.recordErrors { try record.rowsInRecordOrder(position) }
                let forget = rows.indices.filter { data.droppedIds.contains(all.ids[rows[$0]]) }
                guard forget.count < rows.count else {
                    // Nothing left to patch: the exact result, an empty shard.
                    job.ctx.note("shard \(shard): every row forgotten: the shard is empty (exact, not approximate)")
                    emptied.append(shard)
                    records.append(.empty(index: shard, blockCount: config.blockCount))
                    approximate[shard] = nil
                    continue
                }
                // The blocks' new ids and digests (SHA-256 over the remaining rows) on other threads, beside the patch.
                let dropped = data.droppedIds, labels = job.model.labels
                let remainingBlocks = BackgroundWork { ShardCurvature.remainingBlocks(of: record, removing: dropped, data: all, labels: labels) }
                let objective = ShardCurvature.objective(config: config, classCount: classCount, shard: record, data: all, rows: rows)
                let key = curvatureKeys[shard]!
                var entry = approximate[shard] ?? ApproximateShard(shard: shard)
                let t0 = Date()
                let bar = job.ctx.progress("curvature", total: objective.rowCount)
                let (solver, fresh) = try curvatureErrors(curvaturePath) {
                    let stored = shard == first ? try preload.take()
                        : try store?.lookup(shard: shard, key: key, solver: solverKind, kind: curvatureKind, damping: options.damping)
                    return try ShardCurvature.solver(objective: objective, theta: record.finalParameters, stored: stored,
                                                     storedAt: stored == nil ? nil : store?.theta(shard: shard), shard: shard, key: key,
                                                     solver: solverKind, kind: curvatureKind, damping: options.damping,
                                                     progress: { done, _ in bar.update(done) })
                }
                bar.finish()
                solver.route = options.curvatureRoute
                solver.preconditioned = CurvatureOptions.preconditioned(options.preconditioned, kind: curvatureKind)
                solver.maxIterations = options.cgLimit
                if let t = options.cgTolerance { solver.tolerance = t }
                if fresh != nil { curvatureSeconds += Date().timeIntervalSince(t0) }
                let shardPatch = ShardPatchInput(shard: shard, record: record, data: all, rows: rows, forget: forget,
                                                 objective: objective, solver: solver)
                let t1 = Date()
                var patchedTheta: [Double]?, unconverged: CurvatureError?
                try curvatureErrors(curvaturePath) {
                    do {
                        patchedTheta = try patch.patch(shardPatch, entry: &entry)
                    } catch let e as CurvatureError {
                        guard case .notConverged = e else { throw e }
                        unconverged = e
                    }
                }
                guard let theta = patchedTheta else {
                    // No patch for this shard: retrained exactly with --auto-retrain, otherwise the request fails.
                    let what = "shard \(shard): \(unconverged!)"
                    guard options.autoRetrain else {
                        throw ToolError(.dataError, what, hint: "--auto-retrain retrains a shard whose conjugate gradient does not converge")
                    }
                    let why = what + ": retrained exactly (--auto-retrain)"
                    job.ctx.note(why)
                    unsolvedNotes.append(why)
                    unsolved.append(shard)
                    continue
                }
                if solverKind == .cg {
                    fates.append(String(format: "shard %d: %d conjugate-gradient iterations (%@, %@) in %.2f s", shard, solver.iterations,
                                        curvatureKind.rawValue, solver.preconditioned ? "diagonal preconditioner" : "no preconditioner",
                                        Date().timeIntervalSince(t1)))
                } else if solver.iterations > 0 {
                    // Newton with --curvature-update drop: H₋ by conjugate gradient, preconditioned by the factor.
                    fates.append(String(format: "shard %d: %d conjugate-gradient iterations preconditioned by the stored factor in %.2f s", shard,
                                        solver.iterations, Date().timeIntervalSince(t1)))
                }
                entry.removedCount += forget.count
                entry.firstDirtyBlock = min(entry.firstDirtyBlock, job.affectedBlocksByShard[shard]!.min()!)
                entry.requests += 1
                approximate[shard] = entry
                let patched = ShardCurvature.patchedRecord(record, remaining: try remainingBlocks.wait(), theta: theta,
                                                           droppingCheckpointsFrom: entry.firstDirtyBlock)
                records.append(patched)
                // The curvature was summed over the forgotten rows: it follows the data (downdated to the remaining
                // rows at the parameters it was computed at) or leaves the sidecar; it is never kept as it was.
                switch solver.takeRemaining(removing: forget) {
                case let .kept(curvature, route):
                    let newKey = ShardCurvature.key(config: config, featureCount: job.model.features.count, classCount: classCount, shard: patched)
                    remaining.append(CurvatureFile.Entry(shard: shard, key: newKey, curvature: curvature, theta: solver.curvatureTheta))
                    let how = ["downdate": "downdated", "refactor": "refactored", "diagonal": "diagonal downdated"][route.rawValue]!
                    fates.append(String(format: "shard %d %@ to the remaining rows in %.2f s", shard, how, solver.remainingSeconds))
                case let .dropped(why):
                    fates.append("shard \(shard) dropped (\(why))")
                    job.ctx.note("shard \(shard): its stored curvature is dropped, not downdated: \(why)")
                }
            }
        }
        // Nothing is written (sidecar, weights, model) before the rows are known to be the model's.
        try data.digestCheck?.wait()
        let retrain = (patch.shardsToRetrain + unsolved).sorted()
        var cost = 0
        if !retrain.isEmpty {
            var inputs = [ShardInput]()
            for shard in retrain {
                let input = job.takeRemainingRows(of: shard, from: &data)
                inputs.append(input)
                approximate[shard] = nil
                // Retrained from scratch: every block step, in row-epochs like the exact methods' ledger lines.
                var sizes = [Int](repeating: 0, count: config.blockCount)
                for b in input.blocks where b < sizes.count { sizes[b] += 1 }
                cost += retrainingCost(blockSizes: sizes, fromStep: 1, config: config)
            }
            let fresh = try trainShards(inputs, config: config, labels: job.model.labels, jobs: job.options.jobs)
            records = records.filter { !retrain.contains($0.index) } + fresh
            // A retrained shard's state is new: the curvature made for the patched one does not belong to it.
            remaining.removeAll { retrain.contains($0.shard) }
            fates += retrain.map { "shard \($0) dropped (retrained)" }
        }
        var newModel = job.droppingTrailingShards(job.model.replacingShards(records), shape: shape)
        newModel.approximate = approximate.values.filter { $0.shard < shape.shardCount }.sorted { $0.shard < $1.shard }
        // Other shards' entries stay when made the same way; the affected shards' are replaced by `remaining`.
        let sidecar = CurvatureStore.updated(store, with: remaining.filter { $0.shard < shape.shardCount }, excluding: Set(affected),
                                             solver: solverKind, kind: curvatureKind, damping: options.damping)
        // Written beside the new model (or to --curvature); a sidecar left there by an earlier file at NEW is
        // replaced or removed, and MODEL.curv stays with MODEL when NEW is another file.
        let outputPath = options.curvatureOutputPath
        if sidecar.isEmpty {
            if store != nil || outputPath != curvaturePath, unlink(outputPath) != 0, errno != ENOENT {
                throw ToolError(.ioError, "cannot remove the stored curvature: \(String(cString: strerror(errno)))", file: outputPath)
            }
        } else {
            try curvatureErrors(outputPath) { try writeFileAtomically(outputPath, pieces: sidecar.write) }
        }
        try patch.writeOutputs()
        for n in patch.notes { job.ctx.note(n) }
        job.ctx.summary(String(format: "curvature %@ in %.2f s; %@ (%@)", curvatureSeconds == 0 ? "loaded" : "computed", curvatureSeconds,
                               fates.joined(separator: ", "), sidecar.isEmpty ? "none stored" : "stored in \(outputPath)"))
        let notes = patch.notes + unsolvedNotes + emptied.map { "shard \($0): every row forgotten: empty (exact)" } + [job.shapeNote(shape)].filter { !$0.isEmpty }
        try job.commit(ForgetOutcome(model: newModel, shardsRetrained: (retrain + emptied).sorted(), cost: cost, residualBound: patch.bounds.joined(separator: " "),
                                     note: notes.joined(separator: "; ")), data: data)
        return .ok
    }
}

/// One affected shard as a patch sees it: its rows in record order within `data`, the positions (in
/// `rows`) of the forgotten ones, the training objective at the shard's parameters and its curvature solver.
struct ShardPatchInput {
    let shard: Int
    let record: ShardRecord
    let data: Dataset
    let rows: [Int]
    let forget: [Int]
    let objective: Objective
    let solver: CurvatureSolver
}

/// What PUMA and Newton removal do differently: the new parameters of one shard, the notes and files
/// they leave.
protocol ParameterPatch: AnyObject {
    /// Notes for standard error and the ledger, one per shard and event.
    var notes: [String] { get }
    /// Per shard its residual bound, for the ledger (Newton).
    var bounds: [String] { get }
    /// Shards whose accumulated bound passed the budget and are retrained instead (Newton).
    var shardsToRetrain: [Int] { get }
    /// Reads what the patch needs besides the data (once the model is known).
    func prepare(_ job: ForgetJob) throws
    /// θ after removing `input.forget` from the shard; updates the shard's approximate state.
    func patch(_ input: ShardPatchInput, entry: inout ApproximateShard) throws -> [Double]
    /// Files the patch writes besides the model (PUMA's weights).
    func writeOutputs() throws
}

extension ParameterPatch {
    var bounds: [String] { [] }
    var shardsToRetrain: [Int] { [] }
    func prepare(_ job: ForgetJob) throws {}
    func writeOutputs() throws {}
}

/// A stored curvature read on another thread while the caller reads the data.
final class CurvaturePreload {
    private var work: BackgroundWork<StoredCurvature?>?

    init(store: CurvatureStore?, shard: Int?, key: [UInt8]?, solver: SolverKind, kind: CurvatureKind, damping: Double) {
        guard let store, let shard, let key, store.has(shard: shard, key: key, solver: solver, kind: kind, damping: damping) else { return }
        work = BackgroundWork { try store.lookup(shard: shard, key: key, solver: solver, kind: kind, damping: damping) }
    }

    /// Waits for the read and hands the curvature over (nil when the store had none); the preload keeps no copy.
    func take() throws -> StoredCurvature? {
        defer { work = nil }
        return try work?.wait() ?? nil
    }
}
