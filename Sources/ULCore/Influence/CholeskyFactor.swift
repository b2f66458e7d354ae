import CBLAS
import CLAPACKE
import Dispatch

/// Cholesky factor `L` of a symmetric positive definite `n × n` matrix (`A = LLᵀ`), held column-major in
/// the lower triangle (LAPACK's own layout, so no call copies it).
public struct CholeskyFactor: Sendable, Equatable {
    public let n: Int
    /// Column-major; the lower triangle holds L, the strict upper triangle is unspecified. Empty while the
    /// values are read in place from `mapped`.
    private var storage: [Double]
    /// The values in a stored sidecar's map (n·n little-endian f64): a factor loaded for a request is used
    /// from the file's pages, not copied; it is copied only when changed (`downdate`).
    private var mapped: ByteRegion?

    /// Factors a symmetric matrix given with both triangles (row- and column-major are then the same).
    public init(symmetric a: [Double], n: Int) throws {
        precondition(a.count == n * n)
        var m = a
        let info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "L")), Int32(n), &m, Int32(n))
        if info > 0 { throw CurvatureError.notPositiveDefinite(column: Int(info)) }
        precondition(info == 0, "dpotrf: bad argument \(-info)")
        self.n = n
        storage = m
    }

    public init(n: Int, storage: [Double]) {
        precondition(storage.count == n * n)
        self.n = n
        self.storage = storage
    }

    /// A factor read in place from `region`: n·n f64 values on a little-endian host, 8-byte aligned.
    init(n: Int, mapped region: ByteRegion) {
        precondition(isLittleEndianHost && region.bytes.count == n * n * MemoryLayout<Double>.stride
                     && Int(bitPattern: region.bytes.baseAddress) % MemoryLayout<Double>.alignment == 0)
        self.n = n
        storage = []
        mapped = region
    }

    /// Whether the values are read from a sidecar's map.
    var isMapped: Bool { mapped != nil }

    /// The column-major values, wherever they are held.
    func withValues<T>(_ body: (UnsafeBufferPointer<Double>) throws -> T) rethrows -> T {
        guard let m = mapped else { return try storage.withUnsafeBufferPointer(body) }
        return try body(m.bytes.bindMemory(to: Double.self))
    }

    /// The values in `storage`, copied out of the map first if need be, for a change in place.
    private mutating func withMutableValues<T>(_ body: (inout UnsafeMutableBufferPointer<Double>) throws -> T) rethrows -> T {
        if mapped != nil {
            storage = withValues { Array($0) }
            mapped = nil
        }
        return try storage.withUnsafeMutableBufferPointer(body)
    }

    public static func == (a: CholeskyFactor, b: CholeskyFactor) -> Bool {
        a.n == b.n && a.withValues { x in b.withValues { x.elementsEqual($0) } }
    }

    /// A⁻¹B for `columns` right-hand sides, each a contiguous vector of length n.
    func solve(_ b: [Double], columns: Int = 1) -> [Double] {
        precondition(b.count == n * columns)
        guard columns > 0 else { return [] }
        var x = b
        if columns == 1 {
            // One right-hand side: triangular solves that read the factor once each, where dpotrs's dtrsm packs
            // it into panels first (twice the memory traffic of a factor of hundreds of megabytes).
            withValues { s in x.withUnsafeMutableBufferPointer { solveInLanes($0.baseAddress!, values: s.baseAddress!) } }
            return x
        }
        // The _work variant: the plain one scans the whole factor for NaNs on every call (a tenth of a request).
        let info = withValues { s in
            LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "L")), Int32(n), Int32(columns), s.baseAddress!, Int32(n), &x, Int32(n))
        }
        precondition(info == 0, "dpotrs: bad argument \(-info)")
        return x
    }
}

extension CholeskyFactor {
    /// Columns per diagonal block of `solveInLanes`.
    static let triangularBlock = 256

