import Foundation
import ULKernels

/// The arithmetic of factor columns over raw storage. Column k of row i, p the row chosen at step k + 1:
/// e = (q_i q_p k(i, p) − orderedDot(F_p, F_i, k)) / pivot_k, F_i[k] = e, v −= e². `group` computes four columns
/// with their kernel values and dot products interleaved (four independent sums, for the processor's pipelines),
/// each sum keeping `orderedDot`'s lanes and order, so every value equals `single`'s.
struct FactorColumns {
    let factor: UnsafeMutablePointer<Double>
    let x: UnsafePointer<Float>
    let q: UnsafePointer<Double>
    let chosen: UnsafePointer<Int>
    let pivots: UnsafePointer<Double>
    let capacity: Int
    let dimension: Int
    let gamma: Double?

    @inline(__always)
    func single(_ i: Int, _ k: Int, _ v: inout Double) {
        let p = chosen[k], m = capacity, d = dimension
        let kernel: Double
        // Row i is never a chosen row, so the kernel's i == j case (exactly 1) cannot arise here.
        if let g = gamma { kernel = exp(-g * orderedSquaredDistance(x + i * d, x + p * d, d)) } else { kernel = orderedDot(x + i * d, x + p * d, d) }
        let kij = q[i] * q[p] * kernel
        let dot = orderedDot(UnsafePointer(factor + p * m), UnsafePointer(factor + i * m), k)
        let e = (kij - dot) / pivots[k]
        factor[i * m + k] = e
        v -= e * e
    }

    /// Columns k0..<k0 + 4 of row i; k0 is a multiple of 4, so the four dot products share the lanes of
    /// elements 0..<k0 and differ only in their tails.
    @inline(__always)
    func group(_ i: Int, _ k0: Int, _ v: inout Double) {
        let m = capacity, d = dimension
        let p0 = chosen[k0], p1 = chosen[k0 + 1], p2 = chosen[k0 + 2], p3 = chosen[k0 + 3]
        let xi = x + i * d
        var kernels: (Double, Double, Double, Double)
        if let g = gamma {
            let s = squaredDistances4(xi, x + p0 * d, x + p1 * d, x + p2 * d, x + p3 * d, d)
            kernels = (exp(-g * s.0), exp(-g * s.1), exp(-g * s.2), exp(-g * s.3))
        } else {
            kernels = dots4(xi, x + p0 * d, x + p1 * d, x + p2 * d, x + p3 * d, d)
        }
        let fi = factor + i * m
        let f0 = factor + p0 * m, f1 = factor + p1 * m, f2 = factor + p2 * m, f3 = factor + p3 * m
        var (s0, s1, s2, s3) = laneSums4(UnsafePointer(fi), UnsafePointer(f0), UnsafePointer(f1), UnsafePointer(f2), UnsafePointer(f3), k0)
        let qi = q[i]
        var e = (qi * q[p0] * kernels.0 - ((s0[0] + s0[1]) + (s0[2] + s0[3]))) / pivots[k0]
        fi[k0] = e
        v -= e * e
        s1[0] += f1[k0] * fi[k0]
        e = (qi * q[p1] * kernels.1 - ((s1[0] + s1[1]) + (s1[2] + s1[3]))) / pivots[k0 + 1]
        fi[k0 + 1] = e
        v -= e * e
        s2[0] += f2[k0] * fi[k0]
        s2[0] += f2[k0 + 1] * fi[k0 + 1]
        e = (qi * q[p2] * kernels.2 - ((s2[0] + s2[1]) + (s2[2] + s2[3]))) / pivots[k0 + 2]
        fi[k0 + 2] = e
        v -= e * e
        s3[0] += f3[k0] * fi[k0]
        s3[0] += f3[k0 + 1] * fi[k0 + 1]
        s3[0] += f3[k0 + 2] * fi[k0 + 2]
        e = (qi * q[p3] * kernels.3 - ((s3[0] + s3[1]) + (s3[2] + s3[3]))) / pivots[k0 + 3]
        fi[k0 + 3] = e
        v -= e * e
    }
}

/// `orderedDot(b_r, a, n)`'s lane sums before the tail, for n a multiple of 4, four at once (ULKernels, at the
/// CPU's vector width, with the operations and order of SIMD4<Double> code).
@inline(__always)
private func laneSums4(_ a: UnsafePointer<Double>, _ b0: UnsafePointer<Double>, _ b1: UnsafePointer<Double>,
                       _ b2: UnsafePointer<Double>, _ b3: UnsafePointer<Double>, _ n: Int)
    -> (SIMD4<Double>, SIMD4<Double>, SIMD4<Double>, SIMD4<Double>) {
    var out = (SIMD4<Double>(), SIMD4<Double>(), SIMD4<Double>(), SIMD4<Double>())
    withUnsafeMutableBytes(of: &out) { ul_lane_sums4(a, b0, b1, b2, b3, n, $0.baseAddress!.assumingMemoryBound(to: Double.self)) }
    return out
}

/// `orderedSquaredDistance(a, b_r, n)` for four b_r at once, each with its own lanes and order.
@inline(__always)
func squaredDistances4(_ a: UnsafePointer<Float>, _ b0: UnsafePointer<Float>, _ b1: UnsafePointer<Float>,
                               _ b2: UnsafePointer<Float>, _ b3: UnsafePointer<Float>, _ n: Int) -> (Double, Double, Double, Double) {
    var out: (Double, Double, Double, Double) = (0, 0, 0, 0)
    withUnsafeMutableBytes(of: &out) { ul_squared_distances4(a, b0, b1, b2, b3, n, $0.baseAddress!.assumingMemoryBound(to: Double.self)) }
    return out
}

/// `orderedDot(a, b_r, n)` for four b_r at once.
@inline(__always)
private func dots4(_ a: UnsafePointer<Float>, _ b0: UnsafePointer<Float>, _ b1: UnsafePointer<Float>,
                   _ b2: UnsafePointer<Float>, _ b3: UnsafePointer<Float>, _ n: Int) -> (Double, Double, Double, Double) {
    var out: (Double, Double, Double, Double) = (0, 0, 0, 0)
    withUnsafeMutableBytes(of: &out) { ul_dots4(a, b0, b1, b2, b3, n, $0.baseAddress!.assumingMemoryBound(to: Double.self)) }
    return out
}
