import Foundation
import XCTest

/// Every command that writes an edit of an image carries its source's generation record into
/// the output, adds Stet's edit record naming its ledger entry, and never breaks C2PA silently.
final class ProvenanceCommandsCLITests: XCTestCase {
    struct Info: Decodable {
        struct Generation: Decodable, Equatable {
            struct A1111: Decodable, Equatable { var prompt: String; var seed: Int64? }
            struct Comfy: Decodable, Equatable { var workflow: W?; struct W: Decodable, Equatable { var nodes: [N] }
                struct N: Decodable, Equatable { var id: Int; var type: String } }
            var automatic1111: A1111?
            var comfyui: Comfy?
        }
        struct Edit: Decodable { var operation: String; var entry: String?; var source: String? }
        var path: String
        var generation: Generation?
        var c2pa: Bool
        var edits: [Edit]?
    }

    static let record = Info.Generation(automatic1111: .init(prompt: "a red kite", seed: 99),
                                        comfyui: .init(workflow: .init(nodes: [.init(id: 3, type: "KSampler")])))

    /// Fixtures/inpaint/scene.png (PNG, 320x240) with an A1111 and a ComfyUI chunk, and a C2PA
    /// store when asked (the same JUMBF box as the reader's tests).
    func source(_ dir: URL, _ name: String, c2pa: Bool = false) throws -> String {
        let text = "a red kite\nSteps: 25, Sampler: Euler a, CFG scale: 7.5, Seed: 99, Size: 320x240, Model: m"
        var chunks = [InfoProvenanceCLITests.chunk("tEXt", Array("parameters\0\(text)".utf8)),
                      InfoProvenanceCLITests.chunk("tEXt", Array(#"workflow\#0{"nodes":[{"id":3,"type":"KSampler"}]}"#.utf8))]
        if c2pa {
            let label = Array("c2pa".utf8) + [0]
            let jumd: [UInt8] = [0, 0, 0, UInt8(8 + 16 + 1 + label.count)] + Array("jumd".utf8)
                + Array("c2pa".utf8) + [0, 0x11, 0, 0x10, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71] + [3] + label
            chunks.append(InfoProvenanceCLITests.chunk("caBX", [0, 0, 0, UInt8(8 + jumd.count)] + Array("jumb".utf8) + jumd))
        }
        let base = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Stet.fixture("inpaint/scene.png"))))
        let url = dir.appendingPathComponent(name)
        try Data(base[0..<33] + chunks.flatMap { $0 } + base[33...]).write(to: url)
        return url.path
    }

    func info(_ path: String) throws -> Info {
        let run = try Stet.run(["info", "--json", path])
        XCTAssertEqual(run.status, 0, run.stderr)
        return try JSONDecoder().decode(Info.self, from: Data(run.stdout.utf8))
    }

    /// The ledger's entries: uuid → operation.
    func entries(_ ledger: String) throws -> [String: String] {
        let export = try Stet.run(["ledger", "export", "--format", "jsonl", "--ledger", ledger])
        XCTAssertEqual(export.status, 0, export.stderr)
        var out: [String: String] = [:]
        for line in export.stdout.split(separator: "\n") {
            let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            out[o["uuid"] as? String ?? "?"] = o["operation"] as? String
        }
        return out
    }

