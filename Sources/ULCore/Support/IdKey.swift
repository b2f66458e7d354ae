import CCrypto

/// A secret key for row identifiers (`--id-key FILE`): a model trained with one records HMAC-SHA-256(key, id) in
/// hex instead of each id, so that a model shipped elsewhere carries no customer's key. Every tool that matches
/// ids against such a model maps the ids it reads through the same key; the model keeps only a check value,
/// from which neither the key nor any id can be recovered.
public final class IdKey: @unchecked Sendable {
    /// OpenSSL's HMAC-SHA-256 with the key already set: each MAC starts from a copy of it, so the key's pads
    /// are hashed once, not once per id, and the context itself is never changed (safe from any thread).
    private let keyed: OpaquePointer

    /// Keys shorter than this are refused: an HMAC key should be as strong as the digest it keys.
    public static let minimumLength = 16

    public init?(bytes: [UInt8]) {
        guard bytes.count >= Self.minimumLength, let mac = EVP_MAC_fetch(nil, "HMAC", nil) else { return nil }
        defer { EVP_MAC_free(mac) }
        guard let ctx = EVP_MAC_CTX_new(mac) else { return nil }
        let ok = "SHA256".withCString { name -> Bool in
            let params = [OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, UnsafeMutablePointer(mutating: name), 0), OSSL_PARAM_construct_end()]
            return bytes.withUnsafeBufferPointer { EVP_MAC_init(ctx, $0.baseAddress, $0.count, params) } == 1
        }
        guard ok else {
            EVP_MAC_CTX_free(ctx)
            return nil
        }
        keyed = ctx
    }

    deinit { EVP_MAC_CTX_free(keyed) }

    /// The id as the model records it: 64 lower-case hex digits.
    public func keyed(_ id: String) -> String {
        var id = id
        return id.withUTF8 { hexString(mac(UnsafeRawBufferPointer($0))) }
    }

    /// What a keyed model stores to recognise its key: the HMAC of a fixed text, which no id's keyed form
    /// can be confused with (it is stored as 32 bytes, keyed ids as hex text).
    public var check: [UInt8] {
        Array("ul id key check, version 1".utf8).withUnsafeBytes { mac($0) }
    }

    /// HMAC-SHA-256 of `message` under the key (OpenSSL).
    public func mac(_ message: UnsafeRawBufferPointer) -> [UInt8] {
        let ctx = EVP_MAC_CTX_dup(keyed)
        precondition(ctx != nil, "HMAC-SHA-256: out of memory")
        defer { EVP_MAC_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: 32)
        var length = 0
        let ok = EVP_MAC_update(ctx, message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count) == 1
            && EVP_MAC_final(ctx, &out, &length, 32) == 1
        precondition(ok && length == 32, "HMAC-SHA-256 failed")
        return out
    }
}
