/// Which curvature the second-order methods (influence, PUMA, Newton removal) use in place of ∇²J.
public enum CurvatureKind: String, CaseIterable, Sendable {
    /// The exact Hessian Σᵢwᵢ∇²ℓᵢ + λI: indefinite for a network with hidden layers.
    case hessian
    /// The generalised Gauss–Newton matrix Σᵢwᵢ Jᵢᵀ(diag pᵢ − pᵢpᵢᵀ)Jᵢ + λI, Jᵢ the Jacobian of row i's logits
    /// in θ (for softmax cross-entropy, the Fisher): the Hessian without the terms of the hidden layers'
    /// second derivatives, positive semi-definite for any network, and the Hessian itself when the logits are
    /// linear in θ (softmax).
    case gaussNewton = "gauss-newton"
}
