import XCTest
@testable import ULCore

final class AuditComparisonTests: XCTestCase {
    func testAccuracy() throws {
        let p = try ClassProbabilities(rows: [[0.6, 0.4], [0.3, 0.7], [0.5, 0.5], [0.9, 0.1]])
        // Predictions 0, 1, 0 (tie → lowest index), 0.
        XCTAssertEqual((0..<4).map(p.argmax), [0, 1, 0, 0])
        XCTAssertEqual(try ModelComparison.accuracy(p, labels: [0, 1, 1, 1]), 0.5)
        XCTAssertEqual(try ModelComparison.accuracy(predicted: [2, 2, 1], labels: [2, 0, 1]), 2.0 / 3)
        XCTAssertTrue(try ModelComparison.accuracy(predicted: [], labels: []).isNaN)
        XCTAssertThrowsError(try ModelComparison.accuracy(p, labels: [0, 1, 2, 0])) {
            XCTAssertEqual($0 as? AuditError, .labelOutOfRange(row: 2, label: 2, classes: 2))
        }
        XCTAssertThrowsError(try ModelComparison.accuracy(predicted: [1], labels: [])) {
            XCTAssertEqual($0 as? AuditError, .lengthMismatch(what: "predicted labels", expected: 0, actual: 1))
        }
    }

    func testParameterDistance() throws {
        XCTAssertEqual(try ModelComparison.parameterDistance([1, 2, 3], [4, 6, 3]), 5)
        XCTAssertEqual(try ModelComparison.parameterDistance([1, 2], [1, 2]), 0)
        XCTAssertEqual(try ModelComparison.parameterDistance([], []), 0)
        // No overflow or underflow for extreme magnitudes.
        XCTAssertEqual(try ModelComparison.parameterDistance([3e200, 0], [0, 4e200]), 5e200, accuracy: 1e186)
        XCTAssertEqual(try ModelComparison.parameterDistance([3e-200], [-1e-200]), 4e-200, accuracy: 1e-214)
        XCTAssertThrowsError(try ModelComparison.parameterDistance([1], [1, 2])) {
            XCTAssertEqual($0 as? AuditError, .lengthMismatch(what: "parameters", expected: 1, actual: 2))
        }
    }

    func testAgreement() throws {
        let a = try ClassProbabilities(rows: [[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])
        let b = try ClassProbabilities(rows: [[0.4, 0.35, 0.25], [0.5, 0.2, 0.3], [0.3, 0.3, 0.4]])
        XCTAssertEqual(try ModelComparison.agreement(a, b), 2.0 / 3)
        XCTAssertEqual(try ModelComparison.agreement(a, a), 1)
        let c = try ClassProbabilities(rows: [[0.5, 0.5]])
        XCTAssertThrowsError(try ModelComparison.agreement(a, c)) {
            XCTAssertEqual($0 as? AuditError, .lengthMismatch(what: "classes", expected: 2, actual: 3))
        }
    }

    func testKLDivergence() throws {
        let ref = try ClassProbabilities(rows: [[0.5, 0.5], [1.0, 0.0]])
        let model = try ClassProbabilities(rows: [[0.25, 0.75], [0.5, 0.5]])
        // Row 1: 0.5·log(0.5/0.25) + 0.5·log(0.5/0.75) = 0.5·log(4/3); row 2: log 2 (the zero class adds 0).
        let expected = (0.5 * log(4.0 / 3) + log(2.0)) / 2
        XCTAssertEqual(try ModelComparison.meanKLDivergence(reference: ref, model: model), expected, accuracy: 1e-15)
        XCTAssertEqual(try ModelComparison.meanKLDivergence(reference: ref, model: ref), 0)
        // Identical rows give exactly 0 even with a probability below the floor.
        let tiny = try ClassProbabilities(rows: [[1e-20, 1 - 1e-20]])
        XCTAssertEqual(try ModelComparison.meanKLDivergence(reference: tiny, model: tiny), 0)
        // A class the reference expects but the model rules out: floored, so large but finite.
        let sure = try ClassProbabilities(rows: [[0.0, 1.0]])
        let half = try ClassProbabilities(rows: [[0.5, 0.5]])
        XCTAssertEqual(try ModelComparison.meanKLDivergence(reference: half, model: sure, floor: 1e-12),
                       0.5 * log(0.5 / 1e-12) + 0.5 * log(0.5), accuracy: 1e-12)
        XCTAssertThrowsError(try ModelComparison.meanKLDivergence(reference: half, model: ref)) {
            XCTAssertEqual($0 as? AuditError, .lengthMismatch(what: "rows", expected: 1, actual: 2))
        }
        let none = try ClassProbabilities(flat: [Double](), classes: 2)
        XCTAssertTrue(try ModelComparison.meanKLDivergence(reference: none, model: none).isNaN)
    }
}
