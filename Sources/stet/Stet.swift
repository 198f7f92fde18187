import ArgumentParser

/// The root command only lists subcommands; each lives in its own file under Commands/.
struct Stet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stet",
        abstract: "Local image preview and refinement: edit instead of regenerating, and log what it saved.",
        version: StetVersion.current,
        subcommands: [
            Info.self,
            MaskCommand.self,
            InpaintCommand.self,
            PatchCommand.self,
            Reframe.self,
            Draft.self,
            Grid.self,
            Split.self,
            UpscaleCommand.self,
            Init.self,
            Prices.self,
            LogCommand.self,
            Savings.self,
            LedgerCommand.self,
        ]
    )
}

enum StetVersion {
    static let current = "0.1.0"
}
