import CBLAS
import CLAPACKE
import Foundation

/// Second-order quantities of multinomial logistic regression in Double, on a shard's standardised rows.
/// θ is the `(d+1) × K` row-major matrix Θ (feature weights, then the bias row), as in `DenseNetwork`, so a
/// row's gradient is the outer product `gᵢ = x̃ᵢ ⊗ (pᵢ − e_yᵢ)` with `x̃ᵢ = (xᵢ, 1)`, and its Hessian is
/// `(x̃ᵢx̃ᵢᵀ) ⊗ (diag pᵢ − pᵢpᵢᵀ)`.
final class SoftmaxCurvature {
    let inputs: Int
    let classes: Int
    let count: Int
    /// `count × (d+1)`, row-major, last column 1.
    let x: [Double]
    let y: [Int32]
    /// λ of the L2 term of J.
    let l2: Double

    var width: Int { inputs + 1 }
    var parameterCount: Int { width * classes }

    /// `rows` of `data`, in that order, standardised (in Float, as training does) by `standardization` if
    /// given. Rows are converted one at a time: a copy of the whole data set would cost as much again.
    init(data: Dataset, rows: [Int], classCount: Int, l2: Double, standardization: FeatureStandardization? = nil) {
        inputs = data.featureCount
        classes = classCount
        count = rows.count
        self.l2 = l2
        let d = data.featureCount, w = d + 1
        var y = [Int32](repeating: 0, count: rows.count)
        var row = [Float](repeating: 0, count: d)
        x = [Double](unsafeUninitializedCapacity: rows.count * w) { x, initialized in
            data.features.withUnsafeBufferPointer { f in
                row.withUnsafeMutableBufferPointer { row in
                    for (i, r) in rows.enumerated() {
                        for j in 0..<d { row[j] = f[r * d + j] }
                        standardization?.apply(row.baseAddress!, rows: 1)
                        for j in 0..<d { x[i * w + j] = Double(row[j]) }
                        x[i * w + d] = 1
                        y[i] = data.classes[r]
                    }
                }
            }
            initialized = rows.count * w
        }
        self.y = y
    }

    /// Class probabilities `count × K` at θ.
    func probabilities(_ theta: [Double]) -> [Double] {
        precondition(theta.count == parameterCount)
        let k = classes
        var z = [Double](repeating: 0, count: count * k)
        dgemm(false, false, count, k, width, x, width, theta, k, 0, &z, k)
        Self.softmaxRows(&z, classes: k)
        return z
    }

    /// Each row of K logits in `z` becomes its class probabilities.
    static func softmaxRows(_ z: inout [Double], classes k: Int) {
        for i in 0..<z.count / k {
            var mx = -Double.infinity
            for c in 0..<k { mx = max(mx, z[i * k + c]) }
            var s = 0.0
            for c in 0..<k { let e = exp(z[i * k + c] - mx); z[i * k + c] = e; s += e }
            for c in 0..<k { z[i * k + c] /= s }
        }
    }

    /// Residuals `pᵢ − e_yᵢ` (`count × K`): row i's gradient is `x̃ᵢ ⊗` its residual.
    func residuals(_ p: [Double]) -> [Double] {
        var r = p
        for i in 0..<count { r[i * classes + Int(y[i])] -= 1 }
        return r
    }

    /// Per-row cross-entropy losses.
    func losses(_ p: [Double]) -> [Double] {
        (0..<count).map { -log(max(p[$0 * classes + Int(y[$0])], 1e-300)) }
    }

    /// Σᵢ cᵢ gᵢ for coefficients `c` (one per row; 0 skips a row).
    func weightedGradientSum(_ residuals: [Double], coefficients c: [Double]) -> [Double] {
        let k = classes
        var scaled = residuals
        for i in 0..<count { for j in 0..<k { scaled[i * k + j] *= c[i] } }
        var out = [Double](repeating: 0, count: parameterCount)
        dgemm(true, false, width, k, count, x, width, scaled, k, 0, &out, k)
        return out
    }

    /// gᵢ of one row.
    func rowGradient(_ residuals: [Double], row i: Int) -> [Double] {
        let k = classes
        var g = [Double](repeating: 0, count: parameterCount)
        for j in 0..<width {
            let xv = x[i * width + j]
            if xv == 0 { continue }
            for c in 0..<k { g[j * k + c] = xv * residuals[i * k + c] }
        }
        return g
    }

