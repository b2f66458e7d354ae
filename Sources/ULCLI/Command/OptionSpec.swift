/// One command-line option: `--long`, an optional `-s` short form, and a value name when it takes one.
public struct OptionSpec: Sendable {
    public let long: String
    public let short: Character?
    /// Name of the value in help text; nil for a flag.
    let valueName: String?
    public let help: String
    let repeatable: Bool
    /// Other long names of the same option (kept for old command lines); each has its own help row.
    public let aliases: [String]

    public init(_ long: String, short: Character? = nil, value: String? = nil, repeatable: Bool = false,
                aliases: [String] = [], help: String) {
        self.long = long
        self.short = short
        self.valueName = value
        self.help = help
        self.repeatable = repeatable
        self.aliases = aliases
    }

    /// The same option with another help text (the short form, value name and long names stay).
    public func helping(_ text: String) -> OptionSpec {
        OptionSpec(long, short: short, value: valueName, repeatable: repeatable, aliases: aliases, help: text)
    }

    /// The same option with another value name.
    public func value(_ name: String) -> OptionSpec {
        OptionSpec(long, short: short, value: name, repeatable: repeatable, aliases: aliases, help: help)
    }

    /// Whether `name` is this option's long name or one of its aliases.
    func answers(to name: String) -> Bool { long == name || aliases.contains(name) }
}
