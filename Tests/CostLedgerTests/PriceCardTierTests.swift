import CostLedger
import StetSupport
import XCTest

/// Prices by output size and quality tier (issue #19): tier prices to the cent, the
/// smallest-covering-tier rule for avoided regenerations, pinned tiers, and the card's full-grid
/// validation with its error texts word for word.
final class PriceCardTierTests: XCTestCase {
    /// A 2 × 2 grid with round prices, a size-only video model by resolution and a one-price model.
    let card = """
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
        "4k" = 0.5
        [models.flat]
        unit = "image"
        price = 0.05
        [tiers]
        final = "img@high"
        hero = "img@1536x1024/high"
        """

    func parsed() throws -> PriceCard { try PriceCard.parse(card, file: "/p/prices.toml") }

    func testTieredCardParsesItsGrid() throws {
        let c = try parsed()
        let img = try XCTUnwrap(c.models["img"])
        XCTAssertTrue(img.isTiered)
        XCTAssertEqual(img.defaultTier, "1024x1024/medium")
        XCTAssertEqual(img.price.exact, "0.04")                  // the default tier's price
        XCTAssertEqual(img.tierSizes.map(\.name), ["1024x1024", "1536x1024"])
        XCTAssertEqual(img.tierQualities, ["medium", "high"])   // cheapest first
        XCTAssertEqual(img.sortedTiers.map(\.key), ["1024x1024/medium", "1024x1024/high", "1536x1024/medium", "1536x1024/high"])
        XCTAssertEqual(c.models["vid"]?.tierSizes.map(\.name), ["720p", "1080p", "4k"])
        XCTAssertEqual(c.models["vid"]?.tierQualities, [])
        XCTAssertFalse(c.models["flat"]!.isTiered)
        XCTAssertEqual(c.model(named: "hero")?.name, "img")
        XCTAssertEqual(c.tiers["hero"], "img@1536x1024/high")
    }

    func testBuiltInCardHasPublishedTieredPrices() throws {
        let c = PriceCard.builtIn
        let g = try XCTUnwrap(c.models["gpt-image-1"])
        let prices = Dictionary(uniqueKeysWithValues: g.sortedTiers.map { ($0.key, $0.price.exact) })
        XCTAssertEqual(prices, ["1024x1024/low": "0.011", "1024x1536/low": "0.016", "1536x1024/low": "0.016",
                                "1024x1024/medium": "0.042", "1024x1536/medium": "0.063", "1536x1024/medium": "0.063",
                                "1024x1024/high": "0.167", "1024x1536/high": "0.25", "1536x1024/high": "0.25"])
        XCTAssertEqual(g.defaultTier, "1024x1024/medium")
        let sora = try XCTUnwrap(c.models["sora-2-pro"])
        XCTAssertEqual(sora.unit, .second)
        XCTAssertEqual(sora.tierSizes.map(\.name), ["1280x720", "720x1280", "1024x1792", "1792x1024"])
        XCTAssertTrue(c.text.contains("https://platform.openai.com/docs/pricing, read 2025-06-01"))
        // The built-in gpt-image-1 at its tiers, to the cent.
        XCTAssertEqual(try c.generationSpend(model: "gpt-image-1", count: 4, seconds: nil, kept: 1, spent: nil,
                                             size: "1536x1024", quality: "high").subtotal.cents, "1.00")
        XCTAssertEqual(try c.generationSpend(model: "gpt-image-1", count: 3, seconds: nil, kept: nil, spent: nil,
                                             size: "1024x1536", quality: "low").subtotal.exact, "0.048")
        XCTAssertEqual(try c.generationSpend(model: "sora-2-pro", count: nil, seconds: 12, kept: nil, spent: nil,
                                             size: "1792x1024").subtotal.cents, "6.00")
        XCTAssertEqual(try c.generationSpend(model: "sora-2-pro", count: nil, seconds: 12, kept: nil, spent: nil).subtotal.cents, "3.60")
    }

