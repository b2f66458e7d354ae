import XCTest
import ULKernels
@testable import ULCore

/// ULKernels against the plain code they stand for, bit for bit, on every path the CPU has (128, 256, 512 bits), over
/// shapes that reach every tail: the softmax layer's products, and greedy selection's sums.
final class VectorKernelTests: XCTestCase {
    func testProductsEqualThePlainLoopsOnEveryWidth() {
        var g = SeededGenerator(seed: 11)
        let before = ul_kernels_wide()
        defer { _ = ul_kernels_set_wide(before) }
        // k < kp: the padding columns' weights are zero (as the softmax layer pads them); k = kp − 6 leaves ten
        // columns in the last block of sixteen, the packed path (`forward_ten`).
        for (m, d, kp, k) in [(1, 1, 8, 8), (5, 3, 8, 8), (6, 7, 16, 16), (13, 20, 16, 16), (7, 6, 24, 24), (12, 13, 32, 32),
                              (25, 9, 16, 16), (6, 7, 16, 10), (13, 20, 16, 10), (25, 9, 16, 10), (12, 13, 32, 26),
                              (5, 4, 16, 10), (19, 33, 16, 9)] {
            let ldx = d + 3
            let x = (0..<m * ldx).map { _ in Float(g.nextGaussian()) }
            let w = (0..<d * kp).map { $0 % kp < k ? Float(g.nextGaussian()) : 0 }
            let z0 = (0..<m * kp).map { _ in Float(g.nextGaussian()) }
            var zRef = z0
            for i in 0..<m { for c in 0..<kp { for j in 0..<d { zRef[i * kp + c] += x[i * ldx + j] * w[j * kp + c] } } }
            for wide in 0...before {
                _ = ul_kernels_set_wide(Int32(wide))
                var z = z0
                withRowPointers(x, rows: m, stride: ldx) { ul_narrow_forward(m, d, k, kp, $0, w, &z) }
                XCTAssertEqual(z.map(\.bitPattern), zRef.map(\.bitPattern), "forward m \(m) d \(d) k \(k) kp \(kp) wide \(wide)")
                // Rows anywhere (a shuffled chunk read in place): row i read from where the pointer says.
                let order = (0..<m).reversed().map { $0 }
                var zShuffled = z0
                withRowPointers(x, rows: m, stride: ldx, order: order) { ul_narrow_forward(m, d, k, kp, $0, w, &zShuffled) }
                var zShuffledRef = z0
                for i in 0..<m { for c in 0..<kp { for j in 0..<d { zShuffledRef[i * kp + c] += x[order[i] * ldx + j] * w[j * kp + c] } } }
                XCTAssertEqual(zShuffled.map(\.bitPattern), zShuffledRef.map(\.bitPattern), "shuffled forward m \(m) d \(d) wide \(wide)")
            }
        }
        // The gradient takes any column count (blocks of 12, 10, 8, 4, 2, 1), features in groups of 16 and 8 on the
        // 512-bit path, rows in blocks of 32, and strides wider than the columns, whose gaps it must leave alone.
        for (m, d) in [(1, 1), (5, 3), (6, 8), (33, 20), (70, 17), (64, 9), (40, 25), (35, 48)] {
            for k in [1, 2, 3, 4, 5, 8, 10, 11, 12, 13, 22, 25] {
                let ldx = d + 3, lde = k + 1, ldg = k + 2
                let x = (0..<m * ldx).map { _ in Float(g.nextGaussian()) }
                let e = (0..<m * lde).map { _ in Float(g.nextGaussian()) }
                let g0 = (0..<d * ldg).map { _ in Float(g.nextGaussian()) }
                var gRef = g0
                for j in 0..<d { for c in 0..<k { for i in 0..<m { gRef[j * ldg + c] += x[i * ldx + j] * e[i * lde + c] } } }
                for wide in 0...before {
                    _ = ul_kernels_set_wide(Int32(wide))
                    var gr = g0
                    withRowPointers(x, rows: m, stride: ldx) { ul_narrow_gradient(m, d, k, $0, e, lde, &gr, ldg) }
                    XCTAssertEqual(gr.map(\.bitPattern), gRef.map(\.bitPattern), "gradient m \(m) d \(d) k \(k) wide \(wide)")
                }
            }
        }
    }

