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

    init(network: DenseNetwork, data: Dataset, chunkRows: Int = 1024, lanes: Int = 8) {
        precondition(data.featureCount == network.inputCount && chunkRows >= 1 && lanes >= 1)
        _ = blasSingleThreaded
        self.network = network
        self.data = data
        self.chunkRows = chunkRows
        self.lanes = lanes
    }

    struct Result {
        var value: Double
        /// Empty unless asked for.
        var gradient: [Double]
        var hessianVector: [Double]
    }

    /// Σ wᵢ ℓ(zᵢ;θ) over `rows` (indices into `data`), with `weights` aligned to `rows` (nil: all 1).
    func evaluate(_ theta: [Double], rows: UnsafeBufferPointer<Int>, weights: UnsafeBufferPointer<Double>? = nil,
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
