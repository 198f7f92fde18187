import CostLedger
import StetSupport
import XCTest

final class PriceCardTests: XCTestCase {
    let minimal = """
        [models.m]
        unit = "image"
        price = 0.04
        """

    func testBuiltInCardHasTheIssueDefaults() throws {
        let card = PriceCard.builtIn
        XCTAssertEqual(card.source, PriceCard.builtInSource)
        XCTAssertEqual(card.tiers["final"], "flux-1.1-pro")
        XCTAssertEqual(card.tiers["draft"], "flux-schnell")
        for op in ["reframe", "upscale", "inpaint", "patch"] { XCTAssertEqual(card.avoids[op], "final", op) }
        for op in ["draft", "grid", "split", "mask"] { XCTAssertEqual(card.avoids[op], "none", op) }
        XCTAssertEqual(card.models["flux-1.1-pro"]?.price, Money(micros: 40_000))
        XCTAssertEqual(card.models["veo-3"]?.unit, .second)
        XCTAssertEqual(card.models["studio-credits"]?.currency, "credits")
        XCTAssertEqual(card.models["vision-captioner"]?.unit, .thousandTokens)
        XCTAssertEqual(card.models["upscale-api"]?.unit, .call)
        XCTAssertEqual(card.models["flux-dev-mp"]?.unit, .megapixel)
        XCTAssertTrue(card.text.contains("THE PRICES BELOW ARE EXAMPLES"))
        XCTAssertTrue(card.models.values.allSatisfy { $0.asOf == "2025-06-01" || $0.name == "sora-2-pro" })
        XCTAssertEqual(card.models["sora-2-pro"]?.asOf, "2025-10-06")
        XCTAssertEqual(card.hash, SHA256.hex(of: Data(DefaultPriceCard.text.utf8)))
    }

    func testDefaultCounterfactualsToTheCent() throws {
        let card = PriceCard.builtIn
        // reframe: one final generation per target.
        let reframe = try card.counterfactual(operation: "reframe", explicit: nil, units: 3)
        XCTAssertEqual(reframe.count, 1)
        XCTAssertEqual(reframe[0].model, "flux-1.1-pro")
        XCTAssertEqual(reframe[0].quantity, 3)
        XCTAssertEqual(reframe[0].subtotal.cents, "0.12")
        XCTAssertEqual(reframe[0].subtotal.micros, 120_000)
        XCTAssertEqual(reframe[0].what, "3 × final (flux-1.1-pro) generation, from [avoids] reframe")
        XCTAssertEqual(try card.counterfactual(operation: "upscale", explicit: nil, units: 1)[0].subtotal.micros, 40_000)
        XCTAssertEqual(try card.counterfactual(operation: "draft", explicit: nil, units: 12), [])
        XCTAssertEqual(try card.counterfactual(operation: "info", explicit: nil, units: 1), [])
        // --avoids: the count is for this use, not per unit.
        let explicit = try card.counterfactual(operation: "reframe", explicit: "veo-3 x2", units: 5)
        XCTAssertEqual(explicit[0].quantity, 16)           // 2 clips × 8 s
        XCTAssertEqual(explicit[0].subtotal.cents, "12.00")  // 16 s × 0.75
        XCTAssertEqual(try card.counterfactual(operation: "upscale", explicit: "none", units: 1), [])
        // Per megapixel: 3 × 1.048576 MP × 0.025 = 0.0786432 → 0.078643 exact, 0.08 to the cent.
        let mp = try card.counterfactual(operation: "grid", explicit: "flux-dev-mp*3", units: 1)
        XCTAssertEqual(mp[0].subtotal.micros, 78_643)
        XCTAssertEqual(mp[0].subtotal.cents, "0.08")
        // Credits stay credits.
        let credits = try card.counterfactual(operation: "patch", explicit: "studio-credits x3", units: 1)
        XCTAssertEqual(credits[0].currency, "credits")
        XCTAssertEqual(credits[0].subtotal.exact, "12.00")
    }

    func testAvoidSpecParsing() throws {
        let card = PriceCard.builtIn
        XCTAssertEqual(try card.avoidSpec("final"), AvoidSpec(name: "final", count: 1))
        XCTAssertEqual(try card.avoidSpec("final x4"), AvoidSpec(name: "final", count: 4))
        XCTAssertEqual(try card.avoidSpec("flux-1.1-prox2"), AvoidSpec(name: "flux-1.1-pro", count: 2))
        XCTAssertEqual(try card.avoidSpec("gpt-image-1 × 3"), AvoidSpec(name: "gpt-image-1", count: 3))
        XCTAssertNil(try card.avoidSpec("none"))
        XCTAssertNil(try card.avoidSpec("NONE"))
        XCTAssertThrowsError(try card.avoidSpec("midjourney")) { error in
            XCTAssertTrue("\(error)".hasPrefix("midjourney is not a model or tier on the price card (expected none, draft, final, "), "\(error)")
        }
        XCTAssertThrowsError(try card.avoidSpec("final x0")) { error in
            XCTAssertEqual("\(error)", "Expected positive integer count in final x0 but received 0")
        }
    }