    func testEveryEditCarriesTheRecordAndNamesItsLedgerEntry() throws {
        let dir = try Stet.tempDir()
        let src = try source(dir, "shot.png")
        let ledger = dir.appendingPathComponent("ledger.sqlite").path
        func stet(_ args: [String]) throws {
            let run = try Stet.run(args + ["--ledger", ledger])
            XCTAssertEqual(run.status, 0, "\(args): \(run.stderr)")
        }
        let d = dir.path
        try stet(["mask", src, "--rect", "100,80,40,30", "-o", "\(d)/m.png"])
        try stet(["draft", src, "--out", "\(d)/drafts"])
        try stet(["upscale", src, "--scale", "2", "--method", "lanczos", "-o", "\(d)/up.webp"])
        try stet(["reframe", src, "--for", "instagram-square", "--out", "\(d)/rf"])
        try stet(["inpaint", src, "--mask", "\(d)/m.png", "-o", "\(d)/fixed.png"])
        try stet(["patch", src, "--with", "\(d)/fixed.png", "--mask", "\(d)/m.png", "-o", "\(d)/patched.png"])
        try stet(["split", src, "--grid", "2x2", "--out", "\(d)/cells"])
        let outputs = ["draft": "\(d)/drafts/shot.jpg", "upscale": "\(d)/up.webp",
                       "reframe": "\(d)/rf/shot-instagram-square.png", "inpaint": "\(d)/fixed.png",
                       "patch": "\(d)/patched.png", "split": "\(d)/cells/shot-1.png"]
        let ledgerEntries = try entries(ledger)
        let sourceHash = try Stet.sha256sum(src)
        for (operation, path) in outputs {
            let i = try info(path)
            XCTAssertEqual(i.generation, Self.record, operation)
            let edit = try XCTUnwrap(i.edits?.last, operation)
            XCTAssertEqual(edit.operation, operation)
            XCTAssertEqual(edit.source, sourceHash, operation)
            // The record leads to the ledger row that recorded this use.
            XCTAssertEqual(ledgerEntries[try XCTUnwrap(edit.entry, operation)], operation, operation)
        }
        // An edit of an edit: the chain.
        try stet(["upscale", "\(d)/fixed.png", "--scale", "2", "--method", "lanczos", "-o", "\(d)/fixed-up.jpg"])
        let chain = try info("\(d)/fixed-up.jpg")
        XCTAssertEqual(chain.edits?.map(\.operation), ["inpaint", "upscale"])
        XCTAssertEqual(chain.generation, Self.record)
        // A grid's map keeps each cell's record.
        try stet(["grid", src, Stet.fixture("candidate-1.jpg"), "-o", "\(d)/sheet.jpg"])
        let map = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(d)/sheet.json"))) as? [String: Any])
        let cells = try XCTUnwrap(map["cells"] as? [[String: Any]])
        let first = try XCTUnwrap((cells[0]["generation"] as? [String: Any])?["automatic1111"] as? [String: Any])
        XCTAssertEqual(first["seed"] as? Int, 99)
        XCTAssertNil(cells[1]["generation"])
        // --no-log: the record is written, naming no entry.
        let unlogged = try Stet.run(["upscale", src, "--scale", "2", "--method", "lanczos", "-o", "\(d)/nolog.png", "--no-log"])
        XCTAssertEqual(unlogged.status, 0, unlogged.stderr)
        let n = try info("\(d)/nolog.png")
        XCTAssertEqual(n.generation, Self.record)
        XCTAssertNil(n.edits?.last?.entry)
        XCTAssertNil(n.edits?.last?.source)
    }

    func testStripProvenanceLeavesNone() throws {
        let dir = try Stet.tempDir()
        let src = try source(dir, "shot.png")
        for (args, out) in [(["upscale", src, "--scale", "2", "--method", "lanczos", "-o"], "u.jpg"),
                            (["reframe", src, "--for", "instagram-square", "--out", dir.path, "--format", "png"], ""),
                            (["draft", src, "--format", "webp", "--out"], "d")] {
            let target = dir.appendingPathComponent(out).path
            let run = try Stet.run(args + (out.isEmpty ? [] : [target]) + ["--strip-provenance", "--no-log"])
            XCTAssertEqual(run.status, 0, run.stderr)
        }
        for path in ["u.jpg", "shot-instagram-square.png", "d/shot.webp"] {
            let i = try info(dir.appendingPathComponent(path).path)
            XCTAssertNil(i.generation, path)
            XCTAssertNil(i.edits, path)
        }
    }

    func testC2PASourceGetsASidecarAndAWarningUnlessKept() throws {
        let dir = try Stet.tempDir()
        let src = try source(dir, "signed.png", c2pa: true)
        let out = dir.appendingPathComponent("big.png").path
        let run = try Stet.run(["upscale", src, "--scale", "2", "--method", "lanczos", "-o", out, "--no-log"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let sidecar = dir.appendingPathComponent("big.c2pa").path
        XCTAssertEqual(run.stderr, "warning: \(src): the source carries C2PA content credentials, which the edit no longer matches; the output has none, the original manifest is in \(sidecar)\n")
        XCTAssertFalse(try info(out).c2pa)
        XCTAssertEqual(try info(out).generation, Self.record)
        let store = try Data(contentsOf: URL(fileURLWithPath: sidecar))
        XCTAssertEqual(Array(store[4..<8]), Array("jumb".utf8))
        let kept = dir.appendingPathComponent("kept.jpg").path
        let keep = try Stet.run(["upscale", src, "--scale", "2", "--method", "lanczos", "-o", kept, "--no-log", "--keep-c2pa"])
        XCTAssertEqual(keep.status, 0, keep.stderr)
        XCTAssertTrue(keep.stderr.contains("copied unchanged into the output and no longer matches its pixels; re-sign it"), keep.stderr)
        XCTAssertTrue(try info(kept).c2pa)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("kept.c2pa").path))
        // Several outputs of one source: a sidecar beside each, one warning line for them all.
        let social = dir.appendingPathComponent("social").path
        let many = try Stet.run(["reframe", src, "--for", "instagram-square,shorts", "--out", social, "--no-log", "-q"])
        XCTAssertEqual(many.status, 0, many.stderr)
        let warnings = many.stderr.split(separator: "\n").filter { $0.contains("C2PA") }
        XCTAssertEqual(warnings, ["warning: \(src): the source carries C2PA content credentials, which the edit no longer matches; the outputs have none, the original manifest is beside each of the 2 outputs (\(social)/signed-instagram-square.c2pa, ...)"])
        XCTAssertEqual(Stet.listing(URL(fileURLWithPath: social)).filter { $0.hasSuffix(".c2pa") },
                       ["signed-instagram-square.c2pa", "signed-shorts.c2pa"])
    }
}
