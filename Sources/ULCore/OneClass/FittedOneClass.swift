import Foundation

/// A fitted one-class model of any kind.
enum FittedOneClass {
    case ppca(PPCAModel)
    case mppca(MixturePPCAModel)
    case knn(NearestNeighbourDescription)
    case autoencoder(AutoencoderModel)

    func scores(_ features: [Float]) -> [Double] {
        switch self {
        case .autoencoder(let m): return m.scores(features: features)
        case .ppca(let m): return m.scores(features: features)
        case .mppca(let m): return m.scores(features: features)
        case .knn(let m): return m.scores(features: features)
        }
    }

    /// The values after the calibration (see `OneClassLearner`), starting with the dimension.
    var flattened: [Double] {
        switch self {
        case .ppca(let m): return [Double(m.dimension)] + flat(m)
        case .mppca(let m):
            return [Double(m.dimension), Double(m.components.count), Double(m.iterations)] + m.logWeights
                + m.components.flatMap(flat)
        case .knn(let m):
            return [Double(m.dimension), Double(m.neighbours), Double(m.rows.count / m.dimension)] + m.rows.map(Double.init)
        case .autoencoder(let m):
            return [Double(m.dimension), Double(m.hidden), Double(m.epochs)] + m.parameters
        }
    }

    private func flat(_ p: PPCAModel) -> [Double] {
        [Double(p.components), p.noiseVariance] + p.mean + p.eigenvalues + p.basis
    }
}
