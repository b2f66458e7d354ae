import CBLAS
import Foundation
import ULKernels

/// One shard's sub-model: its initial state, one block step of training, and prediction.
protocol ShardLearner {
    /// Length of θ (−1 when it varies, as for one-class models).
    var parameterCount: Int { get }
    /// Whether `theta` is a well-formed checkpoint of this learner.
    func accepts(_ theta: [Double]) -> Bool
    /// θ0 of a shard, seeded by (seed, shard).
    func initialParameters(shard: Int) -> [Double]
    /// Trains block step `step` (1-based) on `rows` of `data` from `theta` for `epochs` epochs; `order(epoch)`
    /// gives the rows in that epoch's canonical order. Optimiser state starts afresh.
    func trainStep(data: Dataset, order: (Int) -> [Int], from theta: [Double], epochs: Int,
                   progress: ((Int) -> Void)?) throws -> [Double]
    /// Class probabilities (`m × K`) of `m` standardised rows at `x`.
    func probabilities(_ theta: [Double], x: UnsafePointer<Float>, m: Int) -> [Double]
}

extension ShardLearner {
    func accepts(_ theta: [Double]) -> Bool { theta.count == parameterCount }
}

/// BLAS runs single-threaded inside a shard: parallelism comes from shards and fixed lanes, so results
/// never depend on the number of threads.
///
/// The server threads OpenBLAS started when it was loaded are ended too: unused, they would spin and yield for
/// about 0.1 s, taking a share of a core from every short command (measured: 4,600 `sched_yield` calls in one
/// ul-predict run).
///
/// A CPU newer than the OpenBLAS that Debian ships (0.3.21: Emerald Rapids, for one) is not recognised and gets
/// its Prescott kernels, about six times slower in dgemm (17 against 98 GFLOP/s measured): then OpenBLAS is set
/// up again with the kernels the CPU's features call for, unless OPENBLAS_CORETYPE chose already.
let blasSingleThreaded: Void = {
    if getenv("OPENBLAS_CORETYPE") == nil, let name = openblas_get_corename(), String(cString: name) == "Prescott",
       let core = ul_openblas_core() {
        gotoblas_quit()
        setenv("OPENBLAS_CORETYPE", core, 1)
        gotoblas_init()
        unsetenv("OPENBLAS_CORETYPE")
    }
    openblas_set_num_threads(1)
    _ = blas_thread_shutdown_()
}()

/// Makes BLAS single-threaded now (see `blasSingleThreaded`); tools call it first thing.
public func useSingleThreadedBLAS() { _ = blasSingleThreaded }
