/// Limited-memory BFGS with a backtracking (Armijo) line search: deterministic, for full-batch convex
/// objectives. The memory starts empty on every call, so a block step's result depends only on its
/// starting parameters and its rows.
struct LBFGS: Sendable {
    var memory: Int = 10
    var maxIterations: Int
    /// Stop when ‖∇J‖ ≤ tolerance · max(1, ‖∇J(θ₀)‖).
    var tolerance: Double = 1e-7

    init(maxIterations: Int) { self.maxIterations = maxIterations }

    /// Minimises `objective` from `theta`; returns the final parameters and the number of iterations run.
    func minimize(_ objective: Objective, from theta: [Double],
                  progress: ((Int) -> Void)? = nil) -> (theta: [Double], iterations: Int) {
        var x = theta
        var (f, g) = objective.valueAndGradient(x)
        let stop = tolerance * max(1, norm(g))
        var s = [[Double]](), y = [[Double]](), rho = [Double]()
        var iter = 0
        var gNew = [Double]()
        while iter < maxIterations, norm(g) > stop {
            // Two-loop recursion for the direction −H·g.
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
            if !(slope < 0) {  // not a descent direction: restart from steepest descent
                s.removeAll(); y.removeAll(); rho.removeAll()
                let length = max(norm(g), 1e-300)  // once, not once per parameter
                direction = g.map { -$0 / length }
                slope = dot(g, direction)
            }
            var step = 1.0
            var accepted = false
            var xNew = x
            var fNew = f
            for _ in 0..<40 {
                for i in x.indices { xNew[i] = x[i] + step * direction[i] }
                (fNew, gNew) = objective.valueAndGradient(xNew)
                if fNew <= f + 1e-4 * step * slope { accepted = true; break }
                step *= 0.5
            }
            iter += 1
            progress?(iter)
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
}
