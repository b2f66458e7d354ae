/// `softmax` and `mlp`: cross-entropy networks.
struct NetworkLearner: ShardLearner {
    let network: DenseNetwork
    let config: TrainConfig

    var parameterCount: Int { network.parameterCount }

    func initialParameters(shard: Int) -> [Double] { network.initialParameters(seed: config.seed, shard: shard) }

    func trainStep(data: Dataset, order: (Int) -> [Int], from theta: [Double], epochs: Int,
                   progress: ((Int) -> Void)?) -> [Double] {
        _ = blasSingleThreaded
        guard epochs > 0 else { return theta }
        if network.layerCount == 1 || config.optimizer == .lbfgs {
            // Full batch: "epochs" are L-BFGS iterations; sums run in the step's canonical order, on a
            // copy of the step's rows laid out in that order (read in place, chunk by chunk). For an mlp the
            // objective is not convex; L-BFGS keeps only curvature pairs with sᵀy > 0 and restarts from the
            // gradient when its direction does not descend.
            let linear = ShardCurvature.perturbation(config: config, parameterCount: network.parameterCount)
            let objective = NetworkObjective(network: network, data: data.subset(order(0)),
                                             terms: ObjectiveTerms(l2: config.l2, linear: linear), chunkRows: 256)
            guard objective.rowCount > 0 else { return theta }
            return LBFGS(maxIterations: epochs).minimize(objective, from: theta, progress: progress).theta
        }
        // Mini-batch Adam on J/N: batch mean of ℓ plus (λ/N)·θ. A batch is cut into four fixed lanes. θ is
        // kept in Double and mirrored in Float32 (what the products use) by the Adam step itself; the batch
        // gradient is read from the evaluator's lane sums: a step allocates nothing.
        let lanes = 4
        let evaluator = NetworkEvaluator(network: network, data: data,
                                         chunkRows: (config.batchSize + lanes - 1) / lanes, lanes: lanes)
        var theta = theta
        var thetaF = theta.map { Float($0) }
        var g = [Double](repeating: 0, count: theta.count)
        var adam = Adam(parameterCount: theta.count, learningRate: config.learningRate)
        for epoch in 0..<epochs {
            let rows = order(epoch)
            let n = rows.count
            guard n > 0 else { return theta }
            let decay = config.l2 / Double(n)
            rows.withUnsafeBufferPointer { all in
                theta.withUnsafeMutableBufferPointer { th in
                    thetaF.withUnsafeMutableBufferPointer { tf in
                        g.withUnsafeMutableBufferPointer { gb in
                            var start = 0
                            while start < n {
                                let m = min(config.batchSize, n - start)
                                _ = evaluator.accumulate(tf.baseAddress!, direction: nil,
                                                         rows: UnsafeBufferPointer(rebasing: all[start..<start + m]),
                                                         weights: nil, gradient: true)
                                evaluator.gradientSum(into: gb.baseAddress!)
                                adam.step(th.baseAddress!, gradient: gb.baseAddress!, scaled: (1 / Double(m), decay),
                                          mirror: tf.baseAddress!)
                                start += m
                            }
                        }
                    }
                }
            }
            progress?(epoch + 1)
        }
        return theta
    }

    func probabilities(_ theta: [Double], x: UnsafePointer<Float>, m: Int) -> [Double] {
        _ = blasSingleThreaded
        // Rows per chunk: 1024, fewer for a wide network, so that a chunk's activations stay within 2²² values.
        let widest = network.sizes.dropFirst().max() ?? 1
        let chunkRows = max(1, min(1024, (1 << 22) / max(widest, 1)))
        let evaluator = NetworkEvaluator(network: network, data: Dataset(featureCount: network.inputCount), chunkRows: chunkRows, lanes: 1)
        return evaluator.probabilities(theta.map { Float($0) }, x: x, m: m)
    }
}
