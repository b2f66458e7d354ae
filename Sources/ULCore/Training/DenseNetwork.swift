import CBLAS
import Dispatch
import Foundation

/// A fully connected network: ReLU hidden layers and a softmax output over K classes. With no hidden
/// layer it is multinomial logistic regression. Parameters, per layer l: the weights as an
/// `sizes[l] × sizes[l+1]` row-major matrix, then the `sizes[l+1]` biases.
public struct DenseNetwork: Sendable, Equatable {
    /// Layer widths: inputs, hidden layers, classes.
    public let sizes: [Int]

    public init(inputs: Int, hidden: [Int], classes: Int) {
        precondition(inputs >= 1 && classes >= 1 && hidden.allSatisfy { $0 >= 1 })
        sizes = [inputs] + hidden + [classes]
    }

    public var layerCount: Int { sizes.count - 1 }
    public var inputCount: Int { sizes[0] }
    public var classCount: Int { sizes[sizes.count - 1] }
    public var parameterCount: Int { (0..<layerCount).reduce(0) { $0 + (sizes[$1] + 1) * sizes[$1 + 1] } }

    /// Offset of layer `l`'s weights in θ; its biases follow them.
    public func weightOffset(_ l: Int) -> Int { (0..<l).reduce(0) { $0 + (sizes[$1] + 1) * sizes[$1 + 1] } }
    public func biasOffset(_ l: Int) -> Int { weightOffset(l) + sizes[l] * sizes[l + 1] }

    /// Seeded initial parameters: zero without hidden layers (the convex case), otherwise He-normal
    /// weights (variance 2/fan-in) and zero biases, drawn from a generator seeded by (seed, shard).
    public func initialParameters(seed: UInt64, shard: Int) -> [Double] {
        var theta = [Double](repeating: 0, count: parameterCount)
        guard layerCount > 1 else { return theta }
        var g = SeededGenerator(seed: mix64(seed ^ mix64(UInt64(shard) &+ 0x5348_4152_4400_0000)))
        for l in 0..<layerCount {
            let sd = (2.0 / Double(sizes[l])).squareRoot()
            let o = weightOffset(l)
            for i in 0..<sizes[l] * sizes[l + 1] { theta[o + i] = sd * g.nextGaussian() }
        }
        return theta
    }
}

