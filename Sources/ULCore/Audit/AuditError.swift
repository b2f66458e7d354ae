/// Errors of the audit measurements; every case names the offending input.
enum AuditError: Error, Equatable, CustomStringConvertible {
    /// An ROC needs at least one member and one non-member score.
    case noScores(members: Int, nonMembers: Int)
    /// A score is NaN or infinite (`what` names the input, `index` the position).
    case nonFiniteScore(what: String, index: Int, value: Double)
    /// A label lies outside `0..<classes`.
    case labelOutOfRange(row: Int, label: Int, classes: Int)
    /// A probability is negative or not finite.
    case invalidProbability(row: Int, value: Double)
    /// A probability row does not sum to 1 (within `ClassProbabilities.sumTolerance`).
    case rowNotNormalised(row: Int, sum: Double)
    /// A flat probability array is not a whole number of rows, or there are no classes.
    case badShape(values: Int, classes: Int)
    /// Two inputs that must have the same length do not.
    case lengthMismatch(what: String, expected: Int, actual: Int)
    /// An example has too few shadow-model scores for the chosen variance estimate.
    case tooFewShadowScores(example: Int, count: Int, needed: Int)

    var description: String {
        switch self {
        case let .noScores(m, n):
            return "an attack needs member and non-member scores (got \(m) members, \(n) non-members)"
        case let .nonFiniteScore(what, i, v):
            return "\(what) score \(i) is not finite (\(v))"
        case let .labelOutOfRange(r, l, c):
            return "row \(r): label \(l) is outside 0..<\(c)"
        case let .invalidProbability(r, v):
            return "row \(r): probability \(v) is negative or not finite"
        case let .rowNotNormalised(r, s):
            return "row \(r): probabilities sum to \(s), not 1"
        case let .badShape(v, c):
            return "\(v) values do not form rows of \(c) classes"
        case let .lengthMismatch(what, e, a):
            return "\(what): expected \(e) entries, got \(a)"
        case let .tooFewShadowScores(i, c, n):
            return "example \(i) has \(c) shadow scores, needs at least \(n)"
        }
    }
}
