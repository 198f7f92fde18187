import Foundation
import PixelCore
import XCTest

/// Test clips made at run time from photographs (the shared datasets when present, else the
/// repository's fixtures): shots that pan across or hold on a photograph, joined by hard cuts
/// or linear cross-fades at known frames. Frames are composed here, exactly, and piped raw to
/// the `ffmpeg` program (which scripts/setup.sh installs for the tests) for H.264 with a 440 Hz
/// tone as AAC audio. Nothing large is committed.
enum TestClips {
    enum Motion { case panRight, panDown, hold }
    enum Join { case cut, fade(Int) }
    struct Shot { var photo: String; var frames: Int; var motion: Motion }

    struct Truth {
        /// Scene starts after frame 0: a cut's first frame, a dissolve's middle frame.
        var cuts: [Int] = []
        var fades: [Int] = []
        var frames = 0
        /// The mean colour of each frame's top half (the sheet's labels sit at the bottom).
        var topMeans: [[Double]] = []
    }

    static var ffmpeg: String? {
        for dir in ["/usr/bin", "/usr/local/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: dir + "/ffmpeg") {
            return dir + "/ffmpeg"
        }
        return nil
    }

    /// Photographs to film: the shared datasets' CBSD68 when it is there, else fixtures.
    static var photos: [String] {
        for root in Stet.datasetRoots {
            let dir = root + "/train/CBSD68"
            if let names = try? FileManager.default.contentsOfDirectory(atPath: dir), names.count >= 6 {
                // Fixed, visibly different photographs.
                let chosen = ["101085.png", "102061.png", "108005.png", "119082.png", "126007.png", "14037.png"]
                if chosen.allSatisfy(names.contains) { return chosen.map { dir + "/" + $0 } }
                return names.sorted().prefix(6).map { dir + "/" + $0 }
            }
        }
        return ["candidate-1.jpg", "candidate-2.jpg", "candidate-3.jpg", "candidate-4.jpg",
                "reframe/scene-two.jpg", "grid-2x2-gutter.jpg"].map(Stet.fixture)
    }

    /// A photograph as packed RGB covering `w`×`h` at 1.4×, with room to move.
    static func cover(_ path: String, width w: Int, height h: Int) throws -> (rgb: [UInt8], width: Int, height: Int) {
        let bw = Int(Double(w) * 1.4), bh = Int(Double(h) * 1.4)
        let thumb = try Thumbnail(path, width: bw, height: bh, crop: .centre).run()
        let rgb = thumb.bands == 3 ? thumb : try thumb.band(0, count: 3)
        return (try rgb.pixels(), rgb.width, rgb.height)
    }

    static func frames(of shot: Shot, width w: Int, height h: Int) throws -> [[UInt8]] {
        let (big, bw, bh) = try cover(shot.photo, width: w, height: h)
        var out: [[UInt8]] = []
        for k in 0..<shot.frames {
            let t = Double(k) / Double(max(shot.frames - 1, 1))
            let (x, y): (Int, Int)
            switch shot.motion {
            case .panRight: (x, y) = (Int((Double(bw - w) * t).rounded()), (bh - h) / 2)
            case .panDown: (x, y) = ((bw - w) / 2, Int((Double(bh - h) * t).rounded()))
            case .hold: (x, y) = ((bw - w) / 2, (bh - h) / 2)
            }
            var f = [UInt8](repeating: 0, count: w * h * 3)
            for row in 0..<h {
                let src = ((y + row) * bw + x) * 3
                f.replaceSubrange(row * w * 3..<(row + 1) * w * 3, with: big[src..<src + w * 3])
            }
            out.append(f)
        }
        return out
    }

    /// Writes the clip and returns where its scenes start.
    @discardableResult
    static func make(_ path: String, shots: [Shot], joins: [Join], width: Int = 320, height: Int = 180,
                     fps: Int = 25, audio: Bool = true) throws -> Truth {
        guard let ffmpeg else { throw XCTSkip("the ffmpeg program is not installed (scripts/setup.sh installs it)") }
        var all: [[UInt8]] = []
        var truth = Truth()
        for (i, shot) in shots.enumerated() {
            var f = try frames(of: shot, width: width, height: height)
            if i > 0 {
                switch joins[i - 1] {
                case .cut:
                    truth.cuts.append(all.count)
                case .fade(let d):
                    // The last d frames of A dissolve into the first d of B, weights 1/(d+1)..d/(d+1).
                    let start = all.count - d
                    for k in 0..<d {
                        let wgt = Double(k + 1) / Double(d + 1)
                        let a = all[start + k], b = f[k]
                        all[start + k] = zip(a, b).map { UInt8((Double($0) * (1 - wgt) + Double($1) * wgt).rounded()) }
                    }
                    truth.fades.append(start + d / 2)
                    f.removeFirst(d)
                }
            }
            all += f
        }
        truth.frames = all.count
        truth.topMeans = all.map { f in
            var s = [0.0, 0.0, 0.0]
            let half = f.count / 2
            for i in stride(from: 0, to: half, by: 3) { s[0] += Double(f[i]); s[1] += Double(f[i + 1]); s[2] += Double(f[i + 2]) }
            return s.map { $0 / Double(half / 3) }
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ffmpeg)
        var args = ["-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
                    "-s", "\(width)x\(height)", "-r", "\(fps)", "-i", "-"]
        if audio { args += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-map", "0:v", "-map", "1:a"] }
        args += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "16", "-pix_fmt", "yuv420p"]
        if audio { args += ["-c:a", "aac", "-b:a", "64k", "-shortest"] }
        args.append(path)
        p.arguments = args
        let pipe = Pipe()
        p.standardInput = pipe
        try p.run()
        for f in all { pipe.fileHandleForWriting.write(Data(f)) }
        try pipe.fileHandleForWriting.close()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw NSError(domain: "ffmpeg", code: Int(p.terminationStatus)) }
        return truth
    }

    /// Runs a program and returns its standard output.
    static func output(_ program: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static var ffprobe: String { (ffmpeg.map { ($0 as NSString).deletingLastPathComponent } ?? "/usr/bin") + "/ffprobe" }
}

/// The pixel core, for reading what a command wrote.
enum PixelCoreBridge {
    static func load(_ path: String) throws -> PixelCore.Image { try PixelCore.Image.decode(path) }

    /// PSNR over every band of two images of one size (99 when identical).
    static func psnr(_ a: PixelCore.Image, _ b: PixelCore.Image) throws -> Double {
        let pa = try a.pixels(), pb = try b.pixels()
        guard pa.count == pb.count else { return 0 }
        var se = 0.0
        for i in 0..<pa.count { let d = Double(pa[i]) - Double(pb[i]); se += d * d }
        let mse = se / Double(pa.count)
        return mse == 0 ? 99 : 10 * log10(255 * 255 / mse)
    }

    /// Mean of each of the first three bands over a rectangle.
    static func mean(_ image: PixelCore.Image, x: Int, y: Int, width: Int, height: Int) throws -> [Double] {
        let px = try image.cropped(x: x, y: y, width: width, height: height).pixels()
        let bands = image.bands
        var s = [0.0, 0.0, 0.0]
        for i in stride(from: 0, to: px.count, by: bands) { for b in 0..<3 { s[b] += Double(px[i + b]) } }
        return s.map { $0 / Double(width * height) }
    }
}