    /// x ← L⁻ᵀL⁻¹x by blocks of `triangularBlock` columns: each diagonal block by `dtrsv`, the panel of L below it
    /// by `dgemv` in two fixed lanes of rows, at once. Forward, each lane updates its own rows of x; backward,
    /// each lane forms its rows' share of the panel's product and the shares are subtracted in lane order. The
    /// split is fixed, so the result does not depend on the number of cores; the factor (hundreds of megabytes)
    /// is read by both cores.
    private func solveInLanes(_ x: UnsafeMutablePointer<Double>, values l: UnsafePointer<Double>) {
        let nb = Self.triangularBlock, ld = Int32(n)
        let blocks = stride(from: 0, to: n, by: nb).map { $0..<min($0 + nb, n) }
        // The rows below block b cut in two.
        func lanes(below b: Range<Int>) -> [Range<Int>] {
            let mid = b.upperBound + (n - b.upperBound) / 2
            return [b.upperBound..<mid, mid..<n]
        }
        for b in blocks {
            cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, Int32(b.count), l + b.lowerBound * n + b.lowerBound, ld,
                        x + b.lowerBound, 1)
            let parts = lanes(below: b)
            DispatchQueue.concurrentPerform(iterations: parts.count) { lane in
                let rows = parts[lane]
                guard !rows.isEmpty else { return }
                cblas_dgemv(CblasColMajor, CblasNoTrans, Int32(rows.count), Int32(b.count), -1, l + b.lowerBound * n + rows.lowerBound, ld,
                            x + b.lowerBound, 1, 1, x + rows.lowerBound, 1)
            }
        }
        let shares = UnsafeMutablePointer<Double>.allocate(capacity: 2 * nb)
        defer { shares.deallocate() }
        for b in blocks.reversed() {
            let parts = lanes(below: b)
            DispatchQueue.concurrentPerform(iterations: parts.count) { lane in
                let rows = parts[lane], share = shares + lane * nb
                guard !rows.isEmpty else { share.update(repeating: 0, count: b.count); return }
                cblas_dgemv(CblasColMajor, CblasTrans, Int32(rows.count), Int32(b.count), 1, l + b.lowerBound * n + rows.lowerBound, ld,
                            x + rows.lowerBound, 1, 0, share, 1)
            }
            for lane in 0..<parts.count { for i in 0..<b.count { x[b.lowerBound + i] -= shares[lane * nb + i] } }
            cblas_dtrsv(CblasColMajor, CblasLower, CblasTrans, CblasNonUnit, Int32(b.count), l + b.lowerBound * n + b.lowerBound, ld,
                        x + b.lowerBound, 1)
        }
    }

    /// Replaces L by the factor of `LLᵀ − VVᵀ` (a rank-`rank` downdate), `v` the `n × rank` matrix V
    /// row-major (row i holds the i-th entry of every column). Blocked hyperbolic Householder transforms:
    /// column j of L and row j of V are combined by a J-orthogonal reflector (J = diag(1, −I)) that zeroes
    /// V's row j, as LINPACK's dchdd does with rotations one vector at a time; the reflectors of `blockSize`
    /// columns are applied to the rows below at once in compact WY form (two dgemm), so L is read once and
    /// the cost is about 2·rank·n² multiply-adds, against n³/3 for a new factorisation.
    ///
    /// Throws `downdateNotPositiveDefinite` when a pivot would fall below √(2000ε) of its old value (the
    /// downdated matrix is not positive definite, or too close to singular for the pivot to keep digits);
    /// L is then partly changed and must not be used.
    public mutating func downdate(_ v: [Double], rank r: Int, blockSize: Int = 48) throws {
        precondition(v.count == n * r)
        guard r > 0, n > 0 else { return }
        let n = self.n, ldl = n
        var v = v
        let nb = max(1, blockSize)
        var xs = [Double](repeating: 0, count: nb * r)  // the reflectors' V parts, row-major nb × r
        var u1 = [Double](repeating: 0, count: nb)  // their L parts (one entry each)
        var t = [Double](repeating: 0, count: nb * nb)  // upper triangular T of Q = I − JU·T·Uᵀ, row-major
        var y = [Double](repeating: 0, count: max(0, n - nb) * nb)
        var w = [Double](repeating: 0, count: nb)
        let floor = 1000 * Double.ulpOfOne
        try withMutableValues { lb in
            try v.withUnsafeMutableBufferPointer { vb in
                let l = lb.baseAddress!, vp = vb.baseAddress!
                var j0 = 0
                while j0 < n {
                    let jb = min(nb, n - j0)
                    for k in 0..<jb * jb { t[k] = 0 }
                    // The panel: reflectors of columns j0..<j0+jb, each applied at once to the panel's rows.
                    for lj in 0..<jb {
                        let j = j0 + lj
                        let alpha = l[j + j * ldl]
                        let xj = vp + j * r
                        var xx = 0.0
                        for s in 0..<r { xx += xj[s] * xj[s] }
                        let xn = xx.squareRoot()
                        guard alpha > 0, alpha.isFinite, xx.isFinite, alpha - xn > floor * alpha else {
                            throw CurvatureError.downdateNotPositiveDefinite(column: j + 1)
                        }
                        for s in 0..<r { xs[lj * r + s] = xj[s] }
                        guard xx > 0 else { u1[lj] = 0; continue }  // the identity: T's column stays 0
                        let beta = ((alpha - xn) * (alpha + xn)).squareRoot()
                        let u = xx / (alpha + beta)  // α − β without cancellation
                        let tau = -1 / (beta * u)  // 2/(uᵀJu), uᵀJu = u² − ‖x‖² = −2βu
                        u1[lj] = u
                        l[j + j * ldl] = beta
                        for s in 0..<r { xj[s] = 0 }
                        for i in (j + 1)..<max(j + 1, j0 + jb) {
                            let xi = vp + i * r
                            var d = 0.0
                            for s in 0..<r { d += xi[s] * xs[lj * r + s] }
                            let c = tau * (l[i + j * ldl] * u - d)
                            l[i + j * ldl] -= c * u
                            for s in 0..<r { xi[s] -= c * xs[lj * r + s] }
                        }
                        // T's column lj: −τ·T[0..<lj, 0..<lj]·(Uᵀ J u_lj), whose entries are −x_mᵀx_lj (the L
                        // parts of two reflectors never share a column).
                        for m in 0..<lj {
                            var d = 0.0
                            for s in 0..<r { d += xs[m * r + s] * xs[lj * r + s] }
                            w[m] = -d
                        }
                        for a in 0..<lj {
                            var d = 0.0
                            for m in a..<lj { d += t[a * nb + m] * w[m] }
                            t[a * nb + lj] = -tau * d
                        }
                        t[lj * nb + lj] = tau
                    }
                    // The rows below: [L21 V2] ← [L21 V2] − Y·T·Uᵀ with Y = [L21 V2]·J·U (Y column-major m × jb;
                    // V row-major is V2ᵀ column-major, the reflectors' rows xs are Uᵀ's V part column-major).
                    let i0 = j0 + jb, m = n - i0
                    if m > 0 {
                        xs.withUnsafeBufferPointer { xsp in
                            y.withUnsafeMutableBufferPointer { yp in
                                let v2 = vp + i0 * r
                                cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(jb), Int32(r), -1, v2, Int32(r),
                                            xsp.baseAddress!, Int32(r), 0, yp.baseAddress!, Int32(m))
                                for c in 0..<jb where u1[c] != 0 {
                                    let col = l + i0 + (j0 + c) * ldl, yc = yp.baseAddress! + c * m, u = u1[c]
                                    for i in 0..<m { yc[i] += col[i] * u }
                                }
                                // T row-major upper is Tᵀ column-major lower.
                                t.withUnsafeBufferPointer { tp in
                                    cblas_dtrmm(CblasColMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, Int32(m), Int32(jb), 1,
                                                tp.baseAddress!, Int32(nb), yp.baseAddress!, Int32(m))
                                }
                                for c in 0..<jb where u1[c] != 0 {
                                    let col = l + i0 + (j0 + c) * ldl, yc = yp.baseAddress! + c * m, u = u1[c]
                                    for i in 0..<m { col[i] -= yc[i] * u }
                                }
                                cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, Int32(r), Int32(m), Int32(jb), -1, xsp.baseAddress!,
                                            Int32(r), yp.baseAddress!, Int32(m), 1, v2, Int32(r))
                            }
                        }
                    }
                    j0 += jb
                }
            }
        }
    }

    /// zᵀLLᵀz = ‖Lᵀz‖² (one triangular product), for a cheap check of a downdate.
    func quadraticForm(_ z: [Double]) -> Double {
        var x = z
        withValues { s in
            cblas_dtrmv(CblasColMajor, CblasLower, CblasTrans, CblasNonUnit, Int32(n), s.baseAddress!, Int32(n), &x, 1)
        }
        return x.reduce(0) { $0 + $1 * $1 }
    }

    /// L's lower triangle, row-major n × n with zeros above the diagonal (for tests and comparisons).
    public var lowerTriangle: [Double] {
        var out = [Double](repeating: 0, count: n * n)
        withValues { s in for j in 0..<n { for i in j..<n { out[i * n + j] = s[i + j * n] } } }
        return out
    }
}
