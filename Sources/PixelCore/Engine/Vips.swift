import CVips
import Foundation
import StetSupport

/// Process-wide libvips state: started once, tuned for a CLI that touches many different files.
public enum Vips {
    /// libvips starts once per process, on first use, from any thread (Swift's lazy globals
    /// are initialised exactly once).
    private static let started: String? = {
        // libvips prints per-tile warnings on stderr when a damaged file is decoded; Stet reports
        // one line per failed file instead. VIPS_WARNING=1 in the environment brings them back.
        if getenv("VIPS_WARNING") == nil { setenv("VIPS_WARNING", "0", 1) }
        // glibc gives each worker thread its own malloc arena, and libvips' threads then hold
        // freed memory in several of them. Two arenas keep peak memory down at no measurable
        // cost in speed (sharp documents MALLOC_ARENA_MAX=2 for the same reason).
        if getenv("MALLOC_ARENA_MAX") == nil { stet_limit_malloc_arenas(2) }
        // Band buffers and image planes of a few MB are allocated and freed many times per
        // command (the upscaler's bands above all). By default glibc maps most of them afresh
        // from the kernel each time, which then zeroes every page on first touch: a fifth of
        // the page faults of `upscale --scale 2` of a 1024² JPEG and about 6% of its CPU time
        // (measured 2026-12-04). Blocks up to 32 MB come from the heap instead and up to 128 MB
        // of freed heap is kept for reuse (a 4096² upscale peaked about 20 MB higher with this
        // alone, 268 MB with the band-at-a-time planes). Any of glibc's own settings in the
        // environment leaves this alone.
        if getenv("MALLOC_MMAP_THRESHOLD_") == nil && getenv("MALLOC_TRIM_THRESHOLD_") == nil
            && getenv("GLIBC_TUNABLES") == nil {
            stet_keep_freed_memory()
        }
        // libvips loads every module in its module folder when it starts, and Debian's include
        // the ImageMagick, poppler and OpenSlide bridges, whose loaders Stet blocks below as
        // untrusted anyway. Loading them (and the large libraries they link) costs 20-30 ms of
        // every command. When the application names a cache folder (`moduleCache`; the CLI names
        // the user's), and VIPSHOME is not set already, libvips is pointed at a folder of links
        // to the other modules (HEIF, JPEG XL) there; on any trouble, nothing changes. The
        // library itself writes nowhere unless asked.
        if getenv("VIPSHOME") == nil, let cache = moduleCache, let home = trustedModuleHome(cache: cache) {
            setenv("VIPSHOME", home, 1)
        }
        guard vips_init("stet") == 0 else {
            // Never exit from the library: every operation reports this instead.
            return "libvips failed to start: " + takeErrorMessage()
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
        return nil
    }()

    /// A folder the library may keep its module links in (see `started`); set before first use.
    nonisolated(unsafe) public static var moduleCache: String?

    /// Why libvips could not start, or nil once it has.
    public static var startupError: String? { started }

    /// Module file names whose loaders libvips marks untrusted (and Stet blocks).
    static let untrustedModules: Set<String> = ["vips-magick.so", "vips-poppler.so", "vips-openslide.so"]

    /// A VIPSHOME whose module folder links only the modules Stet can use, or nil (no module
    /// folder, nothing to leave out, or the cache folder cannot be written).
    private static func trustedModuleHome(cache: String) -> String? {
        // The folder libvips itself was loaded from, as the dynamic linker mapped it
        // (vips_guess_libdir would remember its answer, and then ignore the VIPSHOME set below).
        guard let maps = procFile("/proc/self/maps"),
              let line = maps.split(separator: "\n").first(where: { $0.contains("/libvips.so") }),
              let slash = line.firstIndex(of: "/") else { return nil }
        let libdir = FilePath.parent(String(line[slash...]))
        let series = "\(vips_version(0)).\(vips_version(1))"
        let modules = libdir + "/vips-modules-" + series
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: modules),
              names.contains(where: { untrustedModules.contains($0) }) else { return nil }
        // One folder per module folder, so two libvips installations never share links.
        let tag = modules.utf8.reduce(UInt32(5381)) { $0 &* 33 &+ UInt32($1) }
        let home = cache + "/vips-" + series + "-" + String(tag, radix: 16)
        // libvips then looks in VIPSHOME/<last part of its libdir>/vips-modules-<series>.
        let folder = home + "/" + (libdir as NSString).lastPathComponent + "/vips-modules-" + series
        try? fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for name in names where name.hasSuffix(".so") && !untrustedModules.contains(name) {
            let link = folder + "/" + name, target = modules + "/" + name
            if (try? fm.destinationOfSymbolicLink(atPath: link)) == target { continue }
            // Another stet may be making the same link at the same moment: each makes its own
            // under a private name and renames it over, so the link is never missing.
            let mine = link + ".\(getpid()).tmp"
            unlink(mine)
            _ = symlink(target, mine)
            if rename(mine, link) != 0 { unlink(mine) }
            guard (try? fm.destinationOfSymbolicLink(atPath: link)) == target else { return nil }
        }
        return home
    }

    /// A /proc file's text (their size reads as 0, so Foundation's readers return nothing).
    private static func procFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

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
