import Foundation
import XCTest

/// Prices by size and quality through the real `stet` binary (issue #19): `log generation
/// --size --quality` priced at its tier, avoided regenerations priced at the smallest tier
/// covering the command's largest output, both in the ledger and summed by `stet savings`;
/// bad tiers refused before any work.
final class PriceTierCLITests: XCTestCase {
    let card = """
        currency = "USD"
        [models.img]
        unit = "image"
        default = "1024x1024/medium"
        [models.img.prices]
        "1024x1024/medium" = 0.04
        "1536x1024/medium" = 0.06
        "1024x1024/high" = 0.16
        "1536x1024/high" = 0.24
        [models.vid]
        unit = "second"
        per_generation = 8
        default = "720p"
        [models.vid.prices]
        "720p" = 0.1
        "1080p" = 0.2
        [tiers]
        final = "img@high"
        [avoids]
        reframe = "img"
        upscale = "final"
        grid = "none"
        """

    func stet(_ args: [String], cwd: URL) throws -> StetRun {
        try Stet.run(args, cwd: cwd, env: ["STET_NO_LOG": "0", "STET_LEDGER": "", "STET_PRICES": ""])
    }

    func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    func cents(_ value: Any?) -> String { String(format: "%.2f", (value as? Double) ?? .nan) }

    func project() throws -> URL {
        let dir = try Stet.tempDir()
        XCTAssertEqual(try stet(["init"], cwd: dir).status, 0)
        try card.write(toFile: dir.path + "/.stet/prices.toml", atomically: true, encoding: .utf8)
        return dir
    }

    func testTieredGenerationsAndSavingsThroughTheLedger() throws {
        let dir = try project()
        let photo = Stet.fixture("candidate-1.jpg")   // 960x720

        // Real generations at their tiers.
        var r = try stet(["log", "generation", "--model", "img", "--size", "1536x1024", "--quality", "high", "--count", "4", "--kept", "1"], cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "Logged 4 × img generation at 1536x1024/high: 0.96 USD spent, kept 1 of 4 (\(dir.path)/.stet/ledger.sqlite)\n")
        r = try stet(["log", "generation", "--model", "vid", "--size", "1920x1080", "--seconds", "10"], cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "Logged 10 s of vid at 1080p (the smallest tier covering 1920x1080): 2.00 USD spent (\(dir.path)/.stet/ledger.sqlite)\n")
        r = try stet(["log", "generation", "--model", "img", "--count", "2"], cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)                   // the default tier: 2 × 0.04
        XCTAssertTrue(r.stdout.hasPrefix("Logged 2 × img generation at 1024x1024/medium (the card's default tier): 0.08 USD spent"), r.stdout)

        // Avoided regenerations at the smallest tier covering the largest output.
        r = try stet(["upscale", photo, "--width", "1200", "--method", "lanczos", "-o", dir.path + "/up.jpg"], cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)                   // 1200x900 → 1536x1024, final = high: 0.24
        r = try stet(["reframe", photo, "--size", "1000x700,800x800", "--out", dir.path + "/rf"], cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)                   // 2 renders × 1024x1024/medium: 0.08
        r = try stet(["upscale", photo, "--scale", "2", "--method", "lanczos", "-o", dir.path + "/up2.jpg", "--avoids", "img@1024x1024/high x2"], cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)                   // pinned: 2 × 0.16 = 0.32, whatever the output

        // `stet savings` sums them to the cent.
        let report = try json(try stet(["savings", "--format", "json"], cwd: dir).stdout)
        let total = try XCTUnwrap((report["totals"] as? [[String: Any]])?.first)
        XCTAssertEqual(cents(total["spent"]), "3.04")           // 0.96 + 2.00 + 0.08
        XCTAssertEqual(cents(total["avoided"]), "0.64")         // 0.24 + 0.08 + 0.32
        XCTAssertEqual(total["entries"] as? Int, 6)
        let byModel = try json(try stet(["savings", "--by", "model", "--format", "json"], cwd: dir).stdout)
        let rows = try XCTUnwrap(byModel["rows"] as? [[String: Any]])
        func row(_ g: String) -> [String: Any]? { rows.first { $0["group"] as? String == g } }
        XCTAssertEqual(cents(row("img")?["spent"]), "1.04")
        XCTAssertEqual(cents(row("img")?["avoided"]), "0.64")
        XCTAssertEqual(cents(row("vid")?["spent"]), "2.00")

        // The ledger says which tier, in the entry's parameters and its label.
        let export = try stet(["ledger", "export", "--format", "jsonl"], cwd: dir)
        XCTAssertEqual(export.status, 0, export.stderr)
        let entries = try export.stdout.split(separator: "\n").map { try json(String($0)) }
        let generation = try XCTUnwrap(entries.first)
        XCTAssertEqual(generation["parameters"] as? [String: String],
                       ["model": "img", "count": "4", "kept": "1", "size": "1536x1024", "quality": "high", "tier": "1536x1024/high"])
        let spend = try XCTUnwrap((generation["spent"] as? [[String: Any]])?.first)
        XCTAssertEqual(spend["what"] as? String, "4 × img generation at 1536x1024/high")
        let upscale = try XCTUnwrap(entries.first { $0["operation"] as? String == "upscale" })
        XCTAssertEqual((upscale["parameters"] as? [String: String])?["avoided-tier"], "1536x1024/high")
        let avoided = try XCTUnwrap((upscale["avoided"] as? [[String: Any]])?.first)
        XCTAssertEqual(avoided["what"] as? String,
                       "1 × final (img) generation at 1536x1024/high (the smallest tier covering 1200x900), from [avoids] upscale")
        XCTAssertEqual(cents(avoided["subtotal"]), "0.24")
        let reframe = try XCTUnwrap(entries.first { $0["operation"] as? String == "reframe" })
        XCTAssertEqual((reframe["avoided"] as? [[String: Any]])?.first?["what"] as? String,
                       "2 × img generation at 1024x1024/medium (the smallest tier covering 1000x700), from [avoids] reframe")

        // `stet prices` lists each tier under its model.
        let prices = try stet(["prices"], cwd: dir).stdout
        XCTAssertTrue(prices.contains("  @1536x1024/high"), prices)
        XCTAssertTrue(prices.split(separator: "\n").contains { $0.hasPrefix("  @1024x1024/medium") && $0.contains("(default)") }, prices)
    }

