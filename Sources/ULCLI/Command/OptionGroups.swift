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

/// `--id-key FILE`: the secret that keys row ids (see ULCore `IdKey`). The file's bytes are the key, as
/// they are (a trailing newline included); at least `IdKey.minimumLength` bytes.
public enum IdKeyOption {
    public static let spec = OptionSpec("id-key", value: "FILE",
                                        help: "ids are keyed with the secret in FILE (HMAC-SHA-256); the same key as ul-train's")

    static let maximumLength = 4096

    public static func parse(_ args: ParsedArguments) throws -> IdKey? {
        guard let path = args.value("id-key") else { return nil }
        guard let file = FileHandle(forReadingAtPath: path) else {
            throw ToolError(.noInput, "cannot open: \(String(cString: strerror(errno)))", file: path)
        }
        defer { try? file.close() }
        // Bounded: a key is short, and /dev/zero must not be read for ever.
        let bytes = [UInt8]((try? file.read(upToCount: maximumLength + 1)) ?? Data())
        guard bytes.count <= maximumLength else {
            throw ToolError.data("an id key has at most \(maximumLength) bytes; this file has more", file: path)
        }
        guard let key = IdKey(bytes: bytes) else {
            throw ToolError.data("an id key needs at least \(IdKey.minimumLength) bytes; this file has \(bytes.count) (head -c 32 /dev/urandom > FILE makes one)", file: path)
        }
        return key
    }

    /// Refuses a key the model was not trained with, a missing key for a keyed model, and a key for a model
    /// whose ids are not keyed: ids would silently match nothing.
    public static func check(_ key: IdKey?, model: ModelFile, path: String) throws {
        switch (key, model.idKeyCheck) {
        case (nil, nil): return
        case (nil, _?): throw ToolError.data("the model's ids are keyed: give --id-key FILE with the key it was trained with", file: path)
        case (_?, nil): throw ToolError.data("the model's ids are not keyed: leave out --id-key", file: path)
        case let (k?, check?):
            guard k.check == check else { throw ToolError.data("--id-key is not the key this model was trained with", file: path) }
        }
    }
}
