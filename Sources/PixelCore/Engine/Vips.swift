import CVips
import Foundation
import StetSupport

/// Process-wide libvips state: started once, tuned for a CLI that touches many different files.
public enum Vips {
    /// libvips starts once per process, on first use, from any thread (Swift's lazy globals
    /// are initialised exactly once).
    private static let started: Bool = {
        // libvips prints per-tile warnings on stderr when a damaged file is decoded; Stet reports
        // one line per failed file instead. VIPS_WARNING=1 in the environment brings them back.
        if getenv("VIPS_WARNING") == nil { setenv("VIPS_WARNING", "0", 1) }
        // glibc gives each worker thread its own malloc arena, and libvips' threads then hold
        // freed memory in several of them. Two arenas keep peak memory down at no measurable
        // cost in speed (sharp documents MALLOC_ARENA_MAX=2 for the same reason).
        if getenv("MALLOC_ARENA_MAX") == nil { stet_limit_malloc_arenas(2) }
        guard vips_init("stet") == 0 else {
            let message = takeErrorMessage()
            FileHandle.standardError.write(Data("stet: libvips failed to start: \(message)\n".utf8))
            exit(1)
        }
        // Loaders the libvips project marks untrusted (for example matload, fitsload, the
        // ImageMagick bridge) are blocked: Stet reads files from models and strangers.
        vips_block_untrusted_set(1)
        // A CLI run touches each file once, so cached operations rarely hit and only hold
        // memory and file descriptors. Keep a small cache for repeated work inside one file
        // (reframe's many targets), and few open files.
        vips_cache_set_max(64)
        vips_cache_set_max_mem(64 * 1024 * 1024)
        vips_cache_set_max_files(8)
        return true
    }()

    /// Starts libvips if it has not started yet. Every entry point into PixelCore calls this.
    @inline(__always)
    public static func start() { _ = started }

    /// Worker threads libvips uses inside one image pipeline. A batch that spreads files across
    /// cores sets this to 1 so that the two levels of parallelism do not fight.
    public static var concurrency: Int {
        get { start(); return Int(vips_concurrency_get()) }
        set { start(); vips_concurrency_set(Int32(newValue)) }
    }

    /// The libvips version, "8.14.1".
    public static var version: String {
        start()
        return String(cString: vips_version_string())
    }

    /// The number of live libvips objects (images, operations, regions...). Used by the leak test:
    /// after the operation cache is dropped, the count returns to its baseline.
    public static func liveObjectCount() -> Int {
        start()
        return Int(stet_live_object_count())
    }

    /// Drops every cached operation (and the references they hold). Setting the cache size to 0
    /// trims it; `vips_cache_drop_all` would free the cache table itself and is for shutdown only.
    public static func dropCache() {
        start()
        let max = vips_cache_get_max()
        vips_cache_set_max(0)
        vips_cache_set_max(max)
    }

    /// Reads and clears libvips' error buffer in one step, folded onto one line.
    static func takeErrorMessage() -> String {
        guard let raw = vips_error_buffer_copy() else { return "unknown libvips error" }
        defer { g_free(raw) }
        let text = String(cString: raw)
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        return lines.isEmpty ? "unknown libvips error" : lines.joined(separator: "; ")
    }
}
