/// One command-line option: `--long`, an optional `-s` short form, and a value name when it takes one.
public struct OptionSpec: Sendable {
    public let long: String
    public let short: Character?
    /// Name of the value in help text; nil for a flag.
    public let valueName: String?
    public let help: String
    public let repeatable: Bool
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

/// What a tool accepts: the usage text is generated from it, so help and parser cannot disagree.
public struct CommandSpec: Sendable {
    public let name: String
    public let summary: String
    /// Synopsis lines, without the program name.
    public let usage: [String]
    public let options: [OptionSpec]
    /// Free text after the option list (defaults, examples, see-also).
    public let footer: String
    /// Short letters this tool refuses with a hint (see `SuiteShorts`).
    public let retired: [RetiredShort]

    public init(name: String, summary: String, usage: [String], options: [OptionSpec], retired: [RetiredShort] = [],
                footer: String = "") {
        self.name = name
        self.summary = summary
        self.usage = usage
        self.options = options
        self.retired = retired
        self.footer = footer
    }

    public var helpText: String {
        var s = "\(name) — \(summary)\n\nUsage:\n"
        for u in usage { s += "  \(name) \(u)\n" }
        s += "\nOptions:\n"
        let rows = options.flatMap { o -> [(String, String)] in
            var left = o.short.map { "-\($0), " } ?? "    "
            left += "--\(o.long)"
            if let v = o.valueName { left += " \(v)" }
            return [(left, o.help)] + o.aliases.map { a in
                ("    --\(a)" + (o.valueName.map { " \($0)" } ?? ""), "the same as " + (o.short.map { "-\($0), " } ?? "") + "--\(o.long)")
            }
        }
        let width = min(32, rows.map { $0.0.count }.max() ?? 0)
        for (l, r) in rows {
            let pad = l.count < width ? String(repeating: " ", count: width - l.count) : ""
            s += "  \(l)\(pad)  \(r)\n"
        }
        if !footer.isEmpty { s += "\n" + footer + (footer.hasSuffix("\n") ? "" : "\n") }
        return s
    }
}

/// Parsed command line: option values by long name, and positional arguments.
public struct ParsedArguments: Sendable {
    public private(set) var values: [String: [String]] = [:]
    public private(set) var positionals: [String] = []

    public func flag(_ long: String) -> Bool { values[long] != nil }
    public func value(_ long: String) -> String? { values[long]?.last }
    public func all(_ long: String) -> [String] { values[long] ?? [] }

    public func string(_ long: String, default d: String) -> String { value(long) ?? d }

    public func int(_ long: String, default d: Int, min lo: Int = .min, max hi: Int = .max) throws -> Int {
        guard let text = value(long) else { return d }
        guard let v = Int(text), v >= lo, v <= hi else {
            throw ToolError.usage("--\(long): expected an integer\(rangeText(lo, hi)), got '\(text)'")
        }
        return v
    }

    public func double(_ long: String, default d: Double, min lo: Double = -.infinity, max hi: Double = .infinity) throws -> Double {
        guard let text = value(long) else { return d }
        guard let v = Double(text), v.isFinite, v >= lo, v <= hi else {
            throw ToolError.usage("--\(long): expected a number\(rangeText(lo, hi)), got '\(text)'")
        }
        return v
    }

    /// A value that must be one of `choices`.
    public func choice(_ long: String, _ choices: [String], default d: String) throws -> String {
        guard let v = value(long) else { return d }
        guard choices.contains(v) else {
            throw ToolError.usage("--\(long): expected one of \(choices.joined(separator: ", ")), got '\(v)'")
        }
        return v
    }

    /// A comma-separated list of integers, such as `--hidden 256,128`.
    public func intList(_ long: String, default d: [Int], min lo: Int = .min) throws -> [Int] {
        guard let text = value(long) else { return d }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        var out = [Int]()
        for p in parts {
            guard let v = Int(p), v >= lo else {
                throw ToolError.usage("--\(long): expected a comma-separated list of integers\(rangeText(lo, .max)), got '\(text)'")
            }
            out.append(v)
        }
        return out
    }

    mutating func add(_ long: String, _ v: String) { values[long, default: []].append(v) }
    mutating func addPositional(_ v: String) { positionals.append(v) }
}

private func rangeText<T: Comparable & CustomStringConvertible>(_ lo: T, _ hi: T) -> String where T: Numeric {
    let lowSet = "\(lo)" != "\(Int.min)" && "\(lo)" != "-inf"
    let highSet = "\(hi)" != "\(Int.max)" && "\(hi)" != "inf"
    switch (lowSet, highSet) {
    case (true, true): return " in [\(lo), \(hi)]"
    case (true, false): return " ≥ \(lo)"
    case (false, true): return " ≤ \(hi)"
    default: return ""
    }
}

extension CommandSpec {
    /// Parses arguments: `--name value`, `--name=value`, `-x value`, `-xvalue`, bundled short flags
    /// (`-qv`), and `--` to end options. A lone `-` is a positional (standard input).
    public func parse(_ arguments: [String]) throws -> ParsedArguments {
        var out = ParsedArguments()
        var i = 0
        func spec(long: String) throws -> OptionSpec {
            if let o = options.first(where: { $0.answers(to: long) }) { return o }
            let near = options.filter { $0.long.hasPrefix(long) }
            throw ToolError.usage("unknown option --\(long)", hint: near.count == 1 ? "did you mean --\(near[0].long)?" : nil)
        }
        func spec(short c: Character) throws -> OptionSpec {
            if let o = options.first(where: { $0.short == c }) { return o }
            if let r = retired.first(where: { $0.short == c }) {
                throw ToolError.usage("unknown option -\(c)", hint: "use \(r.use)")
            }
            throw ToolError.usage("unknown option -\(c)")
        }
        func record(_ o: OptionSpec, _ v: String) throws {
            if !o.repeatable, out.values[o.long] != nil, o.valueName != nil {
                throw ToolError.usage("--\(o.long) given more than once")
            }
            out.add(o.long, v)
        }
        while i < arguments.count {
            let a = arguments[i]
            i += 1
            if a == "--" {
                while i < arguments.count { out.addPositional(arguments[i]); i += 1 }
                break
            }
            if a.hasPrefix("--") {
                let body = a.dropFirst(2)
                let name: String
                var inline: String? = nil
                if let eq = body.firstIndex(of: "=") {
                    name = String(body[..<eq])
                    inline = String(body[body.index(after: eq)...])
                } else {
                    name = String(body)
                }
                let o = try spec(long: name)
                if o.valueName != nil {
                    if let v = inline {
                        try record(o, v)
                    } else {
                        guard i < arguments.count else { throw ToolError.usage("--\(name) needs a value (\(o.valueName!))") }
                        try record(o, arguments[i])
                        i += 1
                    }
                } else {
                    guard inline == nil else { throw ToolError.usage("--\(name) takes no value") }
                    try record(o, "")
                }
            } else if a.hasPrefix("-") && a.count > 1 {
                var rest = Substring(a.dropFirst())
                while let c = rest.first {
                    rest = rest.dropFirst()
                    let o = try spec(short: c)
                    if o.valueName != nil {
                        if !rest.isEmpty {
                            try record(o, String(rest))
                        } else {
                            guard i < arguments.count else { throw ToolError.usage("-\(c) needs a value (\(o.valueName!))") }
                            try record(o, arguments[i])
                            i += 1
                        }
                        break
                    }
                    try record(o, "")
                }
            } else {
                out.addPositional(a)
            }
        }
        return out
    }
}
