import Foundation

/// Mean and variance of one example's shadow-model scores.
public struct GaussianFit: Equatable {
    public let mean: Double
    public let variance: Double
    public var standardDeviation: Double { variance.squareRoot() }
}
