import ULCore

/// What a tool accepts: the usage text is generated from it, so help and parser cannot disagree.
public struct CommandSpec: Sendable {
    public let name: String
    public let summary: String
    /// Synopsis lines, without the program name.
    public let usage: [String]
    public let options: [OptionSpec]
    /// Free text after the option list (defaults, examples, see-also).
    public let footer: String
    /// Short letters this tool refuses with a hint (ul(7), SHORT OPTIONS).
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

    var helpText: String {
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

extension CommandSpec {
    /// Parses arguments: `--name value`, `--name=value`, `-x value`, `-xvalue`, bundled short flags
    /// (`-qv`), and `--` to end options. A lone `-` is a positional (standard input).
    public func parse(_ arguments: [String]) throws -> ParsedArguments {
        var out = ParsedArguments()
        var i = 0
        func spec(long: String) throws -> OptionSpec {
            if let o = options.first(where: { $0.answers(to: long) }) { return o }
            let near = options.filter { $0.long.hasPrefix(long) }
            throw ToolError.usage("unknown option --\(escapedForMessage(long))", hint: near.count == 1 ? "did you mean --\(near[0].long)?" : nil)
        }
        func spec(short c: Character) throws -> OptionSpec {
            if let o = options.first(where: { $0.short == c }) { return o }
            if let r = retired.first(where: { $0.short == c }) {
                throw ToolError.usage("unknown option -\(escapedForMessage(String(c)))", hint: "use \(r.use)")
            }
            throw ToolError.usage("unknown option -\(escapedForMessage(String(c)))")
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
