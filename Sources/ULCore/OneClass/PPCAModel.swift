import CBLAS
import CLAPACKE
import Foundation

/// Probabilistic PCA of one class: x ~ N(μ, C), C = WWᵀ + σ²I, in closed form.
///
/// With λ₁ ≥ … ≥ λ_d the eigenvalues of the sample covariance (divisor n) and U_q the leading q eigenvectors,
/// σ² = mean(λ_{q+1..d}) and W = U_q (Λ_q − σ²I)^{1/2}, so C = U_q Λ_q U_qᵀ + σ²(I − U_q U_qᵀ).
/// The score is the Gaussian log-likelihood log N(x | μ, C), a normalised density, comparable across classes.
/// The covariance product (dsyrk) and the eigensolver (dsyevr) run in OpenBLAS/LAPACK: for bit-identical refits
/// the caller fixes the BLAS thread count (openblas_set_num_threads), as for any training in a shard.
struct PPCAModel: OneClassModel, Equatable {
    let dimension: Int
    /// μ (d values).
    let mean: [Double]
    /// U_q, row-major d × q (column k is the k-th principal direction, unit length).
    let basis: [Double]
    /// Kept eigenvalues λ₁..λ_q of the model covariance (≥ σ²), largest first.
    let eigenvalues: [Double]
    /// Residual variance σ².
    let noiseVariance: Double

    var components: Int { eigenvalues.count }

    /// Fits on one class's rows. The result depends only on the set of (id, row) pairs, not their order.
    static func fit(features: [Float], dimension: Int, ids: [String],
                           config: PPCAConfig = PPCAConfig()) throws -> PPCAModel {
        let rows = try CanonicalRows(features: features, dimension: dimension, ids: ids)
        return try fitWeighted(rows, weights: nil, config: config)
    }

