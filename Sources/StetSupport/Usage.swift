/// What one use of a command did, as a job in the pixel core reports it and the ledger records
/// it: which files it read and wrote (with their pixel sizes), the parameters that matter, and
/// how many units of the default counterfactual it stands for (reframe: one per distinct
/// render). The core does not hash: the ledger hashes the files it records, and only when it
/// records them.
public struct Usage: Sendable, Equatable {
    /// A file a job read or wrote.
    public struct File: Sendable, Equatable {
        public var path: String
        public var width: Int?
        public var height: Int?
        /// The name to record instead of `path` (`-` for a file that came from standard input
        /// or went to standard output through a temporary file).
        public var recordedAs: String?
        public init(_ path: String, width: Int? = nil, height: Int? = nil, recordedAs: String? = nil) {
            self.path = path; self.width = width; self.height = height; self.recordedAs = recordedAs
        }
    }

    public var operation: String
    public var parameters: [String: String]
    public var inputs: [File]
    public var outputs: [File]
    public var units: Int
    /// Seconds of video this use covered (a clip's duration), for models priced per second:
    /// each avoided generation of such a model is priced for these seconds, not for its
    /// `per_generation` length.
    public var seconds: Double?
    /// The id the ledger records this use under, when the job chose it (an output's `stet`
    /// record names it, so the output leads back to its entry); nil: the ledger makes one.
    public var id: String?
    /// One line each, for the user: what the job noticed about its files (a C2PA manifest).
    public var warnings: [String] = []
    /// The pixel size one avoided regeneration would have had, for models priced by size:
    /// the largest output (by area) unless a job says otherwise (a clip's draft or sheet: the
    /// clip's own frame size, since regenerating means regenerating the clip).
    public var outputPixels: PixelSize?

    public init(operation: String, parameters: [String: String] = [:], inputs: [File] = [], outputs: [File] = [],
                units: Int = 1, seconds: Double? = nil, outputPixels: PixelSize? = nil) {
        self.operation = operation; self.parameters = parameters; self.inputs = inputs; self.outputs = outputs
        self.units = units; self.seconds = seconds
        self.outputPixels = outputPixels ?? Usage.largest(outputs)
    }

    /// The largest of the files' pixel sizes by area (the first of equals); nil when none has one.
    public static func largest(_ files: [File]) -> PixelSize? {
        var best: PixelSize?
        for f in files {
            guard let w = f.width, let h = f.height, w > 0, h > 0 else { continue }
            if best == nil || w * h > best!.width * best!.height { best = PixelSize(width: w, height: h) }
        }
        return best
    }
}

/// A width and height in pixels.
public struct PixelSize: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) { self.width = width; self.height = height }
    public var area: Int { width * height }
    /// "1536x1024".
    public var description: String { "\(width)x\(height)" }
}
