import Foundation
import XCTest
@testable import ULCLI
@testable import ULCore
import ULTestSupport

/// Rows that wait in the temporary file for their shard's turn come back exactly as the rows held in memory.
final class TrainingRowsSpillTests: XCTestCase {
    /// digits.csv with shard, block and select_step columns, labels renamed, and quoted ids holding commas.
    func partitionedDigits(in dir: URL) throws -> String {
        var lines = try exampleLines("digits.csv")
        var out = "shard,block,selected,select_step," + lines.removeFirst() + "\n"
        for (i, line) in lines.enumerated() {
            var f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            f[0] = i % 7 == 0 ? "\"\(f[0]),x\"" : f[0]
            f[1] = "digit " + f[1]
            out += "\(stableHash(f[0], seed: 1) % 5),\(i % 3),1,\(i + 1)," + f.joined(separator: ",") + "\n"
        }
        let path = dir.appendingPathComponent("digits.csv").path
        try out.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testSpilledShardsEqualShardsInMemory() throws {
        let dir = try makeWorkDirectory("spill")
        let path = try partitionedDigits(in: dir)
        let saved = ShardSpill.budget
        ShardSpill.budget = 10_000  // many chunks per shard
        defer { ShardSpill.budget = saved }
        var options = TrainingRows.Options()
        options.scale = 0.0625
        options.selectionSteps = true
        options.keepShards = [0, 2, 3, 4]
        let held = try TrainingRows(path: path, options: options)
        options.spillDirectory = dir.path
        let spilled = try TrainingRows(path: path, options: options)
        XCTAssertTrue(spilled.shards.isEmpty)
        XCTAssertEqual(spilled.labelList(fixed: nil), held.labelList(fixed: nil))
        XCTAssertEqual(spilled.shardRowCounts.keys.sorted(), [0, 2, 3, 4])
        let labels = held.labelList(fixed: nil)
        for s in 0..<5 {
            let a = try held.shard(s), b = try spilled.shard(s)
            XCTAssertEqual(a?.ids, b?.ids)
            XCTAssertEqual(a?.labels, b?.labels)
            XCTAssertEqual(a?.blocks, b?.blocks)
            XCTAssertEqual(a?.steps, b?.steps)
            XCTAssertEqual(a?.features.map(\.bitPattern), b?.features.map(\.bitPattern))
            XCTAssertEqual(try held.shardInput(s, labels: labels)?.data, try spilled.shardInput(s, labels: labels)?.data)
        }
        XCTAssertNil(try spilled.shard(1))
        XCTAssertEqual(try spilled.shard(0)?.ids.contains("d00000,x"), true)
    }
}
