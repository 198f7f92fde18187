import ArgumentParser
import Foundation
import StetSupport

/// Exit codes: 0 success, 1 a failed input or operation, 2 a usage error.
/// swift-argument-parser uses 64 for usage errors; Stet maps them to 2.
@main
enum Main {
    static func main() {
        do {
            var command = try Stet.parseAsRoot()
            try command.run()
        } catch let error as StetError {
            Console.error(error.description)
            exit(error.isUsage ? 2 : 1)
        } catch let error as BatchFailure {
            Console.error(error.description)
            exit(1)
        } catch {
            let code = Stet.exitCode(for: error)
            if code == .success {
                Stet.exit(withError: error)   // --help, --version
            }
            // Errors thrown from validate() (a bad price card, a read-only ledger) come back
            // wrapped, with swift-argument-parser's "Error: " in front; Stet's lines have no prefix.
            let message = Stet.fullMessage(for: error)
                .replacingOccurrences(of: "^Error: ", with: "", options: .regularExpression)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((Hint.render(message, Hint.flag) + "\n").utf8))
                exit(2)
            }
            Console.error(message)
            exit(1)
        }
    }
}

/// Thrown at the end of a batch that went on past failed files.
struct BatchFailure: Error, CustomStringConvertible {
    let failed: Int
    let total: Int
    var description: String { "\(failed) of \(total) files failed" }
}
