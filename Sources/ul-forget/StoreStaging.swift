import Foundation
import ULCLI
import ULCore

/// The shard store files a request rewrites, written and flushed under temporary names while the shards
/// retrain — their bytes depend only on the rows read and the ids dropped — so that committing them after
/// the model and the ledger is a rename.
final class StoreStaging: @unchecked Sendable {
    private let stores: [String: MappedStore]
    private let dropping: Set<String>
    private let key: IdKey?
    private let group = DispatchGroup()
    private var outputs: [String: OutputFile] = [:]
    private var failure: Error?

    /// Starts writing each of `stores` (by path) without the rows whose id is in `dropping`.
    init(_ stores: [String: MappedStore], dropping: Set<String>, key: IdKey?) {
        self.stores = stores
        self.dropping = dropping
        self.key = key
        DispatchQueue.global().async(group: group) { self.writeAll() }
    }

    private func writeAll() {
        do {
            for path in stores.keys.sorted() {
                let out = try OutputFile(path: path)
                outputs[path] = out
                try StoreDirectory.write(stores[path]!, dropping: dropping, key: key, into: out)
                try out.prepare()
            }
        } catch {
            failure = error
        }
    }

    /// The files written, each ready to be renamed into place; the first failure instead (then nothing was
    /// renamed, and the temporary files go when the outputs do).
    func wait() throws -> [String: OutputFile] {
        group.wait()
        if let failure { throw failure }
        return outputs
    }
}
