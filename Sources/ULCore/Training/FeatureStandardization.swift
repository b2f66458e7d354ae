import Foundation

/// Per-feature affine map x' = (x − mean) · factor, computed from one shard's own rows.
public struct FeatureStandardization: Equatable, Sendable {
    public var mean: [Float]
    /// 1/standard deviation (1 for a constant feature).
    public var factor: [Float]

    /// Statistics of all rows of `data` (accumulated in Double, in row order of the canonical block order).
    public init(of data: Dataset, rows: [Int]) {
        let d = data.featureCount
        var sum = [Double](repeating: 0, count: d), sq = sum
        for r in rows {
            for j in 0..<d {
                let x = Double(data.features[r * d + j])
                sum[j] += x
                sq[j] += x * x
            }
        }
        let n = Double(max(rows.count, 1))
        mean = sum.map { Float($0 / n) }
        factor = (0..<d).map { j in
            let v = max(sq[j] / n - (sum[j] / n) * (sum[j] / n), 0)
            return v > 1e-12 ? Float(1 / v.squareRoot()) : 1
        }
    }

    public init(mean: [Float], factor: [Float]) {
        self.mean = mean
        self.factor = factor
    }

    public func apply(_ x: UnsafeMutablePointer<Float>, rows m: Int) {
        let d = mean.count
        for i in 0..<m { for j in 0..<d { x[i * d + j] = (x[i * d + j] - mean[j]) * factor[j] } }
    }
}
