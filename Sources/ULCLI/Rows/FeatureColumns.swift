import ULCore

/// The feature columns of a file whose features are "every other column" (ul-partition, ul-select,
/// ul-train): all but the id and label, the roles a tool gives other columns, the columns a ul tool
/// wrote (`WrittenColumns`) and those named by --exclude.
public struct FeatureColumns {
    /// Positions of the features, in file order.
    public let indices: [Int]
    /// Names of the columns skipped because a ul tool wrote them (reported with -v).
    let skippedWritten: [String]

    /// `roles`: positions of the id, label and other columns the tool reads otherwise (nil: absent).
    /// `required`: no feature column is an error.
    public init(header: [String], roles: [Int?], exclude: [String], path: String, required: Bool = true) throws {
        for e in exclude where !header.contains(e) {
            throw ToolError.usage("--exclude: no column \(quoted(e)) in \(displayName(path))")
        }
        let written = Set(WrittenColumns.positions(in: header))
        let taken = Set(roles.compactMap { $0 }).union(header.indices.filter { exclude.contains(header[$0]) })
        indices = header.indices.filter { !taken.contains($0) && !written.contains($0) }
        skippedWritten = header.indices.filter { written.contains($0) && !taken.contains($0) }.map { header[$0] }
        guard !indices.isEmpty || !required else { throw ToolError.data("no feature columns", file: path, line: 1) }
    }
}
