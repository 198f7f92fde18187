import CFFmpeg
import Foundation
import StetSupport

/// `sheet` as a job: a keyframe contact sheet of one clip, for approving a shot at a glance,
/// and its sidecar. Cells are the frames at scene starts (default) or at a fixed interval,
/// each labelled with its timestamp, under a header line (file name, duration, size, frame rate,
/// codecs). One streaming decode: the scene detector sees small frames, and only the frames
/// that may become cells are scaled to cell size, so memory stays bounded.
public struct ClipSheetJob: Sendable {
    public enum Selection: Sendable, Equatable {
        case scenes
        case every(Double)
    }

    public struct Options: Sendable {
        public var selection: Selection = .scenes
        public var columns: Int?
        /// Cell width in pixels; the height follows the clip's aspect.
        public var cellWidth = 320
        public var gap = 6
        public var background = Colour(24, 24, 24)
        public var detector = SceneDetector.Options()
        /// At most this many cells (a long clip cut every few frames would make an unusable sheet).
        public var maxCells = 400
        public var load: LoadOptions = .strict
        public var encoding: Encoding = .standard
        /// Also write a WebVTT thumbnails track with the sheet as its sprite (`vttPath(for:)`).
        public var webVTT = false
        public init() {}
    }

    public struct Result: Sendable, Codable, Equatable {
        public var input: String
        public var output: String
        public var map: String
        public var cells: Int
        public var scenes: Int
        public var columns: Int
        public var rows: Int
        public var width: Int
        public var height: Int
        public var seconds: Double
        public var frames: Int
        public var warning: String?
    }

    public var options: Options
    public init(_ options: Options) { self.options = options }

    /// The sheet's geometry: a header strip, then cells in reading order with gaps around them.
    public struct Layout: Sendable, Equatable {
        public var count: Int, columns: Int, rows: Int
        public var cellWidth: Int, cellHeight: Int, gap: Int, header: Int
        public init(count: Int, columns: Int?, cellWidth: Int, cellHeight: Int, gap: Int, header: Int) {
            self.count = count
            self.columns = max(1, min(count, columns ?? 4))
            self.rows = max(1, (count + self.columns - 1) / self.columns)
            self.cellWidth = cellWidth; self.cellHeight = cellHeight; self.gap = gap; self.header = header
        }
        public var width: Int { columns * cellWidth + (columns + 1) * gap }
        public var height: Int { header + rows * cellHeight + (rows + 1) * gap }
        public func rect(of i: Int) -> Rect {
            Rect(x: gap + (i % columns) * (cellWidth + gap), y: header + gap + (i / columns) * (cellHeight + gap),
                 width: cellWidth, height: cellHeight)
        }
    }

    /// "1:02.48" (minutes, seconds to hundredths); "1:02:03.00" past an hour.
    public static func timestamp(_ t: Double) -> String {
        let cs = Int((max(0, t) * 100).rounded())
        let h = cs / 360_000, m = (cs / 6000) % 60, s = (cs / 100) % 60, f = cs % 100
        return h > 0 ? String(format: "%d:%02d:%02d.%02d", h, m, s, f) : String(format: "%d:%02d.%02d", m, s, f)
    }

    struct Cell { var frame: Int; var time: Double; var image: Image }

