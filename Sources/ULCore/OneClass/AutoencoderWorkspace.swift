import CBLAS
import Foundation

/// Buffers of one batch: inputs X, pre-activations A, hidden outputs H, residuals R = X̂ − X and ∂ℓ/∂A.
final class AutoencoderWorkspace {
    let d: Int, h: Int, capacity: Int
    let x: UnsafeMutablePointer<Double>
    let a: UnsafeMutablePointer<Double>
    let hid: UnsafeMutablePointer<Double>
    let r: UnsafeMutablePointer<Double>
    let da: UnsafeMutablePointer<Double>

    init(dimension: Int, hidden: Int, capacity: Int) {
        d = dimension
        h = hidden
        self.capacity = capacity
        x = .allocate(capacity: capacity * dimension)
        r = .allocate(capacity: capacity * dimension)
        a = .allocate(capacity: capacity * hidden)
        hid = .allocate(capacity: capacity * hidden)
        da = .allocate(capacity: capacity * hidden)
    }

    deinit {
        for p in [x, a, hid, r, da] { p.deallocate() }
    }

    /// Copies the listed rows of `features` into X, as Double.
    func load<C: Collection>(_ features: [Float], rows: C) where C.Element == Int {
        precondition(rows.count <= capacity)
        features.withUnsafeBufferPointer { f in
            for (i, row) in rows.enumerated() {
                for j in 0..<d { x[i * d + j] = Double(f[row * d + j]) }
            }
        }
    }

    /// Forward pass over the first `m` rows of X: returns Σ ½‖x̂ − x‖²; with `rowErrors`, each row's ‖x̂ − x‖²;
    /// with `gradient`, the gradient of the sum (θ's layout), overwritten.
    func pass(_ theta: UnsafePointer<Double>, m: Int, gradient: UnsafeMutablePointer<Double>?,
              rowErrors: UnsafeMutablePointer<Double>? = nil) -> Double {
        let w1 = theta, b1 = theta + d * h, w2 = theta + (d + 1) * h, b2 = w2 + h * d
        for i in 0..<m { (a + i * h).update(from: b1, count: h) }
        dgemm(false, false, m, h, d, x, d, w1, h, 1, a, h)
        for i in 0..<m * h { hid[i] = tanh(a[i]) }
        for i in 0..<m { (r + i * d).update(from: b2, count: d) }
        dgemm(false, false, m, d, h, hid, h, w2, d, 1, r, d)
        var value = 0.0
        for i in 0..<m {
            var s = 0.0
            for j in 0..<d {
                let e = r[i * d + j] - x[i * d + j]
                r[i * d + j] = e
                s += e * e
            }
            rowErrors?[i] = s
            value += s / 2
        }
        guard let g = gradient else { return value }
        let gw1 = g, gb1 = g + d * h, gw2 = g + (d + 1) * h, gb2 = gw2 + h * d
        // ∂/∂W₂ = Hᵀ R, ∂/∂b₂ = Σ R; ∂ℓ/∂A = (R W₂ᵀ) ⊙ (1 − H²); ∂/∂W₁ = Xᵀ ∂A, ∂/∂b₁ = Σ ∂A.
        dgemm(true, false, h, d, m, hid, h, r, d, 0, gw2, d)
        columnSums(r, rows: m, columns: d, into: gb2)
        dgemm(false, true, m, h, d, r, d, w2, d, 0, da, h)
        for i in 0..<m * h { da[i] *= 1 - hid[i] * hid[i] }
        dgemm(true, false, d, h, m, x, d, da, h, 0, gw1, h)
        columnSums(da, rows: m, columns: h, into: gb1)
        return value
    }

    private func columnSums(_ p: UnsafePointer<Double>, rows: Int, columns n: Int, into out: UnsafeMutablePointer<Double>) {
        for j in 0..<n { out[j] = 0 }
        for i in 0..<rows { for j in 0..<n { out[j] += p[i * n + j] } }
    }
}
