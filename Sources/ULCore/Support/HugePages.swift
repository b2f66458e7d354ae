import Foundation

/// An empty array with room for `capacity` values whose whole 2 MiB pages are advised as transparent huge
/// pages before anything touches them: filling a large array (a shard's features) then takes one page fault
/// per 2 MiB instead of one per 4 KiB. Where the kernel does not offer huge pages the advice is ignored.
func reservedLargeArray<T>(of _: T.Type, capacity: Int) -> [T] {
    [T](unsafeUninitializedCapacity: capacity) { buffer, count in
        count = 0
        guard let base = buffer.baseAddress, capacity * MemoryLayout<T>.stride >= 2 * hugePageBytes else { return }
        let start = (Int(bitPattern: base) + hugePageBytes - 1) / hugePageBytes * hugePageBytes
        let end = (Int(bitPattern: base) + capacity * MemoryLayout<T>.stride) / hugePageBytes * hugePageBytes
        if end > start { madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE) }
    }
}

private let hugePageBytes = 1 << 21
