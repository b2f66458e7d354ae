import Foundation

/// Bytes that stay valid as long as the region lives: a read-only map of part of a file (unmapped when the
/// region goes), or a copy. A stored curvature factor of hundreds of megabytes is used from the map of its
/// sidecar, without a copy.
public final class ByteRegion: @unchecked Sendable {
    public let bytes: UnsafeRawBufferPointer
    private let release: () -> Void

    /// `release` runs once, when the region goes (e.g. `munmap`).
    public init(bytes: UnsafeRawBufferPointer, release: @escaping () -> Void) {
        self.bytes = bytes
        self.release = release
    }

    /// A region holding its own copy of `bytes`, aligned for any scalar.
    public convenience init(copying bytes: UnsafeRawBufferPointer) {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
        if bytes.count > 0 { copy.copyMemory(from: bytes) }
        self.init(bytes: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(copy)[0..<bytes.count])) { copy.deallocate() }
    }

    deinit { release() }
}
