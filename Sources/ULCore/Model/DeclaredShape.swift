/// Which parts of a model's shape `ul-train` was told (`--shards`, `--blocks`, `--classes`) rather than
/// derived from the rows. Forgetting derives the others again from the remaining rows, as training from
/// scratch on them would: a label whose every row is forgotten leaves the label list, an emptied last shard
/// leaves the model. Recorded in the `declared` section, absent when nothing was declared.
public struct DeclaredShape: OptionSet, Equatable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `--shards S`: the shard count stays S, emptied shards stay as empty shards.
    public static let shards = DeclaredShape(rawValue: 1)
    /// `--blocks R`.
    public static let blocks = DeclaredShape(rawValue: 2)
    /// `--classes A,B,...`: the label list stays.
    public static let classes = DeclaredShape(rawValue: 4)
    /// `--selection fixed`: the selected rows are a fixed subset; forgetting one drops it, nothing is re-selected.
    public static let fixedSelection = DeclaredShape(rawValue: 8)
}
