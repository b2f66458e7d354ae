/// The columns ul's tools add to rows. None of them is ever a feature: a file that went through
/// `ul-predict` or `ul-select` trains on the columns it had before, not on the answers a tool wrote.
public enum WrittenColumns {
    /// Added by ul-partition (`shard`, `block`) and ul-select (`selected`, `select_step`).
    static let bookkeeping = ["shard", "block", "selected", "select_step"]
    /// Added by ul-predict: `predicted`, then with --proba one `p_<label>` per class right after it.
    static let prediction = "predicted"
    static let probabilityPrefix = "p_"
    /// Written by ul-influence and ul-forget --weights.
    public static let influence = ["influence_params", "influence_criterion", "self_influence", "weight"]

    /// Positions in `header` of the columns a ul tool wrote: the bookkeeping and influence columns by
    /// name, `predicted`, and the `p_*` columns that follow `predicted` (a user's own `p_delete` elsewhere
    /// is not one of them).
    public static func positions(in header: [String]) -> [Int] {
        var out = [Int]()
        var afterPrediction = false
        for (i, name) in header.enumerated() {
            if name == prediction {
                afterPrediction = true
                out.append(i)
            } else if afterPrediction && name.hasPrefix(probabilityPrefix) {
                out.append(i)
            } else {
                afterPrediction = false
                if bookkeeping.contains(name) || influence.contains(name) { out.append(i) }
            }
        }
        return out
    }
}
