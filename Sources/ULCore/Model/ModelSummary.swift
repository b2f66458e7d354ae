/// What a model file records (ul-inspect): container, configuration, labels, features, and per shard its
/// blocks, approximate state and stored curvature. An ordered tree of named values, printed as nested JSON
/// or flattened to CSV `field,value` rows whose names are the paths (`shards.0.blocks.1.rows`).
public struct ModelSummary {
    /// One value of the tree.
    public indirect enum Value {
        case text(String)
        case integer(Int)
        case number(Double)
        case flag(Bool)
        /// Absent (JSON null, an empty CSV field).
        case none
        case list([Value])
        case object([(name: String, value: Value)])
    }

    public let root: [(name: String, value: Value)]

    /// The summary of `model`, read through `reader` (section sizes, format version). `curvature` is the
    /// model's sidecar when one was found (`curvatureName` names it in the output): each shard's entry is
    /// `current` when it was made for the shard's present state, `training` when for the state an
    /// approximate removal started from (PUMA keeps using that one), `stale` otherwise, `none` without one.
    public init(model: ModelFile, reader: ModelContainerReader, curvature: CurvatureStore?, curvatureName: String) {
        let c = model.config
        var config: [(name: String, value: Value)] = [("epochs", .integer(c.epochs)), ("l2", .number(c.l2))]
        if c.kind == .mlp { config.append(("optimizer", .text(c.optimizer.rawValue))) }
        if c.kind == .mlp || c.kind == .autoencoder {
            config += [("hidden", .list(c.hidden.map { .integer($0) })), ("learning_rate", .number(c.learningRate)),
                       ("batch_size", .integer(c.batchSize))]
        }
        if c.kind.isOneClass {
            config += [("components", .integer(c.components)), ("mixtures", .integer(c.mixtures)),
                       ("neighbours", .integer(c.neighbours)), ("variance_floor", .number(c.varianceFloor)),
                       ("calibrate", .flag(c.calibrate))]
        } else {
            config += [("perturbation", .number(c.perturbation)), ("aggregation", .text(c.aggregation.rawValue))]
        }
        config += [("seed", c.seed <= UInt64(Int.max) ? .integer(Int(c.seed)) : .text(String(c.seed))), ("scale", c.scale.map { .number(Double($0)) } ?? .none),
                   ("standardize", .flag(c.standardize)), ("shards", .integer(c.shardCount)), ("blocks", .integer(c.blockCount))]
        let declared: [(DeclaredShape, String)] = [(.shards, "shards"), (.blocks, "blocks"), (.classes, "classes"),
                                                   (.fixedSelection, "fixed_selection")]

        let approximate = Dictionary(model.approximate.map { ($0.shard, $0) }, uniquingKeysWith: { a, _ in a })
        let storedKeys = Dictionary(curvature?.keys.map { ($0.shard, $0.key) } ?? [], uniquingKeysWith: { a, _ in a })
        let shards: [Value] = model.shards.map { s in
            var fields: [(name: String, value: Value)] = [
                ("index", .integer(s.index)), ("rows", .integer(s.blocks.reduce(0) { $0 + $1.rowCount })),
                ("standardized", .flag(s.standardization != nil)),
                ("section_bytes", .integer(reader.entry(ModelFile.shardTag(s.index))?.length ?? 0)),
                ("blocks", .list(s.blocks.map { b in
                    .object([("rows", .integer(b.rowCount)), ("digest", .text(hexString(b.digest))),
                             ("checkpoint_parameters", .integer(b.parameters.count)),
                             ("checkpoint_bytes", .integer(b.parameters.count * MemoryLayout<Double>.size))])
                })),
            ]
            if let sel = s.selection { fields.append(("selected", .integer(sel.order.count))) }
            if let a = approximate[s.index] {
                fields.append(("approximate", .object([
                    ("requests", .integer(a.requests)), ("removed_rows", .integer(a.removedCount)),
                    ("first_dirty_block", a.firstDirtyBlock == Int.max ? .none : .integer(a.firstDirtyBlock)),
                    ("residual_bound_sum", .number(a.accumulatedBound)),
                ])))
            } else {
                fields.append(("approximate", .none))
            }
            if curvature != nil {
                let status: String
                if let stored = storedKeys[s.index] {
                    let current = ShardCurvature.key(config: c, featureCount: model.features.count, classCount: model.labels.count, shard: s)
                    status = stored == current ? "current" : "stale"
                } else {
                    status = "none"
                }
                fields.append(("curvature", .text(status)))
            }
            return .object(fields)
        }

        var root: [(name: String, value: Value)] = [
            ("format_version", .integer(Int(reader.version))),
            ("file_bytes", .integer(reader.source.size)),
            ("kind", .text(c.kind.rawValue)),
            ("configuration", .object(config)),
            ("declared", .list(declared.filter { model.declared.contains($0.0) }.map { .text($0.1) })),
            ("complete", .flag(model.isComplete)),
            ("held_shards", .list(c.heldShards.map { .integer($0) })),
            ("labels", .list(model.labels.map { .text($0) })),
            ("feature_count", .integer(model.features.count)),
            // Keyed ids (ul-train --id-key): the record holds HMAC-SHA-256(key, id), never the ids.
            ("keyed_ids", .flag(model.idKeyCheck != nil)),
            ("selection", model.selection.map { .text($0.description) } ?? .none),
            ("sections", .object(reader.entries.map { ($0.tag, .integer($0.length)) })),
            ("shards", .list(shards)),
        ]
        if let store = curvature {
            root.append(("curvature", .object([
                ("file", .text(curvatureName)), ("solver", .text(store.solver.rawValue)),
                ("kind", .text(store.kind.rawValue)), ("damping", .number(store.damping)),
                ("shards", .list(store.keys.map { .integer($0.shard) })),
            ])))
        } else {
            root.append(("curvature", .none))
        }
        self.root = root
    }

