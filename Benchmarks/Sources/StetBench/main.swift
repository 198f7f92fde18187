import Foundation

// stet-bench: Stet side by side with its peers, in one run, on the same generated inputs.
// Prints medians, IQRs, peak memory, ratios and the goals; `--json` keeps them.

func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("stet-bench: \(message)\n".utf8))
    exit(code)
}

let options: Options
do {
    options = try Options.parse(Array(CommandLine.arguments.dropFirst()))
} catch BenchError.help {
    print(Options.usage)
    exit(0)
} catch {
    fail("\(error)\n\(Options.usage)", code: 2)
}

/// Benchmarks/, found from this source file so the default works from any current folder.
let benchmarksFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
let stet = options.stet.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
    ?? benchmarksFolder.appendingPathComponent("../.build/release/stet").standardizedFileURL.path
guard FileManager.default.isExecutableFile(atPath: stet) else {
    fail("no stet binary at \(stet); run `swift build -c release` at the top level first, or pass --stet PATH", code: 2)
}
let compare = options.compare.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
if let compare, !FileManager.default.isExecutableFile(atPath: compare) {
    fail("no stet binary at \(compare) (--compare)", code: 2)
}
for tool in ["vipsthumbnail", "vips"] where !(ProcessInfo.processInfo.environment["PATH"] ?? "")
    .split(separator: ":").contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }) {
    fail("\(tool) not found; install libvips-tools", code: 2)
}
// Plain /usr/bin paths: another `convert` may come first on PATH.
for tool in ["/usr/bin/convert", "/usr/bin/mogrify", "/usr/bin/montage"]
where !FileManager.default.isExecutableFile(atPath: tool) {
    fail("\(tool) not found; install imagemagick", code: 2)
}

do {
    var machine = MachineInfo.current(stet: stet)
    FileHandle.standardError.write(Data("preparing \(options.count) inputs of \(options.width)x\(options.height)...\n".utf8))
    let inputs = try InputSet.prepare(count: options.count, width: options.width, height: options.height,
                                      under: options.inputs)
    let work = (NSTemporaryDirectory() as NSString).appendingPathComponent("stet-bench-work-\(getpid())")
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    defer { if !options.keepOutputs { try? FileManager.default.removeItem(atPath: work) } }

    let runner = ScenarioRunner(runs: options.runs, warmup: options.warmup, workFolder: work)
    var results: [ScenarioResult] = []
    for name in options.scenarios {
        let scenario = name == "draft"
            ? DraftScenario.make(stet: stet, inputs: inputs.files, explore: options.explore, compare: compare)
            : GridScenario.make(stet: stet, inputs: inputs.files, explore: options.explore, compare: compare)
        FileHandle.standardError.write(Data("\(scenario.name): \(scenario.summary)\n".utf8))
        results.append(try runner.run(scenario))
    }
    machine.loadAverageAfter = MachineInfo.loadAverage()
    let report = Report(machine: machine, runs: options.runs, warmup: options.warmup,
                        inputs: .init(count: inputs.files.count, width: inputs.width, height: inputs.height,
                                      totalMB: Double(inputs.totalBytes) / 1e6, folder: inputs.folder),
                        scenarios: results)
    report.printText()
    if let json = options.json {
        try report.writeJSON(to: json)
        print("\nJSON: \(json)")
    }
    if options.keepOutputs { print("outputs kept in \(work)") }
} catch {
    fail("\(error)", code: 1)
}
