import Foundation
import ULCLI
import ULCore

let spec = CommandSpec(
    name: "ul-partition",
    summary: "assign every row a shard and a block (SISA / ARCANE partitioning)",
    usage: ["[OPTIONS] [FILE|-]", "--export DIR [-o FILE]"],
    options: [
        OptionSpec("by", value: "METHOD", help: "random (default), class, stratified or capacity"),
        OptionSpec("shards", value: "S", help: "number of shards for random and stratified (default 1)"),
        OptionSpec("blocks", value: "R", help: "blocks per shard (default 1)"),
        OptionSpec("block", value: "B", help: "every row into block B (appending after existing blocks; shards as before)"),
        OptionSpec("seed", value: "N", help: "seed of the id hash (default \(SeedOption.defaultValue))"),
        OptionSpec("sort-by", value: "COL", help: "deletion-probability column: likely deletions go to the last blocks"),
        OptionSpec("capacity", value: "C", help: "with --by capacity: fill a shard until its summed probability reaches C"),
        OptionSpec("classes", value: "LIST", help: "with --by class: the comma-separated label set (lets it stream)"),
        ExcludeOption.spec,
        OptionSpec("check", help: "only check the input (columns, numbers, unique ids); write nothing"),
        OptionSpec("split", value: "DIR", help: "write DIR/shard-0000.csv, ... (one file per shard) instead of one stream"),
        OptionSpec("store", value: "DIR", help: "write the binary shard store DIR/shard-0000.uls, ... (ul-store(5)) instead of CSV"),
        OptionSpec("as-is", help: "with --store: keep the input's shard and block columns (rebuild a store from CSV)"),
        OptionSpec("export", value: "DIR", help: "write the rows of the shard store DIR as one CSV (to -o or standard output)"),
        .output,
    ] + ColumnNames.options + OptionSpec.common,
    retired: [
        // -s is the seed in the other tools: here it is refused rather than taken as either meaning.
        RetiredShort("s", use: "--shards S for the number of shards (-s is --seed in the other ul tools; here write --seed N)"),
        RetiredShort("b", use: "--blocks R for the blocks per shard"),
    ],
    footer: """
    Adds the columns shard and block (from 0) after the input columns, or replaces them in place.
    random and stratified depend only on (id, seed) and (id, label, seed): deleting rows moves no
    other row. --by random and --by stratified without --sort-by stream in constant memory (plus
    about 10 bytes per id for the duplicate check); class without --classes, capacity and --sort-by
    hold the whole input in memory. See ul-partition(1).
    """)

/// What the command line asks for, checked before any input is read.
struct Plan {
    var method: PartitionMethod
    var assigner: HashAssigner
    var sortBy: String?
    /// `--block B`: the block of every row, instead of one from the id hash.
    var block: Int?
    var capacity: Double?
    var classes: [String]?
    var excluded: Set<String>
    var split: String?
    /// `--store DIR`, `--as-is`, `--export DIR` (Store.swift).
    var store: String?
    var asIs: Bool
    var export: String?
    var output: String?
    var check: Bool
    var idName: String
    var labelName: String

    /// Whether every row must be seen before the first can be assigned.
    var buffers: Bool { sortBy != nil || method == .capacity || (method == .byClass && classes == nil) }
    var needsLabel: Bool { method == .byClass || method == .stratified }

