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
        t += 1
        let c1 = 1 - pow(beta1, Double(t)), c2 = 1 - pow(beta2, Double(t))
        let a = learningRate * c2.squareRoot() / c1
        let eps = epsilon * c2.squareRoot()
        for i in theta.indices {
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            theta[i] -= a * m[i] / (v[i].squareRoot() + eps)
        }
    }
}
