import Foundation

/// The combinations the exactness matrix runs: the product of its axes (data set, model kind, partition,
/// selection, declared or derived shape, forget pattern), less the combinations that make no sense (a one-class kind on shards that
/// mix labels; a pattern about unselected rows without selection). A new axis value is one more element in
/// one of the arrays below.
struct ExactnessMatrix {
    /// Rows of examples/data, every `keepEvery`-th, with a deletion probability column `p_delete` added.
    struct DataSet {
        let name: String
        let file: String
        let keepEvery: Int
        /// `--scale` of ul-train and of the entropy selection.
        let scale: String
    }

    /// A ul-train model kind with small settings (exactness does not need a good model).
    struct ModelKind {
        let name: String
        let options: [String]
        let oneClass: Bool
    }

    /// A ul-partition command line.
    struct Partition {
        let name: String
        let byClass: Bool
        let blocks: Int
        /// The options; `capacity` is the --capacity value for the data (a quarter of its total deletion probability).
        let options: (_ capacity: String) -> [String]
    }

    /// A ul-select command line (`nil`: no selection). The selection record for ul-train is
    /// `ul-select --spec` with the same options.
    struct Selection {
        let name: String
        /// Options of both the selection and its --spec; `scaled` adds the data set's --scale.
        let options: [String]?
        let scaled: Bool

        func commandLine(_ data: DataSet) -> [String]? {
            options.map { $0 + (scaled ? ["--scale", data.scale] : []) }
        }
    }

    /// Whether ul-train's command line declares --shards, --blocks and --classes, or leaves them to be derived
    /// from the rows (then a forget that empties trailing shards, a block in every shard or a whole label must
    /// derive them again).
    struct Declaration {
        let name: String
        let declares: Bool
    }

    /// Whether every tool is given an id key (`--id-key`: the model records keyed ids, selection hashes them).
    struct IdKeying {
        let name: String
        let keyed: Bool
    }

    /// What one combination asks ul-forget to forget.
    enum Pattern: String, CaseIterable {
        case oneRow = "one-row"
        case oneUnselectedRow = "one-unselected-row"
        case firstBlockRow = "row-of-first-block"
        case lastBlockRow = "row-of-last-block"
        case wholeBlock = "whole-block-of-a-shard"
        case wholeShard = "whole-shard"
        case wholeClass = "whole-class"
        case allButOneOfShard = "all-but-one-of-a-shard"
        case oneInEveryShard = "one-in-every-shard"
        case sameRequestTwice = "same-request-twice"
        case unknownIgnored = "unknown-id-ignored"
        case successiveVsCombined = "successive-vs-combined"
        /// A row forgotten by PUMA, then another row of the same shard exactly: the exact request retrains the
        /// shard from its last clean checkpoint, so the approximation leaves no trace (ul-forget(1)).
        case approximateThenExact = "approximate-then-exact"

        /// Whether the request can leave a shard or a label without rows (so that derived counts or labels change).
        var canChangeShape: Bool { [.wholeShard, .wholeClass].contains(self) }
    }

    /// One set of commands that partition, select and train; its forget patterns share its trained model.
    struct Setup {
        let data: DataSet
        let kind: ModelKind
        let partition: Partition
        let selection: Selection
        let declaration: Declaration
        let ids: IdKeying

        /// Plain ids add nothing to the name, so that filters written before the keyed axis still match.
        var name: String { "\(kind.name)/\(data.name)/\(partition.name)/\(selection.name)/\(declaration.name)" + (ids.keyed ? "/keyed" : "") }
        /// What the rows ul-train reads depend on: setups with the same inputs share them.
        var inputsName: String { "\(data.name)/\(partition.name)/\(selection.name)" + (ids.keyed ? "/keyed" : "") }
    }

    struct Combination {
        let setup: Setup
        let pattern: Pattern

        var name: String { "\(setup.name)/\(pattern.rawValue)" }
    }

    var dataSets: [DataSet] = [
        DataSet(name: "digits", file: "digits.csv", keepEvery: 5, scale: "0.0625"),
        DataSet(name: "breast_cancer", file: "breast_cancer.csv", keepEvery: 2, scale: "0.01"),
    ]

    var kinds: [ModelKind] = [
        ModelKind(name: "softmax", options: ["-e", "4"], oneClass: false),
        ModelKind(name: "mlp", options: ["-e", "2", "--hidden", "6", "--batch", "32", "--seed", "5"], oneClass: false),
        ModelKind(name: "ppca", options: ["--components", "3"], oneClass: true),
        ModelKind(name: "mppca", options: ["--mixtures", "2", "--components", "2", "-e", "3"], oneClass: true),
        ModelKind(name: "knn", options: ["--neighbours", "3"], oneClass: true),
        ModelKind(name: "autoencoder", options: ["--hidden", "4", "-e", "2", "--batch", "32", "--lr", "0.01"], oneClass: true),
    ]

