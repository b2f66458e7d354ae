import Foundation

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

/// `orderedDot(b_r, a, n)`'s lane sums before the tail, for n a multiple of 4, four at once.
@inline(__always)
private func laneSums4(_ a: UnsafePointer<Double>, _ b0: UnsafePointer<Double>, _ b1: UnsafePointer<Double>,
                       _ b2: UnsafePointer<Double>, _ b3: UnsafePointer<Double>, _ n: Int)
    -> (SIMD4<Double>, SIMD4<Double>, SIMD4<Double>, SIMD4<Double>) {
    var s0 = SIMD4<Double>(), s1 = SIMD4<Double>(), s2 = SIMD4<Double>(), s3 = SIMD4<Double>()
    let ra = UnsafeRawPointer(a)
    let r0 = UnsafeRawPointer(b0), r1 = UnsafeRawPointer(b1), r2 = UnsafeRawPointer(b2), r3 = UnsafeRawPointer(b3)
    var k = 0
    while k + 3 < n {
        let o = k * 8
        let va = ra.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
        s0 += r0.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self) * va
        s1 += r1.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self) * va
        s2 += r2.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self) * va
        s3 += r3.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self) * va
        k += 4
    }
    return (s0, s1, s2, s3)
}

/// `orderedSquaredDistance(a, b_r, n)` for four b_r at once, each with its own lanes and order.
@inline(__always)
private func squaredDistances4(_ a: UnsafePointer<Float>, _ b0: UnsafePointer<Float>, _ b1: UnsafePointer<Float>,
                               _ b2: UnsafePointer<Float>, _ b3: UnsafePointer<Float>, _ n: Int) -> (Double, Double, Double, Double) {
    var s0 = SIMD4<Double>(), s1 = SIMD4<Double>(), s2 = SIMD4<Double>(), s3 = SIMD4<Double>()
    var k = 0
    while k + 3 < n {
        let va = widened(a, k)
        let t0 = va - widened(b0, k), t1 = va - widened(b1, k), t2 = va - widened(b2, k), t3 = va - widened(b3, k)
        s0 += t0 * t0
        s1 += t1 * t1
        s2 += t2 * t2
        s3 += t3 * t3
        k += 4
    }
    while k < n {
        let ak = Double(a[k])
        let t0 = ak - Double(b0[k]), t1 = ak - Double(b1[k]), t2 = ak - Double(b2[k]), t3 = ak - Double(b3[k])
        s0[0] += t0 * t0
        s1[0] += t1 * t1
        s2[0] += t2 * t2
        s3[0] += t3 * t3
        k += 1
    }
    return ((s0[0] + s0[1]) + (s0[2] + s0[3]), (s1[0] + s1[1]) + (s1[2] + s1[3]),
            (s2[0] + s2[1]) + (s2[2] + s2[3]), (s3[0] + s3[1]) + (s3[2] + s3[3]))
}

/// `orderedDot(a, b_r, n)` for four b_r at once.
@inline(__always)
private func dots4(_ a: UnsafePointer<Float>, _ b0: UnsafePointer<Float>, _ b1: UnsafePointer<Float>,
                   _ b2: UnsafePointer<Float>, _ b3: UnsafePointer<Float>, _ n: Int) -> (Double, Double, Double, Double) {
    var s0 = SIMD4<Double>(), s1 = SIMD4<Double>(), s2 = SIMD4<Double>(), s3 = SIMD4<Double>()
    var k = 0
    while k + 3 < n {
        let va = widened(a, k)
        s0 += va * widened(b0, k)
        s1 += va * widened(b1, k)
        s2 += va * widened(b2, k)
        s3 += va * widened(b3, k)
        k += 4
    }
    while k < n {
        let ak = Double(a[k])
        s0[0] += ak * Double(b0[k])
        s1[0] += ak * Double(b1[k])
        s2[0] += ak * Double(b2[k])
        s3[0] += ak * Double(b3[k])
        k += 1
    }
    return ((s0[0] + s0[1]) + (s0[2] + s0[3]), (s1[0] + s1[1]) + (s1[2] + s1[3]),
            (s2[0] + s2[1]) + (s2[2] + s2[3]), (s3[0] + s3[1]) + (s3[2] + s3[3]))
}
