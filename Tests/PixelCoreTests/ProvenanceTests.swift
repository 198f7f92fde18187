import CVips
import Foundation
import PixelCore
import XCTest

/// Files with generation records, built byte by byte here (chunks with real CRCs from zlib).
enum ProvenanceFixture {
    static func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }

    static func chunk(_ type: String, _ body: [UInt8], badCRC: Bool = false) -> [UInt8] {
        let typed = Array(type.utf8) + body
        let crc = typed.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
        return be32(body.count) + typed + be32(Int(badCRC ? crc ^ 1 : crc))
    }

    static func deflate(_ bytes: [UInt8]) -> [UInt8] {
        var size = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        XCTAssertEqual(compress(&out, &size, bytes, uLong(bytes.count)), Z_OK)
        return Array(out[0..<Int(size)])
    }

    static func tEXt(_ key: String, _ value: String) -> [UInt8] { chunk("tEXt", Array(key.utf8) + [0] + Array(value.utf8)) }
    static func zTXt(_ key: String, _ value: String) -> [UInt8] {
        chunk("zTXt", Array(key.utf8) + [0, 0] + deflate(Array(value.utf8)))
    }
    static func iTXt(_ key: String, _ bytes: [UInt8]) -> [UInt8] { chunk("iTXt", Array(key.utf8) + [0, 0, 0, 0, 0] + bytes) }

    /// A valid 2x2 grey PNG with `extra` chunks between IHDR and IDAT.
    static func png(_ extra: [[UInt8]]) -> Data {
        let ihdr = chunk("IHDR", be32(2) + be32(2) + [8, 0, 0, 0, 0])
        let idat = chunk("IDAT", deflate([0, 0x40, 0x80, 0, 0xC0, 0xFF]))
        return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + ihdr + extra.flatMap { $0 } + idat + chunk("IEND", []))
    }

    /// A JUMBF superbox declaring `declared` bytes (its real length when nil) labelled c2pa.
    static func jumbf(declared: Int? = nil) -> [UInt8] {
        let label = Array("c2pa".utf8) + [0]
        let uuid = Array("c2pa".utf8) + [0, 0x11, 0, 0x10, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71]
        let jumd = be32(8 + uuid.count + 1 + label.count) + Array("jumd".utf8) + uuid + [3] + label
        let total = 8 + jumd.count
        return be32(declared ?? total) + Array("jumb".utf8) + jumd
    }

    /// `jpeg` with `segments` (marker, payload) inserted after SOI.
    static func jpeg(_ jpeg: Data, _ segments: [(UInt8, [UInt8])]) -> Data {
        var out: [UInt8] = [0xFF, 0xD8]
        for (marker, payload) in segments {
            out += [0xFF, marker, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 255)] + payload
        }
        return Data(out + jpeg.dropFirst(2))
    }

    static let a1111 = """
        a lighthouse at dusk, "oil painting", 8k
        golden hour
        Negative prompt: blurry, lowres
        text, watermark
        Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 3141592653, Size: 768x512, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Lora hashes: "detail: 1a2b, light: 3c4d", Version: v1.9.4
        """

    static let comfyPrompt = #"{"3":{"class_type":"KSampler","inputs":{"seed":156680208700286,"steps":20,"cfg":8,"sampler_name":"euler","model":["4",0]}},"4":{"class_type":"CheckpointLoaderSimple","inputs":{"ckpt_name":"v1-5.safetensors"}}}"#
    static let comfyWorkflow = #"{"last_node_id":9,"nodes":[{"id":3,"type":"KSampler","widgets_values":[156680208700286,"randomize",20,8,"euler","normal",1]}],"version":0.4}"#

    static let xmpPacket = """
        <?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/"><exif:UserComment><rdf:Alt><rdf:li xml:lang="x-default">red fox &amp; snow&#10;Steps: 30, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 320x240, Model: sdxl-base</rdf:li></rdf:Alt></exif:UserComment></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>
        """
}

final class ProvenanceTests: XCTestCase {
    typealias F = ProvenanceFixture

