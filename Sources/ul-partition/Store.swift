import Foundation
import ULCLI
import ULCore

/// Creates the output directory of --split or --store, or checks the one there: not a symlink, not another
/// user's, and no `stale` shard file left from a run with more shards. Returns whether it was created.
func prepareOutputDirectory(_ dir: String, stale: (String) -> Bool) throws -> Bool {
    var isDir: ObjCBool = false
    var created = false
    if !FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) {
        guard mkdir(dir, 0o755) == 0 else {
            throw ToolError(.cantCreate, "cannot create directory: \(String(cString: strerror(errno)))", file: dir)
        }
        created = true
    } else if !isDir.boolValue {
        throw ToolError(.cantCreate, "not a directory", file: dir)
    }
    // The rows go where the user meant: not through a symlink, not into another user's directory.
    var st = stat()
    guard lstat(dir, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
        throw ToolError(.cantCreate, "is a symbolic link; name the directory itself", file: dir)
    }
    guard st.st_uid == getuid() else {
        throw ToolError(.cantCreate, "belongs to another user; use a directory of your own", file: dir)
    }
    if let s = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter(stale).sorted().first {
        throw ToolError(.cantCreate, "holds \(s) from an earlier run with more shards; remove it first", file: dir)
    }
    return created
}

/// `--store DIR`: the rows are partitioned as for -o into a staging CSV in DIR, then written as one store
/// file per shard (ul-store(5)), each atomically; the staging file is removed. With --as-is the input's own
/// shard and block columns are kept (a CSV from ul-partition or --export): the store is rebuilt from CSV.
func partitionIntoStore(_ dir: String, plan: Plan, input: String, ctx: ToolContext) throws -> ExitStatus {
    let created = try prepareOutputDirectory(dir) { _ in false }
    var staged: String?
    defer {
        if let s = staged { unlink(s) }
    }
    do {
        removeStaleStaging(in: dir)
        var source = input
        if !plan.asIs {
            var p = plan
            p.store = nil
            p.output = dir + "/.ul-partition-rows.\(getpid()).csv"
            staged = p.output
            guard try partition(p, path: input, ctx: ctx) == .ok else { return .dataError }
            source = p.output!
        }
        var options = TrainingRows.Options()
        options.idColumn = plan.idName
        options.labelColumn = plan.labelName
        options.exclude = plan.excluded.sorted()
        options.spillDirectory = dir
        options.selectedColumnRefusal = "the shard store does not keep ul-select's selected and select_step columns: use --split DIR for a selected file"
        let rows = try TrainingRows(path: source, options: options, progress: ctx.progress("storing", total: nil))
        if plan.asIs, !rows.hadShardColumns {
            throw ToolError.data("--as-is keeps the shard and block columns: the input has none (partition it: drop --as-is)", file: input, line: 1)
        }
        let shardCount = rows.maxShard + 1
        let stale = try StoreDirectory.shards(in: dir).filter { $0 >= shardCount }
        if let s = stale.first {
            throw ToolError(.cantCreate, "holds \(StoreDirectory.fileName(shard: s)) from an earlier run with more shards; remove it first", file: dir)
        }
        for k in 0..<shardCount {
            let bytes = StoreDirectory.encode(try rows.shard(k), index: k, idColumn: plan.idName, labelColumn: plan.labelName,
                                              featureNames: rows.featureNames)
            try StoreDirectory.write(bytes, to: dir + "/" + StoreDirectory.fileName(shard: k))
        }
        ctx.summary("\(rows.rowCount) rows stored in \(shardCount) shard files, \(rows.featureNames.count) features")
        return .ok
    } catch var error as ToolError {
        // The staging file has the input's rows on the input's lines: messages name the input.
        if let s = staged {
            unlink(s)
            if error.file == s { error.file = input }
        }
        if created { rmdir(dir) }
        throw error
    } catch {
        if let s = staged { unlink(s) }
        if created { rmdir(dir) }
        throw error
    }
}

/// Removes staging files of runs that died (`kill -9`): their process no longer exists.
private func removeStaleStaging(in dir: String) {
    for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where name.hasPrefix(".ul-partition-rows.") && name.hasSuffix(".csv") {
        guard let pid = pid_t(name.dropFirst(19).dropLast(4)), pid > 0, pid != getpid() else { continue }
        if kill(pid, 0) != 0 && errno == ESRCH { unlink(dir + "/" + name) }
    }
}

/// `--export DIR`: the store's rows as one CSV (columns id, label, the features, shard, block; shard by
/// shard, each in stored order), numbers as the shortest text that reads back to the stored Float32.
func exportStore(_ dir: String, output: String?, ctx: ToolContext) throws -> ExitStatus {
    guard StoreDirectory.isStore(dir) else {
        throw ToolError(.noInput, "holds no shard store files (shard-0000.uls, ...; see --store)", file: dir)
    }
    let rows = try StoreRows(directory: dir)
    let w = CSVWriter(try OutputFile(path: output))
    w.fields(rows.headerFields)
    try w.endRow()
    let featureEnd = rows.header.count - 2
    while try rows.next() {
        w.field(rows.string(0))
        w.field(rows.string(1))
        for j in 2..<featureEnd { w.field(formatStoredFloat(try rows.float(j))) }
        w.field(rows.string(featureEnd))
        w.field(rows.string(featureEnd + 1))
        try w.endRow()
    }
    try w.finish()
    ctx.summary("\(rows.recordCount) rows exported")
    return .ok
}
