import ArgumentParser
import CostLedger
import Foundation
import PixelCore
import ReviewBoard
import StetSupport

/// `stet review`: the review board, a local page to pick, reject and lock candidates.
struct Review: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open a local review board: pick a winner in the browser, lock it, and log each decision.",
        discussion: """
        Serves a page on 127.0.0.1 (a free port unless --port) and prints its address, with a random \
        access token, on stdout; opens nothing unless --open. Keys: 1-9 pick, x reject, l lock, \
        w A/B wipe, s next near-duplicate, arrows move between assets. Each decision is a ledger \
        entry; a lock also goes to .stet/locks.json. Ctrl-C stops the board.
        Examples:
          stet review drafts.json
          stet review takes/ --model flux-schnell --tag campaign=spring --open
          stet review pick.json shots/ --port 8765 --role "character sheet"
        """)

    @Argument(help: "Folders, drafts manifests (stet draft --manifest), grid maps (stet grid) or images; each folder, manifest or map is one asset, loose images one more.")
    var inputs: [String]

    @Option(help: "Port on 127.0.0.1 (default: a free one).")
    var port: Int?

    @Flag(help: "Open the board in the default browser (xdg-open).")
    var open = false

    @Option(name: .customLong("proxy-size"), help: "Longest edge of the proxies the wipe shows; the grid shows copies of 256 or 512 px when its cells are that small.")
    var proxySize = 1024

    @Option(name: .customLong("fold-distance"), help: "Fold candidates whose dHashes differ in at most this many of 64 bits into one stack (0: identical only; --fold-distance=-1: never).")
    var foldDistance = 6

    @Option(help: ArgumentHelp("The model that made the candidates, for the yield per model.", valueName: "model"))
    var model: String?

    @Option(help: ArgumentHelp("The role a lock records (for example \"character sheet\").", valueName: "role"))
    var role = "reference"

    @Option(help: ArgumentHelp("Stop after this many seconds (demos, scripts).", valueName: "seconds"))
    var seconds: Double?

    @OptionGroup var input: InputOptions
    @OptionGroup var ledgerOptions: LedgerOptions

    func validate() throws {
        try usage {
            if let port, !(1...65535).contains(port) { throw Validate.invalid("port from 1 to 65535", "port", port) }
            try Validate.positiveInteger(proxySize, "proxy-size")
            guard (-1...64).contains(foldDistance) else { throw Validate.invalid("number from -1 to 64", "fold-distance", foldDistance) }
            if let seconds, !(seconds.isFinite && seconds > 0) { throw Validate.invalid("positive number", "seconds", seconds) }
            try LockCommand.checkRole(role)
            if ledgerOptions.avoids != nil || ledgerOptions.spent != nil {
                throw StetError.usage("--avoids and --spent do not apply to stet review: a decision neither saves nor spends")
            }
        }
    }

    func run() throws {
        let recorder = try ledgerOptions.recorder()
        let locks = try? LockStore.find()
        let project = LedgerLocation.findProject(from: FileManager.default.currentDirectoryPath)
        var temporary: String?
        let cache: String
        if let project {
            cache = (project as NSString).appendingPathComponent(".stet/cache/review")
        } else {
            let t = (NSTemporaryDirectory() as NSString).appendingPathComponent("stet-review-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            temporary = t; cache = t
        }
        defer { if let temporary { try? FileManager.default.removeItem(atPath: temporary) } }
        var options = Board.Options(cacheFolder: cache)
        options.proxySize = proxySize
        options.foldDistance = foldDistance
        options.model = model ?? ""
        options.role = role
        options.load = input.loadOptions
        let progress = ProgressBar(total: 1)
        let board = try Board.prepare(inputs, options: options) { done, total in
            progress.fraction(Double(done) / Double(max(total, 1)))
        }
        for s in board.skipped { Console.warning(s) }
        if locks == nil { Console.warning("no .stet/ folder here or above: a lock (l) has nowhere to go; run `stet init` first") }
        let server = try BoardServer(board: board, recorder: recorder.isEnabled ? recorder : nil, locks: locks)
        let count = board.assets.reduce(0) { $0 + $1.candidates.count }
        let folded = board.assets.reduce(0) { $0 + $1.candidates.count - $1.stacks.count }
        let wantsOpen = open
        let token = server.token
        try server.serve(port: port ?? 0, seconds: seconds) { actual in
            let url = "http://127.0.0.1:\(actual)/?token=\(token)"
            Console.out(url)
            Console.status("review: \(board.assets.count) asset\(board.assets.count == 1 ? "" : "s"), \(count) candidates"
                + (folded > 0 ? " (\(folded) folded as near-duplicates)" : "") + "; proxies in \(cache); Ctrl-C stops")
            if wantsOpen { Review.openBrowser(url) }
        }
    }

    static func openBrowser(_ url: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["xdg-open", url]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { Console.warning("cannot open a browser (xdg-open): open \(url) yourself") }
    }
}
