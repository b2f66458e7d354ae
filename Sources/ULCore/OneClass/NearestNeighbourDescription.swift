import Foundation

/// Nearest-neighbour data description of one class: score(x) = −(mean Euclidean distance from x to its k
/// nearest training rows of the class). Distances are in the same feature space for every class, so scores are
/// comparable across classes without calibration. The training rows are the parameters; keeping only a
/// selected subset of the class keeps the model small.
struct NearestNeighbourDescription: OneClassModel, Equatable {
    let dimension: Int
    /// k (at most the number of rows).
    let neighbours: Int
    /// Training rows in canonical (id) order, row-major.
    let rows: [Float]

    /// Stores the class's rows (default k = 5).
    static func fit(features: [Float], dimension: Int, ids: [String],
                           neighbours: Int = 5) throws -> NearestNeighbourDescription {
        guard neighbours >= 1 else { throw OneClassError.invalidConfig("neighbours must be ≥ 1") }
        let c = try CanonicalRows(features: features, dimension: dimension, ids: ids)
        return NearestNeighbourDescription(dimension: dimension, neighbours: min(neighbours, c.n), rows: c.x.map(Float.init))
    }

    init(dimension: Int, neighbours: Int, rows: [Float]) {
        self.dimension = dimension
        self.neighbours = neighbours
        self.rows = rows
    }

    func score(_ x: UnsafeBufferPointer<Float>) -> Double {
        let d = dimension, n = rows.count / d
        // The k smallest squared distances, kept sorted (k is small).
        var best = [Double](repeating: .infinity, count: neighbours)
        rows.withUnsafeBufferPointer { p in
            for i in 0..<n {
                let s = Double(squaredDistance(x.baseAddress!, p.baseAddress! + i * d, d))
                if s < best[neighbours - 1] {
                    var j = neighbours - 1
                    while j > 0 && best[j - 1] > s { best[j] = best[j - 1]; j -= 1 }
                    best[j] = s
                }
            }
        }
        return -best.reduce(0) { $0 + $1.squareRoot() } / Double(neighbours)
    }

    func encode(into w: inout ByteWriter) {
        w.int(dimension)
        w.int(neighbours)
        w.floats(rows)
    }

    init(from r: inout ByteReader) throws {
        dimension = try r.count(limit: 1 << 24)
        neighbours = try r.count(limit: Int.max)
        rows = try r.floats()
        guard dimension > 0, neighbours >= 1, rows.count % dimension == 0, rows.count / dimension >= neighbours else {
            throw ByteReaderError.invalid("nearest-neighbour shape")
        }
    }
}

/// ‖a − b‖² in eight Float lanes, then the lane sums: a fixed order for every pair wherever the rows lie, so a
/// row's score does not depend on its neighbours in memory. Scoring every test row against every kept row is
/// the whole cost of prediction (10,000 × 60,000 × 784 on Fashion-MNIST).
@inline(__always)
func squaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var s = SIMD8<Float>()
    var k = 0
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    while k + 7 < n {
        let t = ra.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<Float>.self) - rb.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<Float>.self)
        s += t * t
        k += 8
    }
    var tail: Float = 0
    while k < n { let t = a[k] - b[k]; tail += t * t; k += 1 }
    return s.sum() + tail
}
