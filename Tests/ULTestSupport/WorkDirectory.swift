import Foundation
import XCTest

/// Fresh temporary directories for tests that write files.
public enum WorkDirectory {
    /// Creates `<tmp>/ul-<prefix>-<pid>-<uuid>`; the caller removes it.
    public static func make(_ prefix: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("ul-\(prefix)-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}

extension XCTestCase {
    /// A fresh temporary directory, removed with its contents when the test ends (also from setUp).
    public func makeWorkDirectory(_ prefix: String) throws -> URL {
        let dir = try WorkDirectory.make(prefix)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }
}