    init(_ args: ParsedArguments) throws {
        let byName = try args.choice("by", PartitionMethod.allCases.map(\.rawValue), default: "random")
        method = PartitionMethod(rawValue: byName)!
        let shards = try args.int("shards", default: 1, min: 1, max: 1 << 20)
        let blocks = try args.int("blocks", default: 1, min: 1, max: 1 << 20)
        let seed = try SeedOption.parse(args)
        assigner = HashAssigner(shards: shards, blocks: blocks, seed: seed)
        sortBy = args.value("sort-by")
        block = try args.value("block").map { _ in try args.int("block", default: 0, min: 0, max: (1 << 20) - 1) }
        if block != nil, sortBy != nil || args.value("blocks") != nil {
            throw ToolError.usage("--block puts every row in one block: drop \(sortBy != nil ? "--sort-by" : "--blocks")")
        }
        split = args.value("split")
        store = args.value("store")
        asIs = args.flag("as-is")
        export = args.value("export")
        output = args.value("output")
        check = args.flag("check")
        let columns = ColumnNames(args)
        idName = columns.id
        labelName = columns.label
        excluded = Set(ExcludeOption.parse(args))
        if let list = args.value("classes") {
            guard method == .byClass else { throw ToolError.usage("--classes applies only to --by class") }
            let items = list.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard !items.contains(""), Set(items).count == items.count else {
                throw ToolError.usage("--classes: expected distinct, non-empty labels separated by commas, got \(quoted(list))")
            }
            classes = classOrder(items)
        }
        if args.value("capacity") != nil || method == .capacity {
            guard method == .capacity else { throw ToolError.usage("--capacity applies only to --by capacity") }
            guard args.value("capacity") != nil else { throw ToolError.usage("--by capacity needs --capacity C") }
            let text = args.value("capacity")!
            guard let c = Double(text), c.isFinite, c > 0 else {
                throw ToolError.usage("--capacity: expected a positive number (expected requests per shard), got \(quoted(text))")
            }
            capacity = c
            guard sortBy != nil else { throw ToolError.usage("--by capacity needs --sort-by COL (the deletion probability)") }
        }
        if args.value("shards") != nil, method == .byClass || method == .capacity {
            throw ToolError.usage("--shards does not apply to --by \(byName): the data decide the number of shards")
        }
        if split != nil, output != nil { throw ToolError.usage("--split and -o exclude each other") }
        if check, split != nil || output != nil { throw ToolError.usage("--check writes nothing: drop -o and --split") }
        if store != nil, split != nil || output != nil || check { throw ToolError.usage("--store excludes --split, -o and --check") }
        if asIs, store == nil { throw ToolError.usage("--as-is applies only to --store") }
        if asIs, ["by", "shards", "blocks", "seed", "sort-by", "capacity", "classes"].contains(where: { args.value($0) != nil }) {
            throw ToolError.usage("--as-is keeps the input's shard and block columns: drop the partitioning options")
        }
        if export != nil, store != nil || split != nil || check || !args.positionals.isEmpty {
            throw ToolError.usage("--export DIR reads only the store: drop the input file, --store, --split and --check")
        }
    }
}

/// Where rows go: one CSV stream, or one file per shard.
final class RowSink {
    /// The input's header bytes and the added column names.
    let header: [[UInt8]]
    private let single: CSVWriter?
    private var perShard: [CSVWriter] = []
    private let directory: String?
    private var createdDirectory = false
    private var headerWritten = false

    init(plan: Plan, header: [[UInt8]]) throws {
        self.header = header
        directory = plan.split
        single = plan.split == nil && !plan.check ? CSVWriter(try OutputFile(path: plan.output)) : nil
    }

    /// Opens the per-shard files (split mode), refusing to leave stale higher-numbered shard files.
    func open(shards: Int) throws {
        guard let dir = directory else { return }
        createdDirectory = try prepareOutputDirectory(dir) { name in
            name.hasPrefix("shard-") && name.hasSuffix(".csv") && (Int(name.dropFirst(6).dropLast(4)).map { $0 >= shards } ?? false)
        }
        for k in 0..<shards {
            let w = CSVWriter(try OutputFile(path: dir + "/" + String(format: "shard-%04d.csv", k)), bufferSize: 1 << 16)
            w.fields(header)
            try w.endRow()
            perShard.append(w)
        }
    }

    func writer(shard: Int) throws -> CSVWriter {
        if let w = single {
            if !headerWritten { w.fields(header); try w.endRow(); headerWritten = true }
            return w
        }
        return perShard[shard]
    }

    func finish() throws {
        try single?.finish()
        for w in perShard { try w.finish() }
    }

    /// Drops uncommitted files and a directory this run created.
    func abandon() {
        perShard = []
        if createdDirectory, let d = directory { rmdir(d) }
    }
}

/// Column roles in the input.
struct Columns {
    let id: Int
    let label: Int?
    let probability: Int?
    let shard: Int?
    let block: Int?
    /// The feature columns checked: only with --check, which checks the input for training; partitioning
    /// itself uses the id, the label and the --sort-by column, and passes every other column through.
    let features: [Int]
    let outputHeader: [[UInt8]]