    public func run(input: String, output: String, map mapPath: String, version: String) throws -> (Result, Usage) {
        let o = options
        let source = try VideoSource(input, limits: o.load)
        let info = source.info
        let fps = info.fps > 0 ? info.fps : 25
        if case .every(let step) = o.selection, info.duration > 0, info.duration / step + 1 > Double(o.maxCells) {
            throw StetError.file(.source, "an interval of \(step) s gives \(Int(info.duration / step) + 1) cells for \(String(format: "%.1f", info.duration)) s (at most \(o.maxCells))")
        }
        let cellHeight = max(8, Int((Double(o.cellWidth) * Double(info.height) / Double(info.width)).rounded()))
        let cellScaler = FrameScaler(width: o.cellWidth, height: cellHeight)
        let small = SceneDetector.analysisSize(width: info.width, height: info.height)
        let smallScaler = FrameScaler(width: small.width, height: small.height)
        var detector = SceneDetector(fps: fps, options: o.detector)

        // Frames that may become cells, by number, kept until the detector is past them.
        var candidates: [Int: Cell] = [:]
        var times: [Double] = []
        var cells: [Cell] = []
        var scenes: [SceneStart] = [SceneStart(frame: 0, time: 0)]
        var nextEvery = 0.0
        var dropped = 0

        func take(_ frame: Int) {
            // The frame itself, else the nearest one kept (a clip's very last frames).
            guard let key = candidates[frame] != nil ? frame : candidates.keys.min(by: { abs($0 - frame) < abs($1 - frame) }),
                  let c = candidates[key] else { return }
            if cells.count < o.maxCells { cells.append(c) } else { dropped += 1 }
        }
        func settle(_ starts: [Int]) {
            for s in starts {
                scenes.append(SceneStart(frame: s, time: times[s]))
                if o.selection == .scenes { take(detector.shownFrame(forStart: s)) }
            }
        }

        let frameCount = try source.decode { frame in
            times.append(frame.time)
            let rgb = try smallScaler.rgb(frame.frame)
            let features = SceneDetector.features(rgb: rgb)
            let decided = detector.push(features)
            let wanted: Bool
            switch o.selection {
            case .scenes: wanted = frame.index == 0 || detector.lastFrameWanted
            case .every(let step):
                wanted = frame.time + 0.5 / fps >= nextEvery
                if wanted { nextEvery += step * (((frame.time + 0.5 / fps - nextEvery) / step).rounded(.down) + 1) }
            }
            if wanted {
                let image = try cellScaler.image(frame.frame).materialized()
                let cell = Cell(frame: frame.index, time: frame.time, image: image)
                if case .every = o.selection {
                    if cells.count < o.maxCells { cells.append(cell) } else { dropped += 1 }
                } else {
                    candidates[frame.index] = cell
                }
            }
            if frame.index == 0, o.selection == .scenes { take(0) }
            settle(decided)
            // Candidates the detector can no longer choose are let go.
            let oldest = frame.index - detector.delay - detector.window - 1
            for k in candidates.keys where k < oldest { candidates[k] = nil }
            return true
        }
        if frameCount == 1 { throw ClipSniffer.oneFrame(input) }
        settle(detector.finish())
        cells.sort { $0.frame < $1.frame }
        let seconds = (times.last ?? 0) + 1 / fps

        // The sheet: header, cells with their timestamp badges, empty cells as background.
        let badge = Badge(height: max(12, o.cellWidth / 16))
        let headerHeight = badge.height * 2 + o.gap
        let layout = Layout(count: cells.count, columns: o.columns, cellWidth: o.cellWidth, cellHeight: cellHeight,
                            gap: o.gap, header: headerHeight)
        let bg = o.background.values
        var labelled: [Image] = []
        for c in cells {
            let b = try badge.render(ClipSheetJob.timestamp(c.time), maxWidth: o.cellWidth - 8)
            let margin = max(2, badge.height / 3)
            labelled.append(try c.image.inserting(b, x: margin, y: cellHeight - b.height - margin))
        }
        let blank = try Image.solid(width: o.cellWidth, height: cellHeight, colour: o.background)
        labelled += Array(repeating: blank, count: layout.columns * layout.rows - labelled.count)
        let grid = try Image.arrayJoin(labelled, across: layout.columns, shim: o.gap, background: bg)
        var sheet = try grid.embedded(x: o.gap, y: headerHeight + o.gap, width: layout.width, height: layout.height,
                                      extend: .background, background: bg)
        let name = (input as NSString).lastPathComponent
        let header = ClipSheetJob.headerLine(name: name, info: info, seconds: seconds, frames: frameCount,
                                             scenes: scenes.count)
        let text = try badge.render(header, maxWidth: layout.width - 2 * o.gap, textHeight: badge.height, padded: false)
        sheet = try sheet.inserting(text, x: o.gap, y: (headerHeight - text.height) / 2 + o.gap / 2)

        let doc = ClipSheetMap(
            stetVersion: version, source: try FileRecord.of(input, width: info.width, height: info.height),
            seconds: seconds, frames: frameCount, fps: info.fps, codec: info.codec, audio: info.audio,
            container: info.container, header: header,
            selection: { if case .every(let s) = o.selection { return "every \(s) s" } else { return "scenes" } }(),
            width: layout.width, height: layout.height, columns: layout.columns, rows: layout.rows,
            cellWidth: o.cellWidth, cellHeight: cellHeight, gap: o.gap,
            cells: cells.enumerated().map { i, c in
                ClipSheetMap.Cell(index: i + 1, label: ClipSheetJob.timestamp(c.time), frame: c.frame,
                                  time: ClipSheetMap.round(c.time), cell: layout.rect(of: i))
            },
            scenes: scenes.map { SceneStart(frame: $0.frame, time: ClipSheetMap.round($0.time)) })
        let json = try stetJSONEncoder().encode(doc)
        let vtt = o.webVTT ? (ClipSheetJob.vttPath(for: output),
                              Data(ClipSheetJob.webVTT(doc, sprite: (output as NSString).lastPathComponent).utf8)) : nil
        try OutputBatch.imageWithSidecar(output, sidecar: mapPath, json: json, extra: vtt.map { [$0] } ?? []) { tmp in
            try sheet.save(tmp, format: OutputFormat.forPath(output, role: .output), encoding: o.encoding)
        }
        let warning = dropped > 0 ? "\(dropped) more cells than the \(o.maxCells) a sheet holds were left out" : nil
        let usage = Usage(operation: "sheet",
                          parameters: ["selection": doc.selection, "columns": "\(layout.columns)",
                                       "cells": "\(cells.count)", "scenes": "\(scenes.count)"],
                          inputs: [.init(input, width: info.width, height: info.height)],
                          outputs: [.init(output, width: layout.width, height: layout.height), .init(mapPath)]
                            + (vtt.map { [.init($0.0)] } ?? []),
                          seconds: seconds, outputPixels: PixelSize(width: info.width, height: info.height))
        return (Result(input: input, output: output, map: mapPath, cells: cells.count, scenes: scenes.count,
                       columns: layout.columns, rows: layout.rows, width: layout.width, height: layout.height,
                       seconds: seconds, frames: frameCount, warning: warning), usage)
    }

