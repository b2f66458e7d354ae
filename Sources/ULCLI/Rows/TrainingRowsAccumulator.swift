import Foundation
import ULCore

/// The rows `TrainingRows` keeps, taken in file order: the checks against earlier rows (duplicate id,
/// --classes), the label and shard counts, and the kept shards' rows in memory or spilled.
struct TrainingRowsAccumulator {
    let layout: TrainingRowLayout
    let classSet: Set<String>?
    let selectionSteps: Bool
    var shards = [Int: TrainingRows.Shard]()
    /// A fingerprint per row, not the id: see IdSet for the cost.
    var seenIds = IdSet()
    let spill: ShardSpill?
    var labelPositions = [String: UInt32](), spilledLabels = [String]()
    var rowCounts = [Int: Int]()
    var labelShards = [String: Set<Int>]()
    var maxShard = 0, maxBlock = 0

    init(layout: TrainingRowLayout, options: TrainingRows.Options) throws {
        self.layout = layout
        classSet = options.classes.map(Set.init)
        selectionSteps = options.selectionSteps
        spill = try layout.shardCol != nil ? options.spillDirectory.map(ShardSpill.init) : nil
    }

    /// Room for about `count` rows in all when every row goes to shard 0 (no shard column, nothing spilled): its
    /// arrays then grow once instead of doubling through the file, each doubling copying and paging in again
    /// the rows read so far.
    mutating func reserveSingleShard(rows count: Int) {
        guard layout.shardCol == nil, spill == nil, shards.count == 1, var s = shards.removeValue(forKey: 0) else { return }
        s.ids.reserveCapacity(count)
        s.labels.reserveCapacity(count)
        s.blocks.reserveCapacity(count)
        s.features.reserveCapacity(count * layout.featureCols.count)
        if selectionSteps { s.steps.reserveCapacity(count) }
        shards[0] = s
    }

    /// The checks of a row against the rows before it.
    mutating func admit(_ fingerprint: UInt128, rawId: String, label: String, line: Int) throws {
        guard seenIds.insert(fingerprint: fingerprint) else { throw ToolError.data("duplicate id \(quoted(rawId))", file: layout.path, line: line) }
        if let c = classSet, !c.contains(label) {
            throw ToolError.data("label \(quoted(label)) is not in --classes", file: layout.path, line: line)
        }
    }

    /// Keeps `rows` after the rows kept so far; `admitted`: `admit` has run for them already.
    mutating func keep(_ rows: ConvertedRows, admitted: Bool) throws {
        let width = layout.featureCols.count
        var offset = 0
        for i in 0..<rows.count {
            if !admitted { try admit(rows.fingerprints[i], rawId: "", label: rows.labels[i], line: 0) }
            let label = rows.labels[i], shard = rows.shards[i], block = rows.blocks[i]
            maxShard = max(maxShard, shard)
            maxBlock = max(maxBlock, block)
            labelShards[label, default: []].insert(shard)
            guard rows.kept[i] else { continue }
            let features = rows.features[offset..<offset + width]
            offset += width
            rowCounts[shard, default: 0] += 1
            if let spill {
                let position = labelPositions[label] ?? {
                    spilledLabels.append(label)
                    labelPositions[label] = UInt32(spilledLabels.count - 1)
                    return UInt32(spilledLabels.count - 1)
                }()
                try spill.append(shard: shard) { out in
                    var id = rows.ids[i]
                    id.withUTF8 { out.appendRaw(UInt32($0.count)); out.append(contentsOf: $0) }
                    out.appendRaw(position)
                    out.appendRaw(block)
                    if selectionSteps { out.appendRaw(rows.steps[i]) }
                    features.withUnsafeBytes { out.append(contentsOf: $0) }
                }
            } else {
                shards[shard, default: TrainingRows.Shard()].ids.append(rows.ids[i])
                shards[shard]!.labels.append(label)
                shards[shard]!.blocks.append(block)
                shards[shard]!.features.append(contentsOf: features)
                if selectionSteps { shards[shard]!.steps.append(rows.steps[i]) }
            }
        }
    }
}
