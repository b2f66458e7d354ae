import Foundation
import ULCLI
import ULCore

/// Reads and checks the model (every section against its checksum and the format's rules) and its stored
/// curvature, then writes the summary.
func runInspect(_ options: InspectOptions, _ ctx: ToolContext) throws -> ExitStatus {
    let path = options.modelPath
    let reader = try openModelContainer(path)
    let model: ModelFile
    do {
        model = try ModelFile.decode(reader)
    } catch let e as ModelFileError {
        throw ToolError.data("\(e)", file: path)
    }
    if options.curvatureGiven, !FileManager.default.fileExists(atPath: options.curvaturePath) {
        throw ToolError(.noInput, "no such file", file: options.curvaturePath)
    }
    let curvature = try openCurvatureStore(options.curvaturePath)
    try curvatureErrors(options.curvaturePath) { try curvature?.verify() }
    let summary = ModelSummary(model: model, reader: reader, curvature: curvature, curvatureName: options.curvaturePath)
    let out = try OutputFile(path: options.output)
    try out.write(Array((options.format == "json" ? summary.json() : summary.csv()).utf8))
    try out.commit()
    ctx.summary("\(model.config.kind.rawValue) model, \(model.shards.count) shards of \(model.config.blockCount) blocks")
    return .ok
}
