import Foundation
import ULKernels

/// Buffers for one chunk of rows: activations, back-propagated errors and their R-operator
/// (directional-derivative) counterparts, plus the chunk's gradient and Hessian-vector product.
final class ChunkWorkspace {
    /// What `run` leaves in `hv`.
    enum SecondOrder {
        /// H·v, the exact Hessian (R-operator forward and backward).
        case hessian
        /// G·v = Jᵀ(diag p − ppᵀ)J·v, the generalised Gauss–Newton matrix: the R-forward pass gives J·v (the
        /// logits' change), the softmax Hessian multiplies it, and plain back-propagation applies Jᵀ.
        case gaussNewton
        /// diag G, exactly: with `diag p − ppᵀ = AAᵀ`, A's column c = √p_c (e_c − p), diag G is Σ_c of the
        /// squared back-propagated column, per weight (Σ over rows of h² ⊗ δ²) a single product per layer.
        case gaussNewtonDiagonal
    }

    let net: DenseNetwork
    let capacity: Int
    let x: UnsafeMutablePointer<Float>
    /// Per layer 1...L: pre-activations A, outputs H = relu(A) (hidden only), errors D = ∂ℓ/∂A.
    var a: [UnsafeMutablePointer<Float>] = []
    var h: [UnsafeMutablePointer<Float>] = []
    var d: [UnsafeMutablePointer<Float>] = []
    var ra: [UnsafeMutablePointer<Float>] = []
    var rh: [UnsafeMutablePointer<Float>] = []
    var rd: [UnsafeMutablePointer<Float>] = []
    let p: UnsafeMutablePointer<Double>
    /// Per row of the last forward pass: the largest logit and Σ exp(z − max), so the loss needs no second
    /// round of exponentials.
    let rowMax: UnsafeMutablePointer<Double>
    let rowSum: UnsafeMutablePointer<Double>
    let grad: UnsafeMutablePointer<Float>
    let hv: UnsafeMutablePointer<Float>
    /// Where each row of the chunk lies, for the products that read rows in place (`ul_narrow_forward` and
    /// `ul_narrow_gradient`): a chunk of shuffled rows is then never gathered into `x` (see `readsScattered`).
    let rowPointers: UnsafeMutablePointer<UnsafePointer<Float>?>
    /// Without hidden layers (softmax regression), the layer's products go through `ul_narrow_forward`, on
    /// copies padded to `paddedClasses` columns (weights d × kp, logits m × kp), and `ul_narrow_gradient`, in
    /// place.
    private let paddedClasses: Int
    private var narrow: (w: UnsafeMutablePointer<Float>, z: UnsafeMutablePointer<Float>)?
    /// Per layer 0..<L, the squared layer inputs H² (made on first use by the Gauss–Newton diagonal).
    private var squares: [UnsafeMutablePointer<Float>] = []
    private var owned: [UnsafeMutablePointer<Float>] = []

    init(net: DenseNetwork, capacity: Int) {
        self.net = net
        self.capacity = capacity
        func alloc(_ n: Int) -> UnsafeMutablePointer<Float> {
            let q = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
            q.initialize(repeating: 0, count: max(n, 1))
            return q
        }
        x = alloc(capacity * net.inputCount)
        owned.append(x)
        for l in 0...net.layerCount {
            let n = l == 0 ? 1 : capacity * net.sizes[l]
            for i in 0..<6 {
                let q = alloc(n)
                owned.append(q)
                switch i {
                case 0: a.append(q)
                case 1: h.append(q)
                case 2: d.append(q)
                case 3: ra.append(q)
                case 4: rh.append(q)
                default: rd.append(q)
                }
            }
        }
        h[0] = x
        p = .allocate(capacity: capacity * net.classCount)
        rowMax = .allocate(capacity: capacity)
        rowSum = .allocate(capacity: capacity)
        rowPointers = .allocate(capacity: capacity)
        rowPointers.initialize(repeating: nil, count: capacity)
        grad = alloc(net.parameterCount)
        hv = alloc(net.parameterCount)
        owned += [grad, hv]
        paddedClasses = ChunkWorkspace.paddedClasses(net.classCount)
        if net.layerCount == 1 {
            let kp = paddedClasses
            narrow = (alloc(net.inputCount * kp), alloc(capacity * kp))
            owned += [narrow!.w, narrow!.z]
        }
    }

