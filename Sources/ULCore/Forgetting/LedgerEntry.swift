/// One line of the forget ledger: an append-only CSV record of every processed request batch.
public struct LedgerEntry: Equatable, Sendable {
    public static let columns = ["time", "requests_digest", "request_count", "method", "model_before", "model_after",
                                 "shards_retrained", "rows_retrained", "residual_bound", "note"]
    /// UTC time in ISO 8601.
    public var time: String
    /// Digest of the request ids: `SALT:SHA-256` (salted) or `hmac:HMAC` (keyed ids); see `ledgerRequestsDigest`.
    public var requestsDigest: String
    public var requestCount: Int
    public var method: String
    /// SHA-256 of the model file before and after.
    public var modelBefore: String
    public var modelAfter: String
    /// Shard numbers retrained, separated by spaces.
    public var shardsRetrained: String
    public var rowsRetrained: Int
    /// Newton removal's accumulated gradient-residual bound; empty for exact methods.
    public var residualBound: String
    public var note: String

    public init(time: String, requestsDigest: String, requestCount: Int, method: String, modelBefore: String,
                modelAfter: String, shardsRetrained: String, rowsRetrained: Int, residualBound: String = "", note: String = "") {
        self.time = time
        self.requestsDigest = requestsDigest
        self.requestCount = requestCount
        self.method = method
        self.modelBefore = modelBefore
        self.modelAfter = modelAfter
        self.shardsRetrained = shardsRetrained
        self.rowsRetrained = rowsRetrained
        self.residualBound = residualBound
        self.note = note
    }

    public var fields: [String] {
        [time, requestsDigest, String(requestCount), method, modelBefore, modelAfter, shardsRetrained,
         String(rowsRetrained), residualBound, note]
    }

    /// Parses the fields of one ledger record (in `columns` order).
    public init?(fields f: [String]) {
        guard f.count == Self.columns.count, let count = Int(f[2]), let rows = Int(f[7]) else { return nil }
        self.init(time: f[0], requestsDigest: f[1], requestCount: count, method: f[3], modelBefore: f[4],
                  modelAfter: f[5], shardsRetrained: f[6], rowsRetrained: rows, residualBound: f[8], note: f[9])
    }
}

/// Where a ledger's chain of models breaks: the indices i ≥ 1 whose model_before is not line i − 1's
/// model_after, i.e. the model was changed (trained, resumed, forgotten from) by a run that wrote no line.
/// ul-forget and ul-train --resume both write a line, so a complete ledger has none.
public func ledgerChainBreaks(_ entries: [LedgerEntry]) -> [Int] {
    entries.indices.dropFirst().filter { entries[$0].modelBefore != entries[$0 - 1].modelAfter }
}

/// Digest of a set of request ids: order-independent (sorted), length-prefixed.
public func requestsDigest(_ ids: [String]) -> String {
    let d = SHA256Digest()
    for id in ids.sorted() { d.updateField(id) }
    return hexString(d.finish())
}

/// The ledger's digest of a request batch, salted so that it cannot be reversed for guessable ids:
/// `SALT:DIGEST` in hex, DIGEST the SHA-256 of the 16 salt bytes then the sorted, length-prefixed ids.
public func saltedRequestsDigest(_ ids: [String], salt: [UInt8]? = nil) -> String {
    let salt = salt ?? (0..<16).map { _ in UInt8.random(in: 0...255) }
    let d = SHA256Digest()
    d.update(salt)
    for id in ids.sorted() { d.updateField(id) }
    return hexString(salt) + ":" + hexString(d.finish())
}

/// The ledger's digest of a batch of keyed ids (`--id-key`): `hmac:DIGEST`, DIGEST the HMAC-SHA-256 under the
/// id key of the sorted, length-prefixed ids. Without the key it can be neither reversed nor recomputed.
public func keyedRequestsDigest(_ ids: [String], key: IdKey) -> String {
    var message = [UInt8]()
    for id in ids.sorted() {
        withUnsafeBytes(of: UInt64(id.utf8.count).littleEndian) { message.append(contentsOf: $0) }
        message.append(contentsOf: id.utf8)
    }
    return "hmac:" + hexString(message.withUnsafeBytes { key.mac($0) })
}

/// The ledger's digest of a request batch: keyed with an id key, salted without one.
public func ledgerRequestsDigest(_ ids: [String], key: IdKey?) -> String {
    key.map { keyedRequestsDigest(ids, key: $0) } ?? saltedRequestsDigest(ids)
}

extension LedgerEntry {
    /// Whether this line records the batch `ids`: keyed digests are recomputed with `key` (never equal
    /// without it), salted digests with the line's salt; lines written before the salt was (a bare digest)
    /// compare as they are.
    public func records(requests ids: [String], key: IdKey? = nil) -> Bool {
        if requestsDigest.hasPrefix("hmac:") { return key.map { keyedRequestsDigest(ids, key: $0) == requestsDigest } ?? false }
        let parts = requestsDigest.split(separator: ":")
        guard parts.count == 2, let salt = bytes(fromHex: String(parts[0])) else { return requestsDigest == ULCore.requestsDigest(ids) }
        return saltedRequestsDigest(ids, salt: salt) == requestsDigest
    }
}

private func bytes(fromHex text: String) -> [UInt8]? {
    guard text.count % 2 == 0 else { return nil }
    var out = [UInt8](), i = text.startIndex
    while i < text.endIndex {
        let j = text.index(i, offsetBy: 2)
        guard let b = UInt8(text[i..<j], radix: 16) else { return nil }
        out.append(b)
        i = j
    }
    return out
}