    /// The thumbnails track beside a sheet: its name with `.vtt`.
    public static func vttPath(for sheet: String) -> String { (sheet as NSString).deletingPathExtension + ".vtt" }

    /// A WebVTT thumbnails track over the sheet as a sprite, as web players read one: a cue per
    /// cell from its time to the next cell's (the last to the clip's end), whose text is the
    /// sheet's name with the cell's rectangle as a media fragment (`sheet.jpg#xywh=x,y,w,h`).
    public static func webVTT(_ map: ClipSheetMap, sprite: String) -> String {
        func stamp(_ t: Double) -> String {
            let ms = Int((max(0, t) * 1000).rounded())
            return String(format: "%02d:%02d:%02d.%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
        }
        var out = "WEBVTT\n"
        for (i, c) in map.cells.enumerated() {
            let end = i + 1 < map.cells.count ? map.cells[i + 1].time : map.seconds
            guard end > c.time else { continue }
            out += "\n\(stamp(c.time)) --> \(stamp(end))\n\(sprite)#xywh=\(c.cell.x),\(c.cell.y),\(c.cell.width),\(c.cell.height)\n"
        }
        return out
    }

    /// "clip.mp4 · 0:12.00 · 1920x1080 · 25 fps · h264 + aac · 300 frames · 4 scenes"
    public static func headerLine(name: String, info: VideoInfo, seconds: Double, frames: Int, scenes: Int) -> String {
        let fps = info.fps.rounded() == info.fps ? String(Int(info.fps)) : String(format: "%.3f", info.fps)
        let codecs = info.audio.map { "\(info.codec) + \($0)" } ?? info.codec
        return "\(name)  ·  \(timestamp(seconds))  ·  \(info.width)x\(info.height)  ·  \(fps) fps  ·  \(codecs)  ·  \(frames) frames  ·  \(scenes) scene\(scenes == 1 ? "" : "s")"
    }
}

/// A scene's first frame.
public struct SceneStart: Sendable, Codable, Equatable {
    public var frame: Int
    public var time: Double
    public init(frame: Int, time: Double) { self.frame = frame; self.time = time }
}

/// The sidecar of a clip's sheet: where each cell is, which frame it shows and when, and the
/// scene starts the detector found.
public struct ClipSheetMap: Sendable, Codable, Equatable {
    public struct Cell: Sendable, Codable, Equatable {
        public var index: Int
        public var label: String
        /// The frame shown (0-based, presentation order) and its time in seconds.
        public var frame: Int
        public var time: Double
        public var cell: Rect
    }
    public var stetVersion: String
    public var source: FileRecord
    public var seconds: Double
    public var frames: Int
    public var fps: Double
    public var codec: String
    public var audio: String?
    public var container: String
    public var header: String
    public var selection: String
    public var width: Int
    public var height: Int
    public var columns: Int
    public var rows: Int
    public var cellWidth: Int
    public var cellHeight: Int
    public var gap: Int
    public var cells: [Cell]
    public var scenes: [SceneStart]

    static func round(_ t: Double) -> Double { (t * 1e6).rounded() / 1e6 }
}

/// White text on an opaque black box, legible on any frame.
struct Badge {
    var height: Int

    func render(_ text: String, maxWidth: Int, textHeight: Int? = nil, padded: Bool = true) throws -> Image {
        let escaped = text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
        let mask = try Image.text(escaped, font: "DejaVu Sans Bold \(textHeight ?? height)", dpi: 72)
        let pad = padded ? max(2, height / 4) : 0
        let room = max(1, maxWidth - 2 * pad)
        let clipped = mask.width > room ? try mask.cropped(x: 0, y: 0, width: room, height: mask.height) : mask
        let rgb = try Image.bandJoin([clipped, clipped, clipped]).copyInterpretation(.srgb)
        guard padded else { return rgb }
        return try rgb.embedded(x: pad, y: pad, width: clipped.width + 2 * pad, height: clipped.height + 2 * pad,
                                extend: .black)
    }
}
