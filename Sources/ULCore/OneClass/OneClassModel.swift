import Foundation

/// A model of one class's rows alone. Scores of models of different classes, fitted with the same
/// configuration on the same features, are comparable, so the predicted class is the argmax of the scores.
protocol OneClassModel {
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
    func scores(features: [Float]) -> [Double] {
        precondition(dimension > 0 && features.count % dimension == 0)
        return features.withUnsafeBufferPointer { p in
            (0..<features.count / dimension).map { i in
                score(UnsafeBufferPointer(rebasing: p[i * dimension..<(i + 1) * dimension]))
            }
        }
    }
}

/// Index of the largest score (first one on ties): the predicted class of a row scored by every class's model.
func argmaxScore(_ scores: [Double]) -> Int {
    var b = 0
    for i in scores.indices where scores[i] > scores[b] { b = i }
    return b
}
