import ArgumentParser
import CostLedger
import Foundation
import StetSupport

/// `stet budget`: spending limits per project, user, model, operation or tag, and where each stands.
struct BudgetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "budget",
        abstract: "Set spending limits with a warning line, and see where each stands.",
        discussion: """
            Every command that spends or logs a generation prints a warning when its spend takes a
            budget past its warning line or its limit.
            Examples:
              stet budget set project=launch 500 USD --warn 80%
              stet budget set model=veo-3 200 USD
              stet budget
              stet budget remove project=launch
            """,
        subcommands: [BudgetList.self, BudgetSet.self, BudgetRemove.self],
        defaultSubcommand: BudgetList.self)
}

/// `stet budget [list] [--format json]`.
struct BudgetList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the budgets with what has been spent against each.")

    @OptionGroup var ledgerPath: LedgerPathOption

    @Option(help: ArgumentHelp("Output format: table or json.", valueName: "format"))
    var format: String = "table"

    func validate() throws {
        try usage { try Validate.oneOf(format, "format", ["table", "json"]) }
    }

    func run() throws {
        let ledger = try ledgerPath.location.openStore(.read)
        let standings = try ledger.budgetStandings()
        if format == "json" {
            struct Doc: Encodable { var ledger: String; var budgets: [Item] }
            struct Item: Encodable {
                var scope: String; var limit: Money; var currency: String; var warnAt: Double
                var spent: Money; var remaining: Money; var fraction: Double; var level: String
            }
            let doc = Doc(ledger: ledger.name, budgets: standings.map {
                Item(scope: $0.budget.scope.description, limit: $0.budget.limit, currency: $0.budget.currency,
                     warnAt: $0.budget.warnAt, spent: $0.spent, remaining: $0.remaining, fraction: $0.fraction,
                     level: $0.level.rawValue)
            })
            Console.out(String(decoding: try stetJSONEncoder().encode(doc), as: UTF8.self))
            return
        }
        var lines = ["Budgets in \(ledger.name)"]
        if standings.isEmpty {
            lines.append("No budgets; set one with: stet budget set project=NAME 500 USD --warn 80%")
        } else {
            lines.append(Table.render(header: ["scope", "limit", "currency", "warn at", "spent", "remaining", "used", "status"],
                                      rows: standings.map { s in
                [s.budget.scope.description, s.budget.limit.cents, s.budget.currency,
                 "\(Int((s.budget.warnAt * 100).rounded()))%", s.spent.cents, s.remaining.cents,
                 String(format: "%.0f%%", s.fraction * 100),
                 s.level == .over ? "OVER" : s.level == .warning ? "warning" : "ok"]
            }))
        }
        Console.out(lines.joined(separator: "\n"))
    }
}

/// `stet budget set SCOPE AMOUNT CURRENCY [--warn P%]`.
struct BudgetSet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Set (or change) the budget for a scope.")

    @Argument(help: ArgumentHelp("project=NAME, user=NAME, model=NAME, operation=NAME, tag=KEY=VALUE, or all.", valueName: "scope"))
    var scope: String

    @Argument(help: ArgumentHelp("The limit, in the currency given.", valueName: "amount"))
    var amount: Double

    @Argument(help: ArgumentHelp("The currency of the limit (USD, EUR, credits…), as on the price card.", valueName: "currency"))
    var currency: String

    @Option(help: ArgumentHelp("Warn when spend reaches this share of the limit (e.g. 80%).", valueName: "percent"))
    var warn: String = "80%"

    @OptionGroup var ledgerPath: LedgerPathOption

    func validate() throws {
        try usage {
            _ = try BudgetScope.parse(scope)
            guard amount.isFinite, amount > 0, amount <= Money.limit else { throw Validate.invalid("positive amount", "amount", formatQuantity(amount)) }
            guard !currency.isEmpty, currency.allSatisfy({ $0.isLetter }) else { throw Validate.invalid("currency code (USD)", "currency", currency) }
            _ = try warnFraction()
        }
    }

    func warnFraction() throws -> Double {
        let text = warn.hasSuffix("%") ? String(warn.dropLast()) : warn
        guard let p = Double(text), p.isFinite, p > 0, p <= 100 else { throw Validate.invalid("percentage between 1% and 100%", "warn", warn) }
        return p / 100
    }

    func run() throws {
        let ledger = try ledgerPath.location.openStore(.record)
        let budget = Budget(scope: try BudgetScope.parse(scope), limit: Money(amount), currency: currency,
                            warnAt: try warnFraction())
        try ledger.setBudget(budget)
        let spent = try ledger.spent(budget.scope)[currency] ?? .zero
        Console.out("Budget \(budget.scope): \(budget.limit.cents) \(currency), warning at \(Int((budget.warnAt * 100).rounded()))% (\(budget.warnLine.cents)); \(spent.cents) spent so far (\(ledger.name))")
    }
}

/// `stet budget remove SCOPE`.
struct BudgetRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove the budget for a scope.")

    @Argument(help: ArgumentHelp("The budget's scope, as given to stet budget set.", valueName: "scope"))
    var scope: String

    @OptionGroup var ledgerPath: LedgerPathOption

    func validate() throws { try usage { _ = try BudgetScope.parse(scope) } }

    func run() throws {
        let ledger = try ledgerPath.location.openStore(.record)
        let parsed = try BudgetScope.parse(scope)
        guard try ledger.removeBudget(scope: parsed) else { throw StetError.input(ledger.name, "has no budget for \(parsed)") }
        Console.out("Removed the budget for \(parsed) (\(ledger.name))")
    }
}
