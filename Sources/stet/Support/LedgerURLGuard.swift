import CostLedger

/// Finds a PostgreSQL URL with a password among the arguments of `--ledger` or `--to`.
enum LedgerURLGuard {
    static let options = ["--ledger", "--to"]

    static func refusal(_ arguments: [String]) -> String? {
        var i = 0
        while i < arguments.count {
            let arg = arguments[i]
            if arg == "--" { return nil }
            for option in options {
                var value: String?
                if arg == option, i + 1 < arguments.count { value = arguments[i + 1] }
                if arg.hasPrefix(option + "=") { value = String(arg.dropFirst(option.count + 1)) }
                if let value, PostgresURL.hasPassword(value) {
                    return "\(option): refusing a password in the URL (other users see the command line in ps); give it in PGPASSWORD, ~/.pgpass or STET_LEDGER_URL"
                }
            }
            i += 1
        }
        return nil
    }
}
