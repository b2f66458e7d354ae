/// Training rows in memory: features as Float32, row-major `count × featureCount`; a class index per
/// row into the model's label list; a unique id per row.
public struct Dataset: Sendable, Equatable {
    /// The class index of a row whose label the model does not have (the audit reads forgotten rows of a
    /// removed class so): its probability is 0 under the model.
    public static let absentClass: Int32 = -1

    public let featureCount: Int
    public var features: [Float]
    public var classes: [Int32]
    public var ids: [String]

    public init(featureCount: Int, features: [Float] = [], classes: [Int32] = [], ids: [String] = []) {
        precondition(features.count == ids.count * featureCount && classes.count == ids.count)
        self.featureCount = featureCount
        self.features = features
        self.classes = classes
        self.ids = ids
    }

    public var count: Int { ids.count }

    /// Appends one row.
    public mutating func append(id: String, classIndex: Int32, features row: UnsafeBufferPointer<Float>) {
        precondition(row.count == featureCount)
        ids.append(id)
        classes.append(classIndex)
        features.append(contentsOf: row)
    }

    /// Room for `rows` more rows, appended without growing the arrays (features on huge pages when large).
    public mutating func reserveRows(_ rows: Int) {
        ids.reserveCapacity(count + rows)
        classes.reserveCapacity(count + rows)
        if features.isEmpty { features = reservedLargeArray(of: Float.self, capacity: rows * featureCount) }
        else { features.reserveCapacity(features.count + rows * featureCount) }
    }

    /// Appends every row of `other` (same feature count).
    public mutating func append(contentsOf other: Dataset) {
        precondition(other.featureCount == featureCount)
        ids += other.ids
        classes += other.classes
        features += other.features
    }

    /// The given rows, in the given order.
    public func subset(_ rows: [Int]) -> Dataset {
        var out = Dataset(featureCount: featureCount)
        out.ids.reserveCapacity(rows.count)
        out.classes.reserveCapacity(rows.count)
        out.features.reserveCapacity(rows.count * featureCount)
        features.withUnsafeBufferPointer { f in
            for r in rows {
                out.ids.append(ids[r])
                out.classes.append(classes[r])
                out.features.append(contentsOf: UnsafeBufferPointer(rebasing: f[r * featureCount ..< (r + 1) * featureCount]))
            }
        }
        return out
    }

    /// Keeps only the rows at the ascending indices `rows`, moved down in place: no second copy of the features
    /// (for a shard losing a few rows, a move within the buffer instead of a fresh 4·N·d bytes to fault in).
    public mutating func retain(_ rows: [Int]) {
        let d = featureCount
        features.withUnsafeMutableBufferPointer { f in
            for (k, r) in rows.enumerated() where k != r {
                precondition(r > k, "rows must ascend")
                ids[k] = ids[r]
                classes[k] = classes[r]
                (f.baseAddress! + k * d).update(from: f.baseAddress! + r * d, count: d)
            }
        }
        ids.removeSubrange(rows.count...)
        classes.removeSubrange(rows.count...)
        features.removeSubrange((rows.count * d)...)
    }

    /// The rows for which `keep` is true, in their current order.
    public func filter(_ keep: (Int) -> Bool) -> Dataset { subset((0..<count).filter(keep)) }
}
