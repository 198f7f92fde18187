import ArgumentParser

/// The root command only lists subcommands, in the order a user meets them: look, compare,
/// refine, then the ledger. Each lives in its own file under Commands/.
struct Stet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stet",
        abstract: "Local image preview and refinement: edit instead of regenerating, and log what it saved.",
        version: StetVersion.current,
        subcommands: [
            Info.self,
            Draft.self,
            Grid.self,
            Sheet.self,
            Split.self,
            Reframe.self,
            MaskCommand.self,
            InpaintCommand.self,
            PatchCommand.self,
            UpscaleCommand.self,
            Review.self,
            LocksCommand.self,
            LockCommand.self,
            UnlockCommand.self,
            Init.self,
            Prices.self,
            LogCommand.self,
            Savings.self,
            BudgetCommand.self,
            LedgerCommand.self,
        ]
    )
}

enum StetVersion {
    static let current = "0.1.0"
}
