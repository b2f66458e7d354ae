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
        ul_adam_step(parameterCount, &theta, m, v, g, beta1, beta2, step.size, step.epsilon)
    }

    /// Step `step` on the parameters in `range`, following `scale·gᵢ + decay·θᵢ` (the batch mean plus the
    /// L2 term) for the single-precision gradient g; also writes θ rounded to Float32 to `mirror`. Ranges may
    /// be stepped from different threads.
    func update(_ range: Range<Int>, theta: UnsafeMutablePointer<Double>, step: Step, gradient g: UnsafePointer<Float>,
                scale: Double, decay: Double, mirror: UnsafeMutablePointer<Float>) {
        ul_adam_update(range.lowerBound, range.upperBound, theta, m, v, g, scale, decay, beta1, beta2, step.size, step.epsilon, mirror)
    }
}
