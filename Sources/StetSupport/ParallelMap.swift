import Dispatch
import Foundation

/// The one way Stet spreads independent work across cores: `count` items, at most `workers`
/// at once, each item's result (or error) kept in its own slot, in order. Items are handed out
/// one at a time from a shared counter, so a slow item does not hold up a whole stripe.
public enum ParallelMap {
    /// Runs `body(i)` for every `i` in `0..<count` on up to `workers` threads and returns the
    /// results in index order. `body` must be safe to call concurrently.
    public static func run<T>(_ count: Int, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                              _ body: (Int) throws -> T) -> [Result<T, Error>] {
        guard count > 0 else { return [] }
        let slots = ResultSlots<Result<T, Error>>(count: count)
        let next = Counter()
        let threads = max(1, min(workers, count))
        withoutActuallyEscaping(body) { body in
            let work = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                while true {
                    let i = next.take()
                    guard i < count else { break }
                    slots[i] = Result { try work.value(i) }
                }
            }
        }
        return slots.values.map { $0! }
    }

    /// The results, or the first error in index order.
    public static func all<T>(_ count: Int, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                              _ body: (Int) throws -> T) throws -> [T] {
        try run(count, workers: workers, body).map { try $0.get() }
    }

    private final class Counter: @unchecked Sendable {
        private var value = 0
        private let lock = NSLock()
        func take() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value - 1 }
    }

    private struct UncheckedBox<V>: @unchecked Sendable { let value: V; init(_ v: V) { value = v } }
}