    /// (Σᵢ wᵢ∇²ℓᵢ)·v at the probabilities `p` (the data term only; `SoftmaxObjective` adds λv).
    func dataHessianVectorProduct(_ p: [Double], _ v: [Double], weights: [Double]? = nil) -> [Double] {
        let k = classes
        var zv = [Double](repeating: 0, count: count * k)
        dgemm(false, false, count, k, width, x, width, v, k, 0, &zv, k)
        for i in 0..<count {
            var dot = 0.0
            for c in 0..<k { dot += p[i * k + c] * zv[i * k + c] }
            let w = weights?[i] ?? 1
            for c in 0..<k { zv[i * k + c] = w * p[i * k + c] * (zv[i * k + c] - dot) }
        }
        var out = [Double](repeating: 0, count: parameterCount)
        dgemm(true, false, width, k, count, x, width, zv, k, 0, &out, k)
        return out
    }

    /// Diagonal of Σᵢ wᵢ∇²ℓᵢ + λI.
    func hessianDiagonal(_ p: [Double], weights: [Double]? = nil) -> [Double] {
        let k = classes
        var out = [Double](repeating: l2, count: parameterCount)
        for i in 0..<count {
            let w = weights?[i] ?? 1
            for j in 0..<width {
                let x2 = x[i * width + j] * x[i * width + j]
                if x2 == 0 { continue }
                for c in 0..<k { let q = p[i * k + c]; out[j * k + c] += w * x2 * q * (1 - q) }
            }
        }
        return out
    }

