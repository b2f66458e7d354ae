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
            // Full batch: "epochs" are L-BFGS iterations; sums run in the step's canonical order. Softmax's
            // products read the rows where they lie; an mlp's need them side by side, so its objective works on
            // a copy of the step's rows laid out in that order (read in place, chunk by chunk). For an mlp the
            // objective is not convex; L-BFGS keeps only curvature pairs with sᵀy > 0 and restarts from the
            // gradient when its direction does not descend.
            let linear = ShardCurvature.perturbation(config: config, parameterCount: network.parameterCount)
            let rows = order(0)
            let objective = network.layerCount == 1
                ? NetworkObjective(network: network, data: data, rows: rows, terms: ObjectiveTerms(l2: config.l2, linear: linear), chunkRows: 256)
                : NetworkObjective(network: network, data: data.subset(rows), terms: ObjectiveTerms(l2: config.l2, linear: linear), chunkRows: 256)
            guard objective.rowCount > 0 else { return theta }
            return LBFGS(maxIterations: epochs).minimize(objective, from: theta, progress: progress).theta
        }
        // Mini-batch Adam on J/N: batch mean of ℓ plus (λ/N)·θ. Each batch's gradient is formed in
        // `gradientSlices` fixed slices, and each slice's parameters take their Adam step as soon as their
        // gradient is formed. θ is kept in Double and mirrored in Float32 (what the products use) by the step
        // itself: a step allocates nothing.
        let batch = MiniBatchGradient(network: network, data: data, capacity: config.batchSize, slices: NetworkLearner.gradientSlices)
        var theta = theta
        var thetaF = theta.map { Float($0) }
        let adam = Adam(parameterCount: theta.count, learningRate: config.learningRate)
        for epoch in 0..<epochs {
            let rows = order(epoch)
            let n = rows.count
            guard n > 0 else { return theta }
            let decay = config.l2 / Double(n)
            rows.withUnsafeBufferPointer { all in
                theta.withUnsafeMutableBufferPointer { th in
                    thetaF.withUnsafeMutableBufferPointer { tf in
                        let th = th.baseAddress!, tf = tf.baseAddress!
                        var start = 0
                        while start < n {
                            let m = min(config.batchSize, n - start)
                            let step = adam.advance()
                            let scale = 1 / Double(m)
                            batch.compute(tf, rows: UnsafeBufferPointer(rebasing: all[start..<start + m])) { k in
                                for range in batch.ranges[k] {
                                    adam.update(range, theta: th, step: step, gradient: batch.gradient, scale: scale, decay: decay, mirror: tf)
                                }
                            }
                            start += m
                        }
                    }
                }
            }
            progress?(epoch + 1)
        }
        return theta
    }

    /// Parameter and row slices of a mini-batch step: fixed, so a model's bits never depend on the cores.
    static let gradientSlices = 2

    func probabilities(_ theta: [Double], x: UnsafePointer<Float>, m: Int) -> [Double] {
        _ = blasSingleThreaded
        // Rows per chunk: 1024, fewer for a wide network, so that a chunk's activations stay within 2²² values.
        let widest = network.sizes.dropFirst().max() ?? 1
        let chunkRows = max(1, min(1024, (1 << 22) / max(widest, 1)))
        let evaluator = NetworkEvaluator(network: network, data: Dataset(featureCount: network.inputCount), chunkRows: chunkRows, lanes: 1)
        return evaluator.probabilities(theta.map { Float($0) }, x: x, m: m)
    }
}
