import ArgumentParser
import Foundation
import PixelCore
import StetSupport

/// `stet info IMAGE...`: what each file is, read from its header without decoding pixels.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show size, format, bands, colour space, orientation and bytes of images.")

    @Argument(help: "Image files or folders to describe (- reads standard input).")
    var images: [String]

    @Flag(help: "Print one JSON object per file (JSON Lines) instead of a table.")
    var json = false

    @Flag(help: "Look for images in the folders given, and in their subfolders.")
    var recursive = false

    @OptionGroup var input: InputOptions

    struct Row: Codable {
        var path: String
        var width: Int
        var height: Int
        var format: String
        var bands: Int
        var bitsPerBand: Int
        var colourSpace: String
        var orientation: Int
        var hasAlpha: Bool
        var iccProfile: Bool
        var pages: Int
        var bytes: Int64
        /// How the image was generated (A1111 parameters, ComfyUI graphs, XMP, EXIF UserComment).
        var generation: GenerationRecord?
        /// A C2PA manifest is present (detected, not validated).
        var c2pa: Bool
        /// The edits Stet made on the way to this file, oldest first (absent when none).
        var edits: [StetEdit]?
        /// Provenance warnings, printed on stderr rather than in the row.
        var warnings: [String] = []
        enum CodingKeys: String, CodingKey {
            case path, width, height, format, bands, bitsPerBand, colourSpace, orientation, hasAlpha, iccProfile
            case pages, bytes, generation, c2pa, edits
        }
    }

    func run() throws {
        // Read-only: it records nothing in the ledger.
        let inputs = try InputList.expand(images, recursive: recursive)
        let options = input.loadOptions
        if inputs.count > 1 { Vips.concurrency = 1 }
        let results = ParallelMap.run(inputs.count) { i -> Row in
            let path = inputs[i]
            let image = try Image.open(path, options: options)
            let loader = image.loader ?? "unknown"
            let provenance = Provenance.read(path: path)
            return Row(
                path: StandardStreams.userName(path), width: image.width, height: image.height,
                format: loader.replacingOccurrences(of: "load", with: "")
                    .replacingOccurrences(of: "_source", with: "").replacingOccurrences(of: "_file", with: ""),
                bands: image.bands, bitsPerBand: image.format.bits,
                colourSpace: image.interpretation.rawValue, orientation: image.orientation,
                hasAlpha: image.hasAlpha, iccProfile: image.hasICCProfile, pages: image.pageCount,
                bytes: fileSize(path), generation: provenance.generation, c2pa: provenance.c2pa,
                edits: provenance.edits.isEmpty ? nil : provenance.edits, warnings: provenance.warnings)
        }
        var rows: [Row] = []
        var failed = 0
        for (i, r) in results.enumerated() {
            switch r {
            case .success(let row):
                rows.append(row)
                for w in row.warnings { Console.warning("\(row.path): \(w)") }
            case .failure(let error):
                failed += 1
                Console.error(Console.describe(error, naming: StandardStreams.userName(inputs[i])))
            }
        }
        if json {
            for row in rows { Console.json(row) }
        } else if !rows.isEmpty {
            let header = ["path", "size", "format", "bands", "bits", "colour", "orient", "alpha", "icc", "bytes", "generation", "c2pa",
                          "edits"]
            let body = rows.map { r in
                [r.path, "\(r.width)x\(r.height)", r.format, "\(r.bands)", "\(r.bitsPerBand)", r.colourSpace,
                 "\(r.orientation)", r.hasAlpha ? "yes" : "no", r.iccProfile ? "yes" : "no", "\(r.bytes)",
                 Self.generationSummary(r.generation), r.c2pa ? "yes" : "no",
                 r.edits.map { $0.map(\.operation).joined(separator: ">") } ?? "-"]
            }
            Console.out(Table.render(header: header, rows: body))
        }
        if failed > 0 { throw BatchFailure(failed: failed, total: inputs.count) }
    }

    /// Which carriers a record came from, e.g. `a1111 seed 42`, `comfyui`, `-`.
    static func generationSummary(_ g: GenerationRecord?) -> String {
        guard let g else { return "-" }
        var parts: [String] = []
        if let a = g.automatic1111 { parts.append(a.seed.map { "a1111 seed \($0)" } ?? "a1111") }
        if g.comfyui != nil { parts.append("comfyui") }
        if let p = g.invokeai { parts.append(p.seed.map { "invokeai seed \($0)" } ?? "invokeai") }
        if let p = g.fooocus { parts.append(p.seed.map { "fooocus seed \($0)" } ?? "fooocus") }
        // JSON records already shown by their tool's name are not "text" as well.
        let typed: Set<String> = g.invokeai != nil ? ["invokeai_metadata", "sd-metadata"] : []
        let otherJSON = (g.json ?? [:]).keys.filter { !typed.contains($0) && !($0 == "parameters" && g.fooocus != nil) }
        if !otherJSON.isEmpty || g.text != nil { parts.append("text") }
        if g.xmp != nil { parts.append("xmp") }
        if g.userComment != nil { parts.append("exif") }
        return parts.joined(separator: ",")
    }
}
