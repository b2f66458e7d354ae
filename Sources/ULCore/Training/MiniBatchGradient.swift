import Dispatch
import Foundation

/// The gradient of a network's summed loss over one mini-batch, in two phases that each run as `slices`
/// fixed slices. First every row slice runs its rows forward and back-propagates their errors (rows are
/// independent); then every parameter slice — per layer, a share of the weight rows and of the biases —
/// forms its part of the gradient over the whole batch in single products and hands its ranges to the
/// caller (Adam's step, elementwise) while they are in cache. Both cores work on one batch, no partial
/// gradients are summed, and the arithmetic depends only on the rows, their order and `slices`, never on the
/// thread count. One instance must not be used from two threads at once.
final class MiniBatchGradient {
    let network: DenseNetwork
    let data: Dataset
    let capacity: Int
    let slices: Int
    /// The batch's features, gathered (`capacity × inputs`).
    private let x: UnsafeMutablePointer<Float>
    /// Per layer 1...L: pre-activations A, outputs H = relu(A) (h[0] is x) and errors D = ∂ℓ/∂A.
    private var a: [UnsafeMutablePointer<Float>] = []
    private var h: [UnsafeMutablePointer<Float>] = []
    private var d: [UnsafeMutablePointer<Float>] = []
    /// The batch gradient, in θ's layout.
    let gradient: UnsafeMutablePointer<Float>
    /// Per parameter slice, the ranges of θ it forms: per layer, its weight rows, then its biases.
    let ranges: [[Range<Int>]]
    private var owned: [UnsafeMutablePointer<Float>] = []
    /// The threads of the slices, kept for the whole training: a step is too short to wake a pool thread twice.
    private let team: SliceTeam

    init(network: DenseNetwork, data: Dataset, capacity: Int, slices: Int) {
        precondition(data.featureCount == network.inputCount && capacity >= 1 && slices >= 1)
        _ = blasSingleThreaded
        self.network = network
        self.data = data
        self.capacity = capacity
        self.slices = slices
        team = SliceTeam(slices: slices)
        func alloc(_ n: Int) -> UnsafeMutablePointer<Float> {
            let q = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
            q.initialize(repeating: 0, count: max(n, 1))
            return q
        }
        let s = network.sizes
        x = alloc(capacity * s[0])
        gradient = alloc(network.parameterCount)
        owned = [x, gradient]
        a.append(x)
        h.append(x)
        d.append(x)
        for l in 1...network.layerCount {
            let layer = (alloc(capacity * s[l]), alloc(capacity * s[l]), alloc(capacity * s[l]))
            a.append(layer.0)
            h.append(layer.1)
            d.append(layer.2)
            owned += [layer.0, layer.1, layer.2]
        }
        ranges = (0..<slices).map { k in
            (0..<network.layerCount).flatMap { l -> [Range<Int>] in
                let rows = MiniBatchGradient.share(s[l], k, slices), columns = MiniBatchGradient.share(s[l + 1], k, slices)
                let w = network.weightOffset(l), b = network.biasOffset(l)
                return [w + rows.lowerBound * s[l + 1]..<w + rows.upperBound * s[l + 1],
                        b + columns.lowerBound..<b + columns.upperBound]
            }
        }
    }

    deinit { for q in owned { q.deallocate() } }

    /// Slice k of `count` items cut into `slices` near-equal consecutive parts.
    private static func share(_ count: Int, _ k: Int, _ slices: Int) -> Range<Int> {
        count * k / slices..<count * (k + 1) / slices
    }

    /// The gradient of Σ ℓ over `rows` (indices into `data`, at most `capacity`) at single-precision
    /// `theta`, into `gradient`; `update(k)` is called once per parameter slice k, from a worker thread,
    /// when the slice's `ranges[k]` are formed. `theta` must not change until every row slice has run.
    func compute(_ theta: UnsafePointer<Float>, rows: UnsafeBufferPointer<Int>, update: (Int) -> Void) {
        let m = rows.count
        precondition(m >= 1 && m <= capacity)
        data.features.withUnsafeBufferPointer { features in
            data.classes.withUnsafeBufferPointer { classes in
                team.run { k in
                    let part = MiniBatchGradient.share(m, k, slices)
                    guard !part.isEmpty else { return }
                    backPropagate(theta, rows: rows, part: part, features: features.baseAddress!, classes: classes.baseAddress!)
                }
            }
        }
        team.run { k in
            formGradient(slice: k, m: m)
            update(k)
        }
    }

    /// Forward pass and errors D of the batch rows in `part`.
    private func backPropagate(_ theta: UnsafePointer<Float>, rows: UnsafeBufferPointer<Int>, part: Range<Int>,
                               features: UnsafePointer<Float>, classes: UnsafePointer<Int32>) {
        let s = network.sizes, L = network.layerCount, k = network.classCount
        let r0 = part.lowerBound, mr = part.count
        for i in part { (x + i * s[0]).update(from: features + rows[i] * s[0], count: s[0]) }
        for l in 0..<L {
            let out = a[l + 1] + r0 * s[l + 1]
            let b = theta + network.biasOffset(l)
            for i in 0..<mr { (out + i * s[l + 1]).update(from: b, count: s[l + 1]) }
            sgemm(false, false, mr, s[l + 1], s[l], h[l] + r0 * s[l], s[l], theta + network.weightOffset(l), s[l + 1], 1, out, s[l + 1])
            if l + 1 < L {
                let hh = h[l + 1] + r0 * s[l + 1]
                for i in 0..<mr * s[l + 1] { hh[i] = max(out[i], 0) }
            }
        }
        // Output errors p − e_y, the probabilities in Double as ChunkWorkspace forms them.
        let z = a[L] + r0 * k, dl = d[L] + r0 * k
        var p = [Double](repeating: 0, count: k)
        for i in 0..<mr {
            let row = z + i * k
            var mx = -Double.infinity
            for c in 0..<k { mx = max(mx, Double(row[c])) }
            var sum = 0.0
            for c in 0..<k { let e = exp(Double(row[c]) - mx); p[c] = e; sum += e }
            let y = Int(classes[rows[r0 + i]])
            for c in 0..<k { dl[i * k + c] = Float(p[c] / sum - (c == y ? 1 : 0)) }
        }
        for l in stride(from: L - 1, through: 1, by: -1) {
            let dd = d[l] + r0 * s[l], al = a[l] + r0 * s[l]
            sgemm(false, true, mr, s[l], s[l + 1], d[l + 1] + r0 * s[l + 1], s[l + 1], theta + network.weightOffset(l), s[l + 1], 0, dd, s[l])
            for i in 0..<mr * s[l] where al[i] <= 0 { dd[i] = 0 }
        }
    }

    /// Parameter slice k of the gradient over the batch's m rows: per layer, its weight rows Hᵀ D and its
    /// biases' column sums of D (rows in order).
    private func formGradient(slice k: Int, m: Int) {
        let s = network.sizes
        for l in 0..<network.layerCount {
            let rows = MiniBatchGradient.share(s[l], k, slices), columns = MiniBatchGradient.share(s[l + 1], k, slices)
            let n = s[l + 1]
            if !rows.isEmpty {
                sgemm(true, false, rows.count, n, m, h[l] + rows.lowerBound, s[l], d[l + 1], n, 0,
                      gradient + network.weightOffset(l) + rows.lowerBound * n, n)
            }
            let out = gradient + network.biasOffset(l), dl = d[l + 1]
            for j in columns { out[j] = 0 }
            for i in 0..<m { for j in columns { out[j] += dl[i * n + j] } }
        }
    }
}
