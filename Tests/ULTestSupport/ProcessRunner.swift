import Foundation

/// A finished process: exit status (the signal number when `reason` is `.uncaughtSignal`) and output.
public struct ProcessResult {
    public let status: Int32
    public let reason: Process.TerminationReason
    public let stdout: String
    public let stderr: String
}

/// What a started process reads on standard input.
public enum StandardInput {
    /// /dev/null.
    case none
    /// These bytes, from a temporary file.
    case data(Data)
    /// A pipe the test writes with `RunningProcess.write` and closes with `closeInput`.
    case pipe
}

/// A started process. Standard output and error go to files outside its working directory (it may list
/// that directory), so they may be large; `wait()` reads and removes them.
public final class RunningProcess {
    public let process: Process
    private let outURL: URL
    private let errURL: URL
    private let inURL: URL?
    private let input: Pipe?

    init(process: Process, outURL: URL, errURL: URL, inURL: URL?, input: Pipe?) {
        self.process = process
        self.outURL = outURL
        self.errURL = errURL
        self.inURL = inURL
        self.input = input
    }

    deinit {
        for url in [outURL, errURL] + (inURL.map { [$0] } ?? []) { try? FileManager.default.removeItem(at: url) }
    }

    public var isRunning: Bool { process.isRunning }
    public var processIdentifier: Int32 { process.processIdentifier }

    /// Writes to standard input (started with `.pipe`).
    public func write(_ data: Data) throws {
        guard let input else { preconditionFailure("the process was not started with a standard input pipe") }
        try input.fileHandleForWriting.write(contentsOf: data)
    }

    /// Closes standard input: the process reads end of file.
    public func closeInput() throws { try input?.fileHandleForWriting.close() }

    /// Sends `signal` (SIGKILL by default).
    public func kill(_ signal: Int32 = SIGKILL) { _ = Foundation.kill(process.processIdentifier, signal) }

    /// Waits for the exit; returns the status and the output.
    @discardableResult
    public func wait() throws -> ProcessResult {
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus, reason: process.terminationReason,
                             stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                             stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }
}

/// Runs programs, the built tools and shell scripts as child processes.
public enum ProcessRunner {
    /// Starts `executable` with `arguments` in `directory`. The environment is the test's, with
    /// `environment` set over it and the `unset` names removed.
    public static func start(_ executable: URL, _ arguments: [String], in directory: URL, input: StandardInput = .none,
                             environment: [String: String] = [:], unset: [String] = []) throws -> RunningProcess {
        let fm = FileManager.default
        let tag = UUID().uuidString
        let outURL = fm.temporaryDirectory.appendingPathComponent("ul-process-stdout-\(tag)")
        let errURL = fm.temporaryDirectory.appendingPathComponent("ul-process-stderr-\(tag)")
        guard fm.createFile(atPath: outURL.path, contents: nil), fm.createFile(atPath: errURL.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: outURL.path])
        }
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.currentDirectoryURL = directory
        if !environment.isEmpty || !unset.isEmpty {
            var env = ProcessInfo.processInfo.environment
            for name in unset { env.removeValue(forKey: name) }
            for (k, v) in environment { env[k] = v }
            p.environment = env
        }
        var pipe: Pipe?, inURL: URL?
        switch input {
        case .none: p.standardInput = FileHandle.nullDevice
        case .data(let bytes):
            inURL = fm.temporaryDirectory.appendingPathComponent("ul-process-stdin-\(tag)")
            try bytes.write(to: inURL!)
            p.standardInput = try FileHandle(forReadingFrom: inURL!)
        case .pipe:
            pipe = Pipe()
            p.standardInput = pipe
        }
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        let running = RunningProcess(process: p, outURL: outURL, errURL: errURL, inURL: inURL, input: pipe)
        try p.run()
        return running
    }

    /// Runs `executable` to the end.
    public static func run(_ executable: URL, _ arguments: [String], in directory: URL, input: StandardInput = .none,
                           environment: [String: String] = [:], unset: [String] = []) throws -> ProcessResult {
        try start(executable, arguments, in: directory, input: input, environment: environment, unset: unset).wait()
    }

    /// Starts the built `tool` (ul-train, ul-forget, …).
    public static func start(tool: String, _ arguments: [String], in directory: URL, input: StandardInput = .none,
                             environment: [String: String] = [:]) throws -> RunningProcess {
        try start(BuiltTools.url(tool), arguments, in: directory, input: input, environment: environment)
    }

    /// Runs the built `tool` to the end.
    public static func run(tool: String, _ arguments: [String], in directory: URL, input: StandardInput = .none,
                           environment: [String: String] = [:]) throws -> ProcessResult {
        try start(tool: tool, arguments, in: directory, input: input, environment: environment).wait()
    }

    /// Runs `script` with bash in `directory`: the built tools come first on PATH, `$REPO` is the repository,
    /// `$DATA` its examples/data, the locale is C, and make's job-server variables are removed.
    public static func runScript(_ script: String, in directory: URL, environment: [String: String] = [:]) throws -> ProcessResult {
        var env = ["PATH": BuiltTools.directory.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                   "REPO": TestPaths.repository.path, "DATA": TestPaths.examplesData.path, "LC_ALL": "C"]
        for (k, v) in environment { env[k] = v }
        return try run(URL(fileURLWithPath: "/bin/bash"), ["-c", script], in: directory, environment: env, unset: ["MAKEFLAGS", "MFLAGS"])
    }

    /// Whether a program is on the ordinary PATH.
    public static func isInstalled(_ program: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(program)") }
    }
}
