import Foundation
import XCTest
@testable import ULCore
import ULTestSupport

/// Accuracy of one-class models on digits per selection method and fraction. A measurement, not a test: runs
/// only with UL_BENCH=1 (`UL_BENCH=1 swift test -c release --filter SelectionBenchmarkTests`).
final class SelectionBenchmarkTests: XCTestCase {
    struct Split { var train: [[Float]] = []; var trainIDs: [[String]] = []; var test: [Float] = []; var testLabels: [Int] = [] }

    func loadDigits() throws -> (split: Split, dimension: Int) {
        let lines = try exampleLines("digits.csv").dropFirst()
        var s = Split(train: Array(repeating: [], count: 10), trainIDs: Array(repeating: [], count: 10))
        var d = 0
        for line in lines {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            let id = String(f[0]), label = Int(f[1])!
            let x = f[2...].map { Float($0)! / 16 }   // a constant scale, fixed in the configuration
            d = x.count
            if unitInterval(stableHash(id, seed: 0, salt: 0x7e57)) < 0.7 {
                s.train[label] += x; s.trainIDs[label].append(id)
            } else {
                s.test += x; s.testLabels.append(label)
            }
        }
        return (s, d)
    }

    enum Method { case random(UInt64), entropy(EntropySelectionConfig) }

    func choose(_ method: Method, fraction: Double, features: [Float], ids: [String], d: Int) throws -> [Bool] {
        switch method {
        case .random(let seed):
            return ids.map { isRandomlySelected(id: $0, fraction: fraction, seed: seed) }
        case .entropy(let cfg):
            let m = SelectionBudget.count(fraction: fraction, rows: ids.count)
            return try selectByEntropy(features: features, dimension: d, ids: ids, config: cfg,
                                       budget: SelectionBudget(count: m)).selected
        }
    }

    func testDigitsAccuracyBySelectionMethod() throws {
        guard ProcessInfo.processInfo.environment["UL_BENCH"] == "1" else { throw XCTSkip("set UL_BENCH=1") }
        let (s, d) = try loadDigits()
        let floor = Double(ProcessInfo.processInfo.environment["UL_FLOOR"] ?? "0.01")!
        let methods: [(String, Method)] = [
            ("random-seed1", .random(1)), ("random-seed2", .random(2)), ("random-seed3", .random(3)),
            ("random-seed4", .random(4)), ("random-seed5", .random(5)),
            ("entropy-rbf(1/d)", .entropy(EntropySelectionConfig())),
            ("entropy-rbf(10/d)", .entropy(EntropySelectionConfig(kernel: .rbf(gamma: 10 / Double(d))))),
            ("entropy-linear", .entropy(EntropySelectionConfig(kernel: .linear))),
            ("cells8-rbf(1/d)", .entropy(EntropySelectionConfig(cells: 8, seed: 1))),
            ("cells32-rbf(1/d)", .entropy(EntropySelectionConfig(cells: 32, seed: 1))),
        ]
        let models = ["ppca20", "mppca4x10", "mppca-z", "knn5"]
        print("test rows \(s.testLabels.count), train rows \(s.trainIDs.map(\.count).reduce(0, +))")
        print(["method", "fraction", "kept"].joined(separator: ",") + "," + models.joined(separator: ","))
        for (name, method) in methods {
            for fraction in [1.0, 0.5, 0.25] {
                var fitted = [[any OneClassModel]](repeating: [], count: models.count)
                var mixtures = [MixturePPCAModel]()
                var kept = 0
                for k in 0..<10 {
                    let sel = try choose(method, fraction: fraction, features: s.train[k], ids: s.trainIDs[k], d: d)
                    var f = [Float](), ids = [String]()
                    for (i, on) in sel.enumerated() where on {
                        f += s.train[k][i * d..<(i + 1) * d]; ids.append(s.trainIDs[k][i])
                    }
                    kept += ids.count
                    fitted[0].append(try PPCAModel.fit(features: f, dimension: d, ids: ids, config: PPCAConfig(varianceFloor: floor)))
                    let mix = try MixturePPCAModel.fit(features: f, dimension: d, ids: ids, config: MixturePPCAConfig(ppca: PPCAConfig(components: 10, varianceFloor: floor)), iterations: 10)
                    fitted[1].append(mix)
                    mixtures.append(mix)
                    fitted[3].append(try NearestNeighbourDescription.fit(features: f, dimension: d, ids: ids))
                }
                var correct = [Int](repeating: 0, count: models.count)
                s.test.withUnsafeBufferPointer { p in
                    for (i, label) in s.testLabels.enumerated() {
                        let x = UnsafeBufferPointer(rebasing: p[i * d..<(i + 1) * d])
                        for j in [0, 1, 3] where argmaxScore(fitted[j].map { $0.score(x) }) == label { correct[j] += 1 }
                        if argmaxScore(mixtures.map { $0.standardisedScore(x) }) == label { correct[2] += 1 }
                    }
                }
                let acc = correct.map { String(format: "%.3f", Double($0) / Double(s.testLabels.count)) }
                print("\(name),\(fraction),\(kept)," + acc.joined(separator: ","))
            }
        }
    }