    func testGenerationPricedAtItsTierToTheCent() throws {
        let c = try parsed()
        let high = try c.pricedGeneration(model: "img", count: 5, seconds: nil, kept: 2, spent: nil, size: "1536x1024", quality: "high")
        XCTAssertEqual(high.item.subtotal.cents, "1.20")
        XCTAssertEqual(high.item.unitPrice.exact, "0.24")
        XCTAssertEqual(high.item.what, "5 × img generation at 1536x1024/high")
        XCTAssertEqual(high.tier?.tier.key, "1536x1024/high")
        // A size that is not a tier: the smallest tier covering it, and the label says so.
        let odd = try c.pricedGeneration(model: "img", count: 2, seconds: nil, kept: nil, spent: nil, size: "1200x800", quality: "medium")
        XCTAssertEqual(odd.item.subtotal.cents, "0.12")
        XCTAssertEqual(odd.item.what, "2 × img generation at 1536x1024/medium (the smallest tier covering 1200x800)")
        // Nothing given: the default tier. Only a quality: the default size.
        let plain = try c.pricedGeneration(model: "img", count: 1, seconds: nil, kept: nil, spent: nil)
        XCTAssertEqual(plain.item.what, "1 × img generation at 1024x1024/medium (the card's default tier)")
        XCTAssertEqual(plain.item.subtotal.cents, "0.04")
        XCTAssertEqual(try c.generationSpend(model: "img", count: 1, seconds: nil, kept: nil, spent: nil, quality: "HIGH").subtotal.cents, "0.16")
        // A tier of the card that pins a tier; --size overrides the pinned size.
        XCTAssertEqual(try c.generationSpend(model: "hero", count: 1, seconds: nil, kept: nil, spent: nil).subtotal.cents, "0.24")
        XCTAssertEqual(try c.generationSpend(model: "hero", count: 1, seconds: nil, kept: nil, spent: nil, size: "1024x1024").subtotal.cents, "0.16")
        // Video by resolution, per second; "1080p" covers portrait and landscape.
        XCTAssertEqual(try c.generationSpend(model: "vid", count: nil, seconds: 10, kept: nil, spent: nil, size: "1920x1080").subtotal.cents, "2.00")
        XCTAssertEqual(try c.generationSpend(model: "vid", count: nil, seconds: 10, kept: nil, spent: nil, size: "1080x1920").subtotal.cents, "2.00")
        XCTAssertEqual(try c.generationSpend(model: "vid", count: nil, seconds: 10, kept: nil, spent: nil, size: "4k").subtotal.cents, "5.00")
        XCTAssertEqual(try c.generationSpend(model: "vid", count: 2, seconds: nil, kept: nil, spent: nil).subtotal.cents, "1.60")  // 2 × 8 s × 0.1
        // --spent still wins over the card.
        XCTAssertEqual(try c.generationSpend(model: "img", count: 2, seconds: nil, kept: nil, spent: 0.3, size: "1536x1024").subtotal.cents, "0.30")
    }

