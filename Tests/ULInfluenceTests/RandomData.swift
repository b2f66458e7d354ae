@testable import ULCore

/// n seeded Gaussian rows of d features in k classes (class c shifted by 1.5 along feature c), ids r0, r1, ….
func randomData(n: Int, d: Int, k: Int, seed: UInt64) -> Dataset {
    var g = SeededGenerator(seed: seed)
    var data = Dataset(featureCount: d)
    for i in 0..<n {
        let c = Int32(i % k)
        let row = (0..<d).map { j in Float(g.nextGaussian() + (j == Int(c) ? 1.5 : 0)) }
        row.withUnsafeBufferPointer { data.append(id: "r\(i)", classIndex: c, features: $0) }
    }
    return data
}
