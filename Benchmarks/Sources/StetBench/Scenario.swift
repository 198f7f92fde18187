import Foundation

/// One command line under test. `argv` is built for a fresh, empty output folder each run.
struct Tool {
    enum Role: String, Codable {
        /// The Stet command the goals are about.
        case stet
        /// A peer with its best documented settings.
        case peer
        /// An informational variant (a Stet option or a peer setting) to see what dominates.
        case variant
    }

    var name: String
    var role: Role
    /// The command as printed in the report, with the inputs abbreviated.
    var display: String
    var environment: [String: String] = [:]
    /// Files the command must leave in its output folder; fewer means it failed quietly.
    var expectedOutputs: Int
    var argv: (_ outputFolder: String) -> [String]
}

/// A goal from the issue: Stet's median over the best listed peer's median, at most `limit`.
struct Goal {
    enum Metric: String, Codable { case time, memory }
    var metric: Metric
    var limit: Double
    /// Peers compared against; the best of them (lowest median) is used, the strictest reading.
    var peers: [String]
    var text: String
}

struct Scenario {
    var name: String
    var summary: String
    var tools: [Tool]
    var goals: [Goal]
}

/// Runs a scenario: every round runs each tool once, in an order rotated per round so that a
/// burst of load from elsewhere does not always land on the same tool.
struct ScenarioRunner {
    var runs: Int
    var warmup: Int
    var workFolder: String

    func run(_ scenario: Scenario) throws -> ScenarioResult {
        var samples = [[Measurement]](repeating: [], count: scenario.tools.count)
        let rounds = warmup + runs
        for round in 0..<rounds {
            let timed = round >= warmup
            let order = (0..<scenario.tools.count).map { ($0 + round) % scenario.tools.count }
            var line = timed ? "  round \(round - warmup + 1)/\(runs):" : "  warm-up \(round + 1)/\(warmup):"
            for index in order {
                let tool = scenario.tools[index]
                let m = try measure(tool, in: scenario.name, slot: index)
                if timed { samples[index].append(m) }
                line += String(format: " %@ %.2fs", tool.name, m.seconds)
            }
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        return ScenarioResult(scenario: scenario, samples: samples)
    }

    private func measure(_ tool: Tool, in scenario: String, slot: Int) throws -> Measurement {
        let fm = FileManager.default
        let out = (workFolder as NSString).appendingPathComponent("\(scenario)-\(slot)")
        try? fm.removeItem(atPath: out)
        try fm.createDirectory(atPath: out, withIntermediateDirectories: true)
        let log = (workFolder as NSString).appendingPathComponent("\(scenario)-\(slot).log")
        let m = try ProcessRunner.run(tool.argv(out), environment: tool.environment, log: log)
        let made = (try? fm.contentsOfDirectory(atPath: out))?.count ?? 0
        guard made >= tool.expectedOutputs else {
            throw BenchError.failed("\(tool.name) wrote \(made) files in \(out), expected \(tool.expectedOutputs); see \(log)")
        }
        return m
    }
}
