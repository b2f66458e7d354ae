import Foundation

/// Settings of a one-class autoencoder's training.
public struct AutoencoderConfig: Equatable, Sendable {
    /// Hidden width H.
    public var hidden: Int
    /// λ of (λ/2)‖θ‖² on the summed loss (weights and biases).
    public var l2: Double
    /// Adam step size.
    public var learningRate: Double
    /// Mini-batch size.
    public var batchSize: Int

    public init(hidden: Int = 64, l2: Double = 1, learningRate: Double = 1e-3, batchSize: Int = 128) {
        self.hidden = hidden
        self.l2 = l2
        self.learningRate = learningRate
        self.batchSize = batchSize
    }
}
