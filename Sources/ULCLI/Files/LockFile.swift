import Foundation

/// An exclusive advisory lock (flock) on `<file>.lock`, `<file>` the target with its symlinks resolved, so two
/// jobs on the same model (a cron overlap), whatever path names it, cannot both run. The lock file is opened
/// without following a symlink and created 0600, so another user can neither redirect it nor hold it. The
/// kernel releases the lock when the process dies, even by `kill -9`. A lock file that belongs to neither this user
/// nor the target's owner is refused rather than waited on.
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
        // A lock file another user planted before the first job (in a directory they may write) would let them
        // hold it: it must be a regular file of this user or of the target's owner.
        var st = stat(), owner = stat()
        let ownerID = stat(target, &owner) == 0 ? owner.st_uid : geteuid()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_uid == geteuid() || st.st_uid == ownerID else {
            close(fd)
            throw ToolError(.cantCreate, "lock file is not a regular file of this user or of the locked file's owner (another user made it?); "
                                + "remove it, and keep models in a directory only their owner can write", file: path)
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
