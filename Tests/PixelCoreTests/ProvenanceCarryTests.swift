import Foundation
import PixelCore
import StetSupport
import XCTest

/// The generation record carried from a source into an edit's output, in the output format's
/// own carrier, read back equal; Stet's edit chain; C2PA never broken silently.
final class ProvenanceCarryTests: XCTestCase {
    typealias F = ProvenanceFixture
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "stet-carry-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func write(_ name: String, _ data: Data) throws -> String {
        let path = dir + "/" + name
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A 40x30 picture to save (with alpha when asked, so WebP goes through VP8L with alpha).
    func picture(alpha: Bool = false) throws -> Image {
        let bands = alpha ? 4 : 3
        var r = PixelRaster(width: 40, height: 30, bands: bands)
        for y in 0..<30 { for x in 0..<40 { for c in 0..<bands { r.bytes[(y * 40 + x) * bands + c] = UInt8((x * 6 + y * 3 + c * 50) % 256) } } }
        return try r.image()
    }

    func options(keepC2PA: Bool = false, keep: Bool = true) -> ProvenanceCarry.Options {
        var o = ProvenanceCarry.Options()
        o.keep = keep; o.keepC2PA = keepC2PA; o.entryID = "entry-1"; o.version = "test"
        return o
    }

    /// What a record says, without the carrier it came in (a raw XMP packet is compared apart).
    func content(_ g: GenerationRecord?) -> GenerationRecord? {
        guard var g else { return nil }
        g.xmp = nil
        return g
    }

    func testPNGRecordSurvivesIntoPNGJPEGAndWebP() throws {
        let src = try write("src.png", F.png([F.tEXt("parameters", F.a1111), F.tEXt("prompt", F.comfyPrompt),
                                              F.zTXt("workflow", F.comfyWorkflow), F.tEXt("Software", "other")]))
        let source = Provenance.read(path: src)
        XCTAssertNotNil(source.generation?.automatic1111)
        for (ext, format) in [("png", OutputFormat.png), ("jpg", .jpeg), ("webp", .webp)] {
            for alpha in [false, true] where !(alpha && format == .jpeg) {
                let out = dir + "/out-\(alpha).\(ext)"
                let done = try ProvenanceCarry.save(try picture(alpha: alpha), to: out, encoding: .standard, source: src,
                                                    operation: "upscale", parameters: ["scale": "2"], options: options())
                XCTAssertEqual(done.id, "entry-1")
                let back = Provenance.read(path: out)
                XCTAssertEqual(back.warnings, [], ext)
                // Everything but other text (Software) comes back, value for value.
                var expected = try XCTUnwrap(source.generation)
                expected.text = nil
                XCTAssertEqual(content(back.generation), content(expected), ext)
                XCTAssertEqual(back.generation?.automatic1111?.seed, 3_141_592_653, ext)
                XCTAssertEqual(back.edits, [StetEdit(operation: "upscale", parameters: ["scale": "2"],
                                                     source: try SHA256.hex(ofFile: src), entry: "entry-1", stet: "test")], ext)
                // The file is still a good image of the same pixels.
                let decoded = try Image.decode(out)
                XCTAssertEqual([decoded.width, decoded.height, decoded.hasAlpha ? 1 : 0], [40, 30, alpha ? 1 : 0], ext)
                // The same pixels as the same save without the record (only metadata was added).
                let plain = dir + "/plain-\(alpha).\(ext)"
                try picture(alpha: alpha).save(plain)
                XCTAssertEqual(try Pixels.psnr(decoded, try Image.decode(plain)), 99, ext)
            }
        }
    }