    init(_ r: CSVReader, _ plan: Plan) throws {
        id = try r.requireColumn(plan.idName, option: "id")
        label = plan.needsLabel ? try r.requireColumn(plan.labelName, option: "label") : r.column(plan.labelName)
        probability = try plan.sortBy.map { try r.requireColumn($0, option: "sort-by") }
        shard = r.column("shard")
        block = r.column("block")
        let candidates = try FeatureColumns(header: r.header, roles: [id, label, probability, shard, block],
                                            exclude: plan.excluded.sorted(), path: r.path, required: false).indices
        features = plan.check ? candidates : []
        outputHeader = r.headerFields + (shard == nil ? [Array("shard".utf8)] : []) + (block == nil ? [Array("block".utf8)] : [])
    }

    /// Writes one row with its shard and block.
    @inline(__always)
    func emit(_ w: CSVWriter, count: Int, field: (Int) -> UnsafeBufferPointer<UInt8>, shard s: Int, block b: Int) throws {
        for i in 0..<count {
            if i == shard { w.field(s) } else if i == block { w.field(b) } else { w.field(field(i)) }
        }
        if shard == nil { w.field(s) }
        if block == nil { w.field(b) }
        try w.endRow()
    }
}

/// Checks the current row's features and probability; returns the probability (0 without --sort-by).
@inline(__always)
func validate(_ r: CSVReader, _ c: Columns, _ plan: Plan) throws -> Double {
    try r.checkNumbers(c.features)
    guard let pc = c.probability else { return 0 }
    let text = r.string(pc)
    guard let p = parseDouble(text), p >= 0, p <= 1 else {
        throw ToolError.data("column \(quoted(r.header[pc])): expected a deletion probability in [0, 1], got \(quoted(text))", file: r.path, line: r.line)
    }
    return p
}

/// Finds the line where `id` first occurs before `line` by reading the file again (error path only).
func firstLine(of id: [UInt8], before line: Int, in path: String, idColumn: Int) -> Int? {
    guard path != "-", let again = try? CSVReader(path: path) else { return nil }
    while (try? again.next()) == true, again.line < line {
        if again.field(idColumn).elementsEqual(id) { return again.line }
    }
    return nil
}

func duplicateError(_ id: [UInt8], _ r: CSVReader, first: Int?) -> ToolError {
    let name = String(decoding: id, as: UTF8.self)
    let earlier = first.map { "line \($0) and line \(r.line)" } ?? "line \(r.line) and an earlier line"
    return ToolError.data("duplicate id \(quoted(name)) at \(earlier)", file: r.path, line: r.line)
}

/// Fingerprints of the ids seen so far (a class, so the per-row closures share it without copies).
final class IdRegister {
    @exclusivity(unchecked) var seen = FingerprintSet()
}

/// The rows held in memory for the modes that need all of them.
struct RowStore {
    var bytes: [UInt8] = []
    var ends: [Int] = []
    var width = 0

    mutating func append(_ r: CSVReader) {
        for i in 0..<width {
            bytes.append(contentsOf: r.field(i))
            ends.append(bytes.count)
        }
    }

    func field(row: Int, _ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        let k = row * width + i
        let start = k == 0 ? 0 : ends[k - 1]
        try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[start..<ends[k]])) }
    }
}

