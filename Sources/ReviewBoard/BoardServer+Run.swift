import Foundation
import Hummingbird
import StetSupport

extension BoardServer {
    /// Serves until SIGINT/SIGTERM (a clean stop: open requests finish) or, with `seconds`, until
    /// that much time has passed. `onRunning` gets the port once the socket listens. Blocks.
    public func serve(port: Int, seconds: Double?, onRunning: @escaping @Sendable (Int) -> Void) throws {
        let app = application(port: port) { p, _ in onRunning(p) }
        let done = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        Task {
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await app.runService() }
                    if let seconds {
                        group.addTask {
                            try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                            throw TimeUp()
                        }
                    }
                    _ = try await group.next()
                    group.cancelAll()
                }
            } catch is TimeUp {
            } catch {
                failure.set(error)
            }
            done.signal()
        }
        done.wait()
        if let error = failure.get() {
            let text = "\(error)"
            if text.contains("Address already in use") || text.contains("EADDRINUSE") {
                throw StetError.usage("port \(port) on 127.0.0.1 is in use; pick another with --port, or leave it out for a free one")
            }
            throw StetError.operation("review", text)
        }
    }

    struct TimeUp: Error {}

    final class FailureBox: @unchecked Sendable {
        private var error: Error?
        private let lock = NSLock()
        func set(_ e: Error) { lock.lock(); error = e; lock.unlock() }
        func get() -> Error? { lock.lock(); defer { lock.unlock() }; return error }
    }
}
