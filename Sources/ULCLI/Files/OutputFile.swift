import Foundation

/// Temporary files to remove if the tool fails, so that no partial output is left behind.
final class PendingFiles: @unchecked Sendable {
    static let shared = PendingFiles()
    private var paths = Set<String>()
    private let lock = NSLock()
    func add(_ p: String) { lock.lock(); paths.insert(p); lock.unlock() }
    func remove(_ p: String) { lock.lock(); paths.remove(p); lock.unlock() }
    func removeAll() {
        lock.lock()
        for p in paths { unlink(p) }
        paths.removeAll()
        lock.unlock()
    }
}

/// An output destination: standard output, or a file written under a temporary name in the same
/// directory and renamed into place by `commit()`, so a crash never leaves a half-written file and
/// the previous version stays valid until the rename.
public final class OutputFile {
    public let path: String
    let fd: Int32
    private let tempPath: String?
    private var committed = false
    private var prepared = false
    /// Set for a file named `*.csv.gz`: what is written is compressed with gzip.
    private var gzip: GzipDeflater?

    /// `nil` or `-` is standard output.
    public init(path: String?) throws {
        guard let path, path != "-" else {
            self.path = "-"
            fd = 1
            tempPath = nil
            return
        }
        self.path = path
        try checkOutputKind(path)
        var st = stat()
        if stat(path, &st) == 0, (st.st_mode & S_IFMT) != S_IFREG, (st.st_mode & S_IFMT) != S_IFDIR {
            // A character device (/dev/null): write to it directly; renaming a file over it would replace
            // the device node.
            let f = open(path, O_WRONLY | O_CLOEXEC)
            guard f >= 0 else {
                throw ToolError(.cantCreate, "cannot open output: \(String(cString: strerror(errno)))", file: path)
            }
            fd = f
            tempPath = nil
            return
        }
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        // A fresh name nobody can have planted: created exclusively, never through a symlink, 0600 until the
        // final mode is set at commit.
        var f: Int32 = -1, temp = ""
        for _ in 0..<16 {
            temp = dir + "/." + url.lastPathComponent + ".\(getpid()).\(UInt64.random(in: 0...UInt64.max) >> 16).tmp"
            f = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if f >= 0 || errno != EEXIST { break }
        }
        guard f >= 0 else {
            throw ToolError(.cantCreate, "cannot create output: \(String(cString: strerror(errno)))", file: path)
        }
        fd = f
        tempPath = temp
        PendingFiles.shared.add(temp)
        if path.hasSuffix(".csv.gz") { gzip = try GzipDeflater() }
    }

    /// The mode, owner and group the new file gets: those of the regular file it replaces (a rewrite keeps
    /// the permissions its owner chose), else 0666 less the umask.
    private func setFinalMode() {
        var st = stat()
        if lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG {
            // Owner and group kept where permitted (root); else the group, for a member of it.
            if fchown(fd, st.st_uid, st.st_gid) != 0 { _ = fchown(fd, getuid(), st.st_gid) }
            fchmod(fd, st.st_mode & 0o7777)
        } else {
            let mask = umask(0)
            umask(mask)
            fchmod(fd, 0o666 & ~mask)
        }
    }

    var isStandardOutput: Bool { path == "-" }

    /// Writes all bytes (compressed for `*.csv.gz`), retrying short writes. EPIPE on standard output becomes
    /// `BrokenPipe`.
    public func write(_ p: UnsafeRawPointer, _ count: Int) throws {
        if let g = gzip { return try g.compress(p, count) { try writeRaw($0, $1) } }
        try writeRaw(p, count)
    }

    private func writeRaw(_ p: UnsafeRawPointer, _ count: Int) throws {
        var done = 0
        while done < count {
            let n = Foundation.write(fd, p + done, count - done)
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { throw BrokenPipe() }
                throw ToolError(.ioError, "write error: \(String(cString: strerror(errno)))", file: isStandardOutput ? "<stdout>" : path)
            }
            done += n
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0.baseAddress!, $0.count) }
    }

    /// Finishes the file under its temporary name and flushes it to disk: what `commit` does before the
    /// rename, done ahead so that the rename is all that is left (a file written while other work runs).
    public func prepare() throws {
        guard tempPath != nil, !prepared else { return }
        if let g = gzip {
            try g.finish { try writeRaw($0, $1) }
            gzip = nil
        }
        setFinalMode()
        guard fsync(fd) == 0 else {
            throw ToolError(.ioError, "cannot write output: \(String(cString: strerror(errno)))", file: path)
        }
        prepared = true
    }

    /// Flushes to disk and renames the temporary file into place.
    public func commit() throws {
        guard let temp = tempPath, !committed else { return }
        try prepare()
        close(fd)
        guard rename(temp, path) == 0 else {
            throw ToolError(.cantCreate, "cannot rename output into place: \(String(cString: strerror(errno)))", file: path)
        }
        committed = true
        PendingFiles.shared.remove(temp)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        removeStaleTemporaryFiles(of: URL(fileURLWithPath: path).lastPathComponent, in: directory)
        let dir = open(directory, O_RDONLY)
        if dir >= 0 { fsync(dir); close(dir) }
    }

    deinit {
        if tempPath == nil, path != "-" { close(fd) }
        if let temp = tempPath, !committed {
            close(fd)
            unlink(temp)
            PendingFiles.shared.remove(temp)
        }
    }
}

/// Refuses an output path that names a FIFO or a socket: writing would hang the job (holding its lock) until
/// somebody reads it, or fail. Tools call it on every output path before any work; `OutputFile` again on
/// opening. `nil` and `-` are standard output.
public func checkOutputKind(_ path: String?) throws {
    guard let path, path != "-" else { return }
    var st = stat()
    if stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFIFO || (st.st_mode & S_IFMT) == S_IFSOCK {
        throw ToolError(.cantCreate, "cannot write output: not a regular file or a character device", file: path)
    }
}

/// Removes `.NAME.PID.RANDOM.tmp` (and the older `.NAME.PID.tmp`) files in `directory` left by writers of
/// `name` that died without cleaning up (`kill -9`, a power cut): those whose process no longer exists and
/// that this user owns. A file of a live process, or of a process this one may not signal, is left alone.
func removeStaleTemporaryFiles(of name: String, in directory: String) {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
    let prefix = "." + name + ".", suffix = ".tmp"
    for entry in entries where entry.hasPrefix(prefix) && entry.hasSuffix(suffix) && entry.count > prefix.count + suffix.count {
        let digits = entry.dropFirst(prefix.count).dropLast(suffix.count).prefix { $0 != "." }
        var st = stat()
        guard lstat(directory + "/" + entry, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_uid == getuid() else { continue }
        guard digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let pid = pid_t(digits), pid > 0, pid != getpid() else { continue }
        if kill(pid, 0) != 0 && errno == ESRCH { unlink(directory + "/" + entry) }
    }
}