    func testGenerationTierErrorsWordForWord() throws {
        let c = try parsed()
        func error(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(error { try c.generationSpend(model: "flat", count: 1, seconds: nil, kept: nil, spent: nil, size: "1024x1024") },
                       "--size needs a model priced by size and quality, but flat has one price (0.05 USD per image)")
        XCTAssertEqual(error { try c.generationSpend(model: "flat", count: 1, seconds: nil, kept: nil, spent: nil, quality: "high") },
                       "--quality needs a model priced by size and quality, but flat has one price (0.05 USD per image)")
        XCTAssertEqual(error { try c.generationSpend(model: "img", count: 1, seconds: nil, kept: nil, spent: nil, quality: "ultra") },
                       "Expected one of medium, high for quality but received ultra")
        XCTAssertEqual(error { try c.generationSpend(model: "img", count: 1, seconds: nil, kept: nil, spent: nil, size: "big") },
                       "Expected size such as 1536x1024 (or one of 1024x1024, 1536x1024) for size but received big")
        XCTAssertEqual(error { try c.generationSpend(model: "vid", count: nil, seconds: 3, kept: nil, spent: nil, quality: "high") },
                       "--quality does not apply to vid: it is priced by size alone (720p, 1080p, 4k)")
        XCTAssertEqual(error { try c.generationSpend(model: "img@ultra", count: 1, seconds: nil, kept: nil, spent: nil) },
                       "img has no tier ultra (its tiers: 1024x1024/medium, 1024x1024/high, 1536x1024/medium, 1536x1024/high)")
    }

    func testAvoidedRegenerationIsPricedAtTheSmallestCoveringTier() throws {
        let c = try parsed()
        func avoided(_ spec: String, _ w: Int, _ h: Int, units: Int = 1, seconds: Double? = nil) throws -> AvoidedItem {
            try XCTUnwrap(c.counterfactual(operation: "upscale", explicit: spec, units: units, seconds: seconds,
                                           outputPixels: PixelSize(width: w, height: h)).first)
        }
        // 1000x1000 fits 1024x1024; 1025x1000 needs 1536x1024; the quality is the default's.
        XCTAssertEqual(try avoided("img", 1000, 1000).subtotal.cents, "0.04")
        XCTAssertEqual(try avoided("img", 1024, 1024).subtotal.cents, "0.04")
        let wide = try avoided("img", 1025, 1000)
        XCTAssertEqual(wide.subtotal.cents, "0.06")
        XCTAssertEqual(wide.what, "1 × img generation at 1536x1024/medium (the smallest tier covering 1025x1000), from --avoids")
        // A pinned quality keeps the size rule; a pinned size and quality ignore the output.
        let final = try avoided("final x2", 1400, 900)
        XCTAssertEqual(final.subtotal.cents, "0.48")
        XCTAssertEqual(final.unitPrice.exact, "0.24")
        XCTAssertEqual(final.what, "2 × final (img) generation at 1536x1024/high (the smallest tier covering 1400x900), from --avoids")
        XCTAssertEqual(try avoided("img@1024x1024/high x3", 1400, 900).subtotal.cents, "0.48")
        XCTAssertEqual(try avoided("img@1024x1024/high x3", 1400, 900).what,
                       "3 × img generation at 1024x1024/high (as named), from --avoids")
        // Larger than every tier: the size covering most of it (the portrait output is not in
        // this grid, so the wide size).
        XCTAssertEqual(try avoided("img", 3000, 2000).what,
                       "1 × img generation at 1536x1024/medium (3000x2000 is larger than every tier; the one covering most of it), from --avoids")
        // Unknown output size: the default tier.
        let unknown = try XCTUnwrap(c.counterfactual(operation: "upscale", explicit: "img", units: 1).first)
        XCTAssertEqual(unknown.what, "1 × img generation at 1024x1024/medium (the card's default tier), from --avoids")
        // Video: per second of the clip at the clip's resolution, in either orientation.
        XCTAssertEqual(try avoided("vid", 1920, 1080, seconds: 12).subtotal.cents, "2.40")
        XCTAssertEqual(try avoided("vid", 1080, 1920, seconds: 12).subtotal.cents, "2.40")
        XCTAssertEqual(try avoided("vid", 1000, 700, seconds: 12).subtotal.cents, "1.20")
        XCTAssertEqual(try avoided("vid", 1280, 721, seconds: 12).what,
                       "1 × vid generation of 12 s at 1080p (the smallest tier covering 1280x721), from --avoids")
        XCTAssertEqual(try avoided("vid", 1280, 720).subtotal.cents, "0.80")   // 8 s per_generation without a clip length
        // One-price models are unchanged by the output size.
        XCTAssertEqual(try avoided("flat x2", 4000, 4000).subtotal.cents, "0.10")
        XCTAssertEqual(try avoided("flat x2", 4000, 4000).what, "2 × flat generation, from --avoids")
        // [avoids] per unit, with the tier from the output.
        let perUnit = try PriceCard.parse(card + "\n[avoids]\nreframe = \"img@high\"\n", file: "c.toml")
        let reframe = try perUnit.counterfactual(operation: "reframe", explicit: nil, units: 3, outputPixels: PixelSize(width: 1200, height: 1000))
        XCTAssertEqual(reframe.first?.subtotal.cents, "0.72")
        XCTAssertEqual(reframe.first?.what, "3 × img generation at 1536x1024/high (the smallest tier covering 1200x1000), from [avoids] reframe")
        let priced = try perUnit.pricedCounterfactual(operation: "reframe", explicit: nil, units: 1, outputPixels: PixelSize(width: 10, height: 10))
        XCTAssertEqual(priced.first?.tier?.tier.key, "1024x1024/high")
    }

    func testAvoidSpecsWithTiers() throws {
        let c = try parsed()
        XCTAssertEqual(try c.avoidSpec("img@1536x1024/high x2"), AvoidSpec(name: "img", count: 2, pin: TierPin(size: "1536x1024", quality: "high")))
        XCTAssertEqual(try c.avoidSpec("img@1536x1024"), AvoidSpec(name: "img", count: 1, pin: TierPin(size: "1536x1024")))
        XCTAssertEqual(try c.avoidSpec("img@1536x1024x2"), AvoidSpec(name: "img", count: 2, pin: TierPin(size: "1536x1024")))
        XCTAssertEqual(try c.avoidSpec("final@medium"), AvoidSpec(name: "final", count: 1, pin: TierPin(quality: "medium")))
        XCTAssertThrowsError(try c.avoidSpec("img@ultra x2")) { error in
            XCTAssertEqual("\(error)", "img has no tier ultra (its tiers: 1024x1024/medium, 1024x1024/high, 1536x1024/medium, 1536x1024/high)")
        }
        XCTAssertThrowsError(try c.avoidSpec("flat@high")) { error in
            XCTAssertEqual("\(error)", "flat has one price, not prices by size or quality; drop @high")
        }
        XCTAssertThrowsError(try c.avoidSpec("ghost@high")) { error in
            XCTAssertEqual("\(error)", "ghost@high is not a model or tier on the price card (expected none, final, hero, flat, img, vid, optionally followed by xN)")
        }
    }

    // MARK: - The card validates every tier the models use

    func assertCardError(_ text: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try PriceCard.parse(text, file: "/p/prices.toml"), file: file, line: line) { error in
            XCTAssertEqual("\(error)", expected, file: file, line: line)
        }
    }

