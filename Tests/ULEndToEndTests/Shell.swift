import Foundation
import XCTest

/// A shell script's exit status and output.
struct ShellResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Where the repository and the built tools are, and a way to run a script with the tools first on PATH.
enum Shell {
    static let repoDirectory = EndToEndTests.testsDirectory.deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `script` with bash in `directory`; the built tools come first on PATH, `$REPO` is the
    /// repository and `$DATA` its examples/data. Output goes through files outside `directory` (a script may
    /// list it), so it may be large.
    static func run(_ script: String, in directory: URL, environment extra: [String: String] = [:]) throws -> ShellResult {
        let fm = FileManager.default
        let outURL = fm.temporaryDirectory.appendingPathComponent("ul-shell-stdout-\(UUID().uuidString)")
        let errURL = fm.temporaryDirectory.appendingPathComponent("ul-shell-stderr-\(UUID().uuidString)")
        fm.createFile(atPath: outURL.path, contents: nil)
        fm.createFile(atPath: errURL.path, contents: nil)
        defer { try? fm.removeItem(at: outURL); try? fm.removeItem(at: errURL) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", script]
        p.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = EndToEndTests.binDirectory.path + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        env["REPO"] = repoDirectory.path
        env["DATA"] = EndToEndTests.dataDirectory.path
        env["LC_ALL"] = "C"
        env.removeValue(forKey: "MAKEFLAGS")
        env.removeValue(forKey: "MFLAGS")
        for (k, v) in extra { env[k] = v }
        p.environment = env
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        try p.run()
        p.waitUntilExit()
        return ShellResult(status: p.terminationStatus,
                           stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                           stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// A fresh scratch directory, removed when the test ends.
    static func scratch(_ test: XCTestCase) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ul-examples-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    /// Whether a program is on the ordinary PATH.
    static func installed(_ program: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(program)") }
    }
}
