import Foundation
import ULCore

/// How a path is named in messages: `-` is standard input; control bytes, escape sequences and newlines are
/// escaped as in any value (`escapedForMessage`), so that a file name cannot forge a line or drive the terminal.
/// A path is cut only beyond `pathMessageLimit`: any shorter one may name a real file and is shown whole.
public func displayName(_ path: String) -> String { path == "-" ? "<stdin>" : escapedForMessage(path, limit: pathMessageLimit) }

/// Characters of a path kept in a message: the longest path the system resolves (PATH_MAX).
public let pathMessageLimit = Int(PATH_MAX)

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
