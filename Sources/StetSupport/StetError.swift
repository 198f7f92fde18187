import Foundation

/// The errors a user sees. Each renders as one line that names the file (or the option)
/// and the problem; the CLI maps `.usage` to exit code 2 and everything else to 1.
public enum StetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// An input file that cannot be used: `path: problem`.
    case input(String, String)
    /// An output that cannot be written: `path: problem`.
    case output(String, String)
    /// A bad argument or option, in sharp's format.
    case usage(String)
    /// A libvips operation failed: `operation: libvips message`.
    case operation(String, String)

    public var description: String {
        switch self {
        case let .input(path, problem): return "\(path): \(problem)"
        case let .output(path, problem): return "\(path): \(problem)"
        case let .usage(message): return message
        case let .operation(name, message): return "\(name): \(message)"
        }
    }

    /// The same error, re-addressed to a file: a libvips failure while processing `path`
    /// becomes `path: operation: message`, so a batch says which file failed and why.
    public func naming(_ path: String) -> StetError {
        switch self {
        case .operation(let name, let message): return .input(path, "\(name): \(message)")
        default: return self
        }
    }

    public var isUsage: Bool { if case .usage = self { return true } else { return false } }
}
