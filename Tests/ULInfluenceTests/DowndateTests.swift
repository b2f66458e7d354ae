import Foundation
import XCTest
@testable import ULCore
import ULTestSupport

/// The stored curvature follows the data: a downdated Cholesky factor against the factor of the Hessian
/// assembled over the remaining rows at the same θ, rank 1 and rank K|F|, every block size; a downdate that
/// is not positive definite fails and the entry is dropped; the softmax diagonal loses exactly the rows'
/// terms; the sidecar keeps the parameters a downdated factor was made at.
final class DowndateTests: XCTestCase {
    /// max |a − b| / max |b| over the lower triangles.
    func relativeError(_ a: CholeskyFactor, _ b: CholeskyFactor) -> Double {
        let la = a.lowerTriangle, lb = b.lowerTriangle
        var diff = 0.0, scale = 0.0
        for i in la.indices { diff = max(diff, abs(la[i] - lb[i])); scale = max(scale, abs(lb[i])) }
        return diff / scale
    }

    /// A softmax shard: 4 classes, 9 features (P = 40), θ away from 0 so the probabilities differ per row.
    func shard(seed: UInt64 = 3, n: Int = 120) -> (SoftmaxCurvature, SoftmaxObjective, [Double]) {
        let c = SoftmaxCurvature(data: randomData(n: n, d: 9, k: 4, seed: seed), rows: Array(0..<n), classCount: 4, l2: 0.5)
        var g = SeededGenerator(seed: seed + 100)
        let theta = (0..<c.parameterCount).map { _ in 0.4 * g.nextGaussian() }
        return (c, SoftmaxObjective(curvature: c), theta)
    }

