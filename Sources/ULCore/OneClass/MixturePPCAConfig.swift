import Foundation

/// Configuration of a mixture of probabilistic PCA models (Tipping & Bishop 1999) fitted by EM.
struct MixturePPCAConfig: Equatable, Sendable {
    /// Number of mixture components K (fewer when the class has fewer rows). Default 4.
    var mixtureComponents: Int
    /// Each component's PPCA settings. Default q = 10, variance floor 0.01.
    var ppca: PPCAConfig
    /// Seed of the initial centres.
    var seed: UInt64

    init(mixtureComponents: Int = 4, ppca: PPCAConfig = PPCAConfig(components: 10), seed: UInt64 = 0) {
        self.mixtureComponents = mixtureComponents
        self.ppca = ppca
        self.seed = seed
    }
}
