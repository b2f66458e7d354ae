import Foundation

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
    static let stderrIsTerminal: Bool = isatty(2) != 0
}
