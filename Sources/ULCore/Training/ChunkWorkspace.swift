import Foundation

/// Buffers for one chunk of rows: activations, back-propagated errors and their R-operator
/// (directional-derivative) counterparts, plus the chunk's gradient and Hessian-vector product.
final class ChunkWorkspace {
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
        grad = alloc(net.parameterCount)
        hv = alloc(net.parameterCount)
        owned += [grad, hv]
    }

    deinit {
        for q in owned { q.deallocate() }
        p.deallocate()
        rowMax.deallocate()
        rowSum.deallocate()
    }

    /// Forward pass over `m` rows at `input` (default: the workspace's `x`); fills A, H and the class
    /// probabilities P.
    func forward(_ theta: UnsafePointer<Float>, m: Int, input: UnsafePointer<Float>? = nil) {
        h[0] = input.map { UnsafeMutablePointer(mutating: $0) } ?? x
        let s = net.sizes
        for l in 0..<net.layerCount {
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
    /// the Hessian-vector product into `hv` (Pearlmutter's R-operator; ReLU'' = 0 almost everywhere).
    func run(_ theta: UnsafePointer<Float>, direction: UnsafePointer<Float>?, m: Int, input: UnsafePointer<Float>?,
             classes: (Int) -> Int, weight: (Int) -> Double, gradient: Bool) -> Double {
        forward(theta, m: m, input: input)
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
        guard gradient || direction != nil else { return value }
        for l in stride(from: L - 1, through: 0, by: -1) {
            sgemm(true, false, s[l], s[l + 1], m, h[l], s[l], d[l + 1], s[l + 1], 0, grad + net.weightOffset(l), s[l + 1])
            columnSums(d[l + 1], m: m, n: s[l + 1], into: grad + net.biasOffset(l))
            if l > 0 {
                sgemm(false, true, m, s[l], s[l + 1], d[l + 1], s[l + 1], theta + net.weightOffset(l), s[l + 1], 0, d[l], s[l])
                let al = a[l], dd = d[l]
                for i in 0..<m * s[l] where al[i] <= 0 { dd[i] = 0 }
            }
        }
        guard let v = direction else { return value }
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
            if l > 0 { sgemm(true, false, s[l], s[l + 1], m, rh[l], s[l], d[l + 1], s[l + 1], 1, go, s[l + 1]) }
            columnSums(rd[l + 1], m: m, n: s[l + 1], into: hv + net.biasOffset(l))
            if l > 0 {
                sgemm(false, true, m, s[l], s[l + 1], rd[l + 1], s[l + 1], theta + net.weightOffset(l), s[l + 1], 0, rd[l], s[l])
                sgemm(false, true, m, s[l], s[l + 1], d[l + 1], s[l + 1], v + net.weightOffset(l), s[l + 1], 1, rd[l], s[l])
                let al = a[l], r = rd[l]
                for i in 0..<m * s[l] where al[i] <= 0 { r[i] = 0 }
            }
        }
        return value
    }

    private func columnSums(_ m: UnsafeMutablePointer<Float>, m rows: Int, n: Int, into out: UnsafeMutablePointer<Float>) {
        for j in 0..<n { out[j] = 0 }
        for i in 0..<rows { for j in 0..<n { out[j] += m[i * n + j] } }
    }
}
