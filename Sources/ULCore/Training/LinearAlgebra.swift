import CBLAS

// The dense kernels the objectives and solvers share: BLAS calls row-major, and small vector helpers.

func dot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in a.indices { s += a[i] * b[i] }
    return s
}

func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }

func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
    for i in x.indices { y[i] += alpha * x[i] }
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

/// C(m×n) = op(A)·op(B) + β·C, row-major, double precision.
func dgemm(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: [Double], _ lda: Int,
           _ b: [Double], _ ldb: Int, _ beta: Double, _ c: inout [Double], _ ldc: Int) {
    guard m > 0, n > 0 else { return }
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            c.withUnsafeMutableBufferPointer { c in
                // An empty operand (k = 0) has no storage; any address does, since nothing is read from it.
                let pa = a.baseAddress ?? UnsafePointer(c.baseAddress!), pb = b.baseAddress ?? UnsafePointer(c.baseAddress!)
                dgemm(transA, transB, m, n, k, pa, lda, pb, ldb, beta, c.baseAddress!, ldc)
            }
        }
    }
}
