import Foundation
import ULCLI

/// An overall progress bar fed from several threads.
final class SharedProgress: @unchecked Sendable {
    private let bar: ULCLI.Progress
    private let lock = NSLock()
    init(_ bar: ULCLI.Progress) { self.bar = bar }
    func update(_ done: Int, _ total: Int) {
        lock.lock()
        defer { lock.unlock() }
        bar.update(total > 0 ? 1000 * done / total : 1000)
    }
    func finish() { bar.finish() }
}
