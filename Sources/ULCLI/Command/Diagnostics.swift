import Foundation

/// Process exit statuses, after sysexits(3).
public enum ExitStatus: Int32, Sendable {
    case ok = 0
    /// An audit threshold failed.
    case thresholdFailed = 1
    case usage = 64
    /// Bad data or a bad model file.
    case dataError = 65
    case noInput = 66
    case software = 70
    case cantCreate = 73
    case ioError = 74
}

/// An error that ends a tool with a message and an exit status.
public struct ToolError: Error, CustomStringConvertible {
    public var status: ExitStatus
    public var message: String
    /// File the message is about, if any (`-` is standard input).
    public var file: String?
    /// 1-based line of `file`.
    public var line: Int?

    public init(_ status: ExitStatus, _ message: String, file: String? = nil, line: Int? = nil) {
        self.status = status
        self.message = message
        self.file = file
        self.line = line
    }

    public static func usage(_ message: String) -> ToolError { ToolError(.usage, message) }
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
