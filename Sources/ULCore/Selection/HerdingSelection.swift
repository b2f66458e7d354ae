import ULKernels

/// Kernel herding (`--method herding`) over one shard's rows: the chosen rows' kernel mean follows the shard's,
/// greedily. Step t takes the unchosen row x of largest μ(x) − (1/t) Σ_{s ∈ S} k(x, x_s), where
/// μ(x) = (1/N) Σᵢ k(x, xᵢ) and S holds the t − 1 rows chosen before; ties go to the smallest id (`String`
/// order), k(x, y) = exp(−γ‖x − y‖²). Each step is the greedy decrease of the maximum mean discrepancy between
/// S and the shard, so the subset keeps the shard's density (its mean and spread, which a density model such as
/// ppca fits) while avoiding the near-duplicates a random subset draws (which a nearest-neighbour model wastes).
///
/// Like coverage, every row of the shard counts in μ, so deleting a row that was not chosen can change a step
/// and forgetting re-selects the shard (see `forgetInSelectedShard`). Time O(N²·d) for the kernel
/// (`rbfKernelMatrix`) plus O(N) per step; memory N² Floats. Returns the chosen row indices in step order.
func selectByHerding(features: [Float], dimension: Int, ids: [String], gamma: Double, count: Int) throws -> [Int] {
    guard let input = try KernelSelectionInput(features: features, dimension: dimension, ids: ids, gamma: gamma, count: count,
                                               method: .herding) else { return [] }
    let (kernel, rank, n, m) = (input.kernel, input.rank, input.rows, input.count)
    // Σᵢ k(x, xᵢ) in `ul_coverage_gain`'s fixed order (the gain over a coverage of zeros), then / N.
    let zeros = [Float](repeating: 0, count: n)
    let mean = kernel.withUnsafeBufferPointer { k in (0..<n).map { ul_coverage_gain(k.baseAddress! + $0 * n, zeros, n) / Double(n) } }
    var near = [Double](repeating: 0, count: n)
    var chosen = [Bool](repeating: false, count: n)
    var order = [Int]()
    order.reserveCapacity(m)
    kernel.withUnsafeBufferPointer { k in
        while order.count < m {
            let t = Double(order.count + 1)
            var best = -1, bestScore = -Double.infinity
            for x in 0..<n where !chosen[x] {
                let score = mean[x] - near[x] / t
                if best < 0 || score > bestScore || (score == bestScore && rank[x] < rank[best]) { best = x; bestScore = score }
            }
            chosen[best] = true
            order.append(best)
            let row = k.baseAddress! + best * n
            for x in 0..<n { near[x] += Double(row[x]) }
        }
    }
    return order
}
