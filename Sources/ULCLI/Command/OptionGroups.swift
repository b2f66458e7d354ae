import Foundation
import ULCore

// Options several tools share, written once: long name, the one short form the suite gives it, help text and
// default (taken from ULCore where the core has one), and the typed value it parses into. The short letters
// of the suite are listed in ul(7), SHORT OPTIONS; a letter means one thing in every tool.

extension OptionSpec {
    /// `-o`: where the result goes; `-` and no `-o` are standard output.
    public static let output = OptionSpec("output", short: "o", value: "FILE",
                                          help: "write to FILE, atomically (default, and -: standard output)")
    public static let id = OptionSpec("id", value: "COL", help: "name of the id column (default: \(ColumnNames.defaultId))")
    public static let label = OptionSpec("label", value: "COL", help: "name of the label column (default: \(ColumnNames.defaultLabel))")
    static let quiet = OptionSpec("quiet", short: "q", help: "print nothing but errors")
    static let verbose = OptionSpec("verbose", short: "v", help: "print a summary line on standard error")
    public static let help = OptionSpec("help", short: "h", help: "show this help and exit")
    public static let version = OptionSpec("version", help: "show the version and exit")
    /// The options every tool shares.
    public static let common: [OptionSpec] = [.quiet, .verbose, .help, .version]

    /// `-m`: a model file (never a model kind: ul-train's kind is `--model KIND`, without a short form).
    public static func modelFile(_ help: String) -> OptionSpec { OptionSpec("model", short: "m", value: "M", help: help) }
    /// `-d`: the rows a model was trained on.
    public static func data(_ help: String, value: String = "FILE") -> OptionSpec { OptionSpec("data", short: "d", value: value, help: help) }
    /// `-s`: a seed; `what` says what it seeds.
    public static func seed(_ what: String) -> OptionSpec {
        OptionSpec("seed", short: "s", value: "N", help: "seed of \(what) (default \(SeedOption.defaultValue))")
    }
    /// `-j`: parallel work that never changes the result; `what` says what runs at once.
    public static func jobs(_ what: String) -> OptionSpec {
        OptionSpec("jobs", short: "j", value: "J", help: "\(what) at once (default: all cores); never changes the result")
    }
}

/// `--id` and `--label`.
public struct ColumnNames: Sendable {
    static let defaultId = "id"
    static let defaultLabel = "label"
    public static let options: [OptionSpec] = [.id, .label]

    public var id: String
    public var label: String

    public init(_ args: ParsedArguments) {
        id = args.string("id", default: Self.defaultId)
        label = args.string("label", default: Self.defaultLabel)
    }
}

/// `-s, --seed N`: a non-negative 64-bit integer.
public enum SeedOption {
    public static let defaultValue: UInt64 = TrainConfig(kind: .softmax).seed

    public static func parse(_ args: ParsedArguments) throws -> UInt64 {
        let text = args.string("seed", default: String(defaultValue))
        guard let v = UInt64(text) else { throw ToolError.usage("--seed: expected a non-negative integer, got \(quoted(text))") }
        return v
    }
}

/// `-j, --jobs J`: default all cores.
public enum JobsOption {
    public static func parse(_ args: ParsedArguments) throws -> Int {
        try args.int("jobs", default: ProcessInfo.processInfo.activeProcessorCount, min: 1)
    }
}

/// `--scale none|F`.
public enum ScaleOption {
    public static func spec(_ what: String) -> OptionSpec {
        OptionSpec("scale", value: "none|F", help: "multiply every feature by F \(what) (default none)")
    }

    public static func parse(_ args: ParsedArguments) throws -> Float? {
        let text = args.string("scale", default: "none")
        guard text != "none" else { return nil }
        guard let f = Float(text), f.isFinite, f != 0 else {
            throw ToolError.usage("--scale: expected none or a non-zero number, got \(quoted(text))")
        }
        return f
    }
}

/// `--exclude COL,...`.
public enum ExcludeOption {
    public static let spec = OptionSpec("exclude", value: "COL,...", help: "columns that are not features")

    public static func parse(_ args: ParsedArguments) -> [String] {
        args.value("exclude").map { $0.split(separator: ",").map(String.init) } ?? []
    }
}
