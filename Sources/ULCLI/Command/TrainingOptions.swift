import Foundation
import ULCore

/// `--model KIND` and the options of ul-train that apply to some model kinds only: which kinds, help and
/// defaults come from here (defaults from ULCore's `TrainConfig` and `ModelKind`), and an option given with
/// a kind it does not apply to is refused.
public struct TrainingOptions {
    /// One kind-specific option: the kinds it applies to, and its help without the kind list.
    struct KindOption: Sendable {
        let spec: OptionSpec
        let kinds: [ModelKind]
        /// Why it does not apply to the other kinds and what to use instead, when there is more to say.
        let hint: String?
    }

    static let all = ModelKind.allCases
    static let defaults = TrainConfig(kind: .softmax)
    static func list(_ kinds: [ModelKind]) -> String { kinds.map(\.rawValue).joined(separator: ", ") }

    /// `--model KIND`: no short form (`-m` is a model file in the suite).
    public static let kindSpec = OptionSpec(
        "model", value: "KIND",
        help: "\(ModelKind.softmax.rawValue) (default), \(ModelKind.mlp.rawValue), or per class shard "
            + list(all.filter(\.isOneClass)))

    /// Default epochs per kind, as help text: "softmax 100, mlp 10, ...".
    static var epochDefaults: String {
        all.filter(\.trainsIteratively).map { "\($0.rawValue) \($0.defaultEpochs)" }.joined(separator: ", ")
    }

    static let kindOptions: [KindOption] = {
        let network: [ModelKind] = [.mlp, .autoencoder]
        let oneClass = all.filter(\.isOneClass)
        let ae = TrainConfig(kind: .autoencoder), mppca = { var c = TrainConfig(kind: .mppca); c.components = 10; return c }()
        func o(_ long: String, short: Character? = nil, value: String? = nil, _ kinds: [ModelKind], _ help: String,
               hint: String? = nil) -> KindOption {
            KindOption(spec: OptionSpec(long, short: short, value: value, help: "\(list(kinds)): \(help)"), kinds: kinds, hint: hint)
        }
        return [
            o("epochs", short: "e", value: "E", all.filter(\.trainsIteratively),
              "epochs (softmax, mlp --optimizer lbfgs: L-BFGS iterations; mppca: EM iterations; default \(epochDefaults))"),
            o("l2", value: "L", [.softmax, .mlp, .autoencoder], "L2 penalty λ of (λ/2)‖θ‖² on the summed loss (default \(defaults.l2.formatted))"),
            o("hidden", value: "H", network, "hidden widths, comma-separated (default mlp \(ModelKind.mlpDefaultHidden), autoencoder one width, \(ae.hidden[0]))"),
            o("optimizer", value: "adam|lbfgs", [.mlp],
              "adam (default: mini-batch, --lr, --batch) or lbfgs (full batch; epochs are iterations)",
              hint: "softmax always trains by L-BFGS"),
            o("lr", value: "A", network, "Adam step size (default \(defaults.learningRate.formatted))"),
            o("batch", value: "B", network, "mini-batch size (default \(defaults.batchSize))"),
            o("perturb", value: "SIGMA", [.softmax], "add bᵀθ to the loss, b ~ N(0, SIGMA²) seeded (certified removal)"),
            o("standardize", [.softmax, .mlp], "standardise features with each shard's own mean and deviation",
              hint: "one-class scores must share one feature space: use --scale F"),
            o("aggregate", value: "mean|vote", [.softmax, .mlp], "combine shards by mean probability (default) or majority vote"),
            o("components", value: "Q", [.ppca, .mppca],
              "principal directions per model (default ppca \(defaults.components), mppca \(mppca.components))"),
            o("mixtures", value: "K", [.mppca], "PPCA components per class (default \(defaults.mixtures))"),
            o("neighbours", value: "K", [.knn], "neighbours (default \(defaults.neighbours))"),
            o("variance-floor", value: "V", [.ppca, .mppca], "lower bound on variances (default \(defaults.varianceFloor.formatted))"),
            o("calibrate", oneClass, "standardise each class's score by its own rows' scores"),
        ]
    }()