    /// The dense Hessian `Σᵢ wᵢ∇²ℓᵢ + (λ + damping)I` (P × P, symmetric, both triangles filled). Per chunk of
    /// rows: the block-diagonal part `X̃ᵀdiag(wp_c)X̃` for every class c (dsyrk), minus `GᵀG` with
    /// `G = [diag(√w p_c) X̃]_c` (one dsyrk of width P), so the cost is about `n·P²` multiply-adds.
    func hessian(_ p: [Double], weights: [Double]? = nil, damping: Double = 0,
                        chunkRows: Int = 512, progress: ((Int, Int) -> Void)? = nil) -> [Double] {
        let P = parameterCount, k = classes, w = width
        var h = [Double](repeating: 0, count: P * P)
        var g = [Double](repeating: 0, count: chunkRows * P)
        var xs = [Double](repeating: 0, count: chunkRows * w)
        var blk = [Double](repeating: 0, count: w * w)
        var start = 0
        while start < count {
            let m = min(chunkRows, count - start)
            // G: row i, column j*K + c = √wᵢ pᵢc x̃ᵢⱼ (θ's layout).
            for i in 0..<m {
                let r = start + i
                let sw = (weights?[r] ?? 1).squareRoot()
                for j in 0..<w {
                    let xv = sw * x[r * w + j]
                    for c in 0..<k { g[i * P + j * k + c] = xv * p[r * k + c] }
                }
            }
            g.withUnsafeBufferPointer { gp in
                h.withUnsafeMutableBufferPointer { hp in
                    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(P), Int32(m), -1, gp.baseAddress!, Int32(P),
                                1, hp.baseAddress!, Int32(P))
                }
            }
            for c in 0..<k {
                for i in 0..<m {
                    let r = start + i
                    let s = ((weights?[r] ?? 1) * p[r * k + c]).squareRoot()
                    for j in 0..<w { xs[i * w + j] = s * x[r * w + j] }
                }
                xs.withUnsafeBufferPointer { xp in
                    blk.withUnsafeMutableBufferPointer { bp in
                        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(w), Int32(m), 1, xp.baseAddress!, Int32(w),
                                    0, bp.baseAddress!, Int32(w))
                    }
                }
                for a in 0..<w { for b in a..<w { h[(a * k + c) * P + b * k + c] += blk[a * w + b] } }
            }
            start += m
            progress?(start, count)
        }
        // The per-class blocks filled only a ≤ b of each block; (a*K+c, b*K+c) with a ≤ b is in the upper
        // triangle, as is everything dsyrk wrote. Mirror to the lower triangle.
        for i in 0..<P {
            h[i * P + i] += l2 + damping
            for j in (i + 1)..<max(i + 1, P) { h[j * P + i] = h[i * P + j] }
        }
        return h
    }

    /// Factors of row i's Hessian: columns `u` (P each) with `∇²ℓᵢ = Σ uuᵀ`, from
    /// `diag p − ppᵀ = Σ_c p_c (e_c − p)(e_c − p)ᵀ`, so `∇²ℓᵢ = Σ_c (√p_c x̃ᵢ ⊗ (e_c − p))(…)ᵀ`.
    func rowHessianFactors(_ p: [Double], row i: Int) -> [[Double]] {
        let k = classes
        var out = [[Double]]()
        for c in 0..<k {
            let pc = p[i * k + c]
            if pc < 1e-300 { continue }
            let s = pc.squareRoot()
            var u = [Double](repeating: 0, count: parameterCount)
            for j in 0..<width {
                let xv = s * x[i * width + j]
                if xv == 0 { continue }
                for e in 0..<k { u[j * k + e] = xv * ((e == c ? 1 : 0) - p[i * k + e]) }
            }
            out.append(u)
        }
        return out
    }

    /// Σ_{i∈rows} ∇²ℓᵢ as VVᵀ: V is P × rank, row-major, its columns the rows' factors (`rowHessianFactors`).
    func hessianFactorMatrix(_ p: [Double], rows: [Int]) -> (v: [Double], rank: Int) {
        let columns = rows.flatMap { rowHessianFactors(p, row: $0) }
        let P = parameterCount, r = columns.count
        var v = [Double](repeating: 0, count: P * r)
        for (s, u) in columns.enumerated() { for i in 0..<P where u[i] != 0 { v[i * r + s] = u[i] } }
        return (v, r)
    }

    /// v ↦ Σ_{i∈rows} ∇²ℓᵢ·v at θ (the data term only), the rows and their probabilities gathered once: a
    /// product over a request's few rows, not over all of them.
    func rowsHessianVectorProduct(at theta: [Double], rows: [Int]) -> ([Double]) -> [Double] {
        let k = classes, w = width, m = rows.count, count = parameterCount
        var xs = [Double]()
        xs.reserveCapacity(m * w)
        for i in rows { xs.append(contentsOf: x[i * w ..< (i + 1) * w]) }
        var p = [Double](repeating: 0, count: m * k)
        dgemm(false, false, m, k, w, xs, w, theta, k, 0, &p, k)
        Self.softmaxRows(&p, classes: k)
        return { v in
            var zv = [Double](repeating: 0, count: m * k)
            dgemm(false, false, m, k, w, xs, w, v, k, 0, &zv, k)
            for r in 0..<m {
                var dot = 0.0
                for c in 0..<k { dot += p[r * k + c] * zv[r * k + c] }
                for c in 0..<k { zv[r * k + c] = p[r * k + c] * (zv[r * k + c] - dot) }
            }
            var out = [Double](repeating: 0, count: count)
            dgemm(true, false, w, k, m, xs, w, zv, k, 0, &out, k)
            return out
        }
    }

    /// Diagonal of Σ_{i∈rows} ∇²ℓᵢ (the data term only).
    func rowsHessianDiagonal(_ p: [Double], rows: [Int]) -> [Double] {
        let k = classes
        var out = [Double](repeating: 0, count: parameterCount)
        for i in rows {
            for j in 0..<width {
                let x2 = x[i * width + j] * x[i * width + j]
                if x2 == 0 { continue }
                for c in 0..<k { let q = p[i * k + c]; out[j * k + c] += x2 * q * (1 - q) }
            }
        }
        return out
    }

    /// Largest singular value of X̃ restricted to rows with a non-zero weight (power iteration on X̃ᵀX̃).
    func spectralNorm(weights: [Double]? = nil) -> Double {
        let w = width
        var gram = [Double](repeating: 0, count: w * w)
        // XᵀX over every row in place, less the rows of weight 0 (a request's forgotten rows): no copy of the
        // rows kept, which for a large shard is hundreds of megabytes.
        let dropped = (0..<count).filter { (weights?[$0] ?? 1) == 0 }
        guard dropped.count < count else { return 0 }
        var rows = [Double]()
        rows.reserveCapacity(dropped.count * w)
        for i in dropped { rows.append(contentsOf: x[i * w ..< (i + 1) * w]) }
        gram.withUnsafeMutableBufferPointer { gp in
            x.withUnsafeBufferPointer { xp in
                cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(w), Int32(count), 1, xp.baseAddress!, Int32(w), 0,
                            gp.baseAddress!, Int32(w))
            }
            if !dropped.isEmpty {
                rows.withUnsafeBufferPointer { rp in
                    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(w), Int32(dropped.count), -1, rp.baseAddress!, Int32(w), 1,
                                gp.baseAddress!, Int32(w))
                }
            }
        }
        for a in 0..<w { for b in 0..<a { gram[a * w + b] = gram[b * w + a] } }
        return symmetricLargestEigenvalue(gram, n: w).squareRoot()
    }

    /// Row i's logit change `ΔΘᵀx̃ᵢ` (K values) for a parameter change `delta`.
    func logitChanges(_ delta: [Double]) -> [Double] {
        var z = [Double](repeating: 0, count: count * classes)
        dgemm(false, false, count, classes, width, x, width, delta, classes, 0, &z, classes)
        return z
    }
}

/// Largest eigenvalue of a symmetric positive semidefinite matrix (LAPACK dsyevd on a copy).
func symmetricLargestEigenvalue(_ a: [Double], n: Int) -> Double {
    var m = a
    var ev = [Double](repeating: 0, count: n)
    let info = LAPACKE_dsyev(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), Int8(UInt8(ascii: "U")), Int32(n), &m, Int32(n), &ev)
    precondition(info == 0, "dsyev failed (\(info))")
    return ev.max() ?? 0
}