    func testJPEGXMPRecordSurvivesIntoPNGAndTheChainGrows() throws {
        let base = try picture().encoded(.jpeg)
        let src = try write("src.jpg", F.jpeg(Data(base), [(0xE1, Array("http://ns.adobe.com/xap/1.0/\0".utf8) + Array(F.xmpPacket.utf8))]))
        let source = Provenance.read(path: src)
        XCTAssertEqual(source.generation?.automatic1111?.seed, 42)
        let png = dir + "/a.png"
        _ = try ProvenanceCarry.save(try picture(), to: png, encoding: .standard, source: src, operation: "inpaint",
                                     parameters: [:], options: options())
        let back = Provenance.read(path: png)
        XCTAssertEqual(back.generation, source.generation)   // the packet itself too
        XCTAssertEqual(back.generation?.xmp, F.xmpPacket)
        // An edit of the edit: both steps, oldest first.
        let jpg = dir + "/b.jpg"
        var o = options(); o.entryID = "entry-2"
        _ = try ProvenanceCarry.save(try picture(), to: jpg, encoding: .standard, source: png, operation: "reframe",
                                     parameters: [:], options: o)
        let again = Provenance.read(path: jpg)
        XCTAssertEqual(again.generation, source.generation)
        XCTAssertEqual(again.edits.map(\.operation), ["inpaint", "reframe"])
        XCTAssertEqual(again.edits.map(\.entry), ["entry-1", "entry-2"])
        XCTAssertEqual(again.edits[1].source, try SHA256.hex(ofFile: png))
    }

