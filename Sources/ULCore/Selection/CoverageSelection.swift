import ULKernels

/// Greedy facility location (`--method coverage`) over one shard's rows: step t adds the row j that most
/// raises F(S) = Σᵢ max_{s ∈ S} k(xᵢ, x_s), the coverage of every row of the shard by its closest chosen row,
/// k(x, y) = exp(−γ‖x − y‖²); ties go to the smallest id (`String` order). F is monotone submodular, so greedy
/// is within 1 − 1/e of the best subset of its size. Unlike log-det (which prefers atypical rows) it prefers
/// rows with many close neighbours, spread over the shard's dense regions: a representative subset.
///
/// Lazy greedy, exact: a row's gain Σᵢ max(0, k(xᵢ, x_j) − cᵢ) (`ul_coverage_gain`, a fixed order of monotone
/// operations) never grows as the coverage c grows, so a gain computed at an earlier step bounds the current one
/// and the heap's top, once recomputed and still on top, is the eager scan's choice.
///
/// What it costs in exactness: every row of the shard counts in F, so deleting a row that was not chosen can
/// change a step, and forgetting re-selects the shard (see `forgetInSelectedShard`). Time O(N²·d) for the
/// kernel (`rbfKernelMatrix`) plus O(N) per gain computed; memory N² Floats (`kernelMatrixRowLimit`).
/// Returns the chosen row indices in step order.
func selectByCoverage(features: [Float], dimension: Int, ids: [String], gamma: Double, count: Int) throws -> [Int] {
    guard let input = try KernelSelectionInput(features: features, dimension: dimension, ids: ids, gamma: gamma, count: count,
                                               method: .coverage) else { return [] }
    let (kernel, rank, n, m) = (input.kernel, input.rank, input.rows, input.count)
    var cover = [Float](repeating: 0, count: n)
    var heap = CoverageHeap(rank: rank)
    var order = [Int]()
    order.reserveCapacity(m)
    kernel.withUnsafeBufferPointer { k in
        cover.withUnsafeMutableBufferPointer { c in
            // Step 1's gains are exact: every bound is current at step 1.
            for j in 0..<n { heap.push(CoverageHeap.Entry(gain: ul_coverage_gain(k.baseAddress! + j * n, c.baseAddress!, n), row: j, step: 1)) }
            while order.count < m {
                let step = order.count + 1
                var top = heap.pop()
                while top.step != step {
                    top = CoverageHeap.Entry(gain: ul_coverage_gain(k.baseAddress! + top.row * n, c.baseAddress!, n), row: top.row, step: step)
                    heap.push(top)
                    top = heap.pop()
                }
                order.append(top.row)
                ul_coverage_raise(c.baseAddress!, k.baseAddress! + top.row * n, n)
            }
        }
    }
    return order
}

