// swift-tools-version:6.0
import PackageDescription

/// The command-line tools; each is a thin executable over ULCore and ULCLI.
let tools: [String] = ["ul-partition", "ul-select", "ul-train", "ul-predict", "ul-forget", "ul-influence", "ul-audit", "ul-inspect", "ul-plot"]

let package = Package(
    name: "ul",
    products: tools.map { .executable(name: $0, targets: [$0]) } + [
        .library(name: "ULCore", targets: ["ULCore"])
    ],
    targets: [
        .systemLibrary(name: "CCSV", path: "Sources/CCSV"),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CLAPACKE", path: "Sources/CLAPACKE"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // Intel's ISA-L: zlib's CRC-32, the same values, with carry-less multiplication (about four times zlib's speed).
        .systemLibrary(name: "CISAL", path: "Sources/CISAL"),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto"),
        // Elementwise kernels at the CPU's vector width, chosen at run time, with the same bits on every CPU.
        .target(name: "ULKernels"),
        // Pure core: no printing, no file system, no process exit.
        .target(name: "ULCore", dependencies: ["CBLAS", "CLAPACKE", "CZlib", "CISAL", "CCrypto", "ULKernels"]),
        // Options, CSV over libcsv (gzip through zlib), diagnostics, exit codes, atomic files.
        .target(name: "ULCLI", dependencies: ["ULCore", "CCSV", "CZlib"]),
        // What every test target shares: the example data as lines and Datasets, the built tools' directory,
        // one runner of child processes (tools and scripts) and temporary work directories.
        .target(name: "ULTestSupport", dependencies: ["ULCore"], path: "Tests/ULTestSupport"),
        .testTarget(name: "ULCoreTests", dependencies: ["ULCore", "ULCLI", "ULTestSupport", "ULKernels"]),
        .testTarget(name: "ULTrainTests", dependencies: ["ULCore", "ULCLI", "ULTestSupport", "ULKernels"]),
        .testTarget(name: "ULAuditTests", dependencies: ["ULCore", "ULTestSupport"]),
        .testTarget(name: "ULInfluenceTests", dependencies: ["ULCore", "ULCLI", "ULTestSupport"]),
        // Exact forgetting in the core, and the built ul-forget and ul-train run as processes.
        // The exactness matrix also runs ul-partition and ul-select.
        .testTarget(name: "ULForgetTests", dependencies: ["ULCore", "ULCLI", "ULTestSupport", .target(name: "ul-forget"), .target(name: "ul-train"),
                                                          .target(name: "ul-partition"), .target(name: "ul-select")]),
        // Fuzzing of the readers, and kill -9 of the tools that write models and ledgers.
        .testTarget(name: "ULRobustnessTests", dependencies: ["ULCore", "ULCLI", "ULTestSupport", .target(name: "ul-forget"), .target(name: "ul-train")],
                    exclude: ["fuzz-regressions"]),
        // Runs the built tools over the case folders; depending on the tools makes `swift test` build them.
        .testTarget(name: "ULEndToEndTests", dependencies: ["ULTestSupport"] + tools.map { .target(name: $0) }, exclude: ["cases"]),
    ] + tools.map { .executableTarget(name: $0, dependencies: ["ULCore", "ULCLI"]) }
      // libFuzzer's target over the decoders: only for examples/bench/libfuzzer.sh (its `main` is libFuzzer's).
      + (Context.environment["UL_LIBFUZZER"] == "1" ? [.executableTarget(name: "ul-fuzz-decoders", dependencies: ["ULCore", "ULCLI"],
                                                                          path: "Tests/ULFuzzTarget")] : []),
    swiftLanguageModes: [.v5]
)
