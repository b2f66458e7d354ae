/// Work counts of one greedy selection (for measurements; no output shows them).
struct GreedyWork: Equatable, Sendable {
    /// Times a row was brought up to date.
    var refreshes = 0
    /// Factor columns computed, each one kernel evaluation and one dot product.
    var columns = 0
    /// Times a row stopped part way behind another.
    var stops = 0
}