    /// A ComfyUI workflow larger than one JPEG segment goes into Extended XMP and comes back whole.
    func testLargeWorkflowUsesExtendedXMPInJPEG() throws {
        let nodes = (0..<4000).map { #"{"id":\#($0),"type":"KSampler","widgets_values":[\#($0 * 7919),"fixed",20]}"# }
        let workflow = #"{"nodes":["# + nodes.joined(separator: ",") + "]}"
        XCTAssertGreaterThan(workflow.utf8.count, 200_000)
        let src = try write("big.png", F.png([F.tEXt("parameters", F.a1111), F.zTXt("workflow", workflow)]))
        let out = dir + "/big.jpg"
        _ = try ProvenanceCarry.save(try picture(), to: out, encoding: .standard, source: src, operation: "draft",
                                     parameters: [:], options: options())
        let back = Provenance.read(path: out)
        XCTAssertEqual(back.warnings, [])
        XCTAssertEqual(back.generation?.comfyui?.workflow, JSONValue.parse(workflow))
        XCTAssertEqual(back.generation?.automatic1111, Provenance.read(path: src).generation?.automatic1111)
        XCTAssertEqual(back.edits.count, 1)
        // Every APP1 segment fits its 16-bit length, and libvips still reads the file.
        XCTAssertEqual(try Image.decode(out).width, 40)
    }

    /// InvokeAI (4.x flat keys, and 2.x `sd-metadata`) and Fooocus (JSON `parameters`) name the same
    /// settings differently: each is typed, and carried into a JPEG like the rest.
    func testInvokeAIAndFooocusRecordsAreTypedAndCarried() throws {
        let invoke4 = #"{"generation_mode":"txt2img","positive_prompt":"a brass owl","negative_prompt":"blur","width":1024,"height":768,"seed":2971803142,"cfg_scale":6.5,"steps":28,"scheduler":"dpmpp_2m","model":{"key":"k","hash":"h","name":"juggernautXL","base":"sdxl","type":"main"},"app_version":"4.2.4"}"#
        let invoke2 = #"{"model_weights":"stable-diffusion-1.5","app_version":"2.3.5","image":{"prompt":[{"prompt":"a tin robot","weight":1.0}],"steps":40,"cfg_scale":7.5,"seed":42,"width":512,"height":512,"sampler":"k_lms"}}"#
        let fooocus = #"{"prompt":"a glass fox","negative_prompt":"","resolution":"(1152, 896)","guidance_scale":4.0,"sampler":"dpmpp_2m_sde_gpu","scheduler":"karras","seed":"1234567","base_model":"juggernautXL_v8Rundiffusion.safetensors","steps":30,"metadata_scheme":"fooocus","version":"Fooocus v2.5.0"}"#
        let a = Provenance.read(data: F.png([F.tEXt("invokeai_metadata", invoke4)])).generation?.invokeai
        XCTAssertEqual(a, ToolParameters(prompt: "a brass owl", negativePrompt: "blur", seed: 2_971_803_142, steps: 28, cfgScale: 6.5,
                                         sampler: nil, scheduler: "dpmpp_2m", width: 1024, height: 768, model: "juggernautXL",
                                         tool: "InvokeAI 4.2.4"))
        let b = Provenance.read(data: F.png([F.tEXt("sd-metadata", invoke2)])).generation?.invokeai
        XCTAssertEqual(b, ToolParameters(prompt: "a tin robot", seed: 42, steps: 40, cfgScale: 7.5, sampler: "k_lms", width: 512,
                                         height: 512, model: "stable-diffusion-1.5", tool: "InvokeAI 2.3.5"))
        let src = try write("fooocus.png", F.png([F.tEXt("parameters", fooocus), F.tEXt("fooocus_scheme", "fooocus")]))
        let c = Provenance.read(path: src).generation
        XCTAssertNil(c?.automatic1111)
        XCTAssertEqual(c?.fooocus, ToolParameters(prompt: "a glass fox", negativePrompt: "", seed: 1_234_567, steps: 30, cfgScale: 4,
                                                  sampler: "dpmpp_2m_sde_gpu", scheduler: "karras", width: 1152, height: 896,
                                                  model: "juggernautXL_v8Rundiffusion.safetensors", tool: "Fooocus v2.5.0"))
        let out = dir + "/f.jpg"
        _ = try ProvenanceCarry.save(try picture(), to: out, encoding: .standard, source: src, operation: "upscale",
                                     parameters: [:], options: options())
        XCTAssertEqual(Provenance.read(path: out).generation?.fooocus, c?.fooocus)
        XCTAssertEqual(content(Provenance.read(path: out).generation), content(c))
    }

    func testStripWritesNothing() throws {
        let src = try write("src.png", F.png([F.tEXt("parameters", F.a1111)]))
        XCTAssertNil(try ProvenanceCarry.prepare(source: src, operation: "draft", parameters: [:], entry: "x",
                                                 options: options(keep: false)))
        for ext in ["png", "jpg", "webp"] {
            let out = dir + "/s.\(ext)"
            _ = try ProvenanceCarry.save(try picture(), to: out, encoding: .standard, source: src, operation: "draft",
                                         parameters: [:], options: options(keep: false))
            let back = Provenance.read(path: out)
            XCTAssertNil(back.generation, ext)
            XCTAssertEqual(back.edits, [], ext)
        }
    }

    func testC2PAGoesToASidecarOrIsKeptAsItIs() throws {
        let store = F.jumbf()
        let src = try write("signed.png", F.png([F.tEXt("parameters", F.a1111), F.chunk("caBX", store)]))
        XCTAssertTrue(Provenance.read(path: src).c2pa)
        // Default: no stale manifest in the output, the original in NAME.c2pa, and a warning.
        let out = dir + "/edit.jpg"
        let done = try ProvenanceCarry.save(try picture(), to: out, encoding: .standard, source: src, operation: "upscale",
                                            parameters: [:], options: options())
        XCTAssertFalse(Provenance.read(path: out).c2pa)
        XCTAssertEqual(Provenance.read(path: out).edits.last?.c2pa, "sidecar")
        XCTAssertEqual(done.sidecars, [dir + "/edit.c2pa"])
        XCTAssertEqual([UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/edit.c2pa"))), store)
        XCTAssertEqual(done.warnings, ["the source carries C2PA content credentials, which the edit no longer matches; the output has none, the original manifest is in \(dir)/edit.c2pa"])
        // --keep-c2pa: the store itself in every format's carrier, found again, no sidecar.
        for ext in ["png", "jpg", "webp"] {
            let kept = dir + "/kept.\(ext)"
            let k = try ProvenanceCarry.save(try picture(), to: kept, encoding: .standard, source: src, operation: "upscale",
                                             parameters: [:], options: options(keepC2PA: true))
            XCTAssertEqual(k.sidecars, [], ext)
            let back = Provenance.read(path: kept)
            XCTAssertTrue(back.c2pa, ext)
            XCTAssertEqual(back.edits.last?.c2pa, "kept", ext)
            XCTAssertEqual(back.warnings, [], ext)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/kept.c2pa"), ext)
            XCTAssertEqual(try Image.decode(kept).width, 40, ext)
        }
        // A JPEG source's APP11 store is reassembled for the sidecar.
        let jpegSource = try write("signed.jpg", F.jpeg(Data(try picture().encoded(.jpeg)), [(0xEB, [0x4A, 0x50, 0, 1, 0, 0, 0, 1] + store)]))
        let fromJPEG = try ProvenanceCarry.save(try picture(), to: dir + "/j.png", encoding: .standard, source: jpegSource,
                                                operation: "upscale", parameters: [:], options: options())
        XCTAssertEqual([UInt8](try Data(contentsOf: URL(fileURLWithPath: try XCTUnwrap(fromJPEG.sidecars.first)))), store)
    }
}
