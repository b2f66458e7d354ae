/// One shard for the resume engine: its current rows, and what the model recorded for it.
public struct ShardResume: Sendable {
    public var input: ShardInput
    /// The shard's record in the model being continued; nil when there is none (training from scratch) or
    /// when its checkpoints cannot be trusted (an approximately unlearned shard): then every step runs.
    public var recorded: ShardRecord?

    public init(input: ShardInput, recorded: ShardRecord?) {
        self.input = input
        self.recorded = recorded
    }
}