    /// Weighted fit (weights ≥ 0, positive sum), used by the M-step of the mixture.
    static func fitWeighted(_ rows: CanonicalRows, weights: [Double]?, config: PPCAConfig) throws -> PPCAModel {
        guard config.components >= 0 else { throw OneClassError.invalidConfig("components must be ≥ 0") }
        guard config.varianceFloor > 0 else { throw OneClassError.invalidConfig("varianceFloor must be > 0") }
        let n = rows.n, d = rows.d
        let w = weights ?? Array(repeating: 1, count: n)
        let total = w.reduce(0, +)
        guard total > 0 else { throw OneClassError.noRows }
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n where w[i] != 0 {
            for c in 0..<d { mean[c] += w[i] * rows.x[i * d + c] }
        }
        for c in 0..<d { mean[c] /= total }
        // Y = diag(√w)(X − 1μᵀ); S = YᵀY / Σw.
        var y = [Double](repeating: 0, count: n * d)
        for i in 0..<n {
            let s = w[i].squareRoot()
            for c in 0..<d { y[i * d + c] = s * (rows.x[i * d + c] - mean[c]) }
        }
        var cov = [Double](repeating: 0, count: d * d)
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(d), Int32(n), 1 / total, y, Int32(d), 0, &cov, Int32(d))
        var trace = 0.0
        for c in 0..<d { trace += cov[c * d + c] }
        let q = min(config.components, d - 1)
        let (values, vectors) = try leadingEigenpairs(symmetricUpperRowMajor: cov, dimension: d, count: q)
        let kept = values.reduce(0, +)
        let residual = d > q ? (trace - kept) / Double(d - q) : 0
        let sigma2 = max(residual, config.varianceFloor)
        return PPCAModel(dimension: d, mean: mean, basis: vectors, eigenvalues: values.map { max($0, sigma2) },
                         noiseVariance: sigma2)
    }

    init(dimension: Int, mean: [Double], basis: [Double], eigenvalues: [Double], noiseVariance: Double) {
        self.dimension = dimension
        self.mean = mean
        self.basis = basis
        self.eigenvalues = eigenvalues
        self.noiseVariance = noiseVariance
    }

    /// log det C = Σ log λ_k + (d − q) log σ².
    var logDeterminant: Double {
        eigenvalues.reduce(0) { $0 + log($1) } + Double(dimension - components) * log(noiseVariance)
    }

    /// log N(x | μ, C) by the Woodbury identity in eigen form, O(d·q):
    /// (x−μ)ᵀC⁻¹(x−μ) = (‖r‖² − ‖U_qᵀr‖²)/σ² + Σ_k (u_kᵀr)²/λ_k with r = x − μ.
    func score(_ x: UnsafeBufferPointer<Float>) -> Double {
        logLikelihood(x)
    }

    func logLikelihood(_ x: UnsafeBufferPointer<Float>) -> Double {
        logLikelihood { Double(x[$0]) }
    }

    /// The same for a row given feature by feature.
    @inline(__always)
    func logLikelihood(_ x: (Int) -> Double) -> Double {
        let d = dimension, q = components
        var r = [Double](repeating: 0, count: d)
        var rr = 0.0
        for c in 0..<d { r[c] = x(c) - mean[c]; rr += r[c] * r[c] }
        var proj = [Double](repeating: 0, count: q)
        for c in 0..<d {
            let rc = r[c]
            for k in 0..<q { proj[k] += basis[c * q + k] * rc }
        }
        var mahal = rr / noiseVariance
        for k in 0..<q { mahal += proj[k] * proj[k] * (1 / eigenvalues[k] - 1 / noiseVariance) }
        return -0.5 * (Double(d) * log(2 * Double.pi) + logDeterminant + mahal)
    }

    func encode(into w: inout ByteWriter) {
        w.int(dimension)
        w.int(components)
        w.doubles(mean)
        w.doubles(basis)
        w.doubles(eigenvalues)
        w.f64(noiseVariance)
    }

    init(from r: inout ByteReader) throws {
        let d = try r.count(limit: 1 << 24)
        let q = try r.count(limit: max(d - 1, 0))
        guard d > 0 else { throw ByteReaderError.invalid("dimension 0") }
        dimension = d
        mean = try r.doubles(count: d)
        basis = try r.doubles(count: d * q)
        eigenvalues = try r.doubles(count: q)
        noiseVariance = try r.f64()
        guard noiseVariance > 0, eigenvalues.allSatisfy({ $0 >= noiseVariance }) else {
            throw ByteReaderError.invalid("PPCA variances")
        }
    }
}

/// The `count` largest eigenvalues (descending) and their eigenvectors (row-major d × count) of a symmetric
/// matrix whose upper triangle is stored row-major (= lower triangle column-major), by LAPACK dsyevr.
func leadingEigenpairs(symmetricUpperRowMajor a: [Double], dimension d: Int, count q: Int) throws
    -> (values: [Double], vectors: [Double]) {
    guard q > 0 else { return ([], []) }
    var a = a
    var found: Int32 = 0
    var w = [Double](repeating: 0, count: d)
    var z = [Double](repeating: 0, count: d * q)   // column-major d × q
    var support = [Int32](repeating: 0, count: 2 * q)
    let info = LAPACKE_dsyevr(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "I")),
                              Int8(UInt8(ascii: "L")), Int32(d), &a, Int32(d), 0, 0, Int32(d - q + 1), Int32(d),
                              0, &found, &w, &z, Int32(d), &support)
    guard info == 0, found == Int32(q) else { throw OneClassError.lapack("dsyevr", info) }
    // LAPACK returns ascending order; reverse to largest first and transpose to row-major d × q.
    var values = [Double](repeating: 0, count: q)
    var vectors = [Double](repeating: 0, count: d * q)
    for k in 0..<q {
        let src = q - 1 - k
        values[k] = w[src]
        for c in 0..<d { vectors[c * q + k] = z[src * d + c] }
    }
    return (values, vectors)
}
