import Dispatch

/// Sums of the loss, gradient and Hessian-vector product over a list of rows. Rows are cut into chunks of
/// `chunkRows` in list order; chunk c goes to lane c mod `lanes`, each lane sums its chunks in order in
/// Double, and lanes are summed in lane order. Lanes run concurrently, yet the result depends only on the
/// rows, their order, `chunkRows` and `lanes` — never on the thread count. An evaluator (and an objective
/// built on one) reuses its buffers, so one instance must not be called from two threads at once.
final class NetworkEvaluator {
    let network: DenseNetwork
    let data: Dataset
    let chunkRows: Int
    let lanes: Int
    private var workspaces: [ChunkWorkspace] = []
    /// Per lane, the Double sums of its chunks' gradients (P values) and Hessian-vector products (P values),
    /// kept between calls: a mini-batch step allocates and zeroes nothing.
    private var laneSums: UnsafeMutablePointer<Double>
    private var laneValues: UnsafeMutablePointer<Double>
    /// A softmax layer's weights padded for the forward product, made once per `accumulate` for every chunk.
    private var paddedWeights: UnsafeMutablePointer<Float>?
    /// Lanes that held a chunk in the last `accumulate`.
    private(set) var usedLanes = 0
    /// Whether every lane held one chunk at most (a mini-batch): its sum is then read from the chunk's
    /// workspace, as 0 + x would round it, instead of being copied into Double first.
    private var oneChunkPerLane = false

    init(network: DenseNetwork, data: Dataset, chunkRows: Int = 1024, lanes: Int = 8) {
        precondition(data.featureCount == network.inputCount && chunkRows >= 1 && lanes >= 1)
        _ = blasSingleThreaded
        self.network = network
        self.data = data
        self.chunkRows = chunkRows
        self.lanes = lanes
        laneSums = .allocate(capacity: 2 * lanes * network.parameterCount)
        laneValues = .allocate(capacity: lanes)
    }

    deinit {
        laneSums.deallocate()
        laneValues.deallocate()
        paddedWeights?.deallocate()
    }

    struct Result {
        var value: Double
        /// Empty unless asked for.
        var gradient: [Double]
        var hessianVector: [Double]
    }

    /// Σ wᵢ ℓ(zᵢ;θ) over `rows` (indices into `data`), with `weights` aligned to `rows` (nil: all 1). With a
    /// direction, `hessianVector` is the `secondOrder` product with it; with `.gaussNewtonDiagonal` (and no
    /// direction), it is diag G.
    func evaluate(_ theta: [Double], rows: UnsafeBufferPointer<Int>, weights: UnsafeBufferPointer<Double>? = nil,
                  gradient: Bool, direction: [Double]? = nil, secondOrder: ChunkWorkspace.SecondOrder = .hessian) -> Result {
        let P = network.parameterCount
        let thetaF = theta.map { Float($0) }
        let dirF = direction?.map { Float($0) }
        let wantG = gradient, wantH = direction != nil || secondOrder == .gaussNewtonDiagonal
        var result = Result(value: 0, gradient: wantG ? [Double](repeating: 0, count: P) : [],
                            hessianVector: wantH ? [Double](repeating: 0, count: P) : [])
        thetaF.withUnsafeBufferPointer { tf in
            let run = { (df: UnsafePointer<Float>?) in
                result.value = self.accumulate(tf.baseAddress!, direction: df, rows: rows, weights: weights, gradient: wantG,
                                               secondOrder: secondOrder)
            }
            if let dirF { dirF.withUnsafeBufferPointer { run($0.baseAddress!) } } else { run(nil) }
        }
        if wantG { result.gradient.withUnsafeMutableBufferPointer { sumLanes(0, into: $0.baseAddress!) } }
        if wantH { result.hessianVector.withUnsafeMutableBufferPointer { sumLanes(P, into: $0.baseAddress!) } }
        return result
    }

