import Foundation

/// Settings of a one-class autoencoder's training.
struct AutoencoderConfig: Equatable, Sendable {
    /// Hidden width H.
    var hidden: Int
    /// λ of (λ/2)‖θ‖² on the summed loss (weights and biases).
    var l2: Double
    /// Adam step size.
    var learningRate: Double
    /// Mini-batch size.
    var batchSize: Int

    init(hidden: Int = 64, l2: Double = 1, learningRate: Double = 1e-3, batchSize: Int = 128) {
        self.hidden = hidden
        self.l2 = l2
        self.learningRate = learningRate
        self.batchSize = batchSize
    }
}