/// C(m×n) = op(A)(m×k)·op(B)(k×n) + β·C, row-major, single precision.
@inline(__always)
func sgemm(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
           _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
           _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    guard m > 0, n > 0 else { return }
    if k == 0 {
        for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
        return
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// C(m×n) = op(A)(m×k)·op(B)(k×n) + β·C, row-major, double precision.
@inline(__always)
func dgemm(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
          _ a: UnsafePointer<Double>, _ lda: Int, _ b: UnsafePointer<Double>, _ ldb: Int,
           _ beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int) {
    guard m > 0, n > 0 else { return }
    if k == 0 {
        for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
        return
    }
    cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

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
        grad = alloc(net.parameterCount)
        hv = alloc(net.parameterCount)
        owned += [grad, hv]
    }

    deinit {
        for q in owned { q.deallocate() }
        p.deallocate()
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
            var mx = -Double.infinity
            for c in 0..<k { mx = max(mx, Double(z[i * k + c])) }
            var sum = 0.0
            for c in 0..<k { sum += exp(Double(z[i * k + c]) - mx) }
            value += w * (mx + log(sum) - Double(z[i * k + y]))
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

/// Sums of the loss, gradient and Hessian-vector product over a list of rows. Rows are cut into chunks of
/// `chunkRows` in list order; chunk c goes to lane c mod `lanes`, each lane sums its chunks in order in
/// Double, and lanes are summed in lane order. Lanes run concurrently, yet the result depends only on the
/// rows, their order, `chunkRows` and `lanes` — never on the thread count. An evaluator (and a loss
/// built on one) reuses its buffers, so one instance must not be called from two threads at once.
public final class NetworkEvaluator {
    public let network: DenseNetwork
    public let data: Dataset
    public let chunkRows: Int
    public let lanes: Int
    private var workspaces: [ChunkWorkspace] = []

    public init(network: DenseNetwork, data: Dataset, chunkRows: Int = 1024, lanes: Int = 8) {
        precondition(data.featureCount == network.inputCount && chunkRows >= 1 && lanes >= 1)
        _ = blasSingleThreaded
        self.network = network
        self.data = data
        self.chunkRows = chunkRows
        self.lanes = lanes
    }

    public struct Result {
        public var value: Double
        /// Empty unless asked for.
        public var gradient: [Double]
        public var hessianVector: [Double]
    }

    /// Σ wᵢ ℓ(zᵢ;θ) over `rows` (indices into `data`), with `weights` aligned to `rows` (nil: all 1).
    public func evaluate(_ theta: [Double], rows: UnsafeBufferPointer<Int>, weights: UnsafeBufferPointer<Double>? = nil,
                         gradient: Bool, direction: [Double]? = nil) -> Result {
        let P = network.parameterCount
        let nChunks = (rows.count + chunkRows - 1) / chunkRows
        let nLanes = min(lanes, nChunks)
        let thetaF = theta.map { Float($0) }
        let dirF = direction?.map { Float($0) }
        while workspaces.count < nLanes { workspaces.append(ChunkWorkspace(net: network, capacity: chunkRows)) }
        let wantG = gradient
        let wantH = direction != nil
        var values = [Double](repeating: 0, count: max(nLanes, 1))
        var gAcc = [[Double]](repeating: [], count: nLanes)
        var hAcc = [[Double]](repeating: [], count: nLanes)
        let d = network.inputCount
        let spaces = workspaces
        data.features.withUnsafeBufferPointer { features in
            data.classes.withUnsafeBufferPointer { cls in
                thetaF.withUnsafeBufferPointer { tf in
                    values.withUnsafeMutableBufferPointer { vals in
                        gAcc.withUnsafeMutableBufferPointer { gA in
                            hAcc.withUnsafeMutableBufferPointer { hA in
                                let lanePtrs = (vals.baseAddress!, gA.baseAddress!, hA.baseAddress!)
                                DispatchQueue.concurrentPerform(iterations: nLanes) { lane in
                                    let ws = spaces[lane]
                                    var value = 0.0
                                    var g = [Double](repeating: 0, count: wantG || wantH ? P : 0)
                                    var hv = [Double](repeating: 0, count: wantH ? P : 0)
                                    var c = lane
                                    while c < nChunks {
                                        let start = c * self.chunkRows
                                        let m = min(self.chunkRows, rows.count - start)
                                        // Consecutive rows are read in place; others are gathered.
                                        var input: UnsafePointer<Float>? = features.baseAddress! + rows[start] * d
                                        for i in 1..<max(m, 1) where rows[start + i] != rows[start] + i {
                                            input = nil
                                            break
                                        }
                                        if input == nil {
                                            for i in 0..<m {
                                                let r = rows[start + i]
                                                (ws.x + i * d).update(from: features.baseAddress! + r * d, count: d)
                                            }
                                        }
                                        let run = { (dir: UnsafePointer<Float>?) in
                                            ws.run(tf.baseAddress!, direction: dir, m: m, input: input,
                                                   classes: { Int(cls[rows[start + $0]]) },
                                                   weight: { weights?[start + $0] ?? 1 }, gradient: wantG)
                                        }
                                        if let df = dirF {
                                            value += df.withUnsafeBufferPointer { run($0.baseAddress!) }
                                        } else {
                                            value += run(nil)
                                        }
                                        if wantG { for i in 0..<P { g[i] += Double(ws.grad[i]) } }
                                        if wantH { for i in 0..<P { hv[i] += Double(ws.hv[i]) } }
                                        c += nLanes
                                    }
                                    lanePtrs.0[lane] = value
                                    lanePtrs.1[lane] = g
                                    lanePtrs.2[lane] = hv
                                }
                            }
                        }
                    }
                }
            }
        }
        var result = Result(value: 0, gradient: wantG ? [Double](repeating: 0, count: P) : [],
                            hessianVector: wantH ? [Double](repeating: 0, count: P) : [])
        for lane in 0..<nLanes {
            result.value += values[lane]
            if wantG { for i in 0..<P { result.gradient[i] += gAcc[lane][i] } }
            if wantH { for i in 0..<P { result.hessianVector[i] += hAcc[lane][i] } }
        }
        return result
    }

    /// Class probabilities (`m × K`, row-major) of `m` rows of features at `x`.
    public func probabilities(_ thetaF: [Float], x: UnsafePointer<Float>, m: Int) -> [Double] {
        let k = network.classCount
        let d = network.inputCount
        if workspaces.isEmpty { workspaces.append(ChunkWorkspace(net: network, capacity: chunkRows)) }
        let ws = workspaces[0]
        var out = [Double](repeating: 0, count: m * k)
        thetaF.withUnsafeBufferPointer { tf in
            var start = 0
            while start < m {
                let n = min(chunkRows, m - start)
                ws.x.update(from: x + start * d, count: n * d)
                ws.forward(tf.baseAddress!, m: n)
                for i in 0..<n * k { out[start * k + i] = ws.p[i] }
                start += n
            }
        }
        return out
    }
}
