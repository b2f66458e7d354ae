import Foundation

/// Class probabilities of a complete model: each shard's sub-model on its own standardisation, then
/// aggregated (mean of probabilities, or vote shares).
public final class Predictor {
    public let model: ModelFile
    private let learner: ShardLearner

    public init(model: ModelFile) {
        precondition(model.isComplete, "prediction needs every shard")
        self.model = model
        learner = model.config.kind.learner(config: model.config, featureCount: model.features.count,
                                            classCount: model.labels.count)
    }

    public var classCount: Int { model.labels.count }

    /// Per-shard probabilities (`m × K` each) of `m` rows of raw features (before `--scale`), row-major.
    func shardProbabilities(_ raw: [Float], rows m: Int) -> [[Double]] {
        let d = model.features.count
        precondition(raw.count == m * d)
        let scaled = raw.map { model.config.scaled($0) }
        return model.shards.filter { !$0.isEmpty }.map { s in
            var x = scaled
            return x.withUnsafeMutableBufferPointer { buf in
                s.standardization?.apply(buf.baseAddress!, rows: m)
                return learner.probabilities(s.finalParameters, x: buf.baseAddress!, m: m)
            }
        }
    }

    /// One-class kinds: per class, the largest score of its shards (−∞ for a class without a shard), `m × K`.
    func classScores(_ raw: [Float], rows m: Int) -> [Double] {
        let d = model.features.count
        precondition(raw.count == m * d)
        let k = classCount
        var out = [Double](repeating: -.infinity, count: m * k)
        guard let oneClass = learner as? OneClassLearner else { preconditionFailure("not a one-class model") }
        let x = raw.map { model.config.scaled($0) }
        for s in model.shards where !s.isEmpty {
            let (c, scores) = x.withUnsafeBufferPointer { oneClass.scores(s.finalParameters, x: $0.baseAddress!, m: m) }
            for i in 0..<m { out[i * k + c] = max(out[i * k + c], scores[i]) }
        }
        return out
    }

    /// Aggregated probabilities, `m × K` row-major. One-class kinds: the softmax of the class scores (for
    /// log-likelihoods, the class posterior under equal priors).
    public func probabilities(_ raw: [Float], rows m: Int) -> [Double] {
        if model.config.kind.isOneClass {
            var s = classScores(raw, rows: m)
            let k = classCount
            for i in 0..<m {
                let top = (0..<k).map { s[i * k + $0] }.max()!
                guard top.isFinite else { for c in 0..<k { s[i * k + c] = 1 / Double(k) }; continue }
                var sum = 0.0
                for c in 0..<k { s[i * k + c] = exp(s[i * k + c] - top); sum += s[i * k + c] }
                for c in 0..<k { s[i * k + c] /= sum }
            }
            return s
        }
        let per = shardProbabilities(raw, rows: m)
        let k = classCount
        var out = [Double](repeating: 0, count: m * k)
        let share = 1 / Double(max(per.count, 1))
        for p in per {
            for i in 0..<m {
                switch model.config.aggregation {
                case .mean:
                    for c in 0..<k { out[i * k + c] += share * p[i * k + c] }
                case .vote:
                    out[i * k + argmax(p, row: i, k: k)] += share
                }
            }
        }
        return out
    }

    /// Predicted class index per row: the largest aggregated probability (one-class kinds: the largest class
    /// score), ties to the first label.
    public func predict(_ raw: [Float], rows m: Int) -> [Int] {
        let p = model.config.kind.isOneClass ? classScores(raw, rows: m) : probabilities(raw, rows: m)
        return (0..<m).map { argmax(p, row: $0, k: classCount) }
    }
}

func argmax(_ p: [Double], row i: Int, k: Int) -> Int {
    var best = 0
    for c in 1..<max(k, 1) where p[i * k + c] > p[i * k + best] { best = c }
    return best
}
