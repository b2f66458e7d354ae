/// How the greedy engine evaluates candidates; results are identical either way.
enum GreedyEvaluation: Sendable {
    /// Lazy when `GreedyLogDet.lazyIsExact` holds, eager otherwise.
    case automatic
    /// Every candidate of the cell brought up to date at every step (for tests of the fall-back).
    case eager
}
