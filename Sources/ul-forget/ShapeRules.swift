import Foundation
import ULCLI
import ULCore

/// What ul-train derives from the rows unless told (`--shards`, `--blocks`, `--classes`): the label list (the
/// labels present), the shard count (largest shard + 1) and the block count (largest block + 1). Forgetting
/// derives them again from the remaining rows, so that its model is the one the same commands give on them:
/// trailing shards emptied by a request leave the model; a label whose every row is forgotten leaves the label
/// list, and so does a block emptied in every shard from the block count — both change every shard's
/// training, so every shard is retrained.
struct DerivedShape: Equatable {
    var labels: [String]
    var shardCount: Int
    var blockCount: Int
}

extension ForgetJob {
    /// The shape the same commands give on the rows `model` (the method's result) was trained on.
    /// `trainedLabels` are the labels of the rows the kept shards now train on.
    func derivedShape(of model: ModelFile, trainedLabels: Set<String>, data: ForgetData) throws -> DerivedShape {
        let declared = model.declared
        let nonEmpty = model.shards.filter { !$0.isEmpty }
        guard !nonEmpty.isEmpty else {
            throw ToolError.data("these requests forget every row the model was trained on; nothing would be left to train (the model, the ledger and the data are left as they were)", file: options.requestsPath)
        }
        let shardCount = declared.contains(.shards) ? model.config.shardCount : nonEmpty.map(\.index).max()! + 1
        let lastBlock = nonEmpty.map { s in s.blocks.lastIndex { !$0.ids.isEmpty }! }.max()!
        let blockCount = declared.contains(.blocks) ? model.config.blockCount : lastBlock + 1
        var labels = model.labels
        if !declared.contains(.classes) {
            var present = trainedLabels.union(data.labelsOfOtherShards)
            let missing = Set(model.labels).subtracting(present)
            if !missing.isEmpty && options.dataIsDirectory {
                present.formUnion(try labelsInOtherFiles(missing, read: Set(data.shards.keys)))
            }
            labels = model.labels.filter(present.contains)
            guard labels.count >= 2 else {
                throw ToolError.data("these requests leave rows of \(labels.count) class\(labels.count == 1 ? "" : "es"); a model needs at least two (the model, the ledger and the data are left as they were)", file: options.requestsPath)
            }
        }
        return DerivedShape(labels: labels, shardCount: shardCount, blockCount: blockCount)
    }

    /// Which of `wanted` labels the trained rows of the shard files other than `read` hold (--data DIR).
    private func labelsInOtherFiles(_ wanted: Set<String>, read: Set<Int>) throws -> Set<String> {
        var found = Set<String>()
        for k in model.config.heldShards where !read.contains(k) && FileManager.default.fileExists(atPath: shardFile(k)) {
            let r = try openDataRows(shardFile(k))
            let labelCol = try r.requireColumn(options.columns.label, option: "label")
            let selectedCol = r.column("selected")
            while found.count < wanted.count, try r.next() {
                if let s = selectedCol, r.string(s) != "1" { continue }
                let label = r.string(labelCol)
                if wanted.contains(label) { found.insert(label) }
            }
            if found.count == wanted.count { break }
        }
        return found
    }

    /// `model` with trailing shards the derived shard count leaves out dropped (they are empty).
    func droppingTrailingShards(_ model: ModelFile, shape: DerivedShape) -> ModelFile {
        guard shape.shardCount < model.config.shardCount else { return model }
        var out = model
        out.shards = model.shards.filter { $0.index < shape.shardCount }
        out.config.shardCount = shape.shardCount
        out.config.heldShards = out.shards.map(\.index)
        out.approximate = model.approximate.filter { $0.shard < shape.shardCount }
        return out
    }

    /// The job's model in the derived shape, its shards (those the shard count keeps) still the old ones:
    /// what every shard is retrained into when the label list or the block count changed.
    func reshapedModel(_ shape: DerivedShape) -> ModelFile {
        var out = droppingTrailingShards(model, shape: shape)
        out.labels = shape.labels
        out.config.blockCount = shape.blockCount
        out.approximate = []
        return out
    }
}

extension ForgetJob {
    /// The ledger's and stderr's word on a changed shape ("" when nothing changed).
    func shapeNote(_ shape: DerivedShape) -> String {
        var parts = [String]()
        let gone = model.labels.filter { !shape.labels.contains($0) }
        if !gone.isEmpty { parts.append("label\(gone.count == 1 ? "" : "s") \(gone.joined(separator: " ")) left the model (no row remains)") }
        if shape.blockCount != model.config.blockCount { parts.append("block count \(model.config.blockCount) → \(shape.blockCount)") }
        if shape.shardCount != model.config.shardCount { parts.append("shard count \(model.config.shardCount) → \(shape.shardCount)") }
        if !parts.isEmpty { ctx.note(parts.joined(separator: "; ") + (gone.isEmpty && shape.blockCount == model.config.blockCount ? "" : ": every shard retrained")) }
        return parts.joined(separator: "; ")
    }
}

extension ModelFile {
    /// The record without `ids` (parameters untouched): which shards and blocks keep rows after a request.
    func removingIds(_ ids: Set<String>) -> ModelFile {
        var out = self
        for s in out.shards.indices {
            for b in out.shards[s].blocks.indices where out.shards[s].blocks[b].ids.contains(where: ids.contains) {
                out.shards[s].blocks[b].ids.removeAll(where: ids.contains)
            }
        }
        return out
    }
}