/// Partitions the rows of `path` as `plan` says.
func partition(_ plan: Plan, path: String, ctx: ToolContext) throws -> ExitStatus {
    let reader = try CSVReader(path: path)
    let cols = try Columns(reader, plan)
    let sink = try RowSink(plan: plan, header: cols.outputHeader)
    let a = plan.assigner
    let width = reader.header.count
    let ids = IdRegister()
    var rows = 0
    let labelIndex = plan.classes.map { Dictionary(uniqueKeysWithValues: $0.enumerated().map { ($1, $0) }) }
    do {
        // Shard of a row from its own fields (every method but capacity and class without a list).
        func hashShard(_ h: UInt64) throws -> Int {
            switch plan.method {
            case .random: return a.randomShard(idHash: h)
            case .stratified: return a.stratifiedShard(idHash: h, label: reader.field(cols.label!))
            case .byClass:
                let l = reader.string(cols.label!)
                guard let k = labelIndex?[l] else {
                    throw ToolError.data("label \(quoted(l)) is not in --classes", file: reader.path, line: reader.line)
                }
                return k
            case .capacity: return 0
            }
        }
        func checkUnique(_ h: UInt64, store: RowStore?, lines: [Int]) throws {
            if reader.field(cols.id).isEmpty {
                throw ToolError.data("column \(quoted(reader.header[cols.id])): empty id", file: reader.path, line: reader.line)
            }
            if ids.seen.insert(h) { return }  // any 64-bit hash of the id serves as its fingerprint
            let id = Array(reader.field(cols.id))
            var first: Int?
            if let s = store {
                for row in 0..<lines.count {
                    var same = false
                    s.field(row: row, cols.id) { same = $0.elementsEqual(id) }
                    if same { first = lines[row]; break }
                }
                guard first != nil else { return }  // fingerprint collision, not a duplicate
            } else {
                first = firstLine(of: id, before: reader.line, in: path, idColumn: cols.id)
                if first == nil && path != "-" { return }
            }
            throw duplicateError(id, reader, first: first)
        }

        if !plan.buffers {
            while try reader.next() {
                _ = try validate(reader, cols, plan)
                let h = a.idHash(reader.field(cols.id))
                try checkUnique(h, store: nil, lines: [])
                let shard = try hashShard(h)
                if rows == 0 { try sink.open(shards: plan.method == .byClass ? plan.classes!.count : a.shards) }
                rows += 1
                if plan.check { continue }
                try cols.emit(try sink.writer(shard: shard), count: width, field: reader.field, shard: shard, block: plan.block ?? a.block(idHash: h))
            }
            guard rows > 0 else { throw ToolError.data("no data rows (header only)", file: path) }
            try sink.finish()
            ctx.summary("\(rows) rows, \(plan.method.rawValue), \(a.shards) shards × \(plan.block.map { "block \($0)" } ?? "\(a.blocks) blocks")")
            return .ok
        }

        var store = RowStore()
        store.width = width
        var lines = [Int](), hashes = [UInt64](), probability = [Double](), labels = [String]()
        while try reader.next() {
            let p = try validate(reader, cols, plan)
            let h = a.idHash(reader.field(cols.id))
            try checkUnique(h, store: store, lines: lines)
            store.append(reader)
            lines.append(reader.line)
            hashes.append(h)
            probability.append(p)
            if let l = cols.label, plan.method == .byClass || plan.method == .stratified { labels.append(reader.string(l)) }
        }
        guard !lines.isEmpty else { throw ToolError.data("no data rows (header only)", file: path) }
        rows = lines.count
        let tie = hashes.map { a.tieKey(idHash: $0) }
        var shard: [Int]
        var shardCount = a.shards
        switch plan.method {
        case .random: shard = hashes.map { a.randomShard(idHash: $0) }
        case .stratified:
            shard = zip(hashes, labels).map { h, l in var l = l; return l.withUTF8 { a.stratifiedShard(idHash: h, label: $0) } }
        case .byClass:
            let order = plan.classes ?? classOrder(labels)
            let index = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
            shard = []
            for (row, l) in labels.enumerated() {
                guard let k = index[l] else { throw ToolError.data("label \(quoted(l)) is not in --classes", file: path, line: lines[row]) }
                shard.append(k)
            }
            shardCount = order.count
        case .capacity:
            shard = capacityShards(probability: probability, tie: tie, capacity: plan.capacity!)
            shardCount = (shard.max() ?? 0) + 1
        }
        let block = plan.block.map { [Int](repeating: $0, count: rows) }
            ?? (plan.sortBy != nil
                ? blocksByRank(shard: shard, probability: probability, tie: tie, blocks: a.blocks)
                : hashes.map { a.block(idHash: $0) })
        try sink.open(shards: shardCount)
        for row in 0..<rows where !plan.check {
            let w = try sink.writer(shard: shard[row])
            for i in 0..<width {
                if i == cols.shard { w.field(shard[row]) } else if i == cols.block { w.field(block[row]) } else {
                    store.field(row: row, i) { w.field($0) }
                }
            }
            if cols.shard == nil { w.field(shard[row]) }
            if cols.block == nil { w.field(block[row]) }
            try w.endRow()
        }
        try sink.finish()
        ctx.summary("\(rows) rows, \(plan.method.rawValue), \(shardCount) shards × \(a.blocks) blocks (buffered)")
        return .ok
    } catch {
        sink.abandon()
        throw error
    }
}

runTool(spec) { args, ctx in
    let plan = try Plan(args)
    if let dir = plan.export { return try exportStore(dir, output: plan.output, ctx: ctx) }
    let path = try singleInput(args)
    if let dir = plan.store { return try partitionIntoStore(dir, plan: plan, input: path, ctx: ctx) }
    return try partition(plan, path: path, ctx: ctx)
}
