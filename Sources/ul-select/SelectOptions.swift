import Foundation
import ULCLI
import ULCore

/// Everything ul-select's command line says, checked before any input is read: the selection (method,
/// kernel, count), where the counts come from, and the rows to select from.
struct SelectOptions {
    /// The options that only concern the rows read and written, which `--spec` never reads.
    static let inputOnly = ["output", "jobs", "exclude", "id", "label", "id-key"]
    /// The options of the entropy method.
    static let entropyOnly = ["kernel", "gamma", "noise", "cells"]

    /// The selection record: method, kernel settings, seed, scale, and the fraction of random selection.
    var selection: SelectionSpec
    /// The fraction of each shard to choose when no count is given.
    var fraction: Double
    /// `--per-shard M`: a fixed count per shard.
    var perShard: Int?
    /// `--counts-from MODEL`: the counts recorded in a model.
    var countsFrom: String?
    /// `--spec`: print the selection record and exit.
    var printSpec: Bool
    var jobs: Int
    var columns: ColumnNames
    var exclude: [String]
    /// `--id-key`: selection sees the keyed ids, as forgetting from a keyed model does.
    var idKey: IdKey?
    var input: String
    /// nil: standard output.
    var output: String?

    init(_ args: ParsedArguments) throws {
        let method = SelectionMethod(rawValue: try args.choice("method", SelectionMethod.allCases.map(\.rawValue), default: "entropy"))!
        fraction = try args.double("fraction", default: 0.5, min: 0, max: 1)
        guard fraction > 0 else { throw ToolError.usage("--fraction: expected a number in (0, 1]") }
        perShard = try args.value("per-shard").map { _ in try args.int("per-shard", default: 0, min: 0) }
        if perShard != nil && args.value("fraction") != nil { throw ToolError.usage("--fraction and --per-shard exclude each other") }
        if method == .random, let o = Self.entropyOnly.first(where: { args.value($0) != nil }) {
            throw ToolError.usage("--\(o) does not apply to --method random; it applies to --method entropy and spread")
        }
        if method.usesKernelMatrix {
            if let o = ["noise", "cells", "seed"].first(where: { args.value($0) != nil }) {
                throw ToolError.usage("--\(o) does not apply to --method \(method), which uses an rbf kernel and no noise, cells or keys")
            }
            if args.value("kernel") == "linear" { throw ToolError.usage("--method \(method) needs --kernel rbf") }
        }
        let kernel = try args.choice("kernel", ["rbf", "linear"], default: "rbf")
        let gamma = try args.value("gamma").map { _ in try args.double("gamma", default: 1, min: 1e-300) }
        if kernel == "linear" && gamma != nil { throw ToolError.usage("--gamma applies only to --kernel rbf") }
        var config = EntropySelectionConfig(kernel: kernel == "linear" ? .linear : .rbf(gamma: gamma))
        config.noise = try args.double("noise", default: 0.01, min: 1e-300)
        config.cells = try args.int("cells", default: 1, min: 1)
        config.seed = try SeedOption.parse(args)
        let scale = try ScaleOption.parse(args)
        countsFrom = args.value("counts-from")
        // Random selection by a fraction needs no count: a row is kept iff a hash of (id, seed) is below F.
        let byFraction = method == .random && perShard == nil && countsFrom == nil
        // The count rule the command line gives, recorded so that re-selection after a forget applies it again.
        let countRule: SelectionCountRule = countsFrom != nil ? .recorded : perShard.map { .perShard($0) } ?? .fraction(fraction)
        selection = SelectionSpec(method: method, entropy: config, fraction: byFraction ? fraction : nil, scale: scale, countRule: countRule)

        printSpec = args.flag("spec")
        if printSpec {
            if let o = Self.inputOnly.first(where: { args.value($0) != nil }) {
                throw ToolError.usage("--\(o) does not apply to --spec, which prints the selection record and reads no input")
            }
            guard args.positionals.isEmpty else {
                throw ToolError.usage("unexpected argument \(quoted(args.positionals[0])): --spec prints the selection record and reads no input")
            }
        } else if countsFrom != nil && perShard != nil {
            throw ToolError.usage("--counts-from and --per-shard exclude each other")
        }
        jobs = try JobsOption.parse(args)
        columns = ColumnNames(args)
        exclude = ExcludeOption.parse(args)
        idKey = printSpec ? nil : try IdKeyOption.parse(args)
        input = printSpec ? "-" : try singleInput(args)
        output = args.value("output")
        try checkOutputKind(output)  // a FIFO is refused now, not after the selection
    }

    /// The count m recorded per shard in the `--counts-from` model, or nil without that option.
    func recordedCounts() throws -> [Int: Int]? {
        guard let path = countsFrom else { return nil }
        do {
            let model = try ModelFile.decode(try openModelContainer(path))
            guard model.selection != nil else { throw ToolError.data("the model records no selection", file: path) }
            let counts = Dictionary(uniqueKeysWithValues: model.shards.map { ($0.index, $0.selection!.count) })
            if counts.values.contains(-1) {
                throw ToolError.usage("--counts-from: the model was selected at random by a fraction, which has no counts; use --fraction")
            }
            return counts
        } catch let e as ModelFileError {
            throw ToolError.data("\(e)", file: path)
        }
    }

    /// The count m of a shard of `rows` rows: recorded, fixed, or the fraction's.
    func count(shard: Int, rows: Int, recorded: [Int: Int]?) -> Int {
        recorded?[shard] ?? perShard.map { min($0, rows) } ?? SelectionBudget.count(fraction: fraction, rows: rows)
    }
}