    /// The curvature's products of single-precision rows and double-precision parameters: z = x̃θ (bias first,
    /// then the features in order) and g = x̃ᵀs (rows in order from 0), x̃ the rows as they are or standardised in
    /// Float, against the plain loops, bit for bit, on every width: columns in blocks of sixteen with every tail,
    /// rows in groups of four and eight with every tail, read through row pointers in any order.
    func testRowProductsInDoubleEqualThePlainLoopsOnEveryWidth() {
        var g = SeededGenerator(seed: 13)
        let before = ul_kernels_wide()
        defer { _ = ul_kernels_set_wide(before) }
        for (m, d) in [(0, 3), (1, 1), (3, 5), (4, 7), (5, 2), (8, 9), (9, 16), (17, 33), (30, 64)] {
            for k in [1, 2, 3, 8, 9, 10, 15, 16, 17, 25, 26, 33] {
                let x = (0..<m * d).map { _ in Float(g.nextGaussian()) }
                let order = (0..<m).reversed().map { $0 }
                let mean = (0..<d).map { _ in Float(g.nextGaussian()) }, factor = (0..<d).map { _ in Float(1 + abs(g.nextGaussian())) }
                let theta = (0..<(d + 1) * k).map { _ in g.nextGaussian() }
                let s = (0..<m * k).map { _ in g.nextGaussian() }
                for standardised in [false, true] {
                    func xt(_ i: Int, _ j: Int) -> Double {
                        let v = x[order[i] * d + j]
                        return standardised ? Double((v - mean[j]) * factor[j]) : Double(v)
                    }
                    var zRef = [Double](repeating: 0, count: m * k)
                    for i in 0..<m {
                        for c in 0..<k {
                            var v = theta[d * k + c]
                            for j in 0..<d { v += xt(i, j) * theta[j * k + c] }
                            zRef[i * k + c] = v
                        }
                    }
                    var gRef = [Double](repeating: 0, count: (d + 1) * k)
                    for c in 0..<k {
                        for j in 0...d {
                            var v = 0.0
                            for i in 0..<m { v += (j == d ? 1 : xt(i, j)) * s[i * k + c] }
                            gRef[j * k + c] = v
                        }
                    }
                    for wide in 0...before {
                        _ = ul_kernels_set_wide(Int32(wide))
                        var z = [Double](repeating: .nan, count: m * k), gr = [Double](repeating: .nan, count: (d + 1) * k)
                        withRowPointers(x, rows: m, stride: d, order: order) { rows in
                            mean.withUnsafeBufferPointer { mp in
                                factor.withUnsafeBufferPointer { fp in
                                    let mean = standardised ? mp.baseAddress : nil, factor = standardised ? fp.baseAddress : nil
                                    ul_rows_product(m, d, k, rows, mean, factor, theta, &z)
                                    ul_rows_transposed_product(m, d, k, rows, mean, factor, s, &gr)
                                }
                            }
                        }
                        let what = "m \(m) d \(d) k \(k) standardised \(standardised) wide \(wide)"
                        XCTAssertEqual(z.map(\.bitPattern), zRef.map(\.bitPattern), "product " + what)
                        XCTAssertEqual(gr.map(\.bitPattern), gRef.map(\.bitPattern), "transposed " + what)
                    }
                }
            }
        }
    }

    func testSelectionSumsEqualTheOrderedSumsOnEveryWidth() {
        var g = SeededGenerator(seed: 12)
        let before = ul_kernels_wide()
        defer { _ = ul_kernels_set_wide(before) }
        for n in [0, 1, 3, 4, 7, 8, 13, 64, 785] {
            let f = (0..<5).map { _ in (0..<n).map { _ in Float(g.nextGaussian()) } }
            let dd = (0..<5).map { _ in (0..<n).map { _ in g.nextGaussian() } }
            let n4 = n & ~3
            for wide in 0...before {
                _ = ul_kernels_set_wide(Int32(wide))
                var distances = [Double](repeating: 0, count: 4), dots = distances, lanes = [Double](repeating: 0, count: 16)
                ul_squared_distances4(f[0], f[1], f[2], f[3], f[4], n, &distances)
                ul_dots4(f[0], f[1], f[2], f[3], f[4], n, &dots)
                ul_lane_sums4(dd[0], dd[1], dd[2], dd[3], dd[4], n4, &lanes)
                for r in 0..<4 {
                    let expectedDistance = orderedSquaredDistance(f[0], f[r + 1], n)
                    let expectedDot = orderedDot(f[0], f[r + 1], n)
                    XCTAssertEqual(distances[r].bitPattern, expectedDistance.bitPattern, "n \(n) r \(r) wide \(wide)")
                    XCTAssertEqual(dots[r].bitPattern, expectedDot.bitPattern, "n \(n) r \(r) wide \(wide)")
                    // The lanes reduce as orderedDot does when there is no tail.
                    let l = lanes[4 * r..<4 * r + 4].map { $0 }
                    XCTAssertEqual(((l[0] + l[1]) + (l[2] + l[3])).bitPattern, orderedDot(dd[r + 1], dd[0], n4).bitPattern, "n \(n) r \(r) wide \(wide)")
                }
            }
        }
    }

    /// Calls `body` with pointers to rows `order[i]` (default: 0, 1, …) of `x`, rows `stride` apart.
    private func withRowPointers(_ x: [Float], rows m: Int, stride: Int, order: [Int]? = nil,
                                 _ body: (UnsafePointer<UnsafePointer<Float>?>) -> Void) {
        x.withUnsafeBufferPointer { xb in
            // No rows: one unused pointer, so the list has an address.
            let pointers: [UnsafePointer<Float>?] = m == 0 ? [nil] : (0..<m).map { xb.baseAddress! + (order?[$0] ?? $0) * stride }
            pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
        }
    }
}
