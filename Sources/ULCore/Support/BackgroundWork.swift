import Dispatch

/// A value computed on another thread while the caller goes on: `wait` returns it, or rethrows its error.
public final class BackgroundWork<T>: @unchecked Sendable {
    private let group = DispatchGroup()
    // Written once by the work before `leave`, read only after `wait`.
    private var result: Result<T, Error>?

    public init(_ work: @escaping @Sendable () throws -> T) {
        group.enter()
        DispatchQueue.global().async {
            self.result = Result { try work() }
            self.group.leave()
        }
    }

    /// The value, once the work has finished.
    public func wait() throws -> T {
        group.wait()
        return try result!.get()
    }
}