    /// Work of the greedy engine (rows brought up to date, factor columns computed) on one shard of a CSV with
    /// columns id, label, features and optionally shard and block, against the columns of the eager engine it
    /// replaced, which extended the N − t − 1 remaining rows at each step t < m. `UL_SELECT_CSV=FILE [UL_SELECT_SHARD=0] [UL_SELECT_SCALE=0.00392156862745098]
    /// [UL_SELECT_FRACTION=0.5] swift test -c release -Xswiftc -enable-testing --filter
    /// SelectionBenchmarkTests/testGreedyWork` (release tests need -enable-testing for `@testable import`).
    func testGreedyWork() throws {
        let env = ProcessInfo.processInfo.environment
        guard let path = env["UL_SELECT_CSV"] else { throw XCTSkip("set UL_SELECT_CSV") }
        let wanted = Int(env["UL_SELECT_SHARD"] ?? "0")!
        let scale = Float(env["UL_SELECT_SCALE"] ?? "0.00392156862745098")!
        let fraction = Double(env["UL_SELECT_FRACTION"] ?? "0.5")!
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",").map(String.init)
        let shardColumn = header.firstIndex(of: "shard")
        let featureColumns = header.indices.filter { !["id", "label", "shard", "block"].contains(header[$0]) }
        var features = [Float](), ids = [String]()
        for line in lines.dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            if let c = shardColumn, Int(f[c])! != wanted { continue }
            ids.append(String(f[0]))
            for c in featureColumns { features.append(Float(f[c])! * scale) }
        }
        let d = featureColumns.count, n = ids.count
        let m = SelectionBudget.count(fraction: fraction, rows: n)
        let eagerColumns = (0..<m).reduce(0) { $0 + n - $1 - 1 }
        for method in [SelectionMethod.entropy, .spread] {
            var config = EntropySelectionConfig()
            if method == .spread { config.kernel = .rbf(gamma: SelectionMethod.spreadGammaPerFeature / Double(d)) }
            let started = Date()
            let (sel, work) = try greedySelection(features: features, dimension: d, ids: ids, config: config,
                                                  budget: SelectionBudget(count: m), rule: method.greedyRule!)
            let seconds = Date().timeIntervalSince(started)
            print(String(format: "%@: %d rows, %d chosen, %.2f s; %d refreshes (%.2f per step, %d stopped part way), %d columns = %.3f of eager's %d",
                         method.rawValue, n, sel.order.count, seconds, work.refreshes, Double(work.refreshes) / Double(max(m, 1)), work.stops,
                         work.columns, Double(work.columns) / Double(max(eagerColumns, 1)), eagerColumns))
        }
    }
}
