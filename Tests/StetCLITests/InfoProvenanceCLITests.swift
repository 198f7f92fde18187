import Foundation
import XCTest

final class InfoProvenanceCLITests: XCTestCase {
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }

    static func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
        let typed = Array(type.utf8) + body
        return be(UInt32(body.count)) + typed + be(crc32(typed))
    }

    /// Fixtures/alpha.png with `chunks` spliced in after IHDR (8 + 25 bytes).
    static func png(_ chunks: [[UInt8]], at url: URL) throws {
        let base = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Stet.fixture("alpha.png"))))
        try Data(base[0..<33] + chunks.flatMap { $0 } + base[33...]).write(to: url)
    }

    struct Row: Decodable {
        struct Generation: Decodable {
            struct A1111: Decodable { var prompt: String; var negativePrompt: String?; var seed: Int64?; var steps: Int?
                var sampler: String?; var cfgScale: Double?; var width: Int?; var height: Int?; var model: String? }
            var automatic1111: A1111?
        }
        var width: Int; var generation: Generation?; var c2pa: Bool
    }

    func testInfoShowsTheGenerationRecordAndC2PA() throws {
        let dir = try Stet.tempDir()
        let a1111 = dir.appendingPathComponent("a1111.png"), signed = dir.appendingPathComponent("signed.png")
        let text = "a red kite\nNegative prompt: fog\nSteps: 25, Sampler: Euler a, CFG scale: 7.5, Seed: 1234567890, Size: 320x240, Model: dreamshaper_8"
        try Self.png([Self.chunk("tEXt", Array("parameters\0\(text)".utf8))], at: a1111)
        let jumb: [UInt8] = [0, 0, 0, 8] + Array("jumb".utf8)
        try Self.png([Self.chunk("caBX", jumb), Self.chunk("tEXt", Array("workflow\0{\"nodes\":".utf8))], at: signed)
        let run = try Stet.run(["info", "--json", a1111.path, signed.path, Stet.fixture("grey.jpg")])
        XCTAssertEqual(run.status, 0, run.stderr)
        let rows = try run.stdout.split(separator: "\n").map { try JSONDecoder().decode(Row.self, from: Data($0.utf8)) }
        XCTAssertEqual(rows.map(\.c2pa), [false, true, false])
        XCTAssertEqual(rows.map(\.width), [320, 320, 320])
        let a = try XCTUnwrap(rows[0].generation?.automatic1111)
        XCTAssertEqual(a.prompt, "a red kite")
        XCTAssertEqual(a.negativePrompt, "fog")
        XCTAssertEqual(a.seed, 1_234_567_890)
        XCTAssertEqual(a.steps, 25)
        XCTAssertEqual(a.sampler, "Euler a")
        XCTAssertEqual(a.cfgScale, 7.5)
        XCTAssertEqual([a.width, a.height], [320, 240])
        XCTAssertEqual(a.model, "dreamshaper_8")
        XCTAssertNil(rows[2].generation)
        // The broken workflow is said once on stderr, naming the file; the row still prints.
        XCTAssertEqual(run.stderr, "warning: \(signed.path): ComfyUI workflow is not valid JSON; kept as text\n")

        let table = try Stet.run(["info", a1111.path, signed.path])
        XCTAssertEqual(table.status, 0, table.stderr)
        let lines = table.stdout.split(separator: "\n")
        XCTAssertTrue(lines[0].contains("generation") && lines[0].hasSuffix("c2pa  edits"), table.stdout)
        XCTAssertTrue(lines[2].contains("a1111 seed 1234567890") && lines[2].hasSuffix("no    -"), table.stdout)
        XCTAssertTrue(lines[3].contains("text") && lines[3].hasSuffix("yes   -"), table.stdout)
    }

    /// PNG -> PNG through upscale: the record read back from the output equals the source's.
    func testUpscaleCarriesTheRecordPNGToPNG() throws {
        let dir = try Stet.tempDir()
        let src = dir.appendingPathComponent("src.png"), out = dir.appendingPathComponent("big.png")
        let jpg = dir.appendingPathComponent("big.jpg")
        let text = "a red kite\nSteps: 25, Sampler: Euler a, CFG scale: 7.5, Seed: 99, Size: 320x240, Model: m"
        let workflow = #"{"nodes":[{"id":3,"type":"KSampler"}]}"#
        try Self.png([Self.chunk("tEXt", Array("parameters\0\(text)".utf8)),
                      Self.chunk("tEXt", Array("workflow\0\(workflow)".utf8)),
                      Self.chunk("tEXt", Array("Software\0other tool".utf8))], at: src)
        let run = try Stet.run(["upscale", src.path, "--method", "lanczos", "--scale", "2", "-o", out.path, "--no-log"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let info = { (path: String) throws -> String in try Stet.run(["info", "--json", path]).stdout }
        struct Gen: Decodable { var generation: JSONValueish?; var width: Int }
        struct JSONValueish: Decodable, Equatable { var automatic1111: A; var comfyui: C; var text: [String: String]?
            struct A: Decodable, Equatable { var prompt: String; var seed: Int64 }
            struct C: Decodable, Equatable { var workflow: W; struct W: Decodable, Equatable { var nodes: [N] }
                struct N: Decodable, Equatable { var id: Int; var type: String } } }
        let a = try JSONDecoder().decode(Gen.self, from: Data(try info(src.path).utf8))
        let b = try JSONDecoder().decode(Gen.self, from: Data(try info(out.path).utf8))
        XCTAssertEqual(b.width, 640)
        XCTAssertEqual(b.generation?.automatic1111, .init(prompt: "a red kite", seed: 99))
        XCTAssertEqual(b.generation?.comfyui.workflow.nodes, [.init(id: 3, type: "KSampler")])
        XCTAssertEqual(a.generation?.text, ["Software": "other tool"])
        // Only the generation record is carried; other text is still stripped.
        XCTAssertNil(b.generation?.text)
        XCTAssertEqual(b.generation?.automatic1111, a.generation?.automatic1111)
        // PNG -> JPEG: the same record, in XMP.
        XCTAssertEqual(try Stet.run(["upscale", src.path, "--method", "lanczos", "--scale", "2", "-o", jpg.path, "--no-log"]).status, 0)
        let c = try JSONDecoder().decode(Gen.self, from: Data(try info(jpg.path).utf8))
        XCTAssertEqual(c.generation?.automatic1111, a.generation?.automatic1111)
        XCTAssertEqual(c.generation?.comfyui, b.generation?.comfyui)
        // --strip-provenance: none.
        XCTAssertEqual(try Stet.run(["upscale", src.path, "--method", "lanczos", "--scale", "2", "-o", jpg.path, "--no-log",
                                     "--strip-provenance"]).status, 0)
        XCTAssertFalse(try info(jpg.path).contains("generation"))
        XCTAssertFalse(try info(jpg.path).contains("edits"))
    }
}
