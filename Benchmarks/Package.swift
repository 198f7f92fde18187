// swift-tools-version: 6.1
import PackageDescription

// Stet's benchmarks: their own package, so that the product builds without them and they can
// depend on whatever measuring needs. Build the release `stet` at the top level first
// (`swift build -c release`), then `./run.sh` here.
let package = Package(
    name: "StetBenchmarks",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "stet-bench", targets: ["StetBench"]),
    ],
    targets: [
        // Whole-process comparisons (issue 2): `stet draft` and `stet grid` side by side with
        // vipsthumbnail and ImageMagick on generated 10 MP JPEGs; wall time and peak RSS.
        .executableTarget(name: "StetBench", path: "Sources/StetBench"),
    ]
)
