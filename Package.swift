// swift-tools-version:6.0
import Foundation
import PackageDescription

/// The upscaler's SIMD kernels (the refiner's convolutions above all) run two to three times as
/// fast with AVX2 and FMA, which the default x86-64 target leaves out (SSE2 only). Like a C
/// project's `-march=native`, PixelCore is built for Haswell's instruction set when the machine
/// that builds it has it (measured: 1024² -> 4096², the default 27.2 s -> 9.7 s, --flips off
/// 3.8 s -> 1.4 s, the same pixels). `STET_PORTABLE=1 swift build` builds for any x86-64, for a binary that moves to an
/// older machine.
let hostTuning: [SwiftSetting] = {
#if arch(x86_64) && os(Linux)
    guard ProcessInfo.processInfo.environment["STET_PORTABLE"] == nil,
          let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
    let flags = Set(line.split(separator: " ").map(String.init))
    // Haswell's additions over the baseline, as /proc/cpuinfo names them.
    let haswell = ["avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "abm", "popcnt", "sse4_2"]
    return haswell.allSatisfy(flags.contains) ? [.unsafeFlags(["-target-cpu", "haswell"])] : []
#else
    return []
#endif
}()

let package = Package(
    name: "Stet",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "stet", targets: ["stet"]),
        .library(name: "PixelCore", targets: ["PixelCore"]),
        .library(name: "CostLedger", targets: ["CostLedger"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // libvips through pkg-config; Debian's libvips-dev provides vips.pc.
        .systemLibrary(
            name: "CVips",
            pkgConfig: "vips",
            providers: [.apt(["libvips-dev"])]
        ),
        // FFmpeg's headers (libavformat, libavcodec, libswscale, libavutil; Debian's
        // libavformat-dev and friends) for video clips. The program is not linked with the
        // libraries: CFFmpegLoader opens them on first use, which saves every command that does
        // not read a clip 15-30 ms of dynamic linking (about 80 libraries) when it starts.
        .systemLibrary(name: "CFFmpeg"),
        .target(name: "CFFmpegLoader"),
        // Hashing, atomic writes, path identity and argument validation: shared by every layer.
        .target(name: "StetSupport"),
        // The libvips engine and the typed operations Stet uses.
        // Optimised in debug builds too: the upscaler's SIMD kernels run about 100 times slower
        // unoptimised, and the tests run them on real images (with -Onone the test suite took
        // minutes longer). Debug builds keep -g and -enable-testing.
        .target(name: "PixelCore", dependencies: ["CVips", "CFFmpeg", "CFFmpegLoader", "StetSupport"], resources: [.copy("Resources")],
                swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))] + hostTuning),
        // One variadic SQLite call the ledger needs (see its header).
        .target(name: "CSQLiteTuning", linkerSettings: [.linkedLibrary("sqlite3")]),
        // The price card and the cost-avoidance log: SQLite (embedded, the default) or a team's
        // PostgreSQL server (postgres-nio, linked here only).
        .target(
            name: "CostLedger",
            dependencies: [
                "StetSupport", "CSQLiteTuning",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The review board's web server (Hummingbird), its page and its JSON API; the only target
        // that links Hummingbird, so the pixel core and the ledger stay free of it.
        .target(
            name: "ReviewBoard",
            dependencies: [
                "PixelCore", "CostLedger", "StetSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            resources: [.copy("Page")]
        ),
        // The CLI: the only place that knows both the pixel core and the ledger.
        .executableTarget(
            name: "stet",
            dependencies: [
                "PixelCore", "CostLedger", "StetSupport", "ReviewBoard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "StetSupportTests", dependencies: ["StetSupport"]),
        .testTarget(name: "PixelCoreTests", dependencies: ["PixelCore"]),
        .testTarget(
            name: "CostLedgerTests",
            dependencies: ["CostLedger", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "StetCLITests", dependencies: ["stet", "PixelCore", "CostLedger"]),
        .testTarget(
            name: "ReviewBoardTests",
            dependencies: [
                "ReviewBoard", "CostLedger", "PixelCore",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
    ]
)
