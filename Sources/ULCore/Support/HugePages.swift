import Foundation

/// An empty array with room for `capacity` values whose whole 2 MiB pages are advised as transparent huge
/// pages before anything touches them: filling a large array (a shard's features) then takes one page fault
/// per 2 MiB instead of one per 4 KiB. Where the kernel does not offer huge pages the advice is ignored.
func reservedLargeArray<T>(of _: T.Type, capacity: Int) -> [T] {
    [T](unsafeUninitializedCapacity: capacity) { buffer, count in
        count = 0
        adviseHugePages(buffer)
    }
}

/// An array of `count` values advised as `reservedLargeArray` is, then filled by `initialize`, which must set
/// every value.
func largeArray<T>(of _: T.Type, count: Int, initializingWith initialize: (UnsafeMutableBufferPointer<T>) -> Void) -> [T] {
    [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        adviseHugePages(buffer)
        initialize(UnsafeMutableBufferPointer(rebasing: buffer[0..<count]))
        initialized = count
    }
}

/// Advises the whole 2 MiB pages inside `buffer` as transparent huge pages (only for buffers of two or more).
private func adviseHugePages<T>(_ buffer: UnsafeMutableBufferPointer<T>) {
    guard let base = buffer.baseAddress, buffer.count * MemoryLayout<T>.stride >= 2 * hugePageBytes else { return }
    let start = (Int(bitPattern: base) + hugePageBytes - 1) / hugePageBytes * hugePageBytes
    let end = (Int(bitPattern: base) + buffer.count * MemoryLayout<T>.stride) / hugePageBytes * hugePageBytes
    if end > start { madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE) }
}

private let hugePageBytes = 1 << 21
