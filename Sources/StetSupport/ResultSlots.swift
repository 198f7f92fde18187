import Foundation

/// Fixed slots that concurrent workers fill by index (each worker writes its own slots), read
/// once the workers are done.
public final class ResultSlots<T>: @unchecked Sendable {
    private var storage: [T?]
    private let lock = NSLock()

    public init(count: Int) { storage = Array(repeating: nil, count: count) }

    public subscript(i: Int) -> T? {
        get { lock.lock(); defer { lock.unlock() }; return storage[i] }
        set { lock.lock(); storage[i] = newValue; lock.unlock() }
    }

    public var values: [T?] { lock.lock(); defer { lock.unlock() }; return storage }
}
