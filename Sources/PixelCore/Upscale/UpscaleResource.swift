import Foundation
import StetSupport

/// The upscaler's bundled data files (filter banks, refiners) in `Sources/PixelCore/Resources`.
enum UpscaleResource {
    /// Where the bundled file `name` is: the SwiftPM resource bundle next to the executable (or
    /// test bundle), else the source tree this was built from. Looked up by hand rather than
    /// through `Bundle.module`, which traps when the bundle is missing.
    static func path(_ name: String) -> String {
        var dirs: [URL] = []
        if let exe = Bundle.main.executableURL { dirs.append(exe.resolvingSymlinksInPath().deletingLastPathComponent()) }
        dirs.append(Bundle.main.bundleURL)
        for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            dirs.append(bundle.bundleURL.deletingLastPathComponent())
        }
        let fm = FileManager.default
        for dir in dirs {
            for bundle in ["Stet_PixelCore.resources", "Stet_PixelCore.bundle", "Stet_PixelCore.bundle/Contents/Resources"] {
                let candidate = dir.appendingPathComponent(bundle).appendingPathComponent("Resources").appendingPathComponent(name)
                if fm.fileExists(atPath: candidate.path) { return candidate.path }
            }
        }
        // Sources/PixelCore/Upscale/ThisFile.swift -> Sources/PixelCore/Resources/
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Resources").appendingPathComponent(name).path
    }

    /// A data file's bytes after the usual checks: it exists, is readable, ends with the
    /// CRC-32 of everything before it, starts with `magic` and is at least `minimumLength` bytes long. Every problem is one line that
    /// names the file and says what kind of file it should be.
    static func read(_ path: String, role: FileRole, kind: String, magic: [UInt8], minimumLength: Int) throws -> [UInt8] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else {
            throw StetError.file(role, "\(kind) file not found")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StetError.file(role, "\(kind) file is not readable")
        }
        let bytes = [UInt8](data)
        guard bytes.count >= minimumLength, Array(bytes[0..<magic.count]) == magic else {
            throw StetError.file(role, "\(kind) file is corrupt (not a Stet weights file)")
        }
        guard CRC32.checksum(bytes[0..<(bytes.count - 4)]) == u32(bytes, bytes.count - 4) else {
            throw StetError.file(role, "\(kind) file is corrupt (checksum mismatch)")
        }
        return bytes
    }

    static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
}
