import Foundation
import ULCLI
import ULCore

// The approximate methods (DESIGN §5): PUMA and the Newton step of certified removal. Both patch the
// parameters of each affected shard from its stored curvature instead of retraining. See the
// APPROXIMATE METHODS section of ul-forget(1).

let approximateMethodOptions: [OptionSpec] = [
    OptionSpec("solver", value: "exact|cg", help: "puma/newton: Cholesky of the dense Hessian (softmax; default) or conjugate gradient (default for mlp)"),
    OptionSpec("damping", value: "D", help: "puma/newton: add D·I to the Hessian (default 0)"),
    OptionSpec("curvature", value: "FILE", help: "puma/newton: stored Hessian factor or preconditioner (default MODEL.curv); computed and written when missing"),
    OptionSpec("valid", value: "FILE", help: "puma: criterion = mean loss on these rows (default: on the remaining training rows)"),
    OptionSpec("eta", value: "E", help: "puma: step of the weight optimisation, as a fraction of 1/L (default 0.5)"),
    OptionSpec("alpha", value: "A", help: "puma: weight penalty relative to ‖s‖² (default 0.1)"),
    OptionSpec("iterations", value: "N", help: "puma: projected-gradient steps (default 200; 0 = plain influence removal)"),
    OptionSpec("weights", value: "FILE", help: "puma: write id,weight of the affected shards' rows to FILE"),
    OptionSpec("budget", value: "B", help: "newton: accumulated residual bound after which an exact retrain is due"),
    OptionSpec("auto-retrain", help: "newton: retrain a shard from scratch once its accumulated bound passes --budget"),
]

func forgetPUMA(_ job: ForgetJob, _ args: ParsedArguments) throws -> ExitStatus { try forgetApproximately(job, args, puma: true) }
func forgetNewton(_ job: ForgetJob, _ args: ParsedArguments) throws -> ExitStatus { try forgetApproximately(job, args, puma: false) }