    var partitions: [Partition] = [
        Partition(name: "random-3x3", byClass: false, blocks: 3) { _ in ["--by", "random", "--shards", "3", "--blocks", "3", "--seed", "1"] },
        Partition(name: "random-3x3-sorted", byClass: false, blocks: 3) { _ in
            ["--by", "random", "--shards", "3", "--blocks", "3", "--seed", "1", "--sort-by", "p_delete"]
        },
        Partition(name: "stratified-3x3", byClass: false, blocks: 3) { _ in ["--by", "stratified", "--shards", "3", "--blocks", "3", "--seed", "2"] },
        Partition(name: "class-x3", byClass: true, blocks: 3) { _ in ["--by", "class", "--blocks", "3"] },
        Partition(name: "class-x3-sorted", byClass: true, blocks: 3) { _ in ["--by", "class", "--blocks", "3", "--sort-by", "p_delete"] },
        Partition(name: "capacity-x3", byClass: false, blocks: 3) { c in ["--by", "capacity", "--capacity", c, "--sort-by", "p_delete", "--blocks", "3"] },
    ]

    var selections: [Selection] = [
        Selection(name: "no-selection", options: nil, scaled: false),
        Selection(name: "entropy-0.5", options: ["--method", "entropy", "--fraction", "0.5"], scaled: true),
        Selection(name: "random-0.5", options: ["--method", "random", "--fraction", "0.5", "--seed", "3"], scaled: false),
        Selection(name: "spread-0.25", options: ["--method", "spread", "--fraction", "0.25", "--seed", "4"], scaled: true),
        Selection(name: "coverage-0.5", options: ["--method", "coverage", "--fraction", "0.5"], scaled: true),
        Selection(name: "herding-0.25", options: ["--method", "herding", "--fraction", "0.25"], scaled: true),
    ]

    var declarations: [Declaration] = [
        Declaration(name: "derived", declares: false),
        Declaration(name: "declared", declares: true),
    ]

    var idKeyings: [IdKeying] = [
        IdKeying(name: "plain", keyed: false),
        IdKeying(name: "keyed", keyed: true),
    ]

    var patterns: [Pattern] = Pattern.allCases

    /// The patterns run with keyed ids: keying changes which ids are hashed, not how rows are placed, so a
    /// subset that crosses selection, a whole label and request sequences is enough.
    static let keyedPatterns: [Pattern] = [.oneRow, .oneUnselectedRow, .wholeClass, .oneInEveryShard, .sameRequestTwice, .successiveVsCombined]

    /// The axes and their sizes, for the log: "2 data sets × 6 kinds × ...".
    var axes: String {
        "\(dataSets.count) data sets × \(kinds.count) kinds × \(partitions.count) partitions × \(selections.count) selections × "
            + "\(declarations.count) shapes × \(idKeyings.count) id keyings × \(patterns.count) patterns, less what makes no sense"
    }

    /// Whether the combination is one a user could run.
    static func makesSense(_ setup: Setup, _ pattern: Pattern) -> Bool {
        if setup.kind.oneClass && !setup.partition.byClass { return false }
        if pattern == .oneUnselectedRow && setup.selection.options == nil { return false }
        // PUMA needs a training loss (no one-class kind) and rows that are all trained (no selection).
        if pattern == .approximateThenExact && (setup.kind.oneClass || setup.selection.options != nil) { return false }
        // Declared counts and labels differ from derived ones only when a request can empty a shard or a label;
        // the other patterns run with derived ones (the plain command line) alone.
        if setup.declaration.declares && !pattern.canChangeShape { return false }
        // Spread selection on one data set with derived shapes: its mechanics are entropy's greedy steps with
        // another rule, which the entropy setups cross with every shape and data set already.
        // Coverage and herding likewise: their re-selection is the plain ul-select run.
        if ["spread", "coverage", "herding"].contains(where: setup.selection.name.hasPrefix) && (setup.data.name != "digits" || setup.declaration.declares || setup.ids.keyed) {
            return false
        }
        // Keyed ids on one data set with derived shapes, over the patterns that involve ids most.
        if setup.ids.keyed && (setup.data.name != "digits" || setup.declaration.declares || !keyedPatterns.contains(pattern)) { return false }
        return true
    }

    /// Every combination that makes sense, setups in axis order, patterns innermost.
    func combinations() -> [Combination] {
        var out = [Combination]()
        for kind in kinds {
            for data in dataSets {
                for partition in partitions {
                    for selection in selections {
                        for declaration in declarations {
                            for ids in idKeyings {
                                let setup = Setup(data: data, kind: kind, partition: partition, selection: selection, declaration: declaration, ids: ids)
                                for pattern in patterns where Self.makesSense(setup, pattern) {
                                    out.append(Combination(setup: setup, pattern: pattern))
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The combinations whose name contains one of the comma-separated substrings of `filter` (all when it
    /// is nil or empty).
    static func select(_ combinations: [Combination], filter: String?) -> [Combination] {
        let parts = (filter ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if parts.isEmpty { return combinations }
        return combinations.filter { c in parts.contains { c.name.contains($0) } }
    }
}
