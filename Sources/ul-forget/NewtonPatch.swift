import Foundation
import ULCore

/// Newton removal (certified removal): one Newton step with the Hessian without the forgotten rows, a
/// residual bound per request, accumulated per shard against --budget.
final class NewtonPatch: ParameterPatch {
    let options: ApproximateOptions
    private(set) var notes = [String]()
    private(set) var bounds = [String]()
    private(set) var shardsToRetrain = [Int]()
    private var config = TrainConfig(kind: .softmax)

    init(options: ApproximateOptions) { self.options = options }

    func prepare(_ job: ForgetJob) throws { config = job.model.config }

    func patch(_ input: ShardPatchInput, entry: inout ApproximateShard) throws -> [Double] {
        let objective = input.objective
        let linear = ShardCurvature.perturbation(config: config, parameterCount: objective.parameterCount)
        let r = try ApproximateRemoval.newton(objective: objective, solver: input.solver, forget: input.forget, linear: linear)
        entry.accumulatedBound += r.bound ?? .infinity
        let boundText = r.bound.map { String(format: "%.6g", $0) } ?? "none"
        bounds.append("\(input.shard):\(boundText)")
        notes.append(String(format: "shard %d: gradient residual %.6g, bound %@, accumulated %.6g%@", input.shard, r.residual,
                            boundText, entry.accumulatedBound, config.perturbation > 0 ? String(format: ", sigma %.6g", config.perturbation) : ""))
        if let b = options.budget, entry.accumulatedBound > b {
            notes.append("shard \(input.shard): accumulated bound passes the budget \(b): an exact retrain is due" + (options.autoRetrain ? " (retraining)" : ""))
            if options.autoRetrain { shardsToRetrain.append(input.shard) }
        }
        return r.theta
    }
}
