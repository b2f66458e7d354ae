import Foundation

/// Configuration of greedy joint-entropy selection.
///
/// Defaults (all data-independent): RBF kernel with γ = 1/d, noise σ² = 0.01, one cell (plain greedy log-det),
/// seed 0. Features are used as given: scale them by a constant fixed in the training configuration (for
/// instance pixels / 255) rather than by statistics of the data.
public struct EntropySelectionConfig: Equatable, Sendable {
    public var kernel: SelectionKernel
    /// σ² added to the kernel diagonal; must be > 0 (it keeps K_S + σ²I positive definite).
    public var noise: Double
    /// Number of hash cells (≥ 1). With C > 1 each row belongs to cell ⌊C · u(id)⌋, u a stable hash of the id
    /// and the seed mapped to [0, 1), and step t chooses only among the rows of the next non-exhausted cell in
    /// round-robin order: a diversity choice inside a random stratum, which keeps the selection close to the
    /// data distribution (plain greedy log-det prefers atypical rows). C = 1 is plain greedy log-det.
    public var cells: Int
    /// Seed of the cell hash (unused when `cells == 1`).
    public var seed: UInt64

    public init(kernel: SelectionKernel = .rbf(gamma: nil), noise: Double = 0.01, cells: Int = 1, seed: UInt64 = 0) {
        self.kernel = kernel
        self.noise = noise
        self.cells = cells
        self.seed = seed
    }

    /// The γ actually used for `dimension` features (nil for the linear kernel).
    public func gamma(dimension: Int) -> Double? {
        switch kernel {
        case .linear: return nil
        case .rbf(let g): return g ?? 1 / Double(max(dimension, 1))
        }
    }

    /// The cell of a row with this id, in 0..<cells.
    func cell(of id: String) -> Int {
        guard cells > 1 else { return 0 }
        let u = unitInterval(stableHash(id, seed: seed, salt: selectionCellSalt))
        return min(Int(u * Double(cells)), cells - 1)
    }
}

let selectionCellSalt: UInt64 = 0x5e1e_c7ce_1100_0001
