import Foundation

/// `transform(index, item)` of every item, at most `workers` at a time, on a work queue; the results come
/// back in item order, so they never depend on `workers`. The first error (in item order) is rethrown; a
/// transform that cannot throw makes a call that cannot.
public func concurrentMap<T, R, E: Error>(_ items: [T], workers: Int, _ transform: (Int, T) throws(E) -> R) throws(E) -> [R] {
    let lock = NSLock()
    var next = 0
    var results = [Result<R, E>?](repeating: nil, count: items.count)
    withoutActuallyEscaping(transform) { transform in
        DispatchQueue.concurrentPerform(iterations: max(1, min(workers, items.count))) { _ in
            while true {
                lock.lock()
                let i = next
                next += 1
                lock.unlock()
                guard i < items.count else { return }
                let r = Result { () throws(E) -> R in try transform(i, items[i]) }
                lock.lock()
                results[i] = r
                lock.unlock()
            }
        }
    }
    var out = [R]()
    out.reserveCapacity(items.count)
    for r in results { out.append(try r!.get()) }
    return out
}