    deinit {
        for q in owned { q.deallocate() }
        p.deallocate()
        rowPointers.deallocate()
        rowMax.deallocate()
        rowSum.deallocate()
    }

    /// Whether `run` can read the rows where `rowPointers` says they are (`scattered`): only softmax's value and
    /// gradient, whose products take row pointers; every other product needs the rows side by side.
    func readsScattered(direction: UnsafePointer<Float>?, secondOrder: SecondOrder) -> Bool {
        narrow != nil && direction == nil && secondOrder != .gaussNewtonDiagonal
    }

    /// Columns of the softmax layer's padded weights (a multiple of 8).
    static func paddedClasses(_ k: Int) -> Int { (k + 7) / 8 * 8 }

    /// The softmax layer's weights of `theta` in rows of `paddedClasses` (d × kp, the padding zero), as the
    /// forward product takes them: an evaluation makes them once for all its chunks (`paddedWeights`).
    static func padWeights(_ theta: UnsafePointer<Float>, net: DenseNetwork, into out: UnsafeMutablePointer<Float>) {
        let d = net.inputCount, k = net.classCount, kp = paddedClasses(k)
        let w = theta + net.weightOffset(0)
        for j in 0..<d { (out + j * kp).update(from: w + j * k, count: k) }
    }

    /// Forward pass over `m` rows at `input` (default: the workspace's `x`), or with `scattered`, at
    /// `rowPointers` (see `readsScattered`); fills A, H and the class probabilities P. `paddedWeights`: the
    /// softmax layer's weights of `theta` made by `padWeights`, else made here.
    func forward(_ theta: UnsafePointer<Float>, m: Int, input: UnsafePointer<Float>? = nil, scattered: Bool = false,
                 paddedWeights: UnsafePointer<Float>? = nil) {
        precondition(!scattered || narrow != nil, "only the narrow products read scattered rows")
        h[0] = input.map { UnsafeMutablePointer(mutating: $0) } ?? x
        let s = net.sizes
        if !scattered, narrow != nil {
            for i in 0..<m { rowPointers[i] = UnsafePointer(h[0] + i * s[0]) }
        }
        if let narrow {
            // Logits (bias, then the terms in feature order) in padded rows, then copied out.
            let d = s[0], k = s[1], kp = paddedClasses
            let b = theta + net.biasOffset(0)
            if paddedWeights == nil { ChunkWorkspace.padWeights(theta, net: net, into: narrow.w) }
            for i in 0..<m { (narrow.z + i * kp).update(from: b, count: k) }
            ul_narrow_forward(m, d, k, kp, rowPointers, paddedWeights ?? UnsafePointer(narrow.w), narrow.z)
            for i in 0..<m { (a[1] + i * k).update(from: narrow.z + i * kp, count: k) }
        }
        for l in 0..<net.layerCount where narrow == nil {
            let out = a[l + 1]
            let b = theta + net.biasOffset(l)
            for i in 0..<m { (out + i * s[l + 1]).update(from: b, count: s[l + 1]) }
            sgemm(false, false, m, s[l + 1], s[l], h[l], s[l], theta + net.weightOffset(l), s[l + 1], 1, out, s[l + 1])
            if l + 1 < net.layerCount {
                let hh = h[l + 1]
                for i in 0..<m * s[l + 1] { hh[i] = max(out[i], 0) }
            }
        }
        let k = net.classCount
        let z = a[net.layerCount]
        for i in 0..<m {
            let row = z + i * k
            var mx = -Double.infinity
            for c in 0..<k { mx = max(mx, Double(row[c])) }
            var sum = 0.0
            for c in 0..<k { let e = exp(Double(row[c]) - mx); p[i * k + c] = e; sum += e }
            for c in 0..<k { p[i * k + c] /= sum }
            rowMax[i] = mx
            rowSum[i] = sum
        }
    }