    func testRankOneDowndateEqualsFactorOfTheDowndatedMatrix() throws {
        // A = BBᵀ + I (n = 30), v a vector well inside A's ellipsoid: LLᵀ − vvᵀ against dpotrf of A − vvᵀ.
        let n = 30
        var g = SeededGenerator(seed: 9)
        let b = (0..<n * n).map { _ in g.nextGaussian() }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { for k in 0..<n { a[i * n + j] += b[i * n + k] * b[j * n + k] }; if i == j { a[i * n + j] += 1 } } }
        let v = (0..<n).map { _ in 0.3 * g.nextGaussian() }
        var reduced = a
        for i in 0..<n { for j in 0..<n { reduced[i * n + j] -= v[i] * v[j] } }
        let reference = try CholeskyFactor(symmetric: reduced, n: n)
        for block in [1, 4, 7, 48] {
            var f = try CholeskyFactor(symmetric: a, n: n)
            try f.downdate(v, rank: 1, blockSize: block)
            XCTAssertLessThan(relativeError(f, reference), 1e-12, "block \(block)")
        }
    }

    /// A solve with one right-hand side goes by blocks of columns, the panels below them in two lanes of rows:
    /// against LAPACK's dpotrs (the path of several right-hand sides) and against A·x = b, for sizes below,
    /// at and across the block size, the last block short or full.
    func testBlockedSolveEqualsLAPACK() throws {
        var g = SeededGenerator(seed: 21)
        let nb = CholeskyFactor.triangularBlock
        for n in [1, 7, nb - 1, nb, nb + 1, 2 * nb + 37, 3 * nb] {
            // A = I + BBᵀ with B n × 8 (positive definite, cheap to form).
            let r = 8
            let b = (0..<n * r).map { _ in g.nextGaussian() }
            var a = [Double](repeating: 0, count: n * n)
            for i in 0..<n { for j in 0..<n { for k in 0..<r { a[i * n + j] += b[i * r + k] * b[j * r + k] } } }
            for i in 0..<n { a[i * n + i] += 1 }
            let f = try CholeskyFactor(symmetric: a, n: n)
            let rhs = (0..<n).map { _ in g.nextGaussian() }
            let x = f.solve(rhs)
            let lapack = Array(f.solve(rhs + rhs, columns: 2)[0..<n])
            var worst = 0.0, residual = 0.0
            for i in 0..<n {
                worst = max(worst, abs(x[i] - lapack[i]) / max(1, abs(lapack[i])))
                var ax = 0.0
                for j in 0..<n { ax += a[i * n + j] * x[j] }
                residual = max(residual, abs(ax - rhs[i]))
            }
            XCTAssertLessThan(worst, 1e-12, "n \(n)")
            XCTAssertLessThan(residual, 1e-10, "n \(n)")
            XCTAssertEqual(f.solve(rhs).map(\.bitPattern), x.map(\.bitPattern), "n \(n): the same bits again")
        }
    }

    func testRankKDowndateOfRowsEqualsFactorOverTheRemainingRows() throws {
        let (c, objective, theta) = shard()
        let p = c.probabilities(theta)
        let damping = 0.1
        let forget = [3, 17, 18, 64, 99, 119]
        var weights = [Double](repeating: 1, count: c.count)
        for r in forget { weights[r] = 0 }
        let reference = try CholeskyFactor(symmetric: c.hessian(p, weights: weights, damping: damping), n: c.parameterCount)
        let (v, rank) = c.hessianFactorMatrix(p, rows: forget)
        XCTAssertEqual(rank, forget.count * 4)
        for block in [1, 5, 16, 48] {
            var f = try CholeskyFactor(symmetric: c.hessian(p, damping: damping), n: c.parameterCount)
            try f.downdate(v, rank: rank, blockSize: block)
            XCTAssertLessThan(relativeError(f, reference), 1e-9, "block \(block)")
        }
        // The same through the stored curvature, either route; the refactorisation is the reference itself.
        for route in [CurvatureDowndate.Route.downdate, .refactor] {
            var stored = try StoredCurvature.compute(objective, at: theta, solver: .exact, damping: damping)
            guard case let .kept(.cholesky(f), used) = CurvatureDowndate.remaining(taking: &stored, objective: objective, at: theta,
                                                                                   removing: forget, damping: damping, route: route) else {
                return XCTFail("\(route): dropped")
            }
            XCTAssertEqual(used, route)
            XCTAssertLessThan(relativeError(f, reference), 1e-9, "\(route)")
            XCTAssertEqual(stored, .diagonal([]), "the curvature is taken, not copied")
        }
    }

    func testDowndateInTwoRequestsEqualsOne() throws {
        let (c, objective, theta) = shard(seed: 5)
        let p = c.probabilities(theta)
        var weights = [Double](repeating: 1, count: c.count)
        for r in [3, 17, 18, 64, 99, 119] { weights[r] = 0 }
        let reference = try CholeskyFactor(symmetric: c.hessian(p, weights: weights, damping: 0), n: c.parameterCount)
        var stored = try StoredCurvature.compute(objective, at: theta, solver: .exact, damping: 0)
        guard case .kept(var once, .downdate) = CurvatureDowndate.remaining(taking: &stored, objective: objective, at: theta,
                                                                           removing: [3, 17, 18], damping: 0, route: .downdate),
              case let .kept(.cholesky(twice), .downdate) = CurvatureDowndate.remaining(taking: &once, objective: objective, at: theta,
                                                                                       removing: [64, 99, 119], damping: 0, route: .downdate)
        else { return XCTFail("dropped") }
        XCTAssertLessThan(relativeError(twice, reference), 1e-9)
    }

    func testDowndateThatIsNotPositiveDefiniteFailsAndIsDropped() throws {
        // LLᵀ − vvᵀ with v = 1.5·L e₁: vᵀ(LLᵀ)⁻¹v = 2.25 > 1, so the result is indefinite.
        let (c, _, theta) = shard()
        let p = c.probabilities(theta)
        let n = c.parameterCount
        var f = try CholeskyFactor(symmetric: c.hessian(p), n: n)
        let v = (0..<n).map { 1.5 * f.lowerTriangle[$0 * n] }
        XCTAssertThrowsError(try f.downdate(v, rank: 1)) {
            guard case .downdateNotPositiveDefinite? = $0 as? CurvatureError else { return XCTFail("\($0)") }
        }
        // A factor made over the first 40 rows alone cannot lose the last 80 (with λ = 0 nothing keeps it
        // positive definite): the entry is dropped, by either route, with why.
        let few = SoftmaxCurvature(data: randomData(n: 120, d: 9, k: 4, seed: 3), rows: Array(0..<40), classCount: 4, l2: 0)
        let wrong = try CholeskyFactor(symmetric: few.hessian(few.probabilities(theta), damping: 1e-6), n: n)
        let all = SoftmaxObjective(curvature: SoftmaxCurvature(data: randomData(n: 120, d: 9, k: 4, seed: 3), rows: Array(0..<120),
                                                               classCount: 4, l2: 0))
        for route in [CurvatureDowndate.Route.downdate, .refactor] {
            var stored = StoredCurvature.cholesky(wrong)
            let outcome = CurvatureDowndate.remaining(taking: &stored, objective: all, at: theta, removing: Array(40..<120), damping: 1e-6,
                                                      route: route)
            if route == .downdate {
                guard case let .dropped(why) = outcome else { return XCTFail("kept") }
                XCTAssertTrue(why.contains("not positive definite"), why)
            } else {
                // The refactorisation does not use the stored factor: 40 rows and 1e-6 are positive definite.
                guard case .kept(_, .refactor) = outcome else { return XCTFail("dropped") }
            }
        }
    }

    func testDiagonalLosesExactlyTheRowsTerms() throws {
        let (c, objective, theta) = shard()
        let forget = [0, 5, 77]
        var stored = try StoredCurvature.compute(objective, at: theta, solver: .cg, damping: 0.25)
        guard case let .kept(.diagonal(d), .diagonal) = CurvatureDowndate.remaining(taking: &stored, objective: objective, at: theta,
                                                                                   removing: forget, damping: 0.25) else {
            return XCTFail("dropped")
        }
        var weights = [Double](repeating: 1, count: c.count)
        for r in forget { weights[r] = 0 }
        let reference = c.hessianDiagonal(c.probabilities(theta), weights: weights).map { $0 + 0.25 }
        for i in d.indices { XCTAssertEqual(d[i], reference[i], accuracy: 1e-12 * reference[i]) }
        // mlp's diagonal is a Hutchinson estimate over every row: dropped.
        let data = randomData(n: 30, d: 3, k: 2, seed: 1)
        let mlp = NetworkObjective(network: DenseNetwork(inputs: 3, hidden: [4], classes: 2), data: data, rows: Array(0..<30),
                                   terms: ObjectiveTerms(l2: 1), chunkRows: 256, lanes: 4)
        var mlpStored = StoredCurvature.diagonal([Double](repeating: 1, count: mlp.parameterCount))
        guard case .dropped = CurvatureDowndate.remaining(taking: &mlpStored, objective: mlp, at: [Double](repeating: 0.1, count: mlp.parameterCount),
                                                          removing: [1], damping: 0) else { return XCTFail("kept") }
    }

    func testNewtonWithTheDowndatedFactorEqualsNewtonWithTheRemainingRowsFactor() throws {
        // The solver's H₋ (downdate) against a solver built on the factor over the remaining rows: same step.
        let (c, objective, theta) = shard()
        let forget = [2, 40, 41]
        let stored = try StoredCurvature.compute(objective, at: theta, solver: .exact, damping: 0)
        let solver = CurvatureSolver(objective: objective, theta: theta, stored: stored, damping: 0)
        let r = try ApproximateRemoval.newton(objective: objective, solver: solver, forget: forget, linear: nil)
        var weights = [Double](repeating: 1, count: c.count)
        for i in forget { weights[i] = 0 }
        let f = try CholeskyFactor(symmetric: c.hessian(c.probabilities(theta), weights: weights), n: c.parameterCount)
        let step = f.solve(objective.gradientSum(theta, rows: forget))
        for i in theta.indices { XCTAssertEqual(r.theta[i], theta[i] + step[i], accuracy: 1e-10) }
        // The curvature handed over for keeping is that same H₋.
        guard case let .kept(.cholesky(kept), .downdate) = solver.takeRemaining(removing: forget) else { return XCTFail("dropped") }
        XCTAssertLessThan(relativeError(kept, f), 1e-9)
    }

    func testNewtonWithTheDroppedFactorSolvesTheRemainingRowsHessianByPreconditionedCG() throws {
        // Route.drop keeps nothing: Newton's H₋ is solved by conjugate gradient preconditioned with the stored
        // factor of H, to the same step as the factor over the remaining rows; the entry leaves the sidecar.
        let (c, objective, theta) = shard()
        for (forget, damping) in [([2, 40, 41], 0.0), (Array(0..<30), 0.0), ([7], 0.3)] {
            let stored = try StoredCurvature.compute(objective, at: theta, solver: .exact, damping: damping)
            let solver = CurvatureSolver(objective: objective, theta: theta, stored: stored, damping: damping)
            solver.route = .drop
            let r = try ApproximateRemoval.newton(objective: objective, solver: solver, forget: forget, linear: nil)
            var weights = [Double](repeating: 1, count: c.count)
            for i in forget { weights[i] = 0 }
            let f = try CholeskyFactor(symmetric: c.hessian(c.probabilities(theta), weights: weights, damping: damping), n: c.parameterCount)
            let step = f.solve(objective.gradientSum(theta, rows: forget))
            let scale = step.reduce(0) { max($0, abs($1)) }
            for i in theta.indices { XCTAssertEqual(r.theta[i], theta[i] + step[i], accuracy: 1e-8 * scale, "\(forget.count) rows") }
            XCTAssertGreaterThan(solver.iterations, 0)
            XCTAssertLessThan(solver.iterations, 60, "the stored factor preconditions well: \(forget.count) rows")
            guard case let .dropped(why) = solver.takeRemaining(removing: forget) else { return XCTFail("kept") }
            XCTAssertEqual(why, CurvatureDowndate.dropReason)
        }
        // PUMA keeps the training Hessian for its solves; the entry is dropped all the same.
        var stored = try StoredCurvature.compute(objective, at: theta, solver: .exact, damping: 0)
        guard case .dropped = CurvatureDowndate.remaining(taking: &stored, objective: objective, at: theta, removing: [1, 2], damping: 0,
                                                          route: .drop) else { return XCTFail("kept") }
    }

    func testRouteIsTheCheaperWay() {
        XCTAssertEqual(CurvatureDowndate.route(rank: 10, remaining: 60000, parameters: 7850), .downdate)
        XCTAssertEqual(CurvatureDowndate.route(rank: 6000, remaining: 60000, parameters: 7850), .downdate)
        XCTAssertEqual(CurvatureDowndate.route(rank: 60000, remaining: 1000, parameters: 7850), .refactor)
    }

    func testSidecarKeepsTheParametersOfADowndatedFactor() throws {
        let key = [UInt8](repeating: 7, count: 32)
        let plain = CurvatureFile(solver: .cg, damping: 0.5, entries: [.init(shard: 1, key: key, curvature: .diagonal([1, 2]))])
        let downdated = CurvatureFile(solver: .cg, damping: 0.5, entries: [.init(shard: 1, key: key, curvature: .diagonal([1, 2])),
                                                                           .init(shard: 2, key: key, curvature: .diagonal([3]), theta: [0.25, -1])])
        for file in [plain, downdated] {
            let bytes = try file.encode()
            XCTAssertEqual(try CurvatureFile.decode(try ModelContainerReader(source: bytes)), file)
            let store = try CurvatureStore(try ModelContainerReader(source: bytes))
            XCTAssertNil(store.theta(shard: 1))
            XCTAssertEqual(store.theta(shard: 2), file == plain ? nil : [0.25, -1])
        }
        // Without parameters the table keeps version 1 (what ul-influence writes is unchanged).
        let bytes = try plain.encode()
        let version = try ModelContainerReader(source: bytes).withPayload("curvature") { $0.load(as: UInt32.self) }
        XCTAssertEqual(UInt32(littleEndian: version), 1)
    }

    func testApproxSectionOfLayoutTwoStillReads() throws {
        // Layout 2 held the key of the state the approximations started from; layout 3 (written) does not.
        var w = ByteWriter()
        w.u32(2); w.int(1); w.int(4); w.raw([UInt8](repeating: 7, count: 32)); w.int(3); w.int(1); w.f64(0.25); w.int(2)
        var r = ByteReader(w.bytes)
        XCTAssertEqual(try ApproximateShard.decode(&r),
                       [ApproximateShard(shard: 4, removedCount: 3, firstDirtyBlock: 1, accumulatedBound: 0.25, requests: 2)])
        let written = ApproximateShard.encode([ApproximateShard(shard: 4, removedCount: 3, firstDirtyBlock: 1, accumulatedBound: 0.25, requests: 2)])
        XCTAssertEqual(written.count, w.bytes.count - 32)
        var back = ByteReader(written)
        XCTAssertEqual(try ApproximateShard.decode(&back).first?.removedCount, 3)
    }
}
