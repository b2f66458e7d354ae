import Foundation

/// Everything that determines the selection of a shard besides its rows and its count m: fixed by the
/// command line of ul-select, recorded in the model (section `selection`) so that forgetting can re-select.
/// Its text form (`description`, parsed by `init(parsing:)`) is what ul-select prints and ul-train --selection takes.
public struct SelectionSpec: Equatable, Sendable, CustomStringConvertible {
    public var method: SelectionMethod
    /// Kernel, noise, cells and seed of the entropy and spread methods; the seed is also random selection's seed.
    public var entropy: EntropySelectionConfig
    /// Random selection without a count: selected iff u(id) < fraction (nil: the count rule). For the entropy
    /// method the fraction only sets m at the first selection and is not kept.
    public var fraction: Double?
    /// Constant the features are multiplied by before selection (nil: none).
    public var scale: Float?
    /// How the count m of a shard is set (and set again after a forget).
    public var countRule: SelectionCountRule

    public init(method: SelectionMethod = .entropy, entropy: EntropySelectionConfig = EntropySelectionConfig(),
                fraction: Double? = nil, scale: Float? = nil, countRule: SelectionCountRule = .recorded) {
        self.method = method
        self.entropy = entropy
        self.fraction = method == .random ? fraction : nil
        self.scale = scale
        self.countRule = self.fraction == nil ? countRule : .recorded
    }

    public var description: String {
        var parts = ["method=\(method.rawValue)"]
        switch entropy.kernel {
        case .linear: parts.append("kernel=linear")
        case .rbf(let g): parts += ["kernel=rbf", "gamma=" + (g.map { "\($0)" } ?? "default")]
        }
        parts += ["noise=\(entropy.noise)", "cells=\(entropy.cells)", "seed=\(entropy.seed)",
                  "fraction=" + (fraction.map { "\($0)" } ?? "none"), "scale=" + (scale.map { "\($0)" } ?? "none")]
        if let c = countRule.text { parts.append("count=" + c) }
        return parts.joined(separator: ",")
    }

    /// Parses `description`'s form; fields may be omitted (defaults) but not repeated or unknown.
    public init(parsing text: String) throws {
        self.init()
        // An empty text would silently mean every default, not the selection the rows were chosen with.
        guard !text.allSatisfy(\.isWhitespace) else { throw SelectionError.invalidConfig("empty") }
        var seen = Set<String>()
        var kernelName = "rbf"
        var gamma: Double? = nil
        for field in text.split(separator: ",") {
            let kv = field.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, seen.insert(kv[0]).inserted else { throw SelectionError.invalidConfig("bad field \(quotedForMessage(field))") }
            let v = kv[1]
            func number() throws -> Double {
                guard let x = Double(v), x.isFinite else { throw SelectionError.invalidConfig("\(kv[0]): not a number \(quotedForMessage(v))") }
                return x
            }
            switch kv[0] {
            case "method":
                guard let m = SelectionMethod(rawValue: v) else { throw SelectionError.invalidConfig("unknown method \(quotedForMessage(v))") }
                method = m
            case "kernel":
                guard v == "rbf" || v == "linear" else { throw SelectionError.invalidConfig("unknown kernel \(quotedForMessage(v))") }
                kernelName = v
            case "gamma": gamma = v == "default" ? nil : try number()
            case "noise": entropy.noise = try number()
            case "cells":
                guard let c = Int(v), c >= 1 else { throw SelectionError.invalidConfig("cells: \(quotedForMessage(v))") }
                entropy.cells = c
            case "seed":
                guard let s = UInt64(v) else { throw SelectionError.invalidConfig("seed: \(quotedForMessage(v))") }
                entropy.seed = s
            case "fraction": fraction = v == "none" ? nil : try number()
            case "scale": scale = v == "none" ? nil : Float(try number())
            case "count": countRule = try SelectionCountRule(parsing: v)
            default: throw SelectionError.invalidConfig("unknown field \(quotedForMessage(kv[0]))")
            }
        }
        entropy.kernel = kernelName == "linear" ? .linear : .rbf(gamma: gamma)
        if method != .random { fraction = nil }
        if fraction != nil { countRule = .recorded }
        if let f = fraction, !(f > 0 && f <= 1) { throw SelectionError.invalidConfig("fraction must be in (0, 1]") }
    }

    func encode(into w: inout ByteWriter) { w.string(description) }
    static func decode(_ r: inout ByteReader) throws -> SelectionSpec {
        let text = try r.string()
        do { return try SelectionSpec(parsing: text) } catch { throw ByteReaderError.invalid("selection \(quotedForMessage(text))") }
    }
}
