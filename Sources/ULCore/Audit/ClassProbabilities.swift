/// Predicted class probabilities of a model for a set of rows, row-major.
///
/// Rows are validated once on construction (finite, non-negative, summing to 1 within `sumTolerance`), so the
/// measurements built on them need no further checks of the values.
public struct ClassProbabilities: Equatable {
    /// How far a row's sum may be from 1 (float32 soft-max outputs are well inside; logits are not).
    static let sumTolerance = 1e-4

    /// Number of classes (columns).
    public let classes: Int
    /// Row-major values, `count * classes` of them.
    public let values: [Double]

    /// Number of rows.
    public var count: Int { values.count / classes }

    /// Rows from a flat row-major array.
    public init(flat values: [Double], classes: Int) throws {
        guard classes > 0, values.count % classes == 0 else {
            throw AuditError.badShape(values: values.count, classes: classes)
        }
        for r in 0..<(values.count / classes) {
            var sum = 0.0
            for v in values[(r * classes)..<((r + 1) * classes)] {
                guard v.isFinite, v >= 0 else { throw AuditError.invalidProbability(row: r, value: v) }
                sum += v
            }
            guard abs(sum - 1) <= Self.sumTolerance else { throw AuditError.rowNotNormalised(row: r, sum: sum) }
        }
        self.classes = classes
        self.values = values
    }

    /// Rows from a flat row-major float32 array.
    public init(flat values: [Float], classes: Int) throws {
        try self.init(flat: values.map(Double.init), classes: classes)
    }

    /// Rows from an array of rows; all rows must have the same length.
    public init(rows: [[Double]]) throws {
        let classes = rows.first?.count ?? 1
        var flat = [Double]()
        flat.reserveCapacity(rows.count * classes)
        for (r, row) in rows.enumerated() {
            guard row.count == classes else {
                throw AuditError.lengthMismatch(what: "row \(r)", expected: classes, actual: row.count)
            }
            flat += row
        }
        try self.init(flat: flat, classes: classes)
    }

    /// The probabilities of row `r`.
    public subscript(r: Int) -> ArraySlice<Double> {
        values[(r * classes)..<((r + 1) * classes)]
    }

    /// The predicted class of row `r`: the largest probability, the lowest index among equals.
    func argmax(_ r: Int) -> Int {
        let base = r * classes
        var best = 0
        for c in 1..<classes where values[base + c] > values[base + best] { best = c }
        return best
    }

    /// Checks that `labels` has one entry per row, each in `0..<classes` or `Dataset.absentClass` (a label the
    /// model does not have: probability 0).
    func validate(labels: [Int]) throws {
        guard labels.count == count else {
            throw AuditError.lengthMismatch(what: "labels", expected: count, actual: labels.count)
        }
        for (r, y) in labels.enumerated() where (y < 0 && y != Int(Dataset.absentClass)) || y >= classes {
            throw AuditError.labelOutOfRange(row: r, label: y, classes: classes)
        }
    }
}
