/// A short form a tool no longer has (or never had, but users type out of habit from another tool): the
/// parser refuses it with a hint that says what to use instead, rather than a bare "unknown option".
public struct RetiredShort: Sendable {
    public let short: Character
    /// What to use instead, e.g. "--shards S for the number of shards".
    public let use: String

    public init(_ short: Character, use: String) {
        self.short = short
        self.use = use
    }
}
