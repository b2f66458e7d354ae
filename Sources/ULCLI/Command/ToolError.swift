import Foundation

/// An error that ends a tool with a message and an exit status.
public struct ToolError: Error, CustomStringConvertible {
    public var status: ExitStatus
    var message: String
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
