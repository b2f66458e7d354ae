import ULCLI
import ULCore

/// PUMA: the remaining rows are re-weighted so that the predicted change of the criterion (mean loss on
/// --valid, or on the shard's remaining rows) cancels, then θ is patched with the training Hessian.
final class PumaPatch: ParameterPatch {
    let options: ApproximateOptions
    private(set) var notes = [String]()
    /// id and weight of every row of the affected shards, for --weights.
    private var weights = [(String, Double)]()
    private var valid: ModelRows?
    private var model: ModelFile?

    init(options: ApproximateOptions) { self.options = options }

    func prepare(_ job: ForgetJob) throws {
        model = job.model
        valid = try options.validPath.map {
            try ModelRows(path: $0, model: job.model, idColumn: job.options.columns.id, labelColumn: job.options.columns.label)
        }
    }

    func patch(_ input: ShardPatchInput, entry: inout ApproximateShard) throws -> [Double] {
        let objective = input.objective
        // The criterion: mean loss on --valid, or on the shard's remaining rows (the objective's own rows
        // with the forgotten ones left out, so no second copy of the shard).
        let criterion: Objective, criterionRows: [Int]
        if let v = valid, let model {
            criterion = ShardCurvature.objective(config: model.config, classCount: model.labels.count, shard: input.record, data: v.data)
            criterionRows = Array(0..<criterion.rowCount)
        } else {
            let forgotten = Set(input.forget)
            criterion = objective
            criterionRows = input.rows.indices.filter { !forgotten.contains($0) }
        }
        var c = [Double](repeating: 0, count: criterion.rowCount)
        for i in criterionRows { c[i] = 1 / Double(criterionRows.count) }
        let r = try ApproximateRemoval.puma(objective: objective, solver: input.solver, forget: input.forget,
                                            criterionGradient: criterion.gradientSum(input.solver.theta, coefficients: c), settings: options.puma)
        let before = criterion.rowLosses(at: input.solver.theta), after = criterion.rowLosses(at: r.theta)
        let change = criterionRows.reduce(0.0) { $0 + after[$1] - before[$1] } / Double(max(criterionRows.count, 1))
        notes.append(String(format: "shard %d: criterion change predicted %.6g (plain removal %.6g), measured %.6g",
                            input.shard, r.predictedChange, r.naiveChange, change))
        // The remaining rows' weights only: a forgotten row's id leaves no file behind.
        let forgotten = Set(input.forget)
        for (i, p) in input.rows.enumerated() where !forgotten.contains(i) { weights.append((input.data.ids[p], r.weights[i])) }
        return r.theta
    }

    func writeOutputs() throws {
        guard let path = options.weightsPath else { return }
        let w = CSVWriter(try OutputFile(path: path))
        try w.row(["id", "weight"])
        for (id, v) in weights { w.field(id); w.field(v); try w.endRow() }
        try w.finish()
    }
}
