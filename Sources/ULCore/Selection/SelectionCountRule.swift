/// How a shard's count m is set, as the ul-select command line said: re-selection after a forget applies the
/// same rule to the remaining rows, so the same commands rerun on them give the same selection.
public enum SelectionCountRule: Equatable, Sendable {
    /// `--counts-from MODEL` (and selections recorded before the rule was): the count recorded per shard.
    case recorded
    /// `--fraction F`: round(F × N) of the shard's N rows (at least 1, at most N).
    case fraction(Double)
    /// `--per-shard M`: M (at most N).
    case perShard(Int)

    /// The count for a shard of `rows` rows whose recorded count is `recorded`.
    public func count(rows: Int, recorded: Int) -> Int {
        switch self {
        case .recorded: return recorded
        case let .fraction(f): return SelectionBudget.count(fraction: f, rows: rows)
        case let .perShard(m): return min(m, rows)
        }
    }

    /// Whether the count follows the shard's row count, so that losing any row, chosen or not, may change it.
    public var followsRowCount: Bool {
        if case .fraction = self { return true }
        return false
    }

    /// The `count=` field of a selection's text form; nil for `recorded` (the form before the field existed).
    var text: String? {
        switch self {
        case .recorded: return nil
        case let .fraction(f): return "fraction:\(f)"
        case let .perShard(m): return "per-shard:\(m)"
        }
    }

    init(parsing text: String) throws {
        if text == "recorded" { self = .recorded; return }
        let kv = text.split(separator: ":", maxSplits: 1).map(String.init)
        switch (kv.first, kv.count == 2 ? kv[1] : nil) {
        case let ("fraction", v?):
            guard let f = Double(v), f > 0, f <= 1 else { throw SelectionError.invalidConfig("count: fraction must be in (0, 1], got \(quotedForMessage(v))") }
            self = .fraction(f)
        case let ("per-shard", v?):
            guard let m = Int(v), m >= 0 else { throw SelectionError.invalidConfig("count: per-shard must be a count, got \(quotedForMessage(v))") }
            self = .perShard(m)
        default:
            throw SelectionError.invalidConfig("count: expected recorded, fraction:F or per-shard:M, got \(quotedForMessage(text))")
        }
    }
}
