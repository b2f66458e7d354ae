import Foundation

/// Process exit statuses, after sysexits(3): the one table of the suite, documented in ul(7) and in each
/// page's EXIT STATUS.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    case ok = 0
    /// An audit threshold or lineage check failed (ul-audit).
    case thresholdFailed = 1
    /// A bad command line: unknown option, bad value, an option that does not apply (EX_USAGE).
    case usage = 64
    /// Bad data or a bad model file (EX_DATAERR).
    case dataError = 65
    /// An input file cannot be opened (EX_NOINPUT).
    case noInput = 66
    /// An internal error: a bug (EX_SOFTWARE).
    case software = 70
    /// An output cannot be created (EX_CANTCREAT).
    case cantCreate = 73
    /// Reading or writing failed, e.g. a full disk (EX_IOERR).
    case ioError = 74
    /// Try again later: another job holds the model's lock (EX_TEMPFAIL).
    case tempFail = 75
}

/// An error that ends a tool with a message and an exit status.
public struct ToolError: Error, CustomStringConvertible {
    public var status: ExitStatus
    public var message: String
    /// File the message is about, if any (`-` is standard input).
    public var file: String?
    /// 1-based line of `file`.
    public var line: Int?
    /// What to do instead, printed on its own line after the message; a usage error without one gets
    /// "Try 'TOOL --help'", so every usage error ends with exactly one hint.
    public var hint: String?

    public init(_ status: ExitStatus, _ message: String, file: String? = nil, line: Int? = nil, hint: String? = nil) {
        self.status = status
        self.message = message
        self.file = file
        self.line = line
        self.hint = hint
    }

    public static func usage(_ message: String, hint: String? = nil) -> ToolError { ToolError(.usage, message, hint: hint) }
    public static func data(_ message: String, file: String? = nil, line: Int? = nil) -> ToolError {
        ToolError(.dataError, message, file: file, line: line)
    }

    /// `file:line: message`, or the parts that are known.
    public var description: String {
        var prefix = ""
        if let f = file { prefix = displayName(f) + ":" + (line.map { "\($0):" } ?? "") + " " }
        return prefix + message
    }
}

/// How a path is named in messages: `-` is standard input.
public func displayName(_ path: String) -> String { path == "-" ? "<stdin>" : path }

/// Standard error, unbuffered, for messages and progress.
public enum Diagnostics {
    public static func print(_ text: String) {
        var s = text
        if !s.hasSuffix("\n") { s += "\n" }
        s.withCString { p in _ = fputs(p, stderr) }
    }

    /// True when standard error is a terminal (progress bars and colour only then).
    public static let stderrIsTerminal: Bool = isatty(2) != 0
}
