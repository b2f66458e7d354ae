import Foundation

/// A progress line on standard error, drawn only when it is a terminal and not silenced.
public final class Progress {
    private let label: String
    private let total: Int?
    private let enabled: Bool
    private var lastDraw = 0.0
    private var drawn = false

    public init(_ label: String, total: Int?, quiet: Bool) {
        self.label = label
        self.total = total
        enabled = !quiet && Diagnostics.stderrIsTerminal
    }

    /// Reports `done` units of `total`; redraws at most ten times a second.
    public func update(_ done: Int) {
        guard enabled else { return }
        let now = Date().timeIntervalSince1970
        guard now - lastDraw >= 0.1 else { return }
        lastDraw = now
        var line = "\r\(label): "
        if let t = total, t > 0 {
            let frac = min(1, Double(done) / Double(t))
            let width = 30
            let filled = Int(frac * Double(width))
            line += "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "]"
            line += String(format: " %3.0f%%", frac * 100)
        } else {
            line += "\(done)"
        }
        line.withCString { _ = fputs($0, stderr) }
        drawn = true
    }

    /// Clears the line.
    public func finish() {
        guard enabled, drawn else { return }
        fputs("\r\u{1B}[K", stderr)
    }
}