    func testA1111ParametersParsedExactly() throws {
        let p = Provenance.read(data: F.png([F.tEXt("parameters", F.a1111)]))
        XCTAssertEqual(p.warnings, [])
        XCTAssertFalse(p.c2pa)
        let a = try XCTUnwrap(p.generation?.automatic1111)
        XCTAssertEqual(a.prompt, "a lighthouse at dusk, \"oil painting\", 8k\ngolden hour")
        XCTAssertEqual(a.negativePrompt, "blurry, lowres\ntext, watermark")
        XCTAssertEqual(a.steps, 28)
        XCTAssertEqual(a.sampler, "DPM++ 2M Karras")
        XCTAssertEqual(a.cfgScale, 6.5)
        XCTAssertEqual(a.seed, 3_141_592_653)
        XCTAssertEqual([a.width, a.height], [768, 512])
        XCTAssertEqual(a.model, "v1-5-pruned-emaonly")
        XCTAssertEqual(a.modelHash, "6ce0161689")
        XCTAssertEqual(a.settings.map(\.key), ["Steps", "Sampler", "CFG scale", "Seed", "Size", "Model hash", "Model",
                                               "Lora hashes", "Version"])
        XCTAssertEqual(a.settings[7].value, "detail: 1a2b, light: 3c4d")
        XCTAssertEqual(a.settings[8].value, "v1.9.4")
    }

    func testComfyUIPromptAndWorkflowAsJSON() throws {
        // The workflow compressed (zTXt), as some savers write it.
        let p = Provenance.read(data: F.png([F.tEXt("prompt", F.comfyPrompt), F.zTXt("workflow", F.comfyWorkflow)]))
        XCTAssertEqual(p.warnings, [])
        let comfy = try XCTUnwrap(p.generation?.comfyui)
        XCTAssertEqual(comfy.prompt?["3"]?["inputs"]?["seed"], .number(156_680_208_700_286))
        XCTAssertEqual(comfy.prompt?["4"]?["inputs"]?["ckpt_name"], .string("v1-5.safetensors"))
        XCTAssertEqual(comfy.workflow?["last_node_id"], .number(9))
        XCTAssertEqual(comfy.workflow, JSONValue.parse(F.comfyWorkflow))
        XCTAssertNil(p.generation?.automatic1111)
    }

    func testXMPInJPEGAndPNG() throws {
        let base = try Data(contentsOf: URL(fileURLWithPath: Fixture.path("grey.jpg")))
        let id = Array("http://ns.adobe.com/xap/1.0/\0".utf8)
        let jpeg = Provenance.read(data: F.jpeg(base, [(0xE1, id + Array(F.xmpPacket.utf8))]))
        XCTAssertEqual(jpeg.warnings, [])
        XCTAssertEqual(jpeg.generation?.xmp, F.xmpPacket)
        let a = try XCTUnwrap(jpeg.generation?.automatic1111)
        XCTAssertEqual(a.prompt, "red fox & snow")
        XCTAssertEqual([a.seed, a.steps.map(Int64.init)], [42, 30])
        XCTAssertEqual(a.model, "sdxl-base")
        let png = Provenance.read(data: F.png([F.iTXt("XML:com.adobe.xmp", Array(F.xmpPacket.utf8))]))
        XCTAssertEqual(png.generation?.automatic1111, a)
    }

    func testC2PADetectedInPNGJPEGAndWebP() throws {
        let png = Provenance.read(data: F.png([F.chunk("caBX", F.jumbf())]))
        XCTAssertTrue(png.c2pa)
        XCTAssertEqual(png.warnings, [])
        XCTAssertNil(png.generation)
        let box = F.jumbf()
        let base = try Data(contentsOf: URL(fileURLWithPath: Fixture.path("grey.jpg")))
        let jpeg = Provenance.read(data: F.jpeg(base, [(0xEB, [0x4A, 0x50, 0, 1, 0, 0, 0, 1] + box)]))
        XCTAssertTrue(jpeg.c2pa)
        XCTAssertEqual(jpeg.warnings, [])
        XCTAssertFalse(Provenance.read(data: base).c2pa)
        let vp8l: [UInt8] = Array("VP8L".utf8) + [5, 0, 0, 0, 0x2F, 0, 0, 0, 0, 0]
        let c2paChunk: [UInt8] = Array("C2PA".utf8) + [UInt8(box.count), 0, 0, 0] + box + (box.count % 2 == 1 ? [0] : [])
        let body = Array("WEBP".utf8) + vp8l + c2paChunk
        let webp = Data(Array("RIFF".utf8) + [UInt8(body.count & 255), UInt8(body.count >> 8), 0, 0] + body)
        XCTAssertTrue(Provenance.read(data: webp).c2pa)
        XCTAssertEqual(Provenance.read(data: webp).warnings, [])
    }