    func testGenerationSpend() throws {
        let card = PriceCard.builtIn
        let images = try card.generationSpend(model: "final", count: 4, seconds: nil, kept: 1, spent: nil)
        XCTAssertEqual(images.subtotal.cents, "0.16")
        XCTAssertEqual(images.generatedCount, 4)
        XCTAssertEqual(images.keptCount, 1)
        let video = try card.generationSpend(model: "veo-3", count: nil, seconds: 24, kept: 8, spent: nil)
        XCTAssertEqual(video.subtotal.cents, "18.00")
        XCTAssertEqual(video.generatedSeconds, 24)
        XCTAssertEqual(video.keptSeconds, 8)
        let clips = try card.generationSpend(model: "veo-3", count: 2, seconds: nil, kept: nil, spent: nil)
        XCTAssertEqual(clips.quantity, 16)
        XCTAssertEqual(clips.subtotal.cents, "12.00")
        let paid = try card.generationSpend(model: "final", count: 3, seconds: nil, kept: nil, spent: 0.5)
        XCTAssertEqual(paid.subtotal.cents, "0.50")
        XCTAssertThrowsError(try card.generationSpend(model: "final", count: nil, seconds: 5, kept: nil, spent: nil)) { error in
            XCTAssertEqual("\(error)", "--seconds needs a per-second model, but flux-1.1-pro is priced per image; use --count")
        }
    }

    func testMoneyRounding() {
        XCTAssertEqual(Money(0.125).cents, "0.13")
        XCTAssertEqual(Money(0.004999).cents, "0.00")
        XCTAssertEqual(Money(-1.005).cents, "-1.01")
        XCTAssertEqual(Money(0.0025).exact, "0.0025")
        XCTAssertEqual(Money(12).exact, "12.00")
        // Summing 0.1 ten thousand times is exact in micros.
        var total = Money.zero
        for _ in 0..<10_000 { total = total + Money(0.1) }
        XCTAssertEqual(total.cents, "1000.00")
        XCTAssertEqual(Money(0.04).times(3).micros, 120_000)
    }

    // MARK: - Bad cards name the file, the key and the problem

    func assertCardError(_ text: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try PriceCard.parse(text, file: "/p/prices.toml"), file: file, line: line) { error in
            XCTAssertEqual("\(error)", expected, file: file, line: line)
        }
    }

    func testBadCardsAreRejectedWithFileKeyAndProblem() {
        assertCardError(minimal.replacingOccurrences(of: "\"image\"", with: "\"frame\""),
                        "/p/prices.toml: key models.m.unit: expected one of image, second, megapixel, call, 1k-tokens but found \"frame\"")
        assertCardError(minimal.replacingOccurrences(of: "0.04", with: "\"cheap\""),
                        "/p/prices.toml: key models.m.price: expected a number but found \"cheap\"")
        assertCardError(minimal.replacingOccurrences(of: "0.04", with: "-1"),
                        "/p/prices.toml: key models.m.price: expected a price of 0 or more but found -1")
        assertCardError("[models.m]\nunit = \"image\"\n",
                        "/p/prices.toml: key models.m.price: missing; expected the price of one image")
        assertCardError(minimal + "\ncurrency = \"dollars\"\n",
                        "/p/prices.toml: key models.m.currency: expected a currency code such as USD, or \"credits\", but found \"dollars\"")
        assertCardError(minimal + "\nper_generation = 0\n",
                        "/p/prices.toml: key models.m.per_generation: expected a positive number but found 0")
        assertCardError(minimal + "\nprise = 3\n",
                        "/p/prices.toml: key models.m.prise: unknown key (expected unit, price, prices, default, currency, per_generation, as_of or note)")
        assertCardError(minimal + "\n[tiers]\nfinal = \"ghost\"\n",
                        "/p/prices.toml: key tiers.final: names model ghost, which is not in [models]")
        assertCardError(minimal + "\n[avoids]\nreframe = \"ghost x2\"\n",
                        "/p/prices.toml: key avoids.reframe: ghost x2 is not a model or tier on the price card (expected none, m, optionally followed by xN)")
        assertCardError(minimal + "\n[avoids]\nreframe = 1\n",
                        "/p/prices.toml: key avoids.reframe: expected \"none\", a tier or a model (optionally xN) but found an integer")
        assertCardError("colour = 1\n" + minimal,
                        "/p/prices.toml: key colour: unknown key (expected currency, updated, models, tiers or avoids)")
        assertCardError("currency = \"USD\"\n", "/p/prices.toml: key models: missing; the card must price at least one model")
        assertCardError("[models]\nm = 3\n", "/p/prices.toml: key models.m: expected a table with unit and price but found an integer")
        XCTAssertThrowsError(try PriceCard.parse("[models.m\nunit = 1", file: "/p/prices.toml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("/p/prices.toml: line 1, column "), "\(error)")
        }
    }

    func testLoadNamesAMissingFile() {
        XCTAssertThrowsError(try PriceCard.load(path: "/nonexistent/prices.toml")) { error in
            XCTAssertEqual("\(error)", "/nonexistent/prices.toml: cannot be read")
        }
    }

    func testIntegerPricesAndCardCurrency() throws {
        let card = try PriceCard.parse("currency = \"EUR\"\n[models.a]\nunit = \"call\"\nprice = 2\n", file: "c.toml")
        XCTAssertEqual(card.models["a"]?.price.exact, "2.00")
        XCTAssertEqual(card.models["a"]?.currency, "EUR")
        XCTAssertEqual(card.spent(0.3, operation: "inpaint").currency, "EUR")
    }
}
