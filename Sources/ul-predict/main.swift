import Foundation
import ULCLI
import ULCore

let spec = CommandSpec(
    name: "ul-predict",
    summary: "add the predicted class (and class probabilities) of a model to every row",
    usage: ["--model MODEL [--proba] [FILE|-] [-o FILE]"],
    options: [
        OptionSpec.modelFile("model file written by ul-train or ul-forget (required)").value("MODEL"),
        OptionSpec("proba", short: "p", help: "also add p_<label>, the probability of each class"),
        OptionSpec("aggregate", value: "mean|vote", help: "softmax and mlp models: combine shards this way instead of as the model says"),
        .output, .id,
    ] + OptionSpec.common,
    footer: """
    Every input column passes through unchanged and in order; the columns predicted (and p_<label>) follow.
    An id column is optional; when there is one, its values must be unique.
    The input must hold every feature column the model was trained on. See ul-predict(1).
    """)

runTool(spec) { args, ctx in
    try runPredict(try PredictOptions(args), ctx)
}
