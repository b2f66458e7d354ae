import Foundation

/// One progress bar for several shards working on several threads: the mean of their fractions done.
public final class ShardProgress: @unchecked Sendable {
    private let bar: Progress
    private let lock = NSLock()
    private var fractions: [Double]

    public init(_ bar: Progress, shards: Int) {
        self.bar = bar
        fractions = [Double](repeating: 0, count: max(shards, 1))
    }

    /// Shard at position `shard` has done `done` of `total` units.
    public func update(_ shard: Int, _ done: Int, _ total: Int) {
        lock.lock()
        defer { lock.unlock() }
        fractions[shard] = total > 0 ? Double(done) / Double(total) : 1
        bar.update(Int(1000 * fractions.reduce(0, +) / Double(fractions.count)))
    }

    public func finish() { bar.finish() }
}
