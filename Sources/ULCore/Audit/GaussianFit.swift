import Foundation

/// Mean and variance of one example's shadow-model scores.
struct GaussianFit: Equatable {
    let mean: Double
    let variance: Double
    var standardDeviation: Double { variance.squareRoot() }
}
