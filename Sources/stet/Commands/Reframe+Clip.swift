import CostLedger
import Foundation
import PixelCore
import StetSupport

/// `stet reframe CLIP --for shorts,...`: a clip reframed along a smoothed path (`ClipReframeJob`).
extension Reframe {
    func runClips(_ clips: [String], recorder: Recorder) throws {
        guard mode != "pad" else { throw StetError.usage("Expected --mode crop or auto for a video clip but received pad") }
        guard saliencyMap == nil, format == nil else {
            throw StetError.usage("Expected no \(saliencyMap != nil ? "--saliency-map" : "--format") for a video clip (it writes MP4 and its plan)")
        }
        if let outDir { try OutputCheck.folder(outDir, create: true) }
        var options = ClipReframeJob.Options(targets: try targets())
        options.focus = try ReframeFocus.parse(focus)
        options.load = input.loadOptions
        let job = ClipReframeJob(options)
        try BatchRunner(operation: "reframe", recorder: recorder, report: report, workers: 1)
            .run(clips) { i, _ in
                let folder = outDir ?? { let d = FilePath.parent(clips[i]); return d.isEmpty ? "." : d }()
                let (r, usage) = try job.run(input: clips[i], folder: folder, version: StetVersion.current)
                if let w = r.warning { Console.warning("\(clips[i]): \(w)") }
                let lines = r.targets.map { t in
                    "\((folder as NSString).appendingPathComponent(t.file)): \(t.width)x\(t.height), "
                        + t.scenes.map { $0.motion }.joined(separator: ",") + " (window \(t.windowWidth)x\(t.windowHeight))"
                }
                return (r, usage, (lines + ["plan: \(r.plan)"]).joined(separator: "\n"))
            }
    }
}
