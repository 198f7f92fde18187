// swift-tools-version:6.0
import PackageDescription

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
    ],
    targets: [
        // libvips through pkg-config; Debian's libvips-dev provides vips.pc.
        .systemLibrary(
            name: "CVips",
            pkgConfig: "vips",
            providers: [.apt(["libvips-dev"])]
        ),
        // Hashing, atomic writes, path identity and argument validation: shared by every layer.
        .target(name: "StetSupport"),
        // The libvips engine and the typed operations Stet uses.
        // Optimised in debug builds too: the upscaler's SIMD kernels run about 100 times slower
        // unoptimised, and the tests run them on real images (with -Onone the test suite took
        // minutes longer). Debug builds keep -g and -enable-testing.
        .target(name: "PixelCore", dependencies: ["CVips", "StetSupport"], resources: [.copy("Resources")],
                swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // One variadic SQLite call the ledger needs (see its header).
        .target(name: "CSQLiteTuning", linkerSettings: [.linkedLibrary("sqlite3")]),
        // The price card and the SQLite cost-avoidance log.
        .target(
            name: "CostLedger",
            dependencies: [
                "StetSupport", "CSQLiteTuning",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        // The CLI: the only place that knows both the pixel core and the ledger.
        .executableTarget(
            name: "stet",
            dependencies: [
                "PixelCore", "CostLedger", "StetSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "StetSupportTests", dependencies: ["StetSupport"]),
        .testTarget(name: "PixelCoreTests", dependencies: ["PixelCore"]),
        .testTarget(
            name: "CostLedgerTests",
            dependencies: ["CostLedger", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "StetCLITests", dependencies: ["stet", "PixelCore"]),
    ]
)
