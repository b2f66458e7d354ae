import CLAPACKE

/// Cholesky factor `L` of a symmetric positive definite `n × n` matrix (`A = LLᵀ`), held column-major in
/// the lower triangle (LAPACK's own layout, so no call copies it).
public struct CholeskyFactor: Sendable, Equatable {
    public let n: Int
    /// Column-major; the lower triangle holds L, the strict upper triangle is unspecified.
    var storage: [Double]

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

    /// A⁻¹B for `columns` right-hand sides, each a contiguous vector of length n.
    func solve(_ b: [Double], columns: Int = 1) -> [Double] {
        precondition(b.count == n * columns)
        guard columns > 0 else { return [] }
        var x = b
        // The _work variant: the plain one scans the whole factor for NaNs on every call (a tenth of a request).
        let info = storage.withUnsafeBufferPointer { s in
            LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "L")), Int32(n), Int32(columns), s.baseAddress!, Int32(n), &x, Int32(n))
        }
        precondition(info == 0, "dpotrs: bad argument \(-info)")
        return x
    }
}