    func testMalformedChunksAreSkippedWithAWarning() throws {
        let p = Provenance.read(data: F.png([
            F.chunk("tEXt", Array("parameters\0junk".utf8), badCRC: true),
            F.chunk("tEXt", Array("no keyword at all".utf8)),
            F.chunk("iTXt", Array("cut\0".utf8)),
            F.tEXt("prompt", "{not json"),
            F.tEXt("parameters", F.a1111),
        ]))
        XCTAssertEqual(p.warnings, ["PNG tEXt chunk has a bad CRC; skipped", "PNG tEXt chunk has no valid keyword; skipped",
                                    "cut iTXt chunk is cut short; skipped", "ComfyUI prompt is not valid JSON; kept as text"])
        XCTAssertEqual(p.generation?.automatic1111?.seed, 3_141_592_653)
        XCTAssertEqual(p.generation?.text, ["prompt": "{not json"])
        // Every prefix of the file reads without a crash, and stops with at most a few warnings.
        let whole = F.png([F.tEXt("parameters", F.a1111), F.zTXt("workflow", F.comfyWorkflow), F.chunk("caBX", F.jumbf())])
        for n in 0..<whole.count {
            XCTAssertLessThanOrEqual(Provenance.read(data: whole.prefix(n)).warnings.count, 2)
        }
    }

    func testTenMegabyteWorkflowIsLeftOutWithAWarning() throws {
        let big = "{\"nodes\":[" + String(repeating: "{\"id\":1,\"type\":\"Note\"},", count: 440_000) + "{}]}"
        XCTAssertGreaterThan(big.utf8.count, 10_000_000)
        let start = Date()
        let p = Provenance.read(data: F.png([F.tEXt("prompt", F.comfyPrompt), F.tEXt("workflow", big)]))
        XCTAssertEqual(p.warnings, ["workflow text is \(big.utf8.count) bytes, over the 4194304-byte limit; left out"])
        XCTAssertNil(p.generation?.comfyui?.workflow)
        XCTAssertEqual(p.generation?.comfyui?.prompt, JSONValue.parse(F.comfyPrompt))
        // Compressed, it is bounded while inflating, not after.
        let z = Provenance.read(data: F.png([F.zTXt("workflow", big)]))
        XCTAssertEqual(z.warnings, ["workflow text inflates to over the 4194304-byte limit; left out"])
        XCTAssertNil(z.generation)
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
    }

    func testInvalidUTF8IsDecodedLossilyWithAWarning() throws {
        let bytes = Array("Steps: 20, Sampler: Euler, Seed: 7, Model: caf".utf8) + [0xC3, 0x28, 0xFF]
        let p = Provenance.read(data: F.png([F.iTXt("parameters", Array("a cat\n".utf8) + bytes)]))
        XCTAssertEqual(p.warnings, ["parameters text is not valid UTF-8; invalid bytes replaced"])
        let a = try XCTUnwrap(p.generation?.automatic1111)
        XCTAssertEqual(a.prompt, "a cat")
        XCTAssertEqual(a.seed, 7)
        XCTAssertEqual(a.model, "caf\u{FFFD}(\u{FFFD}")
        // tEXt is Latin-1 by the PNG spec: read as such, said so.
        let latin = Provenance.read(data: F.png([F.chunk("tEXt", Array("Comment\0caf".utf8) + [0xE9])]))
        XCTAssertEqual(latin.generation?.text, ["Comment": "café"])
        XCTAssertEqual(latin.warnings, ["Comment text is not UTF-8; read as Latin-1"])
    }

    func testTruncatedJUMBFBoxIsSafeAndSaid() throws {
        let box = F.jumbf(declared: 5000)
        let png = Provenance.read(data: F.png([F.chunk("caBX", box)]))
        XCTAssertTrue(png.c2pa)
        XCTAssertEqual(png.warnings, ["C2PA JUMBF box is truncated (declares 5000 bytes, \(box.count) present)"])
        let base = try Data(contentsOf: URL(fileURLWithPath: Fixture.path("grey.jpg")))
        let jpeg = Provenance.read(data: F.jpeg(base, [(0xEB, [0x4A, 0x50, 0, 1, 0, 0, 0, 1] + box)]))
        XCTAssertTrue(jpeg.c2pa)
        XCTAssertEqual(jpeg.warnings, ["C2PA JUMBF box is truncated (declares 5000 bytes, \(box.count) present)"])
        let tiny = Provenance.read(data: F.png([F.chunk("caBX", [0, 0, 1])]))
        XCTAssertEqual(tiny.warnings, ["C2PA JUMBF box in caBX is truncated (3 bytes)"])
    }
}
