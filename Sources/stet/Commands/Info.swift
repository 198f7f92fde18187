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
            return Row(
                path: StandardStreams.userName(path), width: image.width, height: image.height,
                format: loader.replacingOccurrences(of: "load", with: "")
                    .replacingOccurrences(of: "_source", with: "").replacingOccurrences(of: "_file", with: ""),
                bands: image.bands, bitsPerBand: image.format.bits,
                colourSpace: image.interpretation.rawValue, orientation: image.orientation,
                hasAlpha: image.hasAlpha, iccProfile: image.hasICCProfile, pages: image.pageCount,
                bytes: fileSize(path))
        }
        var rows: [Row] = []
        var failed = 0
        for (i, r) in results.enumerated() {
            switch r {
            case .success(let row): rows.append(row)
            case .failure(let error):
                failed += 1
                Console.error(Console.describe(error, naming: StandardStreams.userName(inputs[i])))
            }
        }
        if json {
            for row in rows { Console.json(row) }
        } else if !rows.isEmpty {
            let header = ["path", "size", "format", "bands", "bits", "colour", "orient", "alpha", "icc", "bytes"]
            let body = rows.map { r in
                [r.path, "\(r.width)x\(r.height)", r.format, "\(r.bands)", "\(r.bitsPerBand)", r.colourSpace,
                 "\(r.orientation)", r.hasAlpha ? "yes" : "no", r.iccProfile ? "yes" : "no", "\(r.bytes)"]
            }
            Console.out(Table.render(header: header, rows: body))
        }
        if failed > 0 { throw BatchFailure(failed: failed, total: inputs.count) }
    }
}
