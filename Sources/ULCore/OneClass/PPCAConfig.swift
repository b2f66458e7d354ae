import Foundation

/// Configuration of probabilistic PCA (Tipping & Bishop 1999).
struct PPCAConfig: Equatable, Sendable {
    /// Number of principal directions q kept (capped at d − 1). Default 20.
    var components: Int
    /// Lower bound on the residual variance σ² and on the kept eigenvalues, so that a class with fewer rows
    /// than features (a singular sample covariance) still has a proper density. Default 0.01, an absolute
    /// value: it presumes features scaled to about unit range by a constant fixed in the configuration (pixels
    /// / 255). On digits (/16) 0.01 beat 0.001 clearly for small selected subsets and the mixture.
    var varianceFloor: Double

    init(components: Int = 20, varianceFloor: Double = 0.01) {
        self.components = components
        self.varianceFloor = varianceFloor
    }
}
