import Foundation

/// One shard's selection: per row chosen or not and the 1-based step (0 if not chosen), plus the record.
public struct SelectionOutcome: Equatable, Sendable {
    public var selected: [Bool]
    public var step: [Int]
    public var record: ShardSelection
    /// Steps replayed from the previous order on resumption (entropy and spread).
    var replayedSteps: Int
}
