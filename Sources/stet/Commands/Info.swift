import ArgumentParser
import Foundation
import PixelCore
import StetSupport

/// `stet info IMAGE...`: what each file is, read from its header without decoding pixels.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show size, format, bands, colour space, orientation and bytes of images.")

    @Argument(help: "Image files to describe.")
    var images: [String]

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var input: InputOptions
    @OptionGroup var ledgerOptions: LedgerOptions

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
        let clock = CommandClock()
        var rows: [Row] = []
        var failed = 0
        for path in images {
            do {
                let image = try Image.open(path, options: input.loadOptions)
                let loader = image.loader ?? "unknown"
                rows.append(Row(
                    path: path, width: image.width, height: image.height,
                    format: loader.replacingOccurrences(of: "load", with: "")
                        .replacingOccurrences(of: "_source", with: "").replacingOccurrences(of: "_file", with: ""),
                    bands: image.bands, bitsPerBand: image.format.bits,
                    colourSpace: image.interpretation.rawValue, orientation: image.orientation,
                    hasAlpha: image.hasAlpha, iccProfile: image.hasICCProfile, pages: image.pageCount,
                    bytes: fileSize(path)))
            } catch {
                failed += 1
                Console.error("\(error)")
            }
        }
        if json {
            let data = try stetJSONEncoder().encode(rows)
            Console.out(String(decoding: data, as: UTF8.self))
        } else {
            let header = ["path", "size", "format", "bands", "bits", "colour", "orient", "alpha", "icc", "bytes"]
            let body = rows.map { r in
                [r.path, "\(r.width)x\(r.height)", r.format, "\(r.bands)", "\(r.bitsPerBand)", r.colourSpace,
                 "\(r.orientation)", r.hasAlpha ? "yes" : "no", r.iccProfile ? "yes" : "no", "\(r.bytes)"]
            }
            Console.out(Table.render(header: header, rows: body))
        }
        if !rows.isEmpty {
            // Reading headers avoids nothing by default; the entry still shows what was inspected.
            var usage = Usage(operation: "info")
            usage.parameters = ["files": "\(rows.count)"]
            usage.inputs = try rows.map { try ledgerOptions.fileRecord($0.path, width: $0.width, height: $0.height) }
            try ledgerOptions.record(usage, clock: clock)
        }
        if failed > 0 {
            let failure = BatchFailure(failed: failed, total: images.count)
            ledgerOptions.recordFailure(operation: "info", error: failure, clock: clock)
            throw failure
        }
    }
}
