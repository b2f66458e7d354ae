import Foundation

/// Adam (Kingma & Ba) on a stochastic gradient; the moments start at zero on every `Adam` value.
struct Adam: Sendable {
    var learningRate: Double
    var beta1 = 0.9
    var beta2 = 0.999
    var epsilon = 1e-8
    private var m: [Double]
    private var v: [Double]
    private var t = 0

    init(parameterCount: Int, learningRate: Double) {
        self.learningRate = learningRate
        m = [Double](repeating: 0, count: parameterCount)
        v = m
    }

    mutating func step(_ theta: inout [Double], gradient g: [Double]) {
        precondition(theta.count == m.count && g.count == m.count)
        theta.withUnsafeMutableBufferPointer { th in
            g.withUnsafeBufferPointer { step(th.baseAddress!, gradient: $0.baseAddress!, scaled: nil, mirror: nil) }
        }
    }

    /// One step on the gradient gᵢ, or with `scaled`, on `scale·gᵢ + decay·θᵢ` (the batch mean plus the L2
    /// term) computed in the same pass; with `mirror`, also writes θ rounded to Float32 there. The arithmetic is
    /// that of scaling g first and then stepping, so trained models keep their bits.
    mutating func step(_ theta: UnsafeMutablePointer<Double>, gradient g: UnsafePointer<Double>,
                       scaled: (scale: Double, decay: Double)?, mirror: UnsafeMutablePointer<Float>?) {
        t += 1
        let c1 = 1 - pow(beta1, Double(t)), c2 = 1 - pow(beta2, Double(t))
        let a = learningRate * c2.squareRoot() / c1
        let eps = epsilon * c2.squareRoot()
        let b1 = beta1, b2 = beta2, r1 = 1 - beta1, r2 = 1 - beta2
        let n = m.count
        m.withUnsafeMutableBufferPointer { mb in
            v.withUnsafeMutableBufferPointer { vb in
                let m = mb.baseAddress!, v = vb.baseAddress!
                @inline(__always) func update(_ i: Int, _ gi: Double) {
                    m[i] = b1 * m[i] + r1 * gi
                    v[i] = b2 * v[i] + r2 * gi * gi
                    theta[i] -= a * m[i] / (v[i].squareRoot() + eps)
                }
                if let (scale, decay) = scaled {
                    for i in 0..<n { update(i, g[i] * scale + decay * theta[i]) }
                } else {
                    for i in 0..<n { update(i, g[i]) }
                }
                if let f = mirror { for i in 0..<n { f[i] = Float(theta[i]) } }
            }
        }
    }
}
