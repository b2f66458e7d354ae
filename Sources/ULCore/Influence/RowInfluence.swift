/// Influence of training rows (Koh & Liang 2017) on the summed objective J.
///
/// Up-weighting row z by ε moves the optimum by `ε·I_params(z)`, `I_params(z) = −H⁻¹g_z`, and a criterion C
/// by `ε·s_z`, `s_z = −∇Cᵀ H⁻¹ g_z`. Removing z is ε = −1: θ moves by about `+H⁻¹g_z` and C by about `−s_z`.
/// So a positive s_z marks a row whose removal would lower C (a harmful row), a negative one a helpful row.
/// Self-influence `g_zᵀH⁻¹g_z ≥ 0` is the curvature-weighted size of z's own gradient.
public struct RowInfluence: Equatable, Sendable {
    /// ‖H⁻¹g_z‖.
    public var parameters: Double
    /// s_z = −∇CᵀH⁻¹g_z.
    public var criterion: Double
    /// g_zᵀH⁻¹g_z.
    public var selfInfluence: Double
}
