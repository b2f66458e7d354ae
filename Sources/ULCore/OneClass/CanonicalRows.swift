import Foundation

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