    /// `field,value` rows, the field a dotted path; a header row first.
    public func csv() -> String {
        var out = "field,value\n"
        func emit(_ path: String, _ v: Value) {
            switch v {
            case .object(let fields): for f in fields { emit(path.isEmpty ? f.name : path + "." + f.name, f.value) }
            case .list(let items) where items.isEmpty: out += csvField(path) + ",\n"
            case .list(let items): for (i, item) in items.enumerated() { emit(path + "." + String(i), item) }
            default: out += csvField(path) + "," + csvField(Self.scalar(v)) + "\n"
            }
        }
        emit("", .object(root))
        return out
    }

    /// One JSON object, two-space indent, ending in a newline.
    public func json() -> String {
        func render(_ v: Value, _ indent: String) -> String {
            let inner = indent + "  "
            switch v {
            case .object(let fields) where fields.isEmpty: return "{}"
            case .object(let fields):
                return "{\n" + fields.map { inner + jsonString($0.name) + ": " + render($0.value, inner) }.joined(separator: ",\n")
                    + "\n" + indent + "}"
            case .list(let items) where items.isEmpty: return "[]"
            case .list(let items):
                // Lists of plain values stay on one line (labels, held shards); lists of objects break.
                if items.allSatisfy({ if case .object = $0 { return false } else { return true } }) {
                    return "[" + items.map { render($0, inner) }.joined(separator: ", ") + "]"
                }
                return "[\n" + items.map { inner + render($0, inner) }.joined(separator: ",\n") + "\n" + indent + "]"
            case .text(let s): return jsonString(s)
            case .none: return "null"
            case .flag(let b): return b ? "true" : "false"
            case .number(let d) where !d.isFinite: return "null"
            default: return Self.scalar(v)
            }
        }
        return render(.object(root), "") + "\n"
    }

    /// A leaf as CSV writes it: flags 1 or 0, absent empty, numbers in their shortest round-trip form.
    static func scalar(_ v: Value) -> String {
        switch v {
        case .text(let s): return s
        case .integer(let i): return String(i)
        case .number(let d): return reportNumber(d)
        case .flag(let b): return b ? "1" : "0"
        case .none, .list, .object: return ""
        }
    }
}
