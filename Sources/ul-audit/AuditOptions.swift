import Foundation
import ULCLI
import ULCore

/// Everything ul-audit's command line says, checked before any input is read: the model and row sets, the
/// shadow models, the thresholds and the outputs.
struct AuditOptions {
    var modelPath: String
    var dataPath: String
    var forgetPath: String
    var testPath: String
    /// `--rows`: where the forgotten rows are when `--forget` holds only ids.
    var rowsPath: String?
    var referencePath: String?
    /// 0: no LiRA; else at least 2.
    var shadowCount: Int
    /// Online LiRA (shadows on complementary halves of all rows) or offline (halves of the retained rows).
    var onlineAttack: Bool
    /// Models per population of the unlearning ε (0: no ε).
    var epsilonCount: Int
    var epsilonMethod: UnlearningEpsilon.Method
    var damping: Double
    var epsilonRowsPath: String?
    var epsilonPlotPath: String?
    /// Bootstrap resamples of the intervals (0: no intervals).
    var bootstrap: Int
    var seed: UInt64
    var jobs: Int
    var ledgerPath: String?
    var maxAUC: Double?
    var maxAccuracyDrop: Double?
    var requireLineage: Bool
    /// nil: standard output.
    var reportPath: String?
    /// "csv" or "json".
    var format: String
    var jsonPath: String?
    var plotPath: String?
    var columns: ColumnNames
    /// `--id-key`: the model's ids are keyed.
    var idKey: IdKey?

    init(_ args: ParsedArguments) throws {
        guard args.positionals.isEmpty else {
            throw ToolError.usage("unexpected argument \(quoted(args.positionals[0])); inputs are given with --data, --forget, --test")
        }
        func required(_ name: String) throws -> String {
            guard let v = args.value(name) else { throw ToolError.usage("--\(name) is required") }
            return v
        }
        modelPath = try required("model")
        dataPath = try required("data")
        forgetPath = try required("forget")
        testPath = try required("test")
        rowsPath = args.value("rows")
        referencePath = args.value("reference")
        shadowCount = try args.int("shadow", default: 0, min: 0)
        guard shadowCount != 1 else { throw ToolError.usage("--shadow: LiRA needs at least 2 shadow models (or 0 for none)") }
        onlineAttack = try args.choice("attack", ["online", "offline"], default: "online") == "online"
        if onlineAttack && shadowCount > 0 && (shadowCount % 2 == 1 || shadowCount < 4) {
            throw ToolError.usage("--shadow: online LiRA trains shadows in pairs on complementary halves, and a variance needs two of each kind: give an even K ≥ 4 (or --attack offline)")
        }
        if shadowCount == 0, let o = ["jobs", "attack"].first(where: { args.value($0) != nil }) {
            throw ToolError.usage("--\(o) applies to the shadow models: give --shadow K as well")
        }
        seed = try SeedOption.parse(args)
        bootstrap = try args.int("bootstrap", default: 1000, min: 0, max: 1_000_000)
        epsilonCount = try args.int("epsilon", default: 0, min: 0, max: 1 << 16)
        epsilonMethod = UnlearningEpsilon.Method(rawValue: try args.choice("method", UnlearningEpsilon.Method.allCases.map(\.rawValue), default: "exact"))!
        damping = try args.double("damping", default: 0, min: 0)
        epsilonRowsPath = args.value("epsilon-rows")
        epsilonPlotPath = args.value("epsilon-plot")
        if epsilonCount == 0, let o = ["method", "damping", "epsilon-rows", "epsilon-plot"].first(where: { args.value($0) != nil }) {
            throw ToolError.usage("--\(o) applies to the unlearning ε: give --epsilon N as well")
        }
        if epsilonCount == 1 { throw ToolError.usage("--epsilon: a threshold test needs at least 2 models per population") }
        if damping > 0 && epsilonMethod == .exact { throw ToolError.usage("--damping applies to --method puma and newton") }
        jobs = try JobsOption.parse(args)
        ledgerPath = args.value("ledger")
        maxAUC = try args.value("max-auc").map { _ in try args.double("max-auc", default: 1, min: 0, max: 1) }
        maxAccuracyDrop = try args.value("max-accuracy-drop").map { _ in try args.double("max-accuracy-drop", default: 0, min: 0, max: 1) }
        if maxAccuracyDrop != nil && referencePath == nil {
            throw ToolError.usage("--max-accuracy-drop compares with the reference's test accuracy: give --reference")
        }
        requireLineage = args.flag("require-lineage")
        reportPath = args.value("output")
        format = try args.choice("format", ["csv", "json"], default: reportPath?.hasSuffix(".json") == true ? "json" : "csv")
        jsonPath = args.value("json")
        plotPath = args.value("plot")
        for (name, path) in [("json", jsonPath), ("plot", plotPath)] where path == "-" && (reportPath ?? "-") == "-" {
            throw ToolError.usage("--\(name) and the report cannot both go to standard output")
        }
        columns = ColumnNames(args)
        idKey = try IdKeyOption.parse(args)
    }
}
