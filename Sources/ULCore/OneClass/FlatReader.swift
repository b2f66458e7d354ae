import Foundation

/// Reads a flat checkpoint front to back.
struct FlatReader {
    let values: [Double]
    var offset = 0
    init(_ values: [Double]) { self.values = values }
    var atEnd: Bool { offset == values.count }

    mutating func next() throws -> Double {
        guard offset < values.count else { throw ByteReaderError.invalid("checkpoint too short") }
        defer { offset += 1 }
        return values[offset]
    }
    mutating func int() throws -> Int {
        guard let v = exactInt(try next()), v >= 0 else { throw ByteReaderError.invalid("count") }
        return v
    }
    mutating func take(_ n: Int) throws -> [Double] {
        guard n >= 0, n <= values.count - offset else { throw ByteReaderError.invalid("checkpoint too short") }
        defer { offset += n }
        return Array(values[offset..<offset + n])
    }
    /// `rows × columns` values; a product that overflows is a checkpoint too short for it.
    mutating func take(_ rows: Int, by columns: Int) throws -> [Double] {
        let (n, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard rows >= 0, columns >= 0, !overflow else { throw ByteReaderError.invalid("checkpoint too short") }
        return try take(n)
    }
    mutating func ppca(dimension d: Int) throws -> PPCAModel {
        let q = try int()
        guard q < d else { throw ByteReaderError.invalid("PPCA components") }
        let sigma2 = try next()
        let mean = try take(d), eig = try take(q), basis = try take(d, by: q)
        guard sigma2 > 0, eig.allSatisfy({ $0 >= sigma2 }) else { throw ByteReaderError.invalid("PPCA variances") }
        return PPCAModel(dimension: d, mean: mean, basis: basis, eigenvalues: eig, noiseVariance: sigma2)
    }
}
