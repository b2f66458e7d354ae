/// A fully connected network: ReLU hidden layers and a softmax output over K classes. With no hidden
/// layer it is multinomial logistic regression. Parameters, per layer l: the weights as an
/// `sizes[l] × sizes[l+1]` row-major matrix, then the `sizes[l+1]` biases.
struct DenseNetwork: Sendable, Equatable {
    /// Layer widths: inputs, hidden layers, classes.
    let sizes: [Int]

    init(inputs: Int, hidden: [Int], classes: Int) {
        precondition(inputs >= 1 && classes >= 1 && hidden.allSatisfy { $0 >= 1 })
        sizes = [inputs] + hidden + [classes]
    }

    var layerCount: Int { sizes.count - 1 }
    var inputCount: Int { sizes[0] }
    var classCount: Int { sizes[sizes.count - 1] }
    var parameterCount: Int { (0..<layerCount).reduce(0) { $0 + (sizes[$1] + 1) * sizes[$1 + 1] } }

    /// Offset of layer `l`'s weights in θ; its biases follow them.
    func weightOffset(_ l: Int) -> Int { (0..<l).reduce(0) { $0 + (sizes[$1] + 1) * sizes[$1 + 1] } }
    func biasOffset(_ l: Int) -> Int { weightOffset(l) + sizes[l] * sizes[l + 1] }

    /// Seeded initial parameters: zero without hidden layers (the convex case), otherwise He-normal
    /// weights (variance 2/fan-in) and zero biases, drawn from a generator seeded by (seed, shard).
    func initialParameters(seed: UInt64, shard: Int) -> [Double] {
        var theta = [Double](repeating: 0, count: parameterCount)
        guard layerCount > 1 else { return theta }
        var g = SeededGenerator(seed: mix64(seed ^ mix64(UInt64(shard) &+ 0x5348_4152_4400_0000)))
        for l in 0..<layerCount {
            let sd = (2.0 / Double(sizes[l])).squareRoot()
            let o = weightOffset(l)
            for i in 0..<sizes[l] * sizes[l + 1] { theta[o + i] = sd * g.nextGaussian() }
        }
        return theta
    }
}
