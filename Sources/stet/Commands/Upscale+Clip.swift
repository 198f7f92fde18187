import CostLedger
import Foundation
import PixelCore
import StetSupport

/// `stet upscale CLIP --scale N`: a clip enlarged frame by frame (`ClipUpscaleJob`), to MP4.
extension UpscaleCommand {
    func runClips(_ clips: [String], recorder: Recorder) throws {
        guard let scale, width == nil, height == nil else {
            throw StetError.usage("Expected --scale 2, 3 or 4 for a video clip but received \(width != nil ? "--width" : "--height")")
        }
        if let o = outputs.outputPath, o == "-" || (!OutputNames.isPattern(o) && (o as NSString).pathExtension.lowercased() != "mp4") {
            throw StetError.usage("Expected an .mp4 output for a video clip but received \(o)")
        }
        if let outDir = outputs.outDir { try OutputCheck.folder(outDir, create: true) }
        var (targets, warnings) = OutputNames(pattern: outputs.outputPath ?? "%s@\(scale)x.mp4", folder: outputs.outDir)
            .paths(for: clips)
        for w in warnings { Console.warning(w) }
        targets = targets.map { ($0 as NSString).deletingPathExtension + ".mp4" }
        for t in targets { try OutputCheck.file(t, inputs: clips) }
        var options = ClipUpscaleJob.Options()
        options.scale = scale
        options.method = Upscale.Method(rawValue: method) ?? .auto
        options.load = input.loadOptions
        let job = ClipUpscaleJob(options)
        try BatchRunner(operation: "upscale", recorder: recorder, report: report, workers: 1)
            .run(clips, files: { FileNames(source: clips[$0], [.output: targets[$0]]) }) { i, progress in
                let (r, usage) = try job.run(input: clips[i], output: targets[i], progress: progress.report)
                if let w = r.warning { Console.warning("\(clips[i]): \(w)") }
                return (r, usage, String(format: "%@: %dx%d, %d frames, %.2f s (%@; %.1f frames/s; frame-to-frame change %.2f, source %.2f)",
                                         r.output, r.width, r.height, r.frames, r.seconds, r.plan, r.framesPerSecond,
                                         r.outputChange, r.sourceChange))
            }
    }
}
