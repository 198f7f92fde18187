import CostLedger
import Foundation
import XCTest

/// Inputs that Tools/fuzz found crashing a parser, kept so they stay clean thrown errors.
final class FuzzRegressionTests: XCTestCase {
    enum Stet {
        static var root: URL {
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        }
    }

    func testTableHeadersThatAbortedTOMLKitAreParseErrors() {
        // toml++ asserted (SIGABRT) on a header name starting with anything but a key character.
        let cases = ["[#": "line 1, column 2", "[models.a]\nunit = \"image\"\nprice = 1\n[\n": "line 4, column 2",
                     "[[ !x]]": "line 1, column 4", "  [\t%]": "line 1, column 5", "[\r\nx=1": "line 1, column 2",
                     // A ''' in a comment opens no string (the second find).
                     "#'''\n[.": "line 2, column 2"]
        for (text, place) in cases {
            XCTAssertThrowsError(try PriceCard.parse(text, file: "prices.toml")) {
                XCTAssertEqual("\($0)", "prices.toml: \(place): expected a table name after [", text)
            }
        }
        // The third find: a value starting with "}" made toml++ assert too.
        for (text, place) in ["d=[}": "line 1, column 4", "a = }": "line 1, column 5", "x = [1, }": "line 1, column 9",
                              "a = {b =\n}": "line 2, column 1"] {
            XCTAssertThrowsError(try PriceCard.parse(text, file: "prices.toml")) {
                XCTAssertEqual("\($0)", "prices.toml: \(place): expected a value before }", text)
            }
        }
        // Not headers: inside a multi-line string, and TOML's own error for a [ at the very end.
        let card = "note = \"\"\"\n[# not a header\n\"\"\"\n[models.a]\nunit = \"image\"\nprice = 1\n"
        XCTAssertThrowsError(try PriceCard.parse(card, file: "p.toml")) { XCTAssertEqual("\($0)", "p.toml: key note: unknown key (expected currency, updated, models, tiers or avoids)") }
        XCTAssertThrowsError(try PriceCard.parse("[", file: "p.toml")) { XCTAssertFalse("\($0)".contains("table name")) }
        XCTAssertNoThrow(try PriceCard.parse(PriceCard.builtIn.text, file: "p.toml"))
    }

    func testADateFollowedByAStrayDigitIsAParseError() throws {
        // The fourth find (Tools/fuzz/known-crashes/price-card-datetime-assert.toml): toml++
        // asserted on a date followed by a space and a digit that starts no time.
        let known = Stet.root.appendingPathComponent("Tools/fuzz/known-crashes/price-card-datetime-assert.toml")
        let text = try String(contentsOf: known, encoding: .utf8)
        for (card, place) in [(text, "line 1, column 3"), ("[models.a]\nas_of = 2025-06-01T1\n", "line 2, column 9")] {
            XCTAssertThrowsError(try PriceCard.parse(card, file: "p.toml")) {
                XCTAssertEqual("\($0)", "p.toml: \(place): a date-time needs its time as HH:MM:SS after the date", card)
            }
        }
        // Dates, date-times and a date before a comment still parse as TOML.
        for card in ["[models.a]\nunit = \"image\"\nprice = 1\nas_of = 2025-06-01 # read then\n",
                     "[models.a]\nunit = \"image\"\nprice = 1\nas_of = 2025-06-01\n"] {
            XCTAssertNoThrow(try PriceCard.parse(card, file: "p.toml"), card)
        }
    }

    func testHugeAmountsAreErrorsOrHeldAtTheLimitNotTraps() throws {
        XCTAssertThrowsError(try PriceCard.parse("[models.a]\nunit = \"image\"\nprice = 1e20\n", file: "p.toml")) {
            XCTAssertEqual("\($0)", "p.toml: key models.a.price: expected a price of at most 1000000000000 but found 100000000000000000000")
        }
        // --avoids with a count of 10^18: the product is held at Money.limit.
        let items = try PriceCard.builtIn.counterfactual(operation: "upscale", explicit: "final x999999999999999999", units: 1)
        XCTAssertEqual(items.first?.subtotal, Money(Money.limit))
        // An imported line with an amount past the limit is not a ledger entry.
        let line = try EntryFormat.jsonLine(LedgerEntry(project: nil, user: "u", commandLine: "c", operation: "upscale",
            spent: [PriceCard.builtIn.spent(1, operation: "upscale")], priceCardHash: "h", stetVersion: "t"))
        let bad = line.replacingOccurrences(of: "\"subtotal\":1", with: "\"subtotal\":1e300")
        XCTAssertNotEqual(bad, line)
        XCTAssertThrowsError(try EntryFormat.entry(fromJSONLine: bad))
        XCTAssertNoThrow(try EntryFormat.entry(fromJSONLine: line))
    }

    func testTagsParseAsLedgerOptionsDid() throws {
        XCTAssertEqual(try Tags.parse([" k =a=b", "x=", "c=d"]), ["k": "a=b", "x": "", "c": "d"])
        for (tags, message) in [(["=v"], "Expected key=value for tag but received =v"), (["kv"], "Expected key=value for tag but received kv"),
                                ([" =v"], "Expected key=value for tag but received  =v"), (["a=1", "a =2"], "Tag a is given twice")] {
            XCTAssertThrowsError(try Tags.parse(tags)) { XCTAssertEqual("\($0)", message) }
        }
    }
}
