import Foundation
import ULCLI
import ULCore

/// libFuzzer's entry point (`examples/bench/libfuzzer.sh`, built only with UL_LIBFUZZER=1 and
/// `-sanitize=fuzzer`): bytes that start like a model container go to the model decoder and the curvature
/// decoder, in memory and through the file reader the tools use; other bytes to the CSV reader and the forget
/// ledger reader. A typed error is a refusal; a crash, a trap, a time-out (`-timeout`) or memory beyond
/// `-rss_limit_mb` / `-malloc_limit_mb` is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoders(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let file = scratchFile()
    guard (try? Data(bytes).write(to: URL(fileURLWithPath: file))) != nil else { return 0 }
    if bytes.starts(with: [0x89, 0x55, 0x4C, 0x4D]) {
        if let reader = try? ModelContainerReader(source: bytes) {
            if let model = try? ModelFile.decode(reader), let again = try? model.encode() {
                // A model that decodes encodes again, and that decodes.
                precondition((try? ModelFile.decode(ModelContainerReader(source: again))) != nil, "a decoded model does not decode again")
            }
            if let store = try? CurvatureStore(reader) {
                for k in store.keys { _ = try? store.lookup(shard: k.shard, key: k.key, solver: store.solver, damping: store.damping) }
                _ = try? store.file().encode()
            }
        }
        _ = try? ModelFile.decode(openModelContainer(file))
        _ = try? CurvatureFile.decode(openModelContainer(file))
    } else {
        for header in [true, false] {
            guard let r = try? CSVReader(path: file, hasHeader: header) else { continue }
            while (try? r.next()) == true {
                for i in 0..<r.fieldCount { _ = r.string(i); _ = try? r.float(i) }
            }
        }
        _ = try? LedgerFile.read(file)
    }
    return 0
}

/// libFuzzer's driver, called from this `main`: SwiftPM links an executable's entry point as `main` itself, so
/// libFuzzer's own `main` is not the one that runs (libFuzzer ≥ 12 exports the driver for this).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&argc, &argv, fuzzDecoders))

/// One file per process in a RAM-backed directory when there is one.
private func scratchFile() -> String {
    let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    return dir + "/ul-fuzz-\(getpid()).input"
}