    func testIncompleteGridsAndBadTiersAreRejectedWordForWord() {
        let head = "[models.img]\nunit = \"image\"\ndefault = \"1024x1024/low\"\n[models.img.prices]\n"
        assertCardError(head + "\"1024x1024/low\" = 0.01\n\"1024x1024/high\" = 0.1\n\"1536x1024/low\" = 0.02\n",
                        "/p/prices.toml: key models.img.prices: missing tier 1536x1024/high; every size needs a price at every quality (sizes 1024x1024, 1536x1024; qualities low, high)")
        assertCardError(head + "\"1024x1024/low\" = 0.01\n\"4k/low\" = 0.2\n\"4k/high\" = 0.3\n",
                        "/p/prices.toml: key models.img.prices: missing tier 1024x1024/high; every size needs a price at every quality (sizes 1024x1024, 4k; qualities low, high)")
        assertCardError(head + "\"1024x1024/low\" = 0.01\n\"1536x1024\" = 0.02\n",
                        "/p/prices.toml: key models.img.prices.\"1536x1024\": has no quality, but 1024x1024/low has one; give every tier a quality, or none")
        assertCardError(head + "\"1024x1024/low\" = 0.01\n\"huge/low\" = 0.02\n",
                        "/p/prices.toml: key models.img.prices.\"huge/low\": expected a tier such as \"1536x1024/high\" or \"1080p\" (a size WIDTHxHEIGHT or NNNp, then optionally /QUALITY)")
        assertCardError(head + "\"1024x1024/low\" = \"cheap\"\n",
                        "/p/prices.toml: key models.img.prices.\"1024x1024/low\": expected a number but found \"cheap\"")
        assertCardError(head + "\"1024x1024/low\" = -1\n",
                        "/p/prices.toml: key models.img.prices.\"1024x1024/low\": expected a price of 0 or more (at most 1000000000000) but found -1")
        assertCardError(head + "\"1024x1024/low\" = 0.01\n\"1024X1024/low\" = 0.02\n",
                        "/p/prices.toml: key models.img.prices.\"1024x1024/low\": is the same tier as \"1024X1024/low\"")
        assertCardError("[models.img]\nunit = \"image\"\n[models.img.prices]\n\"1024x1024/low\" = 0.01\n",
                        "/p/prices.toml: key models.img.default: missing; a model priced by tier needs the tier to use when the size is unknown, such as \"1024x1024/low\"")
        assertCardError(head.replacingOccurrences(of: "1024x1024/low\"\n[", with: "2048x2048/low\"\n[") + "\"1024x1024/low\" = 0.01\n",
                        "/p/prices.toml: key models.img.default: names tier 2048x2048/low, which is not in models.img.prices (its tiers: 1024x1024/low)")
        assertCardError("[models.img]\nunit = \"image\"\nprice = 1\ndefault = \"1024x1024/low\"\n",
                        "/p/prices.toml: key models.img.default: only applies with a prices table of tiers")
        assertCardError("[models.img]\nunit = \"image\"\nprice = 1\ndefault = \"1024x1024/low\"\n[models.img.prices]\n\"1024x1024/low\" = 0.01\n",
                        "/p/prices.toml: key models.img.price: not allowed beside prices; the default tier's price is the model's price")
        assertCardError("[models.img]\nunit = \"image\"\nprices = 3\n",
                        "/p/prices.toml: key models.img.prices: expected a table such as \"1024x1024/medium\" = 0.042 but found an integer")
        let good = head + "\"1024x1024/low\" = 0.01\n\"1024x1024/high\" = 0.1\n[models.flat]\nunit = \"image\"\nprice = 1\n"
        assertCardError(good + "[tiers]\nfinal = \"img@1536x1024/high\"\n",
                        "/p/prices.toml: key tiers.final: img has no tier 1536x1024/high (its tiers: 1024x1024/low, 1024x1024/high)")
        assertCardError(good + "[tiers]\nfinal = \"flat@high\"\n",
                        "/p/prices.toml: key tiers.final: flat has one price, not prices by size or quality; drop @high")
        assertCardError(good + "[tiers]\nfinal = \"ghost@high\"\n",
                        "/p/prices.toml: key tiers.final: names model ghost, which is not in [models]")
        assertCardError(good + "[avoids]\nupscale = \"img@ultra x2\"\n",
                        "/p/prices.toml: key avoids.upscale: img has no tier ultra (its tiers: 1024x1024/low, 1024x1024/high)")
        XCTAssertNoThrow(try PriceCard.parse(good + "[tiers]\nfinal = \"img@high\"\n[avoids]\nupscale = \"final x2\"\ninpaint = \"img@1024x1024/low\"\n", file: "c.toml"))
    }
}
