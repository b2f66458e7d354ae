import Foundation
import ULCore

/// The lines of a file of examples/data (header first; LF or CR LF line ends, not kept).
public func exampleLines(_ name: String) throws -> [String] {
    try String(contentsOf: TestPaths.data(name), encoding: .utf8)
        .split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
}

/// examples/data/digits.csv as a Dataset (class index = the digit), each pixel count (0…16) multiplied by
/// `scale`; shared by the test targets that train on real data.
public func digitsDataset(scale: Float) -> Dataset {
    var lines = try! exampleLines("digits.csv")
    let header = lines.removeFirst().split(separator: ",")
    var data = Dataset(featureCount: header.count - 2)
    for line in lines {
        let f = line.split(separator: ",", omittingEmptySubsequences: false)
        let x = f[2...].map { Float($0)! * scale }
        x.withUnsafeBufferPointer { data.append(id: String(f[0]), classIndex: Int32(f[1])!, features: $0) }
    }
    return data
}

/// The digits' labels, "0" … "9".
public let digitLabels = (0..<10).map(String.init)

/// examples/data/breast_cancer.csv as a Dataset, raw features; class indices in order of first appearance.
public func breastCancerDataset() -> Dataset {
    let lines: [String]
    do { lines = try exampleLines("breast_cancer.csv") } catch { preconditionFailure("\(error)") }
    precondition(lines.count > 1, "no rows in \(TestPaths.data("breast_cancer.csv").path)")
    var labels = [String: Int32]()
    var data = Dataset(featureCount: lines[0].split(separator: ",").count - 2)
    for line in lines.dropFirst() {
        let f = line.split(separator: ",", omittingEmptySubsequences: false)
        let c = labels[String(f[1])] ?? Int32(labels.count)
        labels[String(f[1])] = c
        let row = f.dropFirst(2).map { Float(String($0))! }
        row.withUnsafeBufferPointer { data.append(id: String(f[0]), classIndex: c, features: $0) }
    }
    return data
}
