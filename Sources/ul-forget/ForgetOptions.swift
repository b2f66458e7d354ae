import Foundation
import ULCLI
import ULCore

/// The forget methods (`--method`).
enum ForgetMethodName: String, CaseIterable {
    case exact, retrain, puma, newton
}

/// Everything ul-forget's command line says, checked: the paths, the method and the options that apply to it.
struct ForgetOptions {
    var method: ForgetMethodName
    var modelPath: String
    var dataPath: String
    var dataIsDirectory: Bool
    /// --data DIR holds the binary shard store (ul-store(5)) rather than per-shard CSV files.
    var dataIsStore: Bool
    var requestsPath: String
    var outputPath: String
    var remainingPath: String?
    var ledgerPath: String?
    var columns: ColumnNames
    var ignoreUnknown: Bool
    var jobs: Int
    /// Seconds to wait for another job's lock on the model.
    var wait: Double
    /// `--id-key`: the model's ids are keyed; requests and data ids are matched through the key.
    var idKey: IdKey?
    /// Settings of puma and newton; nil for exact and retrain.
    var approximate: ApproximateOptions?

    init(_ args: ParsedArguments) throws {
        method = ForgetMethodName(rawValue: try args.choice("method", ForgetMethodName.allCases.map(\.rawValue), default: "exact"))!
        guard args.positionals.isEmpty else { throw ToolError.usage("unexpected argument \(quoted(args.positionals[0])) (inputs are named by --model, --data, --requests)") }
        guard let model = args.value("model") else { throw ToolError.usage("a model is required (--model M)") }
        guard let data = args.value("data") else { throw ToolError.usage("the training data is required (--data FILE|DIR)") }
        guard let requests = args.value("requests") else { throw ToolError.usage("the forget requests are required (--requests FILE)") }
        guard let output = args.value("output"), output != "-" else { throw ToolError.usage("an output model file is required (-o NEW)") }
        guard data != "-" else { throw ToolError.usage("--data must be a file or a directory (it is read twice), not standard input") }
        modelPath = model
        dataPath = data
        requestsPath = requests
        outputPath = output
        var isDir: ObjCBool = false
        dataIsDirectory = FileManager.default.fileExists(atPath: data, isDirectory: &isDir) && isDir.boolValue
        dataIsStore = dataIsDirectory && StoreDirectory.isStore(data)
        remainingPath = args.value("remaining")
        if dataIsDirectory, remainingPath != nil {
            throw ToolError.usage("--remaining does not apply to --data DIR (the shard files are rewritten in place)")
        }
        ledgerPath = args.value("ledger")
        columns = ColumnNames(args)
        ignoreUnknown = args.flag("ignore-unknown")
        jobs = try JobsOption.parse(args)
        wait = try args.double("wait", default: 0, min: 0)
        idKey = try IdKeyOption.parse(args)
        switch method {
        case .puma, .newton:
            approximate = try ApproximateOptions(args, method: method, modelPath: model, outputPath: output)
        case .exact, .retrain:
            if let o = ApproximateOptions.names.first(where: { args.flag($0) }) {
                throw ToolError.usage("--\(o) does not apply to --method \(method.rawValue): the options of the approximate methods apply to --method puma and newton")
            }
        }
    }
}

/// The options of the approximate methods (see ul-forget(1), APPROXIMATE METHODS).
struct ApproximateOptions {
    static let specs: [OptionSpec] = CurvatureOptions.specs(
        prefix: "puma/newton: ", curvatureHelp: "(default MODEL.curv; the updated one goes to FILE, or without --curvature to NEW.curv); computed when missing") + [
        OptionSpec("valid", value: "FILE", help: "puma: criterion = mean loss on these rows (default: on the remaining training rows)"),
        OptionSpec("eta", value: "E", help: "puma: step of the weight optimisation, as a fraction of 1/L (default 0.5)"),
        OptionSpec("alpha", value: "A", help: "puma: weight penalty relative to ‖s‖² (default 0.1)"),
        OptionSpec("iterations", value: "N", help: "puma: projected-gradient steps (default 200; 0 = plain influence removal)"),
        OptionSpec("weights", value: "FILE", help: "puma: write id,weight of the affected shards' rows to FILE"),
        OptionSpec("budget", value: "B", help: "newton: accumulated residual bound after which an exact retrain is due"),
        OptionSpec("auto-retrain", help: "puma/newton: retrain exactly a shard whose conjugate gradient does not converge (newton: or whose accumulated bound passes --budget)"),
        OptionSpec("curvature-update", value: "WAY", help: "puma/newton: how a stored factor follows the data: downdate, refactor, or drop it (default: the cheaper of the first two)"),
    ]
    static var names: [String] { specs.map(\.long) }
    static let pumaOnly = ["valid", "eta", "alpha", "iterations", "weights"]
    static let newtonOnly = ["budget"]

    /// nil: the default for the model kind (exact for softmax, cg for mlp), known once the model is read.
    var solver: SolverKind?
    /// nil: the default for the model kind (`CurvatureOptions.kind`).
    var curvatureKind: CurvatureKind?
    /// nil: the default for the curvature kind (`CurvatureOptions.preconditioned`).
    var preconditioned: Bool?
    var cgLimit: Int
    var cgTolerance: Double?
    var damping: Double
    /// Where the stored curvature is read: --curvature, else MODEL.curv.
    var curvaturePath: String
    /// Where the curvature after the request is written: --curvature (read and written in place), else NEW.curv
    /// beside the new model, so the next request on NEW finds it and MODEL keeps its own.
    var curvatureOutputPath: String
    var validPath: String?
    var puma: ApproximateRemoval.PumaSettings
    var weightsPath: String?
    var budget: Double?
    var autoRetrain: Bool
    /// --curvature-update: how a stored factor follows the data (nil: the cheaper of downdate and refactor).
    var curvatureRoute: CurvatureDowndate.Route?

    init(_ args: ParsedArguments, method: ForgetMethodName, modelPath: String, outputPath: String) throws {
        if method == .newton, Self.pumaOnly.contains(where: { args.flag($0) }) {
            throw ToolError.usage("--valid, --eta, --alpha, --iterations and --weights apply to --method puma")
        }
        if method == .puma, Self.newtonOnly.contains(where: { args.flag($0) }) {
            throw ToolError.usage("--budget applies to --method newton")
        }
        solver = try args.value("solver").map { _ in SolverKind(rawValue: try args.choice("solver", SolverKind.allCases.map(\.rawValue), default: ""))! }
        curvatureKind = try CurvatureOptions.parseKind(args)
        preconditioned = try CurvatureOptions.parsePreconditioned(args)
        cgLimit = try CurvatureOptions.parseLimit(args)
        cgTolerance = try CurvatureOptions.parseTolerance(args)
        damping = try args.double("damping", default: 0, min: 0)
        curvaturePath = args.value("curvature") ?? modelPath + ".curv"
        curvatureOutputPath = args.value("curvature") ?? outputPath + ".curv"
        validPath = args.value("valid")
        puma = ApproximateRemoval.PumaSettings(eta: try args.double("eta", default: 0.5, min: 0),
                                               alpha: try args.double("alpha", default: 0.1, min: 0),
                                               iterations: try args.int("iterations", default: 200, min: 0))
        weightsPath = args.value("weights")
        budget = try args.value("budget").map { _ in try args.double("budget", default: 0, min: 0) }
        autoRetrain = args.flag("auto-retrain")
        curvatureRoute = try args.value("curvature-update").map { _ in
            CurvatureDowndate.Route(rawValue: try args.choice("curvature-update", ["downdate", "refactor", "drop"], default: ""))!
        }
    }
}
