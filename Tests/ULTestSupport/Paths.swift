import Foundation

/// Where the repository, its example data and the built tools are.
public enum TestPaths {
    /// The repository: this file is Tests/ULTestSupport/Paths.swift.
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// examples/data.
    public static let examplesData = repository.appendingPathComponent("examples/data")

    /// A file of examples/data, e.g. `data("digits.csv")`.
    public static func data(_ name: String) -> URL { examplesData.appendingPathComponent(name) }
}

/// The executables `swift build` made: the test bundle sits beside them in .build/<triple>/<config>.
public enum BuiltTools {
    private final class Marker {}

    public static let directory: URL = {
        var url = Bundle(for: Marker.self).bundleURL
        while url.pathExtension == "xctest" || url.lastPathComponent == "Contents" || url.lastPathComponent == "MacOS" {
            url = url.deletingLastPathComponent()
        }
        return url
    }()

    /// The built `tool` (ul-train, ul-forget, …).
    public static func url(_ tool: String) -> URL { directory.appendingPathComponent(tool) }

    /// Whether `tool` is built beside the tests.
    public static func isBuilt(_ tool: String) -> Bool { FileManager.default.isExecutableFile(atPath: url(tool).path) }
}
