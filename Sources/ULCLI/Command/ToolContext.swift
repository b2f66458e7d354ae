import Foundation
import ULCore

let ulVersion = "0.1.0"

/// What a tool's body learns from the common options.
public struct ToolContext {
    public let name: String
    let quiet: Bool
    let verbose: Bool

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
    useSingleThreadedBLAS()
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