    public static func spec(_ long: String) -> OptionSpec { kindOptions.first { $0.spec.long == long }!.spec }

    /// The configuration of `kind` from the command line; shard and block counts are left to the caller.
    public static func config(_ args: ParsedArguments) throws -> TrainConfig {
        let kindName = args.string("model", default: ModelKind.softmax.rawValue)
        guard let kind = ModelKind(rawValue: kindName) else {
            let hint = kindName.hasSuffix(".ulm") || kindName.contains("/")
                ? "ul-train --model names a model kind; the model file to write is -o FILE" : nil
            throw ToolError.usage("--model: unknown model kind \(quoted(kindName)) (expected one of \(list(all)))", hint: hint)
        }
        let refused = kindOptions.filter { !$0.kinds.contains(kind) && args.values[$0.spec.long] != nil }
        if refused.count == 1, let o = refused.first {
            throw ToolError.usage("--\(o.spec.long) does not apply to --model \(kind.rawValue); it applies to \(list(o.kinds))",
                                  hint: o.hint)
        } else if !refused.isEmpty {
            throw ToolError.usage("options that do not apply to --model \(kind.rawValue): "
                                  + refused.map { "--\($0.spec.long) (\(list($0.kinds)))" }.joined(separator: ", "))
        }
        var config = TrainConfig(kind: kind)
        config.epochs = try args.int("epochs", default: kind.defaultEpochs, min: 0, max: TrainConfig.maxEpochs)
        config.l2 = try args.double("l2", default: config.l2, min: 0)
        switch kind {
        case .mlp: config.hidden = try args.intList("hidden", default: [ModelKind.mlpDefaultHidden], min: 1, max: TrainConfig.maxLayerWidth)
            guard config.hidden.count <= TrainConfig.maxHiddenLayers else {
                throw ToolError.usage("--hidden: at most \(TrainConfig.maxHiddenLayers) layers")
            }
        case .autoencoder:
            config.hidden = try args.intList("hidden", default: config.hidden, min: 1, max: TrainConfig.maxLayerWidth)
            guard config.hidden.count == 1 else { throw ToolError.usage("--hidden: autoencoder takes one width") }
        default: config.hidden = []
        }
        config.optimizer = Optimizer(rawValue: try args.choice("optimizer", Optimizer.allCases.map(\.rawValue),
                                                               default: Optimizer.adam.rawValue))!
        if config.optimizer == .lbfgs {
            // Refused rather than ignored: the model records them, and a value that changes nothing would
            // still make `--resume` see a different configuration.
            for name in ["lr", "batch"] where args.values[name] != nil {
                throw ToolError.usage("--\(name) does not apply to --optimizer lbfgs (full batch, step lengths by line search)")
            }
        }
        config.learningRate = try args.double("lr", default: config.learningRate, min: 0)
        config.batchSize = try args.int("batch", default: config.batchSize, min: 1, max: TrainConfig.maxBatchSize)
        config.seed = try SeedOption.parse(args)
        config.scale = try ScaleOption.parse(args)
        config.standardize = args.flag("standardize")
        if kind.isOneClass {
            config.components = try args.int("components", default: kind == .mppca ? 10 : config.components, min: 0, max: TrainConfig.maxComponents)
            config.mixtures = try args.int("mixtures", default: config.mixtures, min: 1, max: TrainConfig.maxMixtures)
            config.neighbours = try args.int("neighbours", default: config.neighbours, min: 1, max: TrainConfig.maxNeighbours)
            config.varianceFloor = try args.double("variance-floor", default: config.varianceFloor, min: 1e-300)
            config.calibrate = args.flag("calibrate")
        }
        config.perturbation = try args.double("perturb", default: 0, min: 0)
        config.aggregation = Aggregation(rawValue: try args.choice("aggregate", Aggregation.allCases.map(\.rawValue),
                                                                  default: Aggregation.mean.rawValue))!
        return config
    }
}

extension ModelKind {
    /// Default hidden width of `mlp` (one layer).
    static let mlpDefaultHidden = 256
}

extension Double {
    /// Shortest text that reads back as the same number ("1", "0.001", "0.01").
    var formatted: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : "\(self)" }
}
