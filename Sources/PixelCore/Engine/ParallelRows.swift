import Foundation

/// A raw pointer that concurrent row bands write to, each into rows no other band touches.
struct SendablePointer<T>: @unchecked Sendable {
    let p: UnsafeMutablePointer<T>
    init(_ p: UnsafeMutablePointer<T>) { self.p = p }
}

/// Runs `body` over `count` rows split into bands, in parallel: at least four bands per core,
/// and bands of at most `maximumBand` rows, so a band's working memory stays small.
func parallelRows(_ count: Int, minimumBand: Int = 8, maximumBand: Int = 64, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let cores = max(ProcessInfo.processInfo.activeProcessorCount, 1)
    let wanted = max(cores * 4, (count + maximumBand - 1) / maximumBand)
    let bands = max(1, min(count / max(minimumBand, 1), wanted))
    if bands == 1 { body(0..<count); return }
    withoutActuallyEscaping(body) { escapable in
        // Each band writes only its own rows; the closure is shared read-only.
        nonisolated(unsafe) let run = escapable
        DispatchQueue.concurrentPerform(iterations: bands) { i in
            let lo = count * i / bands, hi = count * (i + 1) / bands
            if hi > lo { run(lo..<hi) }
        }
    }
}
