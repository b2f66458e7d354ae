import Dispatch
import Foundation
import Synchronization
import ULKernels

/// Runs a fixed number of slices of work per round, slice 0 on the caller's thread and each other slice on a
/// helper thread of its own, for loops of many short rounds (an mlp's mini-batch steps: two rounds of well
/// under a millisecond each), where waking a pool thread per round costs a good part of the round. Between
/// rounds a helper spins briefly (20–300 µs, less when threads outnumber cores) and then sleeps on a semaphore,
/// so a loaded machine loses little to spinning. While several teams exist (shards training side by side already
/// use the cores) a team runs its slices one after another on the caller's thread. Which thread runs a slice never changes what it computes:
/// results depend on the slice count only. One team must be driven from one thread.
final class SliceTeam {
    let slices: Int
    private let crew: Crew

    /// Teams in existence, in the whole process.
    private static let teams = Atomic<Int>(0)

    init(slices: Int) {
        precondition(slices >= 1)
        self.slices = slices
        Self.teams.add(1, ordering: .sequentiallyConsistent)
        crew = Crew(slices: slices)
        for k in 1..<max(slices, 1) {
            let crew = crew
            let thread = Thread { crew.serve(k) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit {
        Self.teams.subtract(1, ordering: .sequentiallyConsistent)
        crew.stop()
    }

    /// body(k) for every slice k, slice 0 here; returns when all have run.
    func run(_ body: (Int) -> Void) {
        guard slices > 1, Self.teams.load(ordering: .relaxed) == 1 else {
            for k in 0..<slices { body(k) }
            return
        }
        crew.run(body)
    }
}

/// What a team's threads share; each helper holds it, so it outlives the team until the helpers are gone.
private final class Crew: @unchecked Sendable {
    let slices: Int
    /// Rounds started; helpers start round r when they see it.
    private let round = Atomic<Int>(0)
    /// Helpers done with the current round.
    private let done = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    /// Per helper and for the caller (slot 0): where it sleeps.
    private let slots: [Slot]
    private let finished = DispatchSemaphore(value: 0)
    private var job: ((Int) -> Void)?

    /// The most a waiting thread spins before it sleeps: longer than most waits between an mlp step's rounds
    /// (a sleeping thread takes tens of µs to wake, which cost 15 % of a Fashion-MNIST mlp's training when
    /// threads spun 20–50 µs).
    private static let spinNanoseconds: UInt64 = 300_000
    /// The least a waiting thread spins. The budget between the two adapts to the machine's load: with more
    /// threads than cores (other processes training, shards run as separate jobs) a full 300 µs spin while the
    /// awaited thread waits for a core doubled a run's time.
    private static let minimumSpinNanoseconds: UInt64 = 20_000
    private let spinBudget = Atomic<UInt64>(Crew.spinNanoseconds)

    init(slices: Int) {
        self.slices = slices
        slots = (0..<slices).map { _ in Slot() }
    }

    func run(_ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            job = body
            done.store(0, ordering: .sequentiallyConsistent)
            round.add(1, ordering: .sequentiallyConsistent)
            for k in 1..<slices { wake(k) }
            body(0)
            wait(slot: 0) { self.done.load(ordering: .sequentiallyConsistent) == self.slices - 1 }
            job = nil
        }
    }

    /// Ends the helpers and waits for them.
    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        round.add(1, ordering: .sequentiallyConsistent)
        for k in 1..<max(slices, 1) { wake(k) }
        for _ in 1..<max(slices, 1) { finished.wait() }
    }

    func serve(_ k: Int) {
        var seen = 0
        while true {
            wait(slot: k) { self.round.load(ordering: .sequentiallyConsistent) != seen }
            seen = round.load(ordering: .sequentiallyConsistent)
            if stopping.load(ordering: .sequentiallyConsistent) { break }
            job!(k)
            if done.add(1, ordering: .sequentiallyConsistent).newValue == slices - 1 { wake(0) }
        }
        finished.signal()
    }

    /// Waits until `ready()`: spins, then sleeps on the slot's semaphore. A waker changes the state first and
    /// then takes the slot's `sleeping` flag, so either the sleeper sees the change or the waker sees the flag.
    private func wait(slot k: Int, until ready: () -> Bool) {
        let start = DispatchTime.now().uptimeNanoseconds
        let limit = spinBudget.load(ordering: .relaxed)
        var spins = 0
        var exhausted = false
        while !ready() {
            ul_spin_pause()
            spins += 1
            if spins % 64 == 0, DispatchTime.now().uptimeNanoseconds - start > limit {
                exhausted = true
                break
            }
        }
        // A spin that ran out means the awaited thread was likely off its core (more threads than cores):
        // halve the budget; one that ended in time earns a little back.
        spinBudget.store(exhausted ? max(Self.minimumSpinNanoseconds, limit / 2)
                                   : min(Self.spinNanoseconds, limit + limit / 16), ordering: .relaxed)
        while !ready() {
            slots[k].sleeping.store(true, ordering: .sequentiallyConsistent)
            if ready() {
                // Not asleep after all; if a waker took the flag meanwhile, its signal is consumed here.
                if !slots[k].sleeping.exchange(false, ordering: .sequentiallyConsistent) { slots[k].wakeup.wait() }
                return
            }
            slots[k].wakeup.wait()
        }
    }

    private func wake(_ k: Int) {
        if slots[k].sleeping.exchange(false, ordering: .sequentiallyConsistent) { slots[k].wakeup.signal() }
    }

    /// A waiting thread's flag, set before it sleeps on the semaphore and taken by the one who wakes it.
    private final class Slot: Sendable {
        let sleeping = Atomic<Bool>(false)
        let wakeup = DispatchSemaphore(value: 0)
    }
}
