import XCTest
@testable import ULCore
import ULTestSupport

/// `LBFGS` arranges its passes so that its dot products do not wait for one another; every iterate must still be
/// the textbook two-loop recursion's, bit for bit (a trained model's bytes depend on them).
final class LBFGSPassesTests: XCTestCase {
    /// The recursion as written in the textbook: one pass per dot product and per update.
    func textbook(_ objective: Objective, from theta: [Double], maxIterations: Int, memory: Int = 10) -> (theta: [Double], iterations: Int) {
        func dot(_ a: [Double], _ b: [Double]) -> Double { var s = 0.0; for i in a.indices { s += a[i] * b[i] }; return s }
        func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }
        func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) { for i in x.indices { y[i] += alpha * x[i] } }
        var x = theta
        var (f, g) = objective.valueAndGradient(x)
        let stop = 1e-7 * max(1, norm(g))
        var s = [[Double]](), y = [[Double]](), rho = [Double]()
        var iter = 0
        var gNew = [Double]()
        while iter < maxIterations, norm(g) > stop {
            var q = g
            var alpha = [Double](repeating: 0, count: s.count)
            for i in stride(from: s.count - 1, through: 0, by: -1) {
                alpha[i] = rho[i] * dot(s[i], q)
                axpy(-alpha[i], y[i], &q)
            }
            let gamma = s.isEmpty ? 1 / max(norm(g), 1e-300) : dot(s[s.count - 1], y[y.count - 1]) / dot(y[y.count - 1], y[y.count - 1])
            for i in q.indices { q[i] *= gamma }
            for i in 0..<s.count {
                let beta = rho[i] * dot(y[i], q)
                axpy(alpha[i] - beta, s[i], &q)
            }
            var direction = q.map { -$0 }
            var slope = dot(g, direction)
            if !(slope < 0) {
                s.removeAll(); y.removeAll(); rho.removeAll()
                let length = max(norm(g), 1e-300)
                direction = g.map { -$0 / length }
                slope = dot(g, direction)
            }
            var step = 1.0, accepted = false
            var xNew = x, fNew = f
            for _ in 0..<40 {
                for i in x.indices { xNew[i] = x[i] + step * direction[i] }
                (fNew, gNew) = objective.valueAndGradient(xNew)
                if fNew <= f + 1e-4 * step * slope { accepted = true; break }
                step *= 0.5
            }
            iter += 1
            guard accepted else { break }
            var si = [Double](repeating: 0, count: x.count), yi = si
            for i in x.indices { si[i] = xNew[i] - x[i]; yi[i] = gNew[i] - g[i] }
            let sy = dot(si, yi)
            x = xNew; g = gNew
            let decrease = f - fNew
            f = fNew
            if sy > 1e-12 * dot(yi, yi) {
                if s.count == memory { s.removeFirst(); y.removeFirst(); rho.removeFirst() }
                s.append(si); y.append(yi); rho.append(1 / sy)
            }
            if decrease <= 1e-15 * max(1, abs(f)) { break }
        }
        return (x, iter)
    }

    /// Softmax regression and an mlp on the digits, from their seeded starts and from a perturbed one, with the
    /// memory full and cycling (more iterations than pairs) and with a short memory; the linear term as ul-train's
    /// perturbation adds it.
    func testIteratesAreTheTextbookRecursions() {
        let data = digitsDataset(scale: 1.0 / 16)
        var g = SeededGenerator(seed: 21)
        for hidden in [[], [12]] {
            let net = DenseNetwork(inputs: 64, hidden: hidden, classes: digitLabels.count)
            let linear = (0..<net.parameterCount).map { _ in 0.01 * g.nextGaussian() }
            for terms in [ObjectiveTerms(l2: 1), ObjectiveTerms(l2: 0.1, linear: linear)] {
                let objective = NetworkObjective(network: net, data: data, terms: terms, chunkRows: 256)
                let start = net.initialParameters(seed: 3, shard: 0)
                for (iterations, memory) in [(30, 10), (25, 3), (1, 10)] {
                    var solver = LBFGS(maxIterations: iterations)
                    solver.memory = memory
                    let ours = solver.minimize(objective, from: start)
                    let reference = textbook(objective, from: start, maxIterations: iterations, memory: memory)
                    XCTAssertEqual(ours.iterations, reference.iterations, "hidden \(hidden) memory \(memory)")
                    XCTAssertEqual(ours.theta.map(\.bitPattern), reference.theta.map(\.bitPattern), "hidden \(hidden) memory \(memory)")
                }
            }
        }
    }
}
