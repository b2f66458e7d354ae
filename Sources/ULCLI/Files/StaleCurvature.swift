import Foundation
import ULCore

/// After `newModel` was written to `modelPath`, drops from the sidecar `modelPath.curv` the stored curvature
/// of shard states the model no longer has: a factor of a retrained shard was summed over rows that may be gone
/// (forgotten, deleted from the data before a resume), so keeping it would keep a trace of them. Entries of
/// shards whose state did not change stay (carried over undecoded); the sidecar is removed when none stays.
/// Returns the dropped shards, in order.
public func dropStaleCurvature(besides modelPath: String, newModel: ModelFile) throws -> [Int] {
    let path = modelPath + ".curv"
    guard modelPath != "-", !newModel.config.kind.isOneClass, FileManager.default.fileExists(atPath: path) else { return [] }
    let keys = Dictionary(uniqueKeysWithValues: newModel.shards.map {
        ($0.index, ShardCurvature.key(config: newModel.config, featureCount: newModel.features.count, classCount: newModel.labels.count, shard: $0))
    })
    return try curvatureErrors(path) {
        guard let store = try openCurvatureStore(path) else { return [] }
        let stale = Set(store.keys.filter { keys[$0.shard] != $0.key }.map(\.shard))
        guard !stale.isEmpty else { return [] }
        let kept = CurvatureStore.updated(store, with: [], excluding: stale, solver: store.solver, kind: store.kind, damping: store.damping)
        if kept.isEmpty {
            guard unlink(path) == 0 || errno == ENOENT else {
                throw ToolError(.ioError, "cannot remove the stored curvature: \(String(cString: strerror(errno)))", file: path)
            }
        } else {
            try writeFileAtomically(path, pieces: kept.write)
        }
        return stale.sorted()
    }
}

/// The note a tool prints after `dropStaleCurvature` dropped `shards` from `modelPath.curv`, made for the
/// state `before` names.
public func staleCurvatureNote(_ shards: [Int], modelPath: String, before: String) -> String {
    "stored curvature of shard\(shards.count == 1 ? "" : "s") \(shards.map(String.init).joined(separator: " ")) dropped from \(displayName(modelPath + ".curv")): it was made for the state before \(before)"
}