    /// Runs every chunk of `rows` at single-precision `theta` (and `direction`), leaving each lane's sums
    /// in the evaluator; returns the summed loss. Read the gradient with `gradientSum` and the
    /// Hessian-vector product with `hessianVectorSum`.
    func accumulate(_ theta: UnsafePointer<Float>, direction: UnsafePointer<Float>?, rows: UnsafeBufferPointer<Int>,
                    weights: UnsafeBufferPointer<Double>?, gradient: Bool, secondOrder: ChunkWorkspace.SecondOrder = .hessian) -> Double {
        let P = network.parameterCount
        let nChunks = (rows.count + chunkRows - 1) / chunkRows
        let nLanes = min(lanes, nChunks)
        usedLanes = nLanes
        oneChunkPerLane = nChunks <= lanes
        let keepSums = !oneChunkPerLane
        while workspaces.count < nLanes { workspaces.append(ChunkWorkspace(net: network, capacity: chunkRows)) }
        let wantG = gradient
        let wantH = direction != nil || secondOrder == .gaussNewtonDiagonal
        let d = network.inputCount
        let spaces = workspaces
        let sums = laneSums, values = laneValues
        let chunkRows = chunkRows
        if network.layerCount == 1 {
            if paddedWeights == nil {
                let count = network.inputCount * ChunkWorkspace.paddedClasses(network.classCount)
                paddedWeights = .allocate(capacity: count)
                paddedWeights!.initialize(repeating: 0, count: count)
            }
            ChunkWorkspace.padWeights(theta, net: network, into: paddedWeights!)
        }
        let padded = paddedWeights.map { UnsafePointer($0) }
        data.features.withUnsafeBufferPointer { features in
            data.classes.withUnsafeBufferPointer { cls in
                DispatchQueue.concurrentPerform(iterations: nLanes) { lane in
                    let ws = spaces[lane]
                    let g = sums + lane * P, hv = sums + (lanes + lane) * P
                    var value = 0.0
                    var c = lane
                    while c < nChunks {
                        let start = c * chunkRows
                        let m = min(chunkRows, rows.count - start)
                        // Consecutive rows are read in place; others are pointed at where the products take
                        // row pointers (softmax's training: no copy of the shuffled rows), otherwise gathered.
                        var input: UnsafePointer<Float>? = features.baseAddress! + rows[start] * d
                        for i in 1..<max(m, 1) where rows[start + i] != rows[start] + i {
                            input = nil
                            break
                        }
                        let scattered = input == nil && ws.readsScattered(direction: direction, secondOrder: secondOrder)
                        if scattered {
                            for i in 0..<m { ws.rowPointers[i] = features.baseAddress! + rows[start + i] * d }
                        } else if input == nil {
                            for i in 0..<m {
                                let r = rows[start + i]
                                (ws.x + i * d).update(from: features.baseAddress! + r * d, count: d)
                            }
                        }
                        value += ws.run(theta, direction: direction, m: m, input: input, scattered: scattered, paddedWeights: padded,
                                        classes: { Int(cls[rows[start + $0]]) },
                                        weight: { weights?[start + $0] ?? 1 }, gradient: wantG, secondOrder: secondOrder)
                        // The first chunk sets the lane's sum as 0 + x would, so a lane of one chunk and a
                        // lane of many round alike.
                        let first = c == lane
                        if wantG && keepSums { accumulateChunk(ws.grad, into: g, count: P, first: first) }
                        if wantH && keepSums { accumulateChunk(ws.hv, into: hv, count: P, first: first) }
                        c += nLanes
                    }
                    values[lane] = value
                }
            }
        }
        var total = 0.0
        for lane in 0..<nLanes { total += values[lane] }
        return total
    }

    /// Σ over lanes, in lane order, of the gradient sums of the last `accumulate` (asked with `gradient`).
    func gradientSum(into out: UnsafeMutablePointer<Double>) { sumLanes(0, into: out) }

    /// Σ over lanes, in lane order, of the Hessian-vector sums of the last `accumulate` (given a direction).
    func hessianVectorSum(into out: UnsafeMutablePointer<Double>) { sumLanes(network.parameterCount, into: out) }

    /// out[i] = ((0 + lane₀[i]) + lane₁[i]) + … for the sums starting at `offset` (0: gradient, P: Hv).
    /// A lane of one chunk contributes 0 + Double(chunk[i]); adding that or Double(chunk[i]) itself to a
    /// partial sum that is never −0 gives the same bits, so the chunk is read directly.
    private func sumLanes(_ offset: Int, into out: UnsafeMutablePointer<Double>) {
        let P = network.parameterCount
        if oneChunkPerLane {
            let chunks = workspaces.prefix(usedLanes).map { offset == 0 ? UnsafePointer($0.grad) : UnsafePointer($0.hv) }
            if chunks.count == 4 {
                let c0 = chunks[0], c1 = chunks[1], c2 = chunks[2], c3 = chunks[3]
                for i in 0..<P { out[i] = (((0 + Double(c0[i])) + Double(c1[i])) + Double(c2[i])) + Double(c3[i]) }
                return
            }
            for i in 0..<P { out[i] = 0 }
            for c in chunks { for i in 0..<P { out[i] += Double(c[i]) } }
            return
        }
        let base = laneSums + (offset == 0 ? 0 : lanes * P)
        for i in 0..<P { out[i] = 0 }
        for lane in 0..<usedLanes {
            let s = base + lane * P
            for i in 0..<P { out[i] += s[i] }
        }
    }

    /// Class probabilities (`m × K`, row-major) of `m` rows of features at `x`.
    func probabilities(_ thetaF: [Float], x: UnsafePointer<Float>, m: Int) -> [Double] {
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

/// sum[i] = (first ? 0 : sum[i]) + Double(chunk[i]).
@inline(__always)
private func accumulateChunk(_ chunk: UnsafePointer<Float>, into sum: UnsafeMutablePointer<Double>, count: Int, first: Bool) {
    if first {
        for i in 0..<count { sum[i] = 0 + Double(chunk[i]) }
    } else {
        for i in 0..<count { sum[i] += Double(chunk[i]) }
    }
}
