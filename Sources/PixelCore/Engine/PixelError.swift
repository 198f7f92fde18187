import StetSupport

/// Errors raised inside PixelCore, all surfaced to users through `StetError`.
enum PixelError {
    /// A libvips operation failed; libvips' message, prefixed with the operation's name.
    static func failed(_ operation: String, _ message: String) -> StetError {
        .operation(operation, message)
    }
}
