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
                // Four lanes at a time through SIMD4 (each lane's operations are the scalar ones, so the
                // bits are too), the tail one by one.
                typealias D4 = SIMD4<Double>
                @inline(__always) func load(_ p: UnsafePointer<Double>, _ i: Int) -> D4 {
                    UnsafeRawPointer(p + i).loadUnaligned(as: D4.self)
                }
                @inline(__always) func store(_ x: D4, _ p: UnsafeMutablePointer<Double>, _ i: Int) {
                    UnsafeMutableRawPointer(p + i).storeBytes(of: x, as: D4.self)
                }
                @inline(__always) func update4(_ i: Int, _ gi: D4) {
                    let mi = D4(repeating: b1) * load(m, i) + D4(repeating: r1) * gi
                    let vi = D4(repeating: b2) * load(v, i) + D4(repeating: r2) * gi * gi
                    store(mi, m, i)
                    store(vi, v, i)
                    store(load(theta, i) - D4(repeating: a) * mi / (vi.squareRoot() + D4(repeating: eps)), theta, i)
                }
                @inline(__always) func update(_ i: Int, _ gi: Double) {
                    m[i] = b1 * m[i] + r1 * gi
                    v[i] = b2 * v[i] + r2 * gi * gi
                    theta[i] -= a * m[i] / (v[i].squareRoot() + eps)
                }
                let n4 = n & ~3
                if let (scale, decay) = scaled {
                    for i in stride(from: 0, to: n4, by: 4) {
                        update4(i, load(g, i) * D4(repeating: scale) + D4(repeating: decay) * load(theta, i))
                    }
                    for i in n4..<n { update(i, g[i] * scale + decay * theta[i]) }
                } else {
                    for i in stride(from: 0, to: n4, by: 4) { update4(i, load(g, i)) }
                    for i in n4..<n { update(i, g[i]) }
                }
                if let f = mirror { for i in 0..<n { f[i] = Float(theta[i]) } }
            }
        }
    }
}
