/// The honest baseline of representative selection: a row is selected iff u(id) < F, u a stable hash of
/// `(id, seed)` mapped to [0, 1). Each decision depends on that row alone, so deleting any row — selected or
/// not — changes no other row's decision and needs no re-selection.
func isRandomlySelected(id: String, fraction: Double, seed: UInt64) -> Bool {
    unitInterval(stableHash(id, seed: seed, salt: randomSelectionSalt)) < fraction
}

/// Keeps random selection independent of the entropy selection's cells for the same seed.
let randomSelectionSalt: UInt64 = 0x5e1e_c7a0_0d00_0002
