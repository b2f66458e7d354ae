public enum Influence {
    /// Influence of the given rows (positions in the objective) at the solver's θ̂. `criterionGradient` is ∇C
    /// at θ̂; one solve `v = H⁻¹∇C` then gives every s_z as −vᵀg_z. Rows go through the solver in batches of
    /// `batch` columns.
    public static func rows(_ rows: [Int], objective: Objective, solver: CurvatureSolver, criterionGradient: [Double],
                            batch: Int = 256, progress: ((Int, Int) -> Void)? = nil) throws -> [RowInfluence] {
        let P = objective.parameterCount
        let v = try solver.solve(criterionGradient)
        var out = [RowInfluence]()
        out.reserveCapacity(rows.count)
        var start = 0
        while start < rows.count {
            let m = min(batch, rows.count - start)
            var g = [Double]()
            g.reserveCapacity(m * P)
            for i in 0..<m { g += objective.rowGradient(solver.theta, row: rows[start + i]) }
            let x = try solver.solve(columns: g, count: m)
            for i in 0..<m {
                var nx = 0.0, gx = 0.0, vg = 0.0
                for j in 0..<P {
                    let a = x[i * P + j], b = g[i * P + j]
                    nx += a * a
                    gx += a * b
                    vg += v[j] * b
                }
                out.append(RowInfluence(parameters: nx.squareRoot(), criterion: -vg, selfInfluence: gx))
            }
            start += m
            progress?(start, rows.count)
        }
        return out
    }

    /// ∇C at θ for C = mean loss over all rows of `objective` (unregularised).
    public static func meanLossGradient(_ objective: Objective, at theta: [Double]) -> [Double] {
        let n = objective.rowCount
        return objective.gradientSum(theta, coefficients: [Double](repeating: 1 / Double(max(n, 1)), count: n))
    }
}
