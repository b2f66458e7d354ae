import CISAL
import CZlib
import Foundation

/// Stable 64-bit hash of a byte string and a seed (FNV-1a, then a SplitMix64 finaliser).
/// Used for assignments and orders that must depend only on `(id, seed, ...)`; it is not a digest.
@inlinable
func stableHash<C: Collection>(_ bytes: C, seed: UInt64) -> UInt64 where C.Element == UInt8 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ mix64(seed)
    for b in bytes {
        h ^= UInt64(b)
        h = h &* 0x0000_0100_0000_01b3
    }
    return mix64(h)
}

/// Stable hash of a string (its UTF-8 bytes) with a seed and extra salt words.
@inlinable
func stableHash(_ string: String, seed: UInt64, salt: UInt64 = 0) -> UInt64 {
    var s = string
    let h = s.withUTF8 { stableHash($0, seed: seed) }
    return salt == 0 ? h : mix64(h ^ mix64(salt &+ 0x9e37_79b9_7f4a_7c15))
}

/// SplitMix64 finaliser: a bijective mixer of 64-bit words.
@inlinable
func mix64(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9e37_79b9_7f4a_7c15
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
}

/// A hash mapped to the unit interval [0, 1), from its top 53 bits.
@inlinable
func unitInterval(_ h: UInt64) -> Double {
    Double(h >> 11) * (1.0 / 9_007_199_254_740_992.0)
}

/// CRC-32 (zlib's, the gzip polynomial) of a byte buffer.
func crc32Checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    crc32Continue(0, bytes)
}

func crc32Checksum(_ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBytes { crc32Checksum($0) }
}

/// Lower-case hexadecimal text of bytes.
public func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// `crc` continued over `bytes`: zlib's `crc32(crc, bytes)`, computed by ISA-L's `crc32_gzip_refl` (the same
/// values; carry-less multiplication instead of zlib's tables). A large buffer is checked in two halves at once,
/// joined by zlib's `crc32_combine`: the same value, sooner on two cores.
func crc32Continue(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
    guard bytes.count >= crc32TwoLaneBytes else { return crc32Serial(crc, bytes) }
    let half = bytes.count / 2
    var second: UInt32 = 0
    var first: UInt32 = 0
    DispatchQueue.concurrentPerform(iterations: 2) { lane in
        if lane == 0 {
            first = crc32Serial(crc, UnsafeRawBufferPointer(rebasing: bytes[..<half]))
        } else {
            second = crc32Serial(0, UnsafeRawBufferPointer(rebasing: bytes[half...]))
        }
    }
    return UInt32(truncatingIfNeeded: crc32_combine(uLong(first), uLong(second), off_t(bytes.count - half)))
}

/// Below this many bytes one core checks a buffer: starting the second lane would cost more than it saves.
let crc32TwoLaneBytes = 1 << 21

private func crc32Serial(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
    return crc32_gzip_refl(crc, base.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
}
