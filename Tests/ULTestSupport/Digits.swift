import Foundation
import ULCore

/// examples/data/digits.csv as a Dataset (class index = the digit), each pixel count (0…16) multiplied by
/// `scale`; shared by the test targets that train on real data.
public func digitsDataset(scale: Float) -> Dataset {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/data/digits.csv")
    let text = try! String(contentsOf: url, encoding: .utf8)
    var lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
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
