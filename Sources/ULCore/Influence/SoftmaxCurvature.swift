import CBLAS
import CLAPACKE
import Dispatch
import Foundation
import ULKernels

/// Second-order quantities of multinomial logistic regression in Double, on a shard's standardised rows.
/// θ is the `(d+1) × K` row-major matrix Θ (feature weights, then the bias row), as in `DenseNetwork`, so a
/// row's gradient is the outer product `gᵢ = x̃ᵢ ⊗ (pᵢ − e_yᵢ)` with `x̃ᵢ = (xᵢ, 1)`, and its Hessian is
/// `(x̃ᵢx̃ᵢᵀ) ⊗ (diag pᵢ − pᵢpᵢᵀ)`.
final class SoftmaxCurvature {
    let inputs: Int
    let classes: Int
    let count: Int
    /// The rows are read where they are, in the data the objective was made from: `features` (the data's own
    /// array, shared, not copied) at row `source[i]` for row i, standardised as they are read by `mean` and
    /// `factor` in Float, as training does (every Float is a Double exactly). x̃ᵢ is that row with a last
    /// column 1. Products over all rows widen each row as they read it: no copy of the shard, in Float or Double.
    let features: [Float]
    let source: [Int]
    let mean: [Float]?
    let factor: [Float]?
    let y: [Int32]
    /// λ of the L2 term of J.
    let l2: Double

    var width: Int { inputs + 1 }
    var parameterCount: Int { width * classes }

    /// Products over all rows run on `lanes` consecutive parts of the rows at once; a sum over rows is formed
    /// per part in row order and the parts' sums are added in part order. The split is fixed, so results never
    /// depend on the number of cores.
    static let lanes = 2

    /// `rows` of `data`, in that order, standardised by `standardization` if given.
    init(data: Dataset, rows: [Int], classCount: Int, l2: Double, standardization: FeatureStandardization? = nil) {
        precondition(data.featureCount > 0 && rows.allSatisfy { $0 >= 0 && $0 < data.count })
        inputs = data.featureCount
        classes = classCount
        count = rows.count
        self.l2 = l2
        features = data.features
        source = rows
        mean = standardization?.mean
        factor = standardization?.factor
        y = rows.map { data.classes[$0] }
    }

    /// x̃ᵢⱼ: feature j of row i, 1 in the bias column j = d.
    @inline(__always) func value(_ i: Int, _ j: Int) -> Double {
        guard j < inputs else { return 1 }
        let v = features[source[i] * inputs + j]
        guard let mean, let factor else { return Double(v) }
        return Double((v - mean[j]) * factor[j])
    }

    /// x̃ᵢ in Double into `out` (`width` values).
    private func widen(row i: Int, into out: UnsafeMutablePointer<Double>) {
        for j in 0..<width { out[j] = value(i, j) }
    }

    /// ‖x̃ᵢ‖².
    func squaredNorm(row i: Int) -> Double {
        var s = 0.0
        for j in 0..<width { let v = value(i, j); s += v * v }
        return s
    }

    /// x̃ of `rows`, in that order, in Double (`rows.count × width`, row-major).
    func rowValues(_ rows: [Int]) -> [Double] {
        let w = width
        return [Double](unsafeUninitializedCapacity: rows.count * w) { out, initialized in
            for (i, r) in rows.enumerated() { widen(row: r, into: out.baseAddress! + i * w) }
            initialized = rows.count * w
        }
    }

    /// Calls `body(start, m, xs)` for rows `range` in consecutive chunks of at most `chunkRows`, rows
    /// `start..<start + m`, with `xs` their x̃ in Double (`m × width`, row-major).
    func forEachChunk(of range: Range<Int>, rows chunkRows: Int, _ body: (_ start: Int, _ m: Int, _ xs: UnsafePointer<Double>) -> Void) {
        let w = width
        let buffer = UnsafeMutablePointer<Double>.allocate(capacity: chunkRows * w)
        defer { buffer.deallocate() }
        var start = range.lowerBound
        while start < range.upperBound {
            let m = min(chunkRows, range.upperBound - start)
            for i in 0..<m { widen(row: start + i, into: buffer + i * w) }
            body(start, m, buffer)
            start += m
        }
    }

