/// Typed failures of training.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// A row's block is outside 0..<blockCount.
    case blockOutOfRange(id: String, block: Int, blocks: Int)
    /// Resuming needs the checkpoints of steps 1..<fromStep.
    case badResume(String)
    /// A one-class model kind met a shard holding more than one label (the row is the first of another label).
    case mixedClassShard(shard: Int, id: String)
    /// Fitting a one-class model failed (a LAPACK error).
    case fitFailed(shard: Int, String)

    public var description: String {
        switch self {
        case let .blockOutOfRange(id, b, n): return "row \(quotedForMessage(id)): block \(b) is outside 0..\(n - 1)"
        case let .badResume(why): return "cannot resume training: \(why)"
        case let .fitFailed(s, why): return "shard \(s): fitting the model failed: \(why)"
        case let .mixedClassShard(s, id):
            return "shard \(s) holds more than one label (row \(quotedForMessage(id))); one-class models need class shards (ul-partition --by class)"
        }
    }
}
