import Foundation

/// Kernel of the Gaussian model behind entropy selection. Fixed in the configuration, never estimated from
/// data, so that the selection of a shard depends only on that shard's rows.
public enum SelectionKernel: Equatable, Sendable {
    /// k(x, y) = xᵀy.
    case linear
    /// k(x, y) = exp(−γ‖x − y‖²); `gamma: nil` means γ = 1/d (d = number of features), a data-independent default.
    case rbf(gamma: Double?)
}

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
    public func cell(of id: String) -> Int {
        guard cells > 1 else { return 0 }
        let u = unitInterval(stableHash(id, seed: seed, salt: selectionCellSalt))
        return min(Int(u * Double(cells)), cells - 1)
    }
}

let selectionCellSalt: UInt64 = 0x5e1e_c7ce_1100_0001
let randomSelectionSalt: UInt64 = 0x5e1e_c7a0_0d00_0002

/// When greedy selection stops.
///
/// Why not "a fraction of the rows": m = round(F·N) changes whenever any row is deleted, so deleting a row that
/// was *not* selected would change m and hence the selection. A budget is therefore a row **count** fixed when
/// the shard is first selected: `count(fraction:rows:)` turns `--fraction F` into m = round(F·N₀) for the N₀
/// rows present then, and that m must be recorded (in the model file or beside the data) and passed unchanged
/// to every later re-selection of the shard. With that rule, deleting an unselected row changes nothing, and
/// deleting a selected row makes re-selection pick a replacement so the shard keeps m selected rows.
///
/// `minimumVariance` is an alternative stopping rule that needs nothing recorded: stop as soon as the largest
/// conditional variance among the candidates (σ² included) falls below it. The largest value at a step is that
/// of the row chosen there, so removing an unselected row never moves the stopping step.
public struct SelectionBudget: Equatable, Sendable {
    /// At most this many rows are chosen (fewer if the shard has fewer rows).
    public var count: Int
    /// Stop when the best conditional variance is below this (0: never).
    public var minimumVariance: Double

    public init(count: Int, minimumVariance: Double = 0) {
        self.count = count
        self.minimumVariance = minimumVariance
    }

    /// Only the variance rule.
    public static func variance(atLeast v: Double) -> SelectionBudget { SelectionBudget(count: .max, minimumVariance: v) }

    /// m = round(F · N) (half away from zero), at least 1 when F > 0 and N > 0. To be computed once, at the
    /// first selection of a shard, and recorded; see the type's documentation.
    public static func count(fraction: Double, rows: Int) -> Int {
        guard fraction > 0, rows > 0 else { return 0 }
        return min(rows, max(1, Int((fraction * Double(rows)).rounded())))
    }
}

/// Errors of the selection core.
public enum SelectionError: Error, Equatable, CustomStringConvertible {
    /// The feature array is not rows × dimension, or an id/quality array has the wrong length.
    case shapeMismatch(String)
    /// A configuration value is out of range.
    case invalidConfig(String)
    /// A row id occurs twice.
    case duplicateID(String)
    /// A previously chosen id, replayed on resumption, is not in the cell its step must choose from.
    case inconsistentResume(id: String, step: Int)

    public var description: String {
        switch self {
        case let .shapeMismatch(why): return "rows do not match their shape: \(why)"
        case let .invalidConfig(why): return "invalid selection configuration: \(why)"
        case let .duplicateID(id): return "duplicate id '\(id)'"
        case let .inconsistentResume(id, step): return "cannot resume the selection: row '\(id)' chosen at step \(step) is not a candidate of that step"
        }
    }
}
