import Foundation

/// When greedy selection stops.
///
/// Why not "a fraction of the rows": m = round(F·N) changes whenever any row is deleted, so deleting a row that
/// was *not* selected would change m and hence the selection. A budget is therefore a row **count** fixed when
/// the shard is first selected: `count(fraction:rows:)` turns `--fraction F` into m = round(F·N₀) for the N₀
/// rows present then, and that m must be recorded (in the model file or beside the data) and passed unchanged
/// to every later re-selection of the shard. With that rule, deleting an unselected row changes nothing, and
/// deleting a selected row makes re-selection pick a replacement so the shard keeps m selected rows.
///
/// `minimumVariance` is an alternative stopping rule that needs nothing recorded: stop as soon as the largest
/// conditional variance among the candidates (σ² included) falls below it. The largest value at a step is that
/// of the row chosen there, so removing an unselected row never moves the stopping step. (With
/// `GreedyRule.randomKey` the rule compares the chosen row's variance, for the same reason.)
public struct SelectionBudget: Equatable, Sendable {
    /// At most this many rows are chosen (fewer if the shard has fewer rows).
    public var count: Int
    /// Stop when the best conditional variance is below this (0: never).
    var minimumVariance: Double

    public init(count: Int, minimumVariance: Double = 0) {
        self.count = count
        self.minimumVariance = minimumVariance
    }

    /// Only the variance rule.
    public static func variance(atLeast v: Double) -> SelectionBudget { SelectionBudget(count: .max, minimumVariance: v) }

    /// m = round(F · N) (half away from zero), at least 1 when F > 0 and N > 0. To be computed once, at the
    /// first selection of a shard, and recorded; see the type's documentation.
    public static func count(fraction: Double, rows: Int) -> Int {
        guard fraction > 0, rows > 0 else { return 0 }
        return min(rows, max(1, Int((fraction * Double(rows)).rounded())))
    }
}
