import Dispatch
import Foundation

/// The most rows a shard may have for coverage and herding selection: its N × N kernel of Floats stays within
/// 4 GiB.
public let kernelMatrixRowLimit = 32_768

/// k(xᵢ, x_j) = exp(−γ‖xᵢ − x_j‖²) for every pair, N × N row-major (symmetric, 1 on the diagonal), rounded to
/// Float. Distances in `orderedSquaredDistance`'s order, so each value depends on its two rows alone; rows are
/// split in fixed stripes over the cores, which changes no value.
func rbfKernelMatrix(_ x: [Float], dimension d: Int, rows n: Int, gamma: Double) -> [Float] {
    var k = [Float](repeating: 0, count: n * n)
    let stripes = (n + 63) / 64
    x.withUnsafeBufferPointer { xb in
        k.withUnsafeMutableBufferPointer { kb in
            let x = xb.baseAddress!, out = kb.baseAddress!
            DispatchQueue.concurrentPerform(iterations: stripes) { stripe in
                for i in (stripe * 64)..<min(n, stripe * 64 + 64) {
                    out[i * n + i] = 1
                    var j = i + 1
                    while j + 3 < n {
                        let s = squaredDistances4(x + i * d, x + j * d, x + (j + 1) * d, x + (j + 2) * d, x + (j + 3) * d, d)
                        let v = (Float(exp(-gamma * s.0)), Float(exp(-gamma * s.1)), Float(exp(-gamma * s.2)), Float(exp(-gamma * s.3)))
                        (out[i * n + j], out[i * n + j + 1], out[i * n + j + 2], out[i * n + j + 3]) = v
                        out[j * n + i] = v.0
                        out[(j + 1) * n + i] = v.1
                        out[(j + 2) * n + i] = v.2
                        out[(j + 3) * n + i] = v.3
                        j += 4
                    }
                    while j < n {
                        let v = Float(exp(-gamma * orderedSquaredDistance(x + i * d, x + j * d, d)))
                        out[i * n + j] = v
                        out[j * n + i] = v
                        j += 1
                    }
                }
            }
        }
    }
    return k
}