func forgetApproximately(_ job: ForgetJob, _ args: ParsedArguments, puma: Bool) throws -> ExitStatus {
    let config = job.model.config
    let kind = config.kind
    guard !kind.isOneClass, job.model.selection == nil else {
        throw ToolError.data("--method \(puma ? "puma" : "newton") needs a softmax or mlp model trained on all its rows; use --method exact", file: job.modelPath)
    }
    let solverKind = SolverKind(rawValue: try args.choice("solver", SolverKind.allCases.map(\.rawValue),
                                                          default: kind == .softmax ? "exact" : "cg"))!
    if solverKind == .exact && kind != .softmax { throw ToolError.usage("--solver exact: only for softmax models (use --solver cg)") }
    let damping = try args.double("damping", default: 0, min: 0)
    let settings = ApproximateRemoval.PumaSettings(eta: try args.double("eta", default: 0.5, min: 0),
                                                   alpha: try args.double("alpha", default: 0.1, min: 0),
                                                   iterations: try args.int("iterations", default: 200, min: 0))
    let budget = try args.value("budget").map { _ in try args.double("budget", default: 0, min: 0) }
    let autoRetrain = args.flag("auto-retrain")
    if autoRetrain && budget == nil { throw ToolError.usage("--auto-retrain needs --budget") }
    if !puma, ["valid", "eta", "alpha", "iterations", "weights"].contains(where: { args.value($0) != nil }) {
        throw ToolError.usage("--valid, --eta, --alpha, --iterations and --weights apply to --method puma")
    }
    if puma, budget != nil || autoRetrain { throw ToolError.usage("--budget and --auto-retrain apply to --method newton") }
    let curvaturePath = args.value("curvature") ?? job.modelPath + ".curv"
    let valid = try args.value("valid").map { try ModelRows(path: $0, model: job.model, idColumn: job.idColumn, labelColumn: job.labelColumn) }

    let affected = job.affectedBlocksByShard
    let store = try openCurvatureStore(curvaturePath)
    var approximate = Dictionary(uniqueKeysWithValues: job.model.approximate.map { ($0.shard, $0) })
    let classCount = job.model.labels.count
    // Per shard its current key and the key of the curvature the request uses: PUMA keeps the training
    // Hessian (the base state's) while the store holds it; Newton needs the current one.
    var curvatureKeys = [Int: (current: [UInt8], used: [UInt8])]()
    for shard in affected.keys {
        let current = ShardCurvature.key(config: config, featureCount: job.model.features.count, classCount: classCount,
                                         shard: job.shardRecord(shard))
        var used = current
        if puma, let base = approximate[shard]?.baseKey, store?.has(shard: shard, key: base, solver: solverKind, damping: damping) == true {
            used = base
        }
        curvatureKeys[shard] = (current, used)
    }
    // Keys depend on the model alone, so the first shard's stored factor (hundreds of megabytes) is read
    // while the data is; later shards' are read in turn, one factor in memory at a time.
    let first = affected.keys.min()
    let preload = CurvaturePreload(store: store, shard: first, key: first.map { curvatureKeys[$0]!.used }, solver: solverKind,
                                   damping: damping)
    let data = try job.readData(keepShards: Set(affected.keys))
    if let status = try job.finishIfNothingToRetrain(data) { return status }
    var computed = [CurvatureFile.Entry]()
    var records = [ShardRecord]()
    var notes = [String](), bounds = [String]()
    var weightRows = [(String, Double)]()
    var retrain = [Int]()
    var curvatureSeconds = 0.0
    for shard in affected.keys.sorted() {
        let record = job.shardRecord(shard)
        // The objective's rows are the shard's in record order, read in place from the data (no copy).
        let all = data.shards[shard]!.data
        var position = [String: Int](minimumCapacity: all.count)
        for (i, id) in all.ids.enumerated() { position[id] = i }
        let rows = ShardCurvature.ids(record).map { position[$0]! }
        let forget = rows.indices.filter { data.droppedIds.contains(all.ids[rows[$0]]) }
        guard forget.count < rows.count else {
            throw ToolError.data("forgetting these rows leaves shard \(shard) with no rows", file: job.requestsPath)
        }
        let objective = ShardCurvature.objective(config: config, classCount: classCount, shard: record, data: all, rows: rows)
        let (currentKey, key) = curvatureKeys[shard]!
        var entry = approximate[shard] ?? ApproximateShard(shard: shard, baseKey: currentKey)
        if puma { entry.baseKey = key }
        let t0 = Date()
        let bar = job.ctx.progress("curvature", total: objective.rowCount)
        let (solver, fresh) = try curvatureErrors(curvaturePath) {
            let stored = shard == first ? try preload.take() : try store?.lookup(shard: shard, key: key, solver: solverKind, damping: damping)
            return try ShardCurvature.solver(objective: objective, theta: record.finalParameters, stored: stored, shard: shard, key: key, solver: solverKind,
                                             damping: damping, progress: { done, _ in bar.update(done) })
        }
        bar.finish()
        if let f = fresh {
            curvatureSeconds += Date().timeIntervalSince(t0)
            if key == entry.baseKey { computed.append(f) }
        }
        let theta: [Double]
        if puma {
            // The criterion: mean loss on --valid, or on the shard's remaining rows (the objective's own rows
            // with the forgotten ones left out, so no second copy of the shard).
            let criterion: Objective, criterionRows: [Int]
            if let v = valid {
                criterion = ShardCurvature.objective(config: config, classCount: classCount, shard: record, data: v.data)
                criterionRows = Array(0..<criterion.rowCount)
            } else {
                let forgotten = Set(forget)
                criterion = objective
                criterionRows = rows.indices.filter { !forgotten.contains($0) }
            }
            var c = [Double](repeating: 0, count: criterion.rowCount)
            for i in criterionRows { c[i] = 1 / Double(criterionRows.count) }
            let r = try curvatureErrors(curvaturePath) {
                try ApproximateRemoval.puma(objective: objective, solver: solver, forget: forget,
                                            criterionGradient: criterion.gradientSum(solver.theta, coefficients: c), settings: settings)
            }
            theta = r.theta
            let before = criterion.rowLosses(at: solver.theta), after = criterion.rowLosses(at: theta)
            let change = criterionRows.reduce(0.0) { $0 + after[$1] - before[$1] } / Double(max(criterionRows.count, 1))
            notes.append(String(format: "shard %d: criterion change predicted %.6g (plain removal %.6g), measured %.6g",
                                shard, r.predictedChange, r.naiveChange, change))
            for (i, p) in rows.enumerated() { weightRows.append((all.ids[p], r.weights[i])) }
        } else {
            let linear = ShardCurvature.perturbation(config: config, parameterCount: objective.parameterCount)
            let r = try curvatureErrors(curvaturePath) {
                try ApproximateRemoval.newton(objective: objective, solver: solver, forget: forget, linear: linear)
            }
            theta = r.theta
            entry.accumulatedBound += r.bound ?? .infinity
            let boundText = r.bound.map { String(format: "%.6g", $0) } ?? "none"
            bounds.append("\(shard):\(boundText)")
            notes.append(String(format: "shard %d: gradient residual %.6g, bound %@, accumulated %.6g%@", shard, r.residual,
                                boundText, entry.accumulatedBound, config.perturbation > 0 ? String(format: ", sigma %.6g", config.perturbation) : ""))
            if let b = budget, entry.accumulatedBound > b {
                notes.append("shard \(shard): accumulated bound passes the budget \(b): an exact retrain is due" + (autoRetrain ? " (retraining)" : ""))
                if autoRetrain { retrain.append(shard) }
            }
        }
        entry.removedIds += forget.map { all.ids[rows[$0]] }
        entry.requests += 1
        approximate[shard] = entry
        records.append(ShardCurvature.patchedRecord(record, removing: data.droppedIds, data: all, labels: job.model.labels, theta: theta))
    }
    if !retrain.isEmpty {
        var inputs = [ShardInput]()
        for shard in retrain {
            inputs.append(try job.remainingRows(of: shard, in: data))
            approximate[shard] = nil
        }
        let fresh = try trainShards(inputs, config: config, labels: job.model.labels, jobs: job.jobs)
        records = records.filter { !retrain.contains($0.index) } + fresh
    }
    var newModel = job.model.replacingShards(records)
    newModel.approximate = approximate.values.sorted { $0.shard < $1.shard }
    if !computed.isEmpty {
        let file = try curvatureErrors(curvaturePath) { try CurvatureStore.updated(store, with: computed, solver: solverKind, damping: damping) }
        try writeFileAtomically(curvaturePath, try file.encode())
    }
    if let path = args.value("weights") {
        let w = CSVWriter(try OutputFile(path: path))
        try w.row(["id", "weight"])
        for (id, v) in weightRows { w.field(id); w.field(v); try w.endRow() }
        try w.finish()
    }
    for n in notes { job.ctx.note(n) }
    job.ctx.summary(String(format: "curvature %@ in %.2f s", computed.isEmpty && curvatureSeconds == 0 ? "loaded" : "computed", curvatureSeconds))
    try job.finish(newModel: newModel, data: data, shardsRetrained: retrain, rowsRetrained: 0,
                   residualBound: bounds.joined(separator: " "), note: notes.joined(separator: "; "))
    return .ok
}

/// A stored curvature read on another thread while the caller reads the data.
final class CurvaturePreload: @unchecked Sendable {
    private let group = DispatchGroup()
    private var result: Result<StoredCurvature?, Error> = .success(nil)

    init(store: CurvatureStore?, shard: Int?, key: [UInt8]?, solver: SolverKind, damping: Double) {
        guard let store, let shard, let key, store.has(shard: shard, key: key, solver: solver, damping: damping) else { return }
        group.enter()
        DispatchQueue.global().async {
            self.result = Result { try store.lookup(shard: shard, key: key, solver: solver, damping: damping) }
            self.group.leave()
        }
    }

    /// Waits for the read and hands the curvature over (nil when the store had none); the preload keeps no copy.
    func take() throws -> StoredCurvature? {
        group.wait()
        defer { result = .success(nil) }
        return try result.get()
    }
}
