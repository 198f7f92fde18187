import StetSupport

/// Errors raised inside PixelCore, all surfaced to users through `StetError`.
enum PixelError {
    /// A libvips operation failed; libvips' message, prefixed with the operation's name.
    static func failed(_ operation: String, _ message: String) -> StetError {
        // Some loaders prefix their own messages with their name already ("gifload: ...").
        let prefix = operation + ": "
        return .operation(operation, message.hasPrefix(prefix) ? String(message.dropFirst(prefix.count)) : message)
    }
}
