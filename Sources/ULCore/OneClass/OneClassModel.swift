import Foundation

/// A model of one class's rows alone. Scores of models of different classes, fitted with the same
/// configuration on the same features, are comparable, so the predicted class is the argmax of the scores.
public protocol OneClassModel {
    /// Number of features a row must have.
    var dimension: Int { get }
    /// Score of one row (`x.count == dimension`); larger means more typical of the class.
    func score(_ x: UnsafeBufferPointer<Float>) -> Double
    /// Appends the parameters to a payload.
    func encode(into w: inout ByteWriter)
    /// Reads what `encode(into:)` wrote; throws `ByteReaderError` on a truncated or impossible payload.
    init(from r: inout ByteReader) throws
}

extension OneClassModel {
    /// Scores of every row of a row-major matrix.
    public func scores(features: [Float]) -> [Double] {
        precondition(dimension > 0 && features.count % dimension == 0)
        return features.withUnsafeBufferPointer { p in
            (0..<features.count / dimension).map { i in
                score(UnsafeBufferPointer(rebasing: p[i * dimension..<(i + 1) * dimension]))
            }
        }
    }
}

/// Index of the largest score (first one on ties): the predicted class of a row scored by every class's model.
public func argmaxScore(_ scores: [Double]) -> Int {
    var b = 0
    for i in scores.indices where scores[i] > scores[b] { b = i }
    return b
}

/// Errors of fitting one-class models.
public enum OneClassError: Error, Equatable, CustomStringConvertible {
    /// No rows to fit.
    case noRows
    /// The feature array is not rows × dimension, or the ids do not match the rows.
    case shapeMismatch(String)
    /// A configuration value is out of range.
    case invalidConfig(String)
    /// The checkpoint to continue from does not fit this configuration or these features.
    case incompatibleState(String)
    /// A row id occurs twice.
    case duplicateID(String)
    /// LAPACK reported a failure (info code).
    case lapack(String, Int32)

    public var description: String {
        switch self {
        case .noRows: return "no rows to fit"
        case let .shapeMismatch(why): return "rows do not match their shape: \(why)"
        case let .invalidConfig(why): return "invalid one-class configuration: \(why)"
        case let .incompatibleState(why): return "the checkpoint does not fit this model: \(why)"
        case let .duplicateID(id): return "duplicate id '\(id)'"
        case let .lapack(routine, info): return "LAPACK \(routine) failed (info \(info))"
        }
    }
}

/// Rows as Float64 in a canonical order (sorted by id), so that sums over rows — and therefore the fitted
/// parameters, bit for bit — depend on the set of rows, never on their position in the input.
struct CanonicalRows {
    let n: Int
    let d: Int
    let x: [Double]
    let ids: [String]

    init(features: [Float], dimension: Int, ids: [String]) throws {
        guard dimension > 0, features.count == ids.count * dimension else {
            throw OneClassError.shapeMismatch("\(features.count) feature values for \(ids.count) rows of \(dimension)")
        }
        guard !ids.isEmpty else { throw OneClassError.noRows }
        let perm = ids.indices.sorted { ids[$0] < ids[$1] }
        for k in perm.indices.dropFirst() where ids[perm[k]] == ids[perm[k - 1]] {
            throw OneClassError.duplicateID(ids[perm[k]])
        }
        var x = [Double](repeating: 0, count: features.count)
        for (k, i) in perm.enumerated() {
            for c in 0..<dimension { x[k * dimension + c] = Double(features[i * dimension + c]) }
        }
        n = ids.count
        d = dimension
        self.x = x
        self.ids = perm.map { ids[$0] }
    }
}

extension ByteReader {
    /// A non-negative count no larger than `limit`.
    mutating func count(limit: Int) throws -> Int {
        let v = try int()
        guard v >= 0, v <= limit else { throw ByteReaderError.invalid("count \(v)") }
        return v
    }
    /// An array of exactly `n` doubles.
    mutating func doubles(count n: Int) throws -> [Double] {
        let a = try doubles()
        guard a.count == n else { throw ByteReaderError.invalid("expected \(n) values, found \(a.count)") }
        return a
    }
}
