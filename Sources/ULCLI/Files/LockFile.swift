import Foundation

/// An exclusive advisory lock (flock) on `<file>.lock`, `<file>` the target with its symlinks resolved, so two
/// jobs on the same model (a cron overlap), whatever path names it, cannot both run. The lock file is opened
/// without following a symlink and created 0600, so another user can neither redirect it nor hold it. The
/// kernel releases the lock when the process dies, even by `kill -9`.
public final class LockFile {
    public let path: String
    private let fd: Int32

    /// Takes the lock; waits up to `timeout` seconds (0: fail at once if it is held).
    public init(for target: String, timeout: Double) throws {
        path = Self.resolved(target) + ".lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw ToolError(.cantCreate, "cannot create lock file: \(String(cString: strerror(errno)))", file: path)
        }
        let deadline = Date().addingTimeInterval(timeout)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                close(fd)
                throw ToolError(.ioError, "cannot lock: \(String(cString: strerror(errno)))", file: path)
            }
            guard Date() < deadline else {
                close(fd)
                throw ToolError(.tempFail, "another job holds the lock on \(displayName(target)) (waited \(Int(timeout)) s; see --wait)", file: path)
            }
            usleep(50_000)
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// `target` with every symlink resolved; for a file that does not exist yet, its directory resolved.
    static func resolved(_ target: String) -> String {
        if let p = realpath(target, nil) { defer { free(p) }; return String(cString: p) }
        let url = URL(fileURLWithPath: target)
        let dir = url.deletingLastPathComponent().path
        guard let d = realpath(dir, nil) else { return target }
        defer { free(d) }
        return String(cString: d) + "/" + url.lastPathComponent
    }
}
