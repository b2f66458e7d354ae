import Foundation

/// Deterministic pseudo-random generator (SplitMix64) for seeded initial states.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        return mix64(state &- 0x9e37_79b9_7f4a_7c15)
    }
    /// Uniform in [0, 1).
    mutating func nextUnit() -> Double { unitInterval(next()) }
    /// Standard normal (Box–Muller), deterministic for the seed.
    mutating func nextGaussian() -> Double {
        let u1 = max(nextUnit(), 1e-300)
        let u2 = nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