    /// Rows `lane` of `lanes` parts (see `lanes`).
    private func part(_ lane: Int) -> Range<Int> { count * lane / Self.lanes ..< count * (lane + 1) / Self.lanes }

    /// `body(lane, part, rows, mean, factor)` for each of the `lanes` parts of the rows at once, `rows` pointing at
    /// each row's features in order (for the kernels; at least one row).
    private func inLanes(_ body: (_ lane: Int, _ part: Range<Int>, UnsafePointer<UnsafePointer<Float>?>, UnsafePointer<Float>?,
                                  UnsafePointer<Float>?) -> Void) {
        features.withUnsafeBufferPointer { f in
            let rows = source.map { UnsafePointer<Float>?(f.baseAddress! + $0 * inputs) }
            rows.withUnsafeBufferPointer { r in
                withOptionalPointer(mean) { m in
                    withOptionalPointer(factor) { factor in
                        DispatchQueue.concurrentPerform(iterations: Self.lanes) { lane in body(lane, part(lane), r.baseAddress!, m, factor) }
                    }
                }
            }
        }
    }

    /// X̃·B for B `width × n` (row-major): `count × n`, each row widened to Double as it is read.
    func product(_ b: [Double], columns n: Int) -> [Double] {
        precondition(b.count == width * n)
        var out = [Double](repeating: 0, count: count * n)
        guard count > 0, n > 0 else { return out }
        let d = inputs
        b.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in
                let b = b.baseAddress!, o = o.baseAddress!
                inLanes { _, part, rows, mean, factor in
                    ul_rows_product(part.count, d, n, rows + part.lowerBound, mean, factor, b, o + part.lowerBound * n)
                }
            }
        }
        return out
    }

    /// X̃ᵀ·S for S `count × n` (row-major): `width × n`, summed per part of the rows (see `lanes`).
    func transposedProduct(_ s: [Double], columns n: Int) -> [Double] {
        precondition(s.count == count * n)
        let size = width * n, d = inputs
        var sums = [Double](repeating: 0, count: Self.lanes * size)
        guard count > 0, n > 0 else { return [Double](repeating: 0, count: size) }
        s.withUnsafeBufferPointer { s in
            sums.withUnsafeMutableBufferPointer { o in
                let s = s.baseAddress!, o = o.baseAddress!
                inLanes { lane, part, rows, mean, factor in
                    ul_rows_transposed_product(part.count, d, n, rows + part.lowerBound, mean, factor, s + part.lowerBound * n, o + lane * size)
                }
            }
        }
        var out = [Double](repeating: 0, count: size)
        for lane in 0..<Self.lanes { for i in 0..<size { out[i] += sums[lane * size + i] } }
        return out
    }

    /// Class probabilities `count × K` at θ.
    func probabilities(_ theta: [Double]) -> [Double] {
        precondition(theta.count == parameterCount)
        var z = product(theta, columns: classes)
        Self.softmaxRows(&z, classes: classes)
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
        return transposedProduct(scaled, columns: k)
    }

    /// gᵢ of one row.
    func rowGradient(_ residuals: [Double], row i: Int) -> [Double] {
        let k = classes
        var g = [Double](repeating: 0, count: parameterCount)
        for j in 0..<width {
            let xv = value(i, j)
            if xv == 0 { continue }
            for c in 0..<k { g[j * k + c] = xv * residuals[i * k + c] }
        }
        return g
    }

    /// (Σᵢ wᵢ∇²ℓᵢ)·v at the probabilities `p` (the data term only; `SoftmaxObjective` adds λv).
    func dataHessianVectorProduct(_ p: [Double], _ v: [Double], weights: [Double]? = nil) -> [Double] {
        let k = classes
        var zv = product(v, columns: k)
        for i in 0..<count {
            var dot = 0.0
            for c in 0..<k { dot += p[i * k + c] * zv[i * k + c] }
            let w = weights?[i] ?? 1
            for c in 0..<k { zv[i * k + c] = w * p[i * k + c] * (zv[i * k + c] - dot) }
        }
        return transposedProduct(zv, columns: k)
    }

    /// Diagonal of Σᵢ wᵢ∇²ℓᵢ + λI.
    func hessianDiagonal(_ p: [Double], weights: [Double]? = nil) -> [Double] {
        let k = classes
        var out = [Double](repeating: l2, count: parameterCount)
        for i in 0..<count {
            let w = weights?[i] ?? 1
            for j in 0..<width {
                let x2 = value(i, j) * value(i, j)
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
                    let xv = sw * value(r, j)
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
                    for j in 0..<w { xs[i * w + j] = s * value(r, j) }
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
                let xv = s * value(i, j)
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
        let xs = rowValues(rows)
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
                let x2 = value(i, j) * value(i, j)
                if x2 == 0 { continue }
                for c in 0..<k { let q = p[i * k + c]; out[j * k + c] += x2 * q * (1 - q) }
            }
        }
        return out
    }

    /// Largest singular value of X̃ restricted to rows with a non-zero weight: √λmax of X̃ᵀX̃, formed per part of
    /// the rows (see `lanes`) in chunks of 1,024 rows.
    func spectralNorm(weights: [Double]? = nil) -> Double {
        let w = width, size = w * w
        var grams = [Double](repeating: 0, count: Self.lanes * size)
        var kept = [Int](repeating: 0, count: Self.lanes)
        grams.withUnsafeMutableBufferPointer { g in
            kept.withUnsafeMutableBufferPointer { kept in
                let g = g.baseAddress!, kept = kept.baseAddress!
                DispatchQueue.concurrentPerform(iterations: Self.lanes) { lane in
                    forEachChunk(of: part(lane), rows: 1024) { start, m, xs in
                        // A request's forgotten rows (weight 0) are left out: a chunk that lost rows is gathered without them.
                        let rows = (start..<start + m).filter { (weights?[$0] ?? 1) != 0 }
                        guard !rows.isEmpty else { return }
                        func add(_ a: UnsafePointer<Double>) {
                            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(w), Int32(rows.count), 1, a, Int32(w), 1,
                                        g + lane * size, Int32(w))
                        }
                        if rows.count == m { add(xs) } else { rowValues(rows).withUnsafeBufferPointer { add($0.baseAddress!) } }
                        kept[lane] += rows.count
                    }
                }
            }
        }
        guard kept.reduce(0, +) > 0 else { return 0 }
        var gram = [Double](repeating: 0, count: size)
        for lane in 0..<Self.lanes { for i in 0..<size { gram[i] += grams[lane * size + i] } }
        for a in 0..<w { for b in 0..<a { gram[a * w + b] = gram[b * w + a] } }
        return symmetricLargestEigenvalue(gram, n: w).squareRoot()
    }

    /// Row i's logit change `ΔΘᵀx̃ᵢ` (K values) for a parameter change `delta`.
    func logitChanges(_ delta: [Double]) -> [Double] {
        product(delta, columns: classes)
    }
}

/// `body` with the array's storage, or nil for nil.
private func withOptionalPointer<R>(_ values: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// Largest eigenvalue of a symmetric positive semidefinite matrix (LAPACK dsyevd on a copy).
func symmetricLargestEigenvalue(_ a: [Double], n: Int) -> Double {
    var m = a
    var ev = [Double](repeating: 0, count: n)
    let info = LAPACKE_dsyev(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), Int8(UInt8(ascii: "U")), Int32(n), &m, Int32(n), &ev)
    precondition(info == 0, "dsyev failed (\(info))")
    return ev.max() ?? 0
}
