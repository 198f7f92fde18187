// swift-tools-version:6.0
import PackageDescription

/// libFuzzer harnesses for Stet's own parsers. Built on its own (see run.sh) because every
/// module must be compiled with `-sanitize=fuzzer -parse-as-library`, which the main package's
/// executables and tests must not be.
let package = Package(
    name: "StetFuzz",
    dependencies: [
        // The main package, by path. Named explicitly: its identity would otherwise be the name
        // of whatever folder the checkout happens to live in.
        .package(name: "Stet", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "stet-fuzz",
            dependencies: [
                .product(name: "PixelCore", package: "Stet"),
                .product(name: "CostLedger", package: "Stet"),
            ]
        ),
    ]
)