    func testBadTiersAreRefusedBeforeAnyWork() throws {
        let dir = try project()
        let photo = Stet.fixture("candidate-1.jpg")
        var r = try stet(["log", "generation", "--model", "img", "--quality", "ultra", "--count", "1"], cwd: dir)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("Expected one of medium, high for quality but received ultra"), r.stderr)
        r = try stet(["log", "generation", "--model", "vid", "--quality", "high", "--seconds", "4"], cwd: dir)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--quality does not apply to vid: it is priced by size alone (720p, 1080p)"), r.stderr)
        r = try stet(["upscale", photo, "--scale", "2", "--method", "lanczos", "-o", dir.path + "/up.jpg", "--avoids", "img@ultra"], cwd: dir)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("img has no tier ultra (its tiers: 1024x1024/medium, 1024x1024/high, 1536x1024/medium, 1536x1024/high)"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path + "/up.jpg"))
        // A card missing a tier: every command names the card, the model and the tier.
        try card.replacingOccurrences(of: "\"1536x1024/high\" = 0.24\n", with: "")
            .write(toFile: dir.path + "/.stet/prices.toml", atomically: true, encoding: .utf8)
        r = try stet(["upscale", photo, "--scale", "2", "--method", "lanczos", "-o", dir.path + "/up.jpg"], cwd: dir)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr.split(separator: "\n").first.map(String.init),
                       "stet: \(dir.path)/.stet/prices.toml: key models.img.prices: missing tier 1536x1024/high; every size needs a price at every quality (sizes 1024x1024, 1536x1024; qualities medium, high)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path + "/up.jpg"))
        let ledger = try stet(["ledger", "export", "--format", "jsonl"], cwd: dir)
        XCTAssertEqual(ledger.stdout, "")
    }
}
