import CCrypto
import Foundation

/// Incremental SHA-256 (OpenSSL libcrypto).
public final class SHA256Digest {
    private let ctx: OpaquePointer
    public init() {
        ctx = EVP_MD_CTX_new()
        EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
    }
    deinit { EVP_MD_CTX_free(ctx) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count > 0 { EVP_DigestUpdate(ctx, bytes.baseAddress, bytes.count) }
    }
    public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }
    public func update(_ string: String) {
        var s = string
        s.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }
    /// Appends a length-prefixed string, so that concatenations cannot collide.
    func updateField(_ string: String) {
        var n = UInt64(string.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { update($0) }
        update(string)
    }
    public func update<T: FixedWidthInteger>(integer: T) {
        var v = integer.littleEndian
        withUnsafeBytes(of: &v) { update($0) }
    }

    /// The 32-byte digest; the object must not be updated afterwards.
    public func finish() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        EVP_DigestFinal_ex(ctx, &out, &len)
        return out
    }

    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        let d = SHA256Digest()
        d.update(bytes)
        return d.finish()
    }
}
