import Foundation

/// What one call cost: CPU time of the calling thread, wall time, and the growth of the process's peak
/// resident set during the call.
struct ResourceUse {
    var cpuSeconds: Double
    var wallSeconds: Double
    /// Bytes the resident set's high-water mark rose above the resident set at the start; nil when the
    /// meter cannot see memory (see `ResourceMeter.seesMemory`).
    var peakGrowth: Int?
}

/// Measures the memory and time a decoder takes on one input, in process, so that thousands of inputs can be
/// tried a second. Memory is the rise of the resident set's high-water mark (`VmHWM`), reset before each call by
/// writing 5 to /proc/self/clear_refs (Linux ≥ 4.0); freed heap is handed back first (`malloc_trim`), so memory
/// the call takes is counted even where malloc would reuse pages an earlier input left resident. The resident set
/// counts what is touched: an allocation is seen once it is written, which every decoder here does to the arrays
/// it fills (an untouched reservation costs address space only). Time is the thread's CPU time, which the load of
/// a shared machine does not inflate; the wall time is kept to see a call that blocks.
///
/// Under AddressSanitizer or ThreadSanitizer the allocator is theirs (shadow memory, a quarantine of freed
/// blocks), so the resident set says nothing about the decoder: memory is then not measured.
struct ResourceMeter {
    /// Whether the peak resident set can be reset and read here.
    let seesMemory: Bool
    /// Whether a sanitizer's runtime is in the process (everything runs several times slower).
    let sanitized: Bool

    init() {
        let runtimes: [String] = ["__asan_init", "__tsan_init", "__msan_init"]
        sanitized = runtimes.contains { Self.symbol($0) != nil }
        seesMemory = !sanitized && Self.resetPeak() && Self.status("VmHWM:") != nil
    }

    /// Runs `body` and reports what it cost.
    func measure(_ body: () throws -> Void) rethrows -> ResourceUse {
        var start = 0
        if seesMemory {
            Self.trim?(0)
            _ = Self.resetPeak()
            start = Self.status("VmHWM:") ?? 0
        }
        let cpu0 = Self.threadCPU(), wall0 = Date()
        try body()
        let cpu = Self.threadCPU() - cpu0, wall = Date().timeIntervalSince(wall0)
        let growth = seesMemory ? max(0, (Self.status("VmHWM:") ?? start) - start) : nil
        return ResourceUse(cpuSeconds: cpu, wallSeconds: wall, peakGrowth: growth)
    }

    /// A symbol of the process, as `dlsym(RTLD_DEFAULT, name)`.
    static func symbol(_ name: String) -> UnsafeMutableRawPointer? { dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) }

    /// glibc's `malloc_trim`, which Swift's Glibc module does not export.
    static let trim: (@convention(c) (Int) -> Int32)? = symbol("malloc_trim").map { unsafeBitCast($0, to: (@convention(c) (Int) -> Int32).self) }

    static func threadCPU() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// Sets the peak resident set to the current one.
    static func resetPeak() -> Bool {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "5", 1) == 1
    }

    /// A `kB` line of /proc/self/status, in bytes; read into a fixed buffer, so that reading allocates nothing
    /// the next measurement would count.
    static func status(_ key: String) -> Int? {
        let fd = open("/proc/self/status", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        var n = 0
        while n < buffer.count {
            let r = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + n, $0.count - n) }
            if r <= 0 { break }
            n += r
        }
        let text = String(decoding: buffer[..<n], as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key) }) else { return nil }
        return line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { Int($0) }.map { $0 * 1024 }
    }
}