    /// Weighted loss of the chunk; with `gradient`, its gradient into `grad`; with `direction`,
    /// the Hessian-vector product into `hv` (Pearlmutter's R-operator; ReLU'' = 0 almost everywhere), or the
    /// Gauss–Newton one (`secondOrder`); with `.gaussNewtonDiagonal` (no direction), diag G into `hv`.
    func run(_ theta: UnsafePointer<Float>, direction: UnsafePointer<Float>?, m: Int, input: UnsafePointer<Float>?,
             scattered: Bool = false, paddedWeights: UnsafePointer<Float>? = nil, classes: (Int) -> Int,
             weight: (Int) -> Double, gradient: Bool, secondOrder: SecondOrder = .hessian) -> Double {
        precondition(!scattered || readsScattered(direction: direction, secondOrder: secondOrder))
        forward(theta, m: m, input: input, scattered: scattered, paddedWeights: paddedWeights)
        let s = net.sizes
        let L = net.layerCount
        let k = net.classCount
        var value = 0.0
        let z = a[L]
        let dl = d[L]
        for i in 0..<m {
            let y = classes(i)
            let w = weight(i)
            value += w * (rowMax[i] + log(rowSum[i]) - Double(z[i * k + y]))
            for c in 0..<k { dl[i * k + c] = Float(w * (p[i * k + c] - (c == y ? 1 : 0))) }
        }
        if secondOrder == .gaussNewtonDiagonal {
            gaussNewtonDiagonal(theta, m: m, weight: weight)
            return value
        }
        guard gradient || direction != nil else { return value }
        // The exact Hessian's backward pass uses the errors D; Gauss–Newton's does not.
        for l in stride(from: L - 1, through: 0, by: -1) where gradient || secondOrder == .hessian {
            if narrow != nil {
                // Σ over the chunk's rows in order.
                (grad + net.weightOffset(0)).update(repeating: 0, count: s[0] * k)
                ul_narrow_gradient(m, s[0], k, rowPointers, dl, k, grad + net.weightOffset(0), k)
            } else {
                sgemm(true, false, s[l], s[l + 1], m, h[l], s[l], d[l + 1], s[l + 1], 0, grad + net.weightOffset(l), s[l + 1])
            }
            columnSums(d[l + 1], m: m, n: s[l + 1], into: grad + net.biasOffset(l))
            if l > 0 {
                sgemm(false, true, m, s[l], s[l + 1], d[l + 1], s[l + 1], theta + net.weightOffset(l), s[l + 1], 0, d[l], s[l])
                let al = a[l], dd = d[l]
                for i in 0..<m * s[l] where al[i] <= 0 { dd[i] = 0 }
            }
        }
        guard let v = direction else { return value }
        let exact = secondOrder == .hessian
        // R-forward: R(A₁) = X V₀ + v_b; R(H) = relu'(A) ⊙ R(A); R(A_{l+1}) = R(H_l) W_l + H_l V_l + v_b.
        for l in 0..<L {
            let out = ra[l + 1]
            let vb = v + net.biasOffset(l)
            for i in 0..<m { (out + i * s[l + 1]).update(from: vb, count: s[l + 1]) }
            sgemm(false, false, m, s[l + 1], s[l], h[l], s[l], v + net.weightOffset(l), s[l + 1], 1, out, s[l + 1])
            if l > 0 {
                sgemm(false, false, m, s[l + 1], s[l], rh[l], s[l], theta + net.weightOffset(l), s[l + 1], 1, out, s[l + 1])
            }
            if l + 1 < L {
                let al = a[l + 1], r = rh[l + 1]
                for i in 0..<m * s[l + 1] { r[i] = al[i] > 0 ? out[i] : 0 }
            }
        }
        // R(D_L) = w · (diag p − p pᵀ) R(Z).
        let rz = ra[L], rdl = rd[L]
        for i in 0..<m {
            let w = weight(i)
            var dot = 0.0
            for c in 0..<k { dot += p[i * k + c] * Double(rz[i * k + c]) }
            for c in 0..<k { rdl[i * k + c] = Float(w * p[i * k + c] * (Double(rz[i * k + c]) - dot)) }
        }
        // R-backward.
        for l in stride(from: L - 1, through: 0, by: -1) {
            let go = hv + net.weightOffset(l)
            sgemm(true, false, s[l], s[l + 1], m, h[l], s[l], rd[l + 1], s[l + 1], 0, go, s[l + 1])
            if l > 0 && exact { sgemm(true, false, s[l], s[l + 1], m, rh[l], s[l], d[l + 1], s[l + 1], 1, go, s[l + 1]) }
            columnSums(rd[l + 1], m: m, n: s[l + 1], into: hv + net.biasOffset(l))
            if l > 0 {
                sgemm(false, true, m, s[l], s[l + 1], rd[l + 1], s[l + 1], theta + net.weightOffset(l), s[l + 1], 0, rd[l], s[l])
                if exact { sgemm(false, true, m, s[l], s[l + 1], d[l + 1], s[l + 1], v + net.weightOffset(l), s[l + 1], 1, rd[l], s[l]) }
                let al = a[l], r = rd[l]
                for i in 0..<m * s[l] where al[i] <= 0 { r[i] = 0 }
            }
        }
        return value
    }

