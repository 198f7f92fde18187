import Foundation

/// The whole run: printed as tables with the goal checks, and written as JSON.
struct Report: Codable {
    var machine: MachineInfo
    var runs: Int
    var warmup: Int
    var inputs: InputsInfo
    var scenarios: [ScenarioResult]

    struct InputsInfo: Codable {
        var count: Int
        var width: Int
        var height: Int
        var totalMB: Double
        var folder: String
    }

    func printText() {
        print("""
            Stet benchmarks, \(machine.date) on \(machine.host): \(machine.cores) cores (\(machine.cpu)), \
            \(machine.memoryGB) GB, Linux \(machine.kernel)
            \(machine.libvips); \(machine.imagemagick); \(machine.stet)
            load average before \(machine.loadAverageBefore), after \(machine.loadAverageAfter ?? "?")
            inputs: \(inputs.count) JPEGs \(inputs.width)x\(inputs.height), \(String(format: "%.1f", inputs.totalMB)) MB, \
            in \(inputs.folder)
            \(runs) timed runs per tool (after \(warmup) warm-up), interleaved; medians; ratio = Stet / tool
            """)
        for s in scenarios {
            print("\n## \(s.name): \(s.summary)\n")
            var rows = [["tool", "median s", "IQR s", "CPU s", "peak RSS MB", "time stet/tool", "paired", "RSS stet/tool"]]
            for t in s.tools {
                rows.append([t.name + (t.role == .variant ? " *" : ""),
                             String(format: "%.3f", t.seconds.median), String(format: "%.3f", t.seconds.iqr),
                             String(format: "%.2f", t.cpuSeconds.median), String(format: "%.1f", t.peakRSSMB.median),
                             String(format: "%.2fx", t.timeRatio), String(format: "%.2fx", t.pairedTimeRatio),
                             String(format: "%.2fx", t.memoryRatio)])
            }
            printTable(rows)
            print("  CPU s: user + system of the process and its children; paired: median of per-round ratios")
            if s.tools.contains(where: { $0.role == .variant }) { print("  * informational variant, not a goal peer") }
            print("")
            for g in s.goals {
                let paired = g.pairedRatio.map { String(format: ", paired %.2fx", $0) } ?? ""
                print(String(format: "  %@  %@: %.2fx%@ (vs %@)", g.pass ? "PASS" : "FAIL", g.goal, g.ratio, paired, g.against))
            }
            print("\n  commands:")
            for t in s.tools {
                let env = t.environment.map { "\($0.key)=\($0.value) " }.sorted().joined()
                print("    \(t.name): \(t.command.hasPrefix(env) ? t.command : env + t.command)")
            }
        }
    }

    private func printTable(_ rows: [[String]]) {
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max()! }
        for (i, row) in rows.enumerated() {
            let cells = row.enumerated().map { c, text in
                c == 0 ? text.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                       : String(repeating: " ", count: widths[c] - text.count) + text
            }
            print("  " + cells.joined(separator: "  "))
            if i == 0 { print("  " + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
    }

    func writeJSON(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(self)
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let partial = path + ".partial"
        try data.write(to: URL(fileURLWithPath: partial))
        guard rename(partial, path) == 0 else { throw BenchError.failed("cannot write \(path)") }
    }
}
