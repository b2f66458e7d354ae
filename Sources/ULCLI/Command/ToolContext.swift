import Foundation
import ULCore

public let ulVersion = "0.1.0"

/// What a tool's body learns from the common options.
public struct ToolContext {
    public let name: String
    public let quiet: Bool
    public let verbose: Bool

    /// A summary line on standard error, with `-v` only.
    public func summary(_ text: String) { if verbose && !quiet { Diagnostics.print("\(name): \(text)") } }
    /// A notice on standard error unless `-q`.
    public func note(_ text: String) { if !quiet { Diagnostics.print("\(name): \(text)") } }
    public func progress(_ label: String, total: Int?) -> Progress { Progress(label, total: total, quiet: quiet) }
}

/// Runs a tool: parses options, handles `--help` and `--version`, maps errors to messages and
/// exit statuses, removes partial outputs on failure, and exits quietly on a closed pipe.
public func runTool(_ spec: CommandSpec, arguments: [String] = Array(CommandLine.arguments.dropFirst()),
                    _ body: (ParsedArguments, ToolContext) throws -> ExitStatus) -> Never {
    signal(SIGPIPE, SIG_IGN)
    let status: ExitStatus
    do {
        let args = try spec.parse(arguments)
        if args.flag("help") {
            print(spec.helpText, terminator: "")
            exit(0)
        }
        if args.flag("version") {
            print("\(spec.name) (ul) \(ulVersion)")
            exit(0)
        }
        let ctx = ToolContext(name: spec.name, quiet: args.flag("quiet"), verbose: args.flag("verbose"))
        status = try body(args, ctx)
    } catch let e as ToolError {
        PendingFiles.shared.removeAll()
        Diagnostics.print("\(spec.name): \(e)")
        if let hint = e.hint {
            Diagnostics.print("\(spec.name): \(hint)")
        } else if e.status == .usage {
            Diagnostics.print("Try '\(spec.name) --help' for more information.")
        }
        exit(e.status.rawValue)
    } catch is BrokenPipe {
        PendingFiles.shared.removeAll()
        exit(0)
    } catch let e as ModelFileError {
        PendingFiles.shared.removeAll()
        Diagnostics.print("\(spec.name): \(e)")
        exit(ExitStatus.dataError.rawValue)
    } catch {
        PendingFiles.shared.removeAll()
        Diagnostics.print("\(spec.name): internal error: \(error)")
        exit(ExitStatus.software.rawValue)
    }
    PendingFiles.shared.removeAll()
    exit(status.rawValue)
}

/// Positional input: at most one file, `-` or none meaning standard input.
public func singleInput(_ args: ParsedArguments) throws -> String {
    guard args.positionals.count <= 1 else {
        throw ToolError.usage("expected at most one input file, got \(args.positionals.count)")
    }
    return args.positionals.first ?? "-"
}

/// A model file as random-access bytes, read with pread.
public final class FileByteSource: ByteSource {
    public let path: String
    private let fd: Int32
    public let size: Int

    public init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ToolError(.noInput, "cannot open: \(String(cString: strerror(errno)))", file: path) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw ToolError(.noInput, "not a regular file", file: path)
        }
        size = Int(st.st_size)
    }
    deinit { close(fd) }

    /// Maps the range read-only. Model files are replaced by rename, never rewritten in place, so the
    /// mapping cannot shrink under the reader.
    public func withBytes<T>(offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        guard offset >= 0, count >= 0, offset + count <= size else {
            throw ModelFileError.truncated(expected: offset + count, actual: size)
        }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = offset / page * page, length = offset + count - start
        guard count > 0, let base = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, off_t(start)), base != MAP_FAILED else {
            return try read(offset: offset, count: count).withUnsafeBytes(body)
        }
        defer { munmap(base, length) }
        return try body(UnsafeRawBufferPointer(start: base + (offset - start), count: count))
    }

    public func read(offset: Int, count: Int) throws -> [UInt8] {
        guard offset >= 0, count >= 0, offset + count <= size else {
            throw ModelFileError.truncated(expected: offset + count, actual: size)
        }
        // Uninitialised storage: zero-filling first costs a second pass over a large section.
        var done = 0
        var failure: Error?
        let out = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            while done < count {
                let n = pread(fd, buffer.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    failure = ModelFileError.truncated(expected: offset + count, actual: offset + done)
                    break
                }
                done += n
            }
            initialized = failure == nil ? count : 0
        }
        if let f = failure { throw f }
        return out
    }
}

/// Opens a model file's container, turning container errors into messages that name the file.
public func openModelContainer(_ path: String) throws -> ModelContainerReader {
    let source = try FileByteSource(path: path)
    do {
        return try ModelContainerReader(source: source)
    } catch let e as ModelFileError {
        throw ToolError.data("\(e)", file: path)
    }
}