    /// diag of Σᵢ wᵢJᵢᵀ(diag pᵢ − pᵢpᵢᵀ)Jᵢ into `hv` after a forward pass: per class c, the column
    /// √wᵢ√p_c(e_c − pᵢ) is back-propagated through the network and its squares summed into the diagonal
    /// (weights Σᵢ h²ᵢ ⊗ δ²ᵢ, biases Σᵢ δ²ᵢ). K backward passes; weights must not be negative.
    private func gaussNewtonDiagonal(_ theta: UnsafePointer<Float>, m: Int, weight: (Int) -> Double) {
        let s = net.sizes, L = net.layerCount, k = net.classCount
        if squares.isEmpty {
            for l in 0..<L {
                let q = UnsafeMutablePointer<Float>.allocate(capacity: max(capacity * s[l], 1))
                q.initialize(repeating: 0, count: max(capacity * s[l], 1))
                squares.append(q)
                owned.append(q)
            }
        }
        for l in 0..<L {
            let src = h[l], dst = squares[l]
            for i in 0..<m * s[l] { dst[i] = src[i] * src[i] }
        }
        for i in 0..<net.parameterCount { hv[i] = 0 }
        var root = [Double](repeating: 0, count: m)
        for i in 0..<m {
            let w = weight(i)
            precondition(w >= 0, "the Gauss–Newton diagonal takes non-negative row weights")
            root[i] = w.squareRoot()
        }
        let rdl = rd[L]
        for c in 0..<k {
            for i in 0..<m {
                let sc = root[i] * p[i * k + c].squareRoot()
                for j in 0..<k { rdl[i * k + j] = Float(sc * ((j == c ? 1 : 0) - p[i * k + j])) }
            }
            for l in stride(from: L - 1, through: 0, by: -1) {
                let n = s[l + 1], delta = rd[l + 1], sq = ra[l + 1]
                for i in 0..<m * n { sq[i] = delta[i] * delta[i] }
                sgemm(true, false, s[l], n, m, squares[l], s[l], sq, n, 1, hv + net.weightOffset(l), n)
                let bias = hv + net.biasOffset(l)
                for i in 0..<m { for j in 0..<n { bias[j] += sq[i * n + j] } }
                if l > 0 {
                    sgemm(false, true, m, s[l], n, delta, n, theta + net.weightOffset(l), n, 0, rd[l], s[l])
                    let al = a[l], r = rd[l]
                    for i in 0..<m * s[l] where al[i] <= 0 { r[i] = 0 }
                }
            }
        }
    }

    private func columnSums(_ m: UnsafeMutablePointer<Float>, m rows: Int, n: Int, into out: UnsafeMutablePointer<Float>) {
        for j in 0..<n { out[j] = 0 }
        for i in 0..<rows { for j in 0..<n { out[j] += m[i * n + j] } }
    }
}
