import Foundation
import ULKernels

/// Adam (Kingma & Ba) on a stochastic gradient; the moments start at zero on every `Adam`. The update is
/// elementwise, so a step can be applied range by range from several threads (`advance`, then `update` on
/// disjoint ranges) with the bits of one pass.
final class Adam: @unchecked Sendable {
    let learningRate: Double
    let beta1 = 0.9
    let beta2 = 0.999
    let epsilon = 1e-8
    private let m: UnsafeMutablePointer<Double>
    private let v: UnsafeMutablePointer<Double>
    let parameterCount: Int
    private var t = 0

    /// The constants of one step: the bias-corrected step size and ε.
    struct Step {
        let size: Double
        let epsilon: Double
    }

    init(parameterCount: Int, learningRate: Double) {
        self.parameterCount = parameterCount
        self.learningRate = learningRate
        m = .allocate(capacity: max(parameterCount, 1))
        m.initialize(repeating: 0, count: max(parameterCount, 1))
        v = .allocate(capacity: max(parameterCount, 1))
        v.initialize(repeating: 0, count: max(parameterCount, 1))
    }

    deinit {
        m.deallocate()
        v.deallocate()
    }

    /// Starts the next step; hand its constants to `update`.
    func advance() -> Step {
        t += 1
        let c1 = 1 - pow(beta1, Double(t)), c2 = 1 - pow(beta2, Double(t))
        return Step(size: learningRate * c2.squareRoot() / c1, epsilon: epsilon * c2.squareRoot())
    }

    /// One whole step on the gradient g.
    func step(_ theta: inout [Double], gradient g: [Double]) {
        precondition(theta.count == parameterCount && g.count == parameterCount)
        let step = advance()
        theta.withUnsafeMutableBufferPointer { th in
            g.withUnsafeBufferPointer { gb in
                let g = gb.baseAddress!
                update(0..<parameterCount, theta: th.baseAddress!, step: step, gradient: { self.load(g, $0) }, scalar: { g[$0] })
            }
        }
    }

    /// Step `step` on the parameters in `range`, following `scale·gᵢ + decay·θᵢ` (the batch mean plus the
    /// L2 term) for the single-precision gradient g; also writes θ rounded to Float32 to `mirror`.
    func update(_ range: Range<Int>, theta: UnsafeMutablePointer<Double>, step: Step, gradient g: UnsafePointer<Float>,
                scale: Double, decay: Double, mirror: UnsafeMutablePointer<Float>) {
        // The same operations as `step`'s, at the CPU's vector width (square roots and divisions dominate).
        ul_adam_update(range.lowerBound, range.upperBound, theta, m, v, g, scale, decay, beta1, beta2, step.size, step.epsilon, mirror)
    }

    private typealias D4 = SIMD4<Double>

    @inline(__always) private func load(_ p: UnsafePointer<Double>, _ i: Int) -> D4 {
        UnsafeRawPointer(p + i).loadUnaligned(as: D4.self)
    }

    @inline(__always) private func store(_ x: D4, _ p: UnsafeMutablePointer<Double>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: x, as: D4.self)
    }

    /// Four parameters at a time through SIMD4 (each lane's operations are the scalar ones, so the bits
    /// are too), the tail one by one. `gradient(i)` gives gᵢ…gᵢ₊₃ (read before θᵢ changes), `scalar(i)` gᵢ.
    @inline(__always)
    private func update(_ range: Range<Int>, theta: UnsafeMutablePointer<Double>, step: Step,
                        gradient: (Int) -> D4, scalar: (Int) -> Double) {
        let a = step.size, eps = step.epsilon
        let b1 = beta1, b2 = beta2, r1 = 1 - beta1, r2 = 1 - beta2
        let m = m, v = v
        var i = range.lowerBound
        while i + 4 <= range.upperBound {
            let gi = gradient(i)
            let mi = D4(repeating: b1) * load(m, i) + D4(repeating: r1) * gi
            let vi = D4(repeating: b2) * load(v, i) + D4(repeating: r2) * gi * gi
            store(mi, m, i)
            store(vi, v, i)
            store(load(theta, i) - D4(repeating: a) * mi / (vi.squareRoot() + D4(repeating: eps)), theta, i)
            i += 4
        }
        while i < range.upperBound {
            let gi = scalar(i)
            m[i] = b1 * m[i] + r1 * gi
            v[i] = b2 * v[i] + r2 * gi * gi
            theta[i] -= a * m[i] / (v[i].squareRoot() + eps)
            i += 1
        }
    }
}
