import Foundation
import XCTest
@testable import ULCore
import ULTestSupport

/// Influence of a network's rows against leave-one-out retraining on the digits: a small mlp and softmax
/// trained by L-BFGS to a stationary point, each left-out row's model retrained from there (the nearby
/// optimum influence predicts), and the Pearson correlation of predicted and measured changes printed for
/// each curvature.
final class NetworkInfluenceTests: XCTestCase {
    /// Pearson correlations of predicted and measured ‖Δθ‖ and ΔC; nil when conjugate gradient failed.
    struct Correlations {
        var parameters: Double
        var criterion: Double
    }

    func pearson(_ a: [Double], _ b: [Double]) -> Double {
        let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for i in a.indices { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) * (a[i] - ma); sbb += (b[i] - mb) * (b[i] - mb) }
        return sab / (saa * sbb).squareRoot()
    }

    /// Trains on 300 digits, the criterion the mean loss of the next 300; leaves out 30 rows one at a time.
    func correlations(hidden: [Int], kinds: [CurvatureKind]) throws -> [CurvatureKind: Correlations?] {
        let data = digitsDataset(scale: 1.0 / 16)
        let train = Array(0..<300), held = Array(300..<600)
        let network = DenseNetwork(inputs: data.featureCount, hidden: hidden, classes: 10)
        let l2 = 1.0
        func objective(_ weights: [Double]? = nil) -> NetworkObjective {
            NetworkObjective(network: network, data: data, rows: train, terms: ObjectiveTerms(l2: l2, weights: weights))
        }
        // As far as single-precision sums allow: L-BFGS stops by its iteration limit.
        var lbfgs = LBFGS(maxIterations: 2000)
        lbfgs.tolerance = 1e-9
        let full = objective()
        let theta = lbfgs.minimize(full, from: network.initialParameters(seed: 1, shard: 0)).theta
        lbfgs.maxIterations = 200
        let trained = norm(full.gradient(theta))
        let valid = NetworkObjective(network: network, data: data, rows: held, terms: ObjectiveTerms(l2: l2))
        let before = valid.rowLosses(at: theta).reduce(0, +) / Double(held.count)
        let rows = Array(stride(from: 3, to: train.count, by: 10))
        var measuredStep = [Double](), measuredChange = [Double](), residuals = [Double]()
        for r in rows {
            var w = [Double](repeating: 1, count: train.count)
            w[r] = 0
            let left = objective(w)
            let loo = lbfgs.minimize(left, from: theta).theta
            residuals.append(norm(left.gradient(loo)))
            measuredStep.append(norm(zip(loo, theta).map { $0 - $1 }))
            measuredChange.append(valid.rowLosses(at: loo).reduce(0, +) / Double(held.count) - before)
        }
        var out = [CurvatureKind: Correlations?]()
        for kind in kinds {
            let solver = CurvatureSolver(objective: full, theta: theta,
                                         stored: try StoredCurvature.compute(full, at: theta, solver: .cg, kind: kind, damping: 0),
                                         damping: 0, kind: kind)
            solver.tolerance = 1e-6
            do {
                let influence = try Influence.rows(rows, objective: full, solver: solver,
                                                   criterionGradient: Influence.meanLossGradient(valid, at: theta))
                out[kind] = Correlations(parameters: pearson(influence.map(\.parameters), measuredStep),
                                         criterion: pearson(influence.map { -$0.criterion }, measuredChange))
            } catch let e as CurvatureError {
                print("\(kind.rawValue): \(e)")
                out[kind] = .some(nil)
            }
        }
        print(String(format: "digits %@: ‖∇J(θ̂)‖ %.2g, leave-one-out ‖∇J‖ ≤ %.2g, median ‖Δθ‖ %.3g", hidden.isEmpty ? "softmax" : "mlp \(hidden)",
                     trained, residuals.max()!, measuredStep.sorted()[rows.count / 2]))
        for kind in kinds {
            let c = out[kind]!
            print(String(format: "| %@ | %@ | %@ | %@ |", hidden.isEmpty ? "softmax" : "mlp \(hidden[0])", kind.rawValue,
                         c.map { String(format: "%.4f", $0.parameters) } ?? "CG fails", c.map { String(format: "%.4f", $0.criterion) } ?? "CG fails"))
        }
        return out
    }

    func testMLPInfluenceMatchesLeaveOneOutUnderBothCurvatures() throws {
        print("| model | curvature | Pearson ‖Δθ‖ | Pearson ΔC |")
        let softmax = try XCTUnwrap(try correlations(hidden: [], kinds: [.hessian])[.hessian]!)
        let mlp = try correlations(hidden: [16], kinds: [.gaussNewton, .hessian])
        XCTAssertGreaterThanOrEqual(softmax.parameters, 0.95)
        XCTAssertGreaterThanOrEqual(softmax.criterion, 0.9)
        let gaussNewton = try XCTUnwrap(mlp[.gaussNewton]!)
        XCTAssertGreaterThanOrEqual(gaussNewton.parameters, 0.5)
        XCTAssertGreaterThanOrEqual(gaussNewton.criterion, 0.5)
    }
}
