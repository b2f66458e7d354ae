/// Limited-memory BFGS with a backtracking (Armijo) line search: deterministic, for full-batch convex
/// objectives. The memory starts empty on every call, so a block step's result depends only on its
/// starting parameters and its rows.
///
/// Every dot product is a sum in index order, so each is a chain of dependent additions that no vector unit
/// shortens; the passes over the parameters are arranged so that the chains do not wait for one another (see
/// `CurvaturePairs`): each update of the search direction is followed in the same pass by the dot product that
/// needs it, independent dot products share a pass, and sᵀy and yᵀy of a pair are kept rather than formed
/// again for the scaling γ. The arithmetic, and so every iterate, is that of the textbook recursion.
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
        var gNorm = norm(g)
        let stop = tolerance * max(1, gNorm)
        var pairs = CurvaturePairs()
        var iter = 0
        var gNew = [Double]()
        while iter < maxIterations, gNorm > stop {
            // Two-loop recursion for the direction −H·g.
            var (direction, slope) = pairs.searchDirection(g, gNorm: gNorm)
            if !(slope < 0) {  // not a descent direction: restart from steepest descent
                pairs.removeAll()
                let length = max(gNorm, 1e-300)  // once, not once per parameter
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
            let pair = CurvaturePairs.Pair(x: x, xNew: xNew, g: g, gNew: gNew)
            x = xNew; g = gNew
            gNorm = pair.gNewNorm
            let decrease = f - fNew
            f = fNew
            if pair.sy > 1e-12 * pair.yy { pairs.append(pair, memory: memory) }
            if decrease <= 1e-15 * max(1, abs(f)) { break }
        }
        return (x, iter)
    }
}

/// L-BFGS's memory: the last pairs s = x₊ − x, y = g₊ − g, with ρ = 1/sᵀy, sᵀy and yᵀy.
private struct CurvaturePairs {
    struct Pair {
        var s: [Double], y: [Double]
        var sy: Double, yy: Double
        /// ‖g₊‖, formed in the same pass (the next iteration's stopping test).
        var gNewNorm: Double

        /// s, y, sᵀy, yᵀy and ‖g₊‖ in one pass: three independent sums in index order.
        init(x: [Double], xNew: [Double], g: [Double], gNew: [Double]) {
            let n = x.count
            var s = [Double](repeating: 0, count: n), y = s
            var sy = 0.0, yy = 0.0, gg = 0.0
            for i in 0..<n {
                s[i] = xNew[i] - x[i]
                y[i] = gNew[i] - g[i]
                sy += s[i] * y[i]
                yy += y[i] * y[i]
                gg += gNew[i] * gNew[i]
            }
            (self.s, self.y, self.sy, self.yy, gNewNorm) = (s, y, sy, yy, gg.squareRoot())
        }
    }

    private var pairs = [Pair]()
    private var rho = [Double]()

    mutating func append(_ pair: Pair, memory: Int) {
        if pairs.count == memory { pairs.removeFirst(); rho.removeFirst() }
        pairs.append(pair)
        rho.append(1 / pair.sy)
    }

    mutating func removeAll() {
        pairs.removeAll()
        rho.removeAll()
    }

    /// The direction −H·g of the two-loop recursion and its slope gᵀd. Loop one: αᵢ = ρᵢ sᵢᵀq, q −= αᵢyᵢ from
    /// the newest pair; then q *= γ = sᵀy/yᵀy of the newest pair (1/‖g‖ without pairs); loop two: βᵢ = ρᵢ yᵢᵀq,
    /// q += (αᵢ − βᵢ)sᵢ from the oldest. Each pass updates q and forms the next dot product with the updated value.
    func searchDirection(_ g: [Double], gNorm: Double) -> (direction: [Double], slope: Double) {
        let m = pairs.count, n = g.count
        var q = g
        var alpha = [Double](repeating: 0, count: m), beta = alpha
        let gamma = m == 0 ? 1 / max(gNorm, 1e-300) : pairs[m - 1].sy / pairs[m - 1].yy
        var slope = 0.0
        var direction = [Double](repeating: 0, count: n)
        q.withUnsafeMutableBufferPointer { q in
            let q = q.baseAddress!
            if m > 0 {
                alpha[m - 1] = rho[m - 1] * pairs[m - 1].s.withUnsafeBufferPointer { dot(q, $0.baseAddress!, n) }
                for i in stride(from: m - 2, through: 0, by: -1) {
                    let a = -alpha[i + 1]
                    alpha[i] = rho[i] * pairs[i + 1].y.withUnsafeBufferPointer { y in
                        pairs[i].s.withUnsafeBufferPointer { s in updateThenDot(q, a, y.baseAddress!, n, dotWith: s.baseAddress!) }
                    }
                }
                // q −= α₀y₀, q *= γ, and y₀ᵀq.
                let a = -alpha[0]
                beta[0] = rho[0] * pairs[0].y.withUnsafeBufferPointer { y in
                    let y = y.baseAddress!
                    var sum = 0.0
                    for j in 0..<n {
                        q[j] += a * y[j]
                        q[j] *= gamma
                        sum += y[j] * q[j]
                    }
                    return sum
                }
                for i in 1..<m {
                    let b = alpha[i - 1] - beta[i - 1]
                    beta[i] = rho[i] * pairs[i - 1].s.withUnsafeBufferPointer { s in
                        pairs[i].y.withUnsafeBufferPointer { y in updateThenDot(q, b, s.baseAddress!, n, dotWith: y.baseAddress!) }
                    }
                }
            } else {
                for j in 0..<n { q[j] *= gamma }
            }
            // The last update, direction = −q and its slope gᵀd.
            let b = m > 0 ? alpha[m - 1] - beta[m - 1] : 0
            g.withUnsafeBufferPointer { g in
                direction.withUnsafeMutableBufferPointer { d in
                    let g = g.baseAddress!, d = d.baseAddress!
                    if m > 0 {
                        pairs[m - 1].s.withUnsafeBufferPointer { s in
                            let s = s.baseAddress!
                            for j in 0..<n {
                                q[j] += b * s[j]
                                d[j] = -q[j]
                                slope += g[j] * d[j]
                            }
                        }
                    } else {
                        for j in 0..<n {
                            d[j] = -q[j]
                            slope += g[j] * d[j]
                        }
                    }
                }
            }
        }
        return (direction, slope)
    }
}

/// Σ a[j]·b[j] in index order.
private func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
    var sum = 0.0
    for j in 0..<n { sum += a[j] * b[j] }
    return sum
}

/// q += a·v, and then Σ w[j]·q[j] in index order, in one pass.
private func updateThenDot(_ q: UnsafeMutablePointer<Double>, _ a: Double, _ v: UnsafePointer<Double>, _ n: Int,
                           dotWith w: UnsafePointer<Double>) -> Double {
    var sum = 0.0
    for j in 0..<n {
        q[j] += a * v[j]
        sum += w[j] * q[j]
    }
    return sum
}
