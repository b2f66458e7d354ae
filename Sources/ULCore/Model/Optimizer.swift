/// How `mlp` trains a block step. `softmax` always uses L-BFGS (its objective is convex); the one-class
/// kinds have their own fits.
public enum Optimizer: String, CaseIterable, Sendable {
    /// Mini-batch Adam on J/N for the step's epochs (`--lr`, `--batch`).
    case adam
    /// Full-batch L-BFGS on J for the step's epochs as iterations: deterministic like softmax's, and much
    /// closer to a stationary point than Adam for as many passes over the rows.
    case lbfgs
}
