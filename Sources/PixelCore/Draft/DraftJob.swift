import Foundation
import StetSupport

/// `draft` as a job: one low-resolution review proxy of one file, by shrink-on-load
/// (`thumbnail` on the file), never enlarged, normalised to 8-bit sRGB(A), metadata stripped.
public struct DraftJob: Sendable {
    public struct Options: Sendable {
        /// The proxy's longest edge in pixels.
        public var size = 512
        public var format: OutputFormat = .jpeg
        public var load: LoadOptions = .strict
        public var encoding: Encoding = .standard
        /// The generation record and the edit record written into the output (see `ProvenanceCarry`).
        public var provenance = ProvenanceCarry.Options()
        public init() {}
    }

    public struct Result: Sendable, Codable, Equatable {
        public var input: String
        public var output: String
        public var sourceWidth: Int
        public var sourceHeight: Int
        public var width: Int
        public var height: Int
        public var bytesIn: Int64
        public var bytesOut: Int64
        /// For a clip: its poster frame, duration, frames decoded, codec, frame rate, the
        /// proxy's encoder, and what could not be kept (audio MP4 cannot hold).
        public var poster: String?
        public var seconds: Double?
        public var frames: Int?
        public var codec: String?
        public var fps: Double?
        public var encoder: String?
        public var warning: String?

        public init(input: String, output: String, sourceWidth: Int, sourceHeight: Int, width: Int, height: Int,
                    bytesIn: Int64, bytesOut: Int64, poster: String? = nil, seconds: Double? = nil,
                    frames: Int? = nil, codec: String? = nil, fps: Double? = nil, encoder: String? = nil,
                    warning: String? = nil) {
            self.input = input; self.output = output; self.sourceWidth = sourceWidth; self.sourceHeight = sourceHeight
            self.width = width; self.height = height; self.bytesIn = bytesIn; self.bytesOut = bytesOut
            self.poster = poster; self.seconds = seconds; self.frames = frames; self.codec = codec; self.fps = fps
            self.encoder = encoder; self.warning = warning
        }
    }

    public var options: Options
    public init(_ options: Options) { self.options = options }

    public func run(input: String, output: String) throws -> (Result, Usage) {
        let thumb = try Thumbnail(input, width: options.size, height: options.size, size: .down,
                                  options: options.load).runWithSource()
        let parameters = ["size": "\(options.size)", "format": options.format.fileExtension]
        let carried = try ProvenanceCarry.save(thumb.image, to: output, format: options.format, encoding: options.encoding,
                                               source: input, operation: "draft", parameters: parameters,
                                               options: options.provenance)
        let result = Result(input: input, output: output, sourceWidth: thumb.sourceWidth, sourceHeight: thumb.sourceHeight,
                            width: thumb.image.width, height: thumb.image.height, bytesIn: fileSize(input),
                            bytesOut: fileSize(output))
        var usage = Usage(operation: "draft", parameters: parameters,
                          inputs: [.init(input, width: thumb.sourceWidth, height: thumb.sourceHeight)],
                          outputs: [.init(output, width: thumb.image.width, height: thumb.image.height)])
        carried.apply(to: &usage)
        return (result, usage)
    }
}

/// The provenance of a draft batch: each proxy's source path, SHA-256 and size, and the files
/// that failed, so an approved proxy leads back to its exact full-resolution source.
public struct DraftManifest: Codable, Sendable, Equatable {
    public struct Made: Codable, Sendable, Equatable {
        public var source: FileRecord
        public var proxy: FileRecord
        /// A clip's poster frame, and its duration in seconds.
        public var poster: FileRecord?
        public var seconds: Double?
        public init(source: FileRecord, proxy: FileRecord, poster: FileRecord? = nil, seconds: Double? = nil) {
            self.source = source; self.proxy = proxy; self.poster = poster; self.seconds = seconds
        }
    }
    public struct Failed: Codable, Sendable, Equatable {
        public var source: String
        public var error: String
        public init(source: String, error: String) { self.source = source; self.error = error }
    }
    public var stetVersion: String
    public var size: Int
    public var format: String
    public var proxies: [Made]
    public var failures: [Failed]

    public init(stetVersion: String, size: Int, format: String, proxies: [Made], failures: [Failed]) {
        self.stetVersion = stetVersion; self.size = size; self.format = format; self.proxies = proxies
        self.failures = failures
    }

    /// The manifest of what a batch made: sources and proxies hashed across cores, by `digest`
    /// (the ledger's, so that a file the ledger already hashed is not read again).
    public static func of(_ results: [DraftJob.Result], failures: [Failed], options: DraftJob.Options,
                          version: String,
                          digest: @escaping @Sendable (String) throws -> String = { try SHA256.hex(ofFile: $0) }) throws -> DraftManifest {
        let made = try ParallelMap.all(results.count) { i in
            let r = results[i]
            return Made(source: try FileRecord.of(r.input, width: r.sourceWidth, height: r.sourceHeight, sha256: digest(r.input)),
                        proxy: try FileRecord.of(r.output, width: r.width, height: r.height, sha256: digest(r.output)),
                        poster: try r.poster.map { try FileRecord.of($0, width: r.width, height: r.height, sha256: digest($0)) },
                        seconds: r.seconds)
        }
        return DraftManifest(stetVersion: version, size: options.size, format: options.format.fileExtension,
                             proxies: made, failures: failures)
    }
}
