import Foundation

/// Kernel of the Gaussian model behind entropy selection. Fixed in the configuration, never estimated from
/// data, so that the selection of a shard depends only on that shard's rows.
public enum SelectionKernel: Equatable, Sendable {
    /// k(x, y) = xᵀy.
    case linear
    /// k(x, y) = exp(−γ‖x − y‖²); `gamma: nil` means γ = 1/d (d = number of features), a data-independent default.
    case rbf(gamma: Double?)
}
