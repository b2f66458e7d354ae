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
            throw ToolError.usage("--\(long): expected an integer\(rangeText(lo, hi)), got \(quoted(text))")
        }
        return v
    }

    public func double(_ long: String, default d: Double, min lo: Double = -.infinity, max hi: Double = .infinity) throws -> Double {
        guard let text = value(long) else { return d }
        guard let v = Double(text), v.isFinite, v >= lo, v <= hi else {
            throw ToolError.usage("--\(long): expected a number\(rangeText(lo, hi)), got \(quoted(text))")
        }
        return v
    }

    /// A value that must be one of `choices`.
    public func choice(_ long: String, _ choices: [String], default d: String) throws -> String {
        guard let v = value(long) else { return d }
        guard choices.contains(v) else {
            throw ToolError.usage("--\(long): expected one of \(choices.joined(separator: ", ")), got \(quoted(v))")
        }
        return v
    }

    /// A comma-separated list of integers, such as `--hidden 256,128`.
    public func intList(_ long: String, default d: [Int], min lo: Int = .min, max hi: Int = .max) throws -> [Int] {
        guard let text = value(long) else { return d }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        var out = [Int]()
        for p in parts {
            guard let v = Int(p), v >= lo, v <= hi else {
                throw ToolError.usage("--\(long): expected a comma-separated list of integers\(rangeText(lo, hi)), got \(quoted(text))")
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
