import ArgumentParser
import CostLedger
import Foundation
import StetSupport

/// `stet init`: a project ledger in `.stet/` here, with a commented example price card.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create .stet/ here with the project's ledger (ledger.sqlite) and an example price card (prices.toml).",
        discussion: "Commands run anywhere under this folder record into its ledger, the way git finds .git/. An existing prices.toml is kept.")

    @Option(help: ArgumentHelp("Folder to initialise (default: the current folder).", valueName: "folder"))
    var directory: String?

    func run() throws {
        let base = directory ?? FileManager.default.currentDirectoryPath
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: base, isDirectory: &isDir), isDir.boolValue else {
            throw StetError.output(base, "folder does not exist")
        }
        let folder = (base as NSString).appendingPathComponent(LedgerLocation.folderName)
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), !isDir.boolValue {
            throw StetError.output(folder, "exists and is not a folder")
        }
        let existed = FileManager.default.fileExists(atPath: folder)
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw StetError.output(folder, "cannot be created")
        }
        let prices = (folder as NSString).appendingPathComponent(LedgerLocation.pricesName)
        var wrote: [String] = []
        if FileManager.default.fileExists(atPath: prices) {
            _ = try PriceCard.load(path: prices)   // say now if the kept card is broken
        } else {
            try SafeOutput.write(Data(DefaultPriceCard.text.utf8), to: prices)
            wrote.append(LedgerLocation.pricesName)
        }
        let ledgerPath = (folder as NSString).appendingPathComponent(LedgerLocation.ledgerName)
        let hadLedger = FileManager.default.fileExists(atPath: ledgerPath)
        let ledger = try Ledger.open(ledgerPath, mode: .record)
        if !hadLedger { wrote.append(LedgerLocation.ledgerName) }
        let version = try ledger.storedSchemaVersion()
        if wrote.isEmpty {
            Console.out("\(folder) already set up (ledger schema v\(version)); nothing changed")
        } else {
            Console.out("\(existed ? "Updated" : "Initialised") \(folder): \(wrote.joined(separator: ", ")) (ledger schema v\(version))")
        }
        if wrote.contains(LedgerLocation.pricesName) {
            Console.out("The prices in \(prices) are dated examples: edit them to match your plan (stet prices shows the card).")
        }
    }
}
