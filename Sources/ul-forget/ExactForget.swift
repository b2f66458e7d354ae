import ULCLI
import ULCore

/// `--method exact` (SISA): every shard holding a forgotten row goes through the resume engine on its
/// remaining rows, so it reloads the checkpoint before its earliest affected block and reruns the later
/// block steps; other shards keep their bytes. `--method retrain` (`fromScratch`): every shard from its
/// seeded initial state on its remaining rows — what ul-train would produce, the reference the other
/// methods are compared against.
struct ExactForget: ForgetMethod {
    let fromScratch: Bool

    func run(_ job: ForgetJob) throws -> ExitStatus {
        let shards = fromScratch ? job.model.config.heldShards : job.affectedBlocksByShard.keys.sorted()
        var data = try job.readData(keepShards: Set(shards))
        if let status = try job.finishIfNothingToRetrain(data) { return status }
        // Each shard's rows give way to its remaining rows, so memory holds about one copy of the kept shards.
        var remaining = [Int: ShardInput]()
        for shard in shards {
            remaining[shard] = try job.remainingRows(of: shard, in: data)
            data.shards[shard] = nil
        }
        let bar = job.trainingProgress(shards: remaining.count)
        let outcome: ForgetOutcome
        if fromScratch {
            let resumed = try resumeShards(shards, load: { ShardResume(input: remaining[$0]!, recorded: nil) }, config: job.model.config,
                                           labels: job.model.labels, jobs: job.options.jobs) { bar.update($0, $1, $2) }
            outcome = ForgetOutcome(model: job.model.replacingShards(resumed.map(\.record)), shardsRetrained: shards,
                                    cost: resumed.reduce(0) { $0 + $1.cost })
        } else {
            let result = try forgetExactly(job.model, ids: Set(job.requestIds), remaining: { remaining[$0]! }, jobs: job.options.jobs) {
                bar.update($0, $1, $2)
            }
            outcome = ForgetOutcome(model: result.model, shardsRetrained: result.shardsRetrained, cost: result.cost)
        }
        bar.finish()
        try job.commit(outcome, data: data)
        return .ok
    }
}
