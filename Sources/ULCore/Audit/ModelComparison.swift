import Foundation

/// Accuracy and distances between a model and a reference (e.g. one retrained without the forgotten rows).
enum ModelComparison {
    /// Share of rows whose predicted class (`ClassProbabilities.argmax`) equals the label; NaN with no rows.
    static func accuracy(_ p: ClassProbabilities, labels: [Int]) throws -> Double {
        try p.validate(labels: labels)
        return try accuracy(predicted: (0..<p.count).map(p.argmax), labels: labels)
    }

    /// Share of positions where `predicted` equals `labels`; NaN when both are empty.
    static func accuracy(predicted: [Int], labels: [Int]) throws -> Double {
        guard predicted.count == labels.count else {
            throw AuditError.lengthMismatch(what: "predicted labels", expected: labels.count, actual: predicted.count)
        }
        return share(zip(predicted, labels).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }, of: labels.count)
    }

    /// Euclidean distance `‖a − b‖₂` between two flat parameter vectors (scaled, so it cannot overflow).
    static func parameterDistance(_ a: [Double], _ b: [Double]) throws -> Double {
        guard a.count == b.count else {
            throw AuditError.lengthMismatch(what: "parameters", expected: a.count, actual: b.count)
        }
        var scale = 0.0
        for i in a.indices { scale = max(scale, abs(a[i] - b[i])) }
        guard scale > 0, scale.isFinite else { return scale }
        var sum = 0.0
        for i in a.indices {
            let d = (a[i] - b[i]) / scale
            sum += d * d
        }
        return scale * sum.squareRoot()
    }

    /// Share of rows on which both models predict the same class; NaN with no rows.
    static func agreement(_ model: ClassProbabilities, _ reference: ClassProbabilities) throws -> Double {
        try checkSameShape(model, reference)
        return share((0..<model.count).reduce(0) { $0 + (model.argmax($1) == reference.argmax($1) ? 1 : 0) },
                     of: model.count)
    }

    /// Mean over rows of `KL(p_ref ‖ p_model) = Σ_c p_ref,c · log(max(p_ref,c, floor) / max(p_model,c, floor))`.
    /// A class with `p_ref,c = 0` contributes 0; probabilities are floored (not renormalised) so a confident
    /// disagreement gives a large finite value, at most about `−log floor` per row, and identical rows give exactly
    /// 0 even where a probability is below the floor. NaN with no rows.
    static func meanKLDivergence(reference: ClassProbabilities, model: ClassProbabilities,
                                        floor: Double = 1e-12) throws -> Double {
        try checkSameShape(model, reference)
        var total = 0.0
        for i in reference.values.indices {
            let p = reference.values[i]
            if p > 0 { total += p * (log(max(p, floor)) - log(max(model.values[i], floor))) }
        }
        return reference.count == 0 ? .nan : total / Double(reference.count)
    }

    private static func checkSameShape(_ a: ClassProbabilities, _ b: ClassProbabilities) throws {
        guard a.classes == b.classes else {
            throw AuditError.lengthMismatch(what: "classes", expected: b.classes, actual: a.classes)
        }
        guard a.count == b.count else {
            throw AuditError.lengthMismatch(what: "rows", expected: b.count, actual: a.count)
        }
    }

    private static func share(_ k: Int, of n: Int) -> Double { n == 0 ? .nan : Double(k) / Double(n) }
}
