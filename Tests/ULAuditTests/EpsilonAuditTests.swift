import Foundation
import XCTest
@testable import ULCore
import ULTestSupport

/// The per-example unlearning ε audit on real training.
final class EpsilonAuditTests: XCTestCase {
    /// Exact unlearning inside the ε audit is retraining: each unlearned model equals the model trained on the
    /// retained rows with its seed, so ε is what two retrained populations give (the noise floor).
    func testExactUnlearningEqualsRetrainingInTheEpsilonAudit() throws {
        let digits = digitsDataset(scale: 1)
        let labels = (0..<10).map(String.init)
        let config = TrainConfig(kind: .softmax, epochs: 15, seed: 2, scale: 1.0 / 16, shardCount: 2, blockCount: 2)
        let model = ModelFile(config: config, labels: labels, features: (0..<64).map { "px\($0)" }, shards: [])
        let data = AuditData(retain: digits.subset(Array(0..<150)), forget: digits.subset(Array(150..<160)), test: digits.subset(Array(1000..<1100)))
        let e = UnlearningEpsilon(model: model, count: 3, seed: 4, method: .exact)
        var pool = data.retain
        pool.append(contentsOf: data.forget)
        let training = e.training
        let all = Array(0..<pool.count), kept = Array(0..<data.retain.count)
        let trained = try training.train(pool: pool, rows: [all, all, all], configs: (0..<3).map(training.config), jobs: 2)
        let retrained = try training.train(pool: pool, rows: [kept, kept, kept], configs: (0..<3).map(training.config), jobs: 2)
        for k in 0..<3 {
            let unlearned = try e.unlearn(trained[k], forgetting: Set(data.forget.ids), pool: pool)
            XCTAssertEqual(try unlearned.encode(), try retrained[k].encode(), "exact unlearning of model \(k) is not its retraining")
        }
        let eps = try e.perExample(data: data, jobs: 2)
        XCTAssertEqual(eps.count, 10)
        XCTAssertTrue(eps.allSatisfy { $0 >= 0 && $0 <= log(6) })
    }
}
