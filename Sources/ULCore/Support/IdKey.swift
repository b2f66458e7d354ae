import CCrypto

/// A secret key for row identifiers (`--id-key FILE`): a model trained with one records HMAC-SHA-256(key, id)
/// in hex instead of each id, so that a model shipped elsewhere carries no customer's key. Every tool that
/// matches ids against such a model maps the ids it reads through the same key; the model keeps only a check
/// value, from which neither the key nor any id can be recovered.
public struct IdKey: Sendable {
    private let key: [UInt8]

    /// Keys shorter than this are refused: an HMAC key should be as strong as the digest it keys.
    public static let minimumLength = 16

    public init?(bytes: [UInt8]) {
        guard bytes.count >= Self.minimumLength else { return nil }
        key = bytes
    }

    /// The id as the model records it: 64 lower-case hex digits.
    public func keyed(_ id: String) -> String {
        var id = id
        return id.withUTF8 { hexString(mac(UnsafeRawBufferPointer($0))) }
    }

    /// What a keyed model stores to recognise its key: the HMAC of a fixed text, which no id can equal
    /// (ids are hashed as themselves, this text is not hex).
    public var check: [UInt8] {
        Array("ul id key check, version 1".utf8).withUnsafeBytes { mac($0) }
    }

    /// HMAC-SHA-256 of `message` under the key (OpenSSL).
    public func mac(_ message: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        key.withUnsafeBytes { k in
            _ = HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), message.baseAddress?.assumingMemoryBound(to: UInt8.self),
                     message.count, &out, &length)
        }
        precondition(length == 32, "HMAC-SHA-256 failed")
        return out
    }
}
