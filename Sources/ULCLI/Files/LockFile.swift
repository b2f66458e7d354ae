import Foundation

/// An exclusive advisory lock (flock) on `<path>.lock`, so two jobs on the same model (a cron
/// overlap) cannot both run. The kernel releases it when the process dies, even by `kill -9`.
public final class LockFile {
    public let path: String
    private let fd: Int32

    /// Takes the lock; waits up to `timeout` seconds (0: fail at once if it is held).
    public init(for target: String, timeout: Double) throws {
        path = target + ".lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
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
                throw ToolError(.tempFail, "another job holds the lock on \(target) (waited \(Int(timeout)) s; see --wait)", file: path)
            }
            usleep(50_000)
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
