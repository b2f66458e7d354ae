import CBLAS
import Foundation

/// A one-hidden-layer autoencoder of one class: h = tanh(x W₁ + b₁), x̂ = h W₂ + b₂ (linear output). Training
/// minimises Σᵢ ½‖x̂ᵢ − xᵢ‖² + (λ/2)‖θ‖² over the class's rows by mini-batch Adam; the score of a row is
/// −‖x̂ − x‖², its squared reconstruction error negated.
///
/// Iterative, so it uses the block checkpoints: `trained(…)` continues from this model's weights (the Adam
/// moments start afresh at each call). Rows are visited in the order `order(epoch)` gives, in batches cut
/// in that order, and all arithmetic is Double with single-threaded BLAS, so the same weights, rows and order
/// give the same bits.
///
/// The error is not a density, so the per-class calibration (`TrainConfig.calibrate`: standardise by the mean and
/// deviation of the class's own rows' scores) is offered; measured, it lowers accuracy (Fashion-MNIST, 1000 rows
/// per class, defaults: 0.78 raw, 0.69 calibrated; digits 0.978 and 0.973), so raw scores are the default.
struct AutoencoderModel: OneClassModel, Equatable {
    let dimension: Int
    /// H.
    let hidden: Int
    /// Passes over the rows run so far (over all calls).
    let epochs: Int
    /// θ: W₁ (d × H, row-major), b₁ (H), W₂ (H × d, row-major), b₂ (d).
    let parameters: [Double]

    /// Length of θ for d inputs and H hidden units.
    static func parameterCount(dimension d: Int, hidden h: Int) -> Int { (d + 1) * h + (h + 1) * d }

    init(dimension: Int, hidden: Int, epochs: Int, parameters: [Double]) {
        precondition(parameters.count == Self.parameterCount(dimension: dimension, hidden: hidden))
        self.dimension = dimension
        self.hidden = hidden
        self.epochs = epochs
        self.parameters = parameters
    }

    /// Seeded initial weights, N(0, 1/fan-in), drawn from a generator seeded by (seed, shard); zero biases.
    static func initial(dimension d: Int, hidden h: Int, seed: UInt64, shard: Int) -> AutoencoderModel {
        precondition(d >= 1 && h >= 1)
        var g = SeededGenerator(seed: mix64(seed ^ mix64(UInt64(shard) &+ 0x4155_544f_454e_4300)))
        var theta = [Double](repeating: 0, count: parameterCount(dimension: d, hidden: h))
        let sd1 = 1 / Double(d).squareRoot(), sd2 = 1 / Double(h).squareRoot()
        for i in 0..<d * h { theta[i] = sd1 * g.nextGaussian() }
        let w2 = (d + 1) * h
        for i in 0..<h * d { theta[w2 + i] = sd2 * g.nextGaussian() }
        return AutoencoderModel(dimension: d, hidden: h, epochs: 0, parameters: theta)
    }

    /// `epochs` passes of mini-batch Adam over rows of `features` (row-major, `dimension` wide), from this
    /// model's weights. Epoch e visits `order(e)` (indices of rows) in batches of `batchSize` cut in that order;
    /// each step follows the batch mean of ∇ℓ plus (λ/N)·θ for the epoch's N rows.
    func trained(features: [Float], order: (Int) -> [Int], epochs: Int, config: AutoencoderConfig) -> AutoencoderModel {
        precondition(config.hidden == hidden && config.batchSize >= 1 && epochs >= 0)
        _ = blasSingleThreaded
        var theta = parameters
        let adam = Adam(parameterCount: theta.count, learningRate: config.learningRate)
        let ws = AutoencoderWorkspace(dimension: dimension, hidden: hidden, capacity: config.batchSize)
        var g = [Double](repeating: 0, count: theta.count)
        for epoch in 0..<epochs {
            let rows = order(epoch)
            let n = rows.count
            guard n > 0 else { break }
            let decay = config.l2 / Double(n)
            var start = 0
            while start < n {
                let m = min(config.batchSize, n - start)
                ws.load(features, rows: rows[start..<start + m])
                theta.withUnsafeBufferPointer { t in
                    g.withUnsafeMutableBufferPointer { _ = ws.pass(t.baseAddress!, m: m, gradient: $0.baseAddress!) }
                }
                let inv = 1 / Double(m)
                for i in g.indices { g[i] = g[i] * inv + decay * theta[i] }
                adam.step(&theta, gradient: g)
                start += m
            }
        }
        return AutoencoderModel(dimension: dimension, hidden: hidden, epochs: self.epochs + epochs, parameters: theta)
    }

    /// Σ ½‖x̂ − x‖² over `rows` of `features` (no L2 term) and, with `gradient`, its gradient in θ's layout.
    func reconstructionLoss(features: [Float], rows: [Int], gradient: Bool) -> (value: Double, gradient: [Double]) {
        _ = blasSingleThreaded
        let chunk = 256
        let ws = AutoencoderWorkspace(dimension: dimension, hidden: hidden, capacity: chunk)
        var total = [Double](repeating: 0, count: gradient ? parameters.count : 0)
        var g = total
        var value = 0.0
        var start = 0
        while start < rows.count {
            let m = min(chunk, rows.count - start)
            ws.load(features, rows: rows[start..<start + m])
            parameters.withUnsafeBufferPointer { t in
                g.withUnsafeMutableBufferPointer { value += ws.pass(t.baseAddress!, m: m, gradient: gradient ? $0.baseAddress! : nil) }
            }
            for i in g.indices { total[i] += g[i] }
            start += m
        }
        return (value, total)
    }

    /// −‖x̂ − x‖² of every row of a row-major matrix.
    func scores(features: [Float]) -> [Double] {
        precondition(features.count % dimension == 0)
        _ = blasSingleThreaded
        let n = features.count / dimension, chunk = 256
        let ws = AutoencoderWorkspace(dimension: dimension, hidden: hidden, capacity: chunk)
        var out = [Double](repeating: 0, count: n)
        var start = 0
        while start < n {
            let m = min(chunk, n - start)
            ws.load(features, rows: start..<start + m)
            parameters.withUnsafeBufferPointer { t in
                out.withUnsafeMutableBufferPointer { o in
                    _ = ws.pass(t.baseAddress!, m: m, gradient: nil, rowErrors: o.baseAddress! + start)
                }
            }
            start += m
        }
        return out.map { -$0 }
    }

    func score(_ x: UnsafeBufferPointer<Float>) -> Double { scores(features: Array(x))[0] }

    func encode(into w: inout ByteWriter) {
        w.int(dimension)
        w.int(hidden)
        w.int(epochs)
        w.doubles(parameters)
    }

    init(from r: inout ByteReader) throws {
        dimension = try r.count(limit: 1 << 24)
        hidden = try r.count(limit: 1 << 24)
        epochs = try r.count(limit: Int.max)
        guard dimension >= 1, hidden >= 1 else { throw ByteReaderError.invalid("autoencoder shape") }
        parameters = try r.doubles(count: Self.parameterCount(dimension: dimension, hidden: hidden))
    }
}
