import Foundation

/// The errors a user sees. Each renders as one line that names the file (or the option)
/// and the problem; the CLI maps `.usage` to exit code 2 and everything else to 1.
///
/// The pixel core names its files by role (`.file(.mask, "is empty")`), never by path: the
/// caller knows which path it gave for each role and adds them with `naming(_:)`, once.
public enum StetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// An input file that cannot be used: `path: problem`.
    case input(String, String)
    /// An output that cannot be written: `path: problem`.
    case output(String, String)
    /// A file of a job's, by role, and the problem with it; the problem may name other files
    /// of the job by role token (see `FileRole`).
    case file(FileRole, String)
    /// A bad argument or option, in sharp's format.
    case usage(String)
    /// A libvips operation failed: `operation: libvips message`.
    case operation(String, String)

    /// The line, with any file roles still unnamed spelled as the roles' names ("the mask: ...").
    public var description: String {
        switch self {
        case let .input(path, problem): return "\(path): \(problem)"
        case let .output(path, problem): return "\(path): \(problem)"
        case let .file(role, problem): return FileRole.render("\(role.token): \(problem)") { _ in nil }
        case let .usage(message): return message
        case let .operation(name, message): return FileRole.render("\(name): \(message)") { _ in nil }
        }
    }

    /// The same error with the caller's paths put in for the job's file roles: a role error
    /// becomes `path: problem` (input or output by its role), and a libvips failure while
    /// processing the source becomes `source: operation: message`, so a batch says which file
    /// failed and why. Roles `files` does not know keep their names.
    public func naming(_ files: FileNames) -> StetError {
        switch self {
        case let .file(role, problem):
            let path = files[role] ?? role.name
            let text = FileRole.render(problem) { files[$0] }
            return role.isOutput ? .output(path, text) : .input(path, text)
        case let .operation(name, message):
            guard let source = files[.source] else { return self }
            return .input(source, FileRole.render("\(name): \(message)") { files[$0] })
        default: return self
        }
    }

    /// `naming(_:)` for a job whose only file is `path`, its source.
    public func naming(_ path: String) -> StetError { naming(FileNames(source: path)) }

    /// Role errors named from `files`, everything else as it is (a libvips failure keeps its
    /// operation's name at the front: a single command's error line).
    public func namingRoles(_ files: FileNames) -> StetError {
        if case .file = self { return naming(files) }
        return self
    }

    /// A libvips failure while working on the file in `role` becomes that file's error
    /// (`role: operation: message`); any other error stays as it is.
    public func about(_ role: FileRole) -> StetError {
        if case let .operation(name, message) = self { return .file(role, "\(name): \(message)") }
        return self
    }

    public var isUsage: Bool { if case .usage = self { return true } else { return false } }
}

extension Error {
    /// A Stet error's file roles named from `files` (see `StetError.namingRoles`); any other
    /// error as it is.
    public func namingRoles(_ files: FileNames) -> Error {
        (self as? StetError)?.namingRoles(files) ?? self
    }
}
