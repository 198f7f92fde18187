import Foundation

/// One tool's timed runs, summarised.
struct ToolResult: Codable {
    var name: String
    var role: Tool.Role
    var command: String
    var environment: [String: String]
    var samples: [Measurement]
    var seconds: Summary
    var peakRSSMB: Summary
    var cpuSeconds: Summary
    /// Stet's median over this tool's median (below 1: Stet is faster / smaller).
    var timeRatio: Double
    var memoryRatio: Double
    /// The median of the per-round ratios Stet / tool. Both ran in the same round, close in
    /// time, so a burst of load from elsewhere cancels more than in the ratio of medians.
    var pairedTimeRatio: Double
}

struct GoalResult: Codable {
    var goal: String
    var metric: Goal.Metric
    var limit: Double
    var against: String
    var ratio: Double
    /// For time goals, the same comparison as the median of per-round ratios.
    var pairedRatio: Double?
    var pass: Bool
}

struct ScenarioResult: Codable {
    var name: String
    var summary: String
    var tools: [ToolResult]
    var goals: [GoalResult]

    init(scenario: Scenario, samples: [[Measurement]]) {
        name = scenario.name
        summary = scenario.summary
        func summaries(_ s: [Measurement]) -> (Summary, Summary, Summary) {
            (Summary(s.map(\.seconds)), Summary(s.map { Double($0.peakRSSBytes) / 1_048_576 }),
             Summary(s.map(\.cpuSeconds)))
        }
        let stetIndex = scenario.tools.firstIndex { $0.role == .stet }!
        let (stetTime, stetRSS, _) = summaries(samples[stetIndex])
        let stetSeconds = samples[stetIndex].map(\.seconds)
        tools = zip(scenario.tools, samples).map { tool, s in
            let (t, m, c) = summaries(s)
            let paired = Summary(zip(stetSeconds, s).map { $0 / $1.seconds }).median
            return ToolResult(name: tool.name, role: tool.role, command: tool.display,
                              environment: tool.environment, samples: s, seconds: t, peakRSSMB: m,
                              cpuSeconds: c, timeRatio: stetTime.median / t.median,
                              memoryRatio: stetRSS.median / m.median, pairedTimeRatio: paired)
        }
        let byName = Dictionary(uniqueKeysWithValues: tools.map { ($0.name, $0) })
        goals = scenario.goals.map { goal in
            let peers = goal.peers.compactMap { byName[$0] }
            let best: ToolResult
            let ratio: Double
            var paired: Double?
            switch goal.metric {
            case .time:
                best = peers.min { $0.seconds.median < $1.seconds.median }!
                ratio = best.timeRatio
                paired = best.pairedTimeRatio
            case .memory:
                best = peers.min { $0.peakRSSMB.median < $1.peakRSSMB.median }!
                ratio = best.memoryRatio
            }
            return GoalResult(goal: goal.text, metric: goal.metric, limit: goal.limit, against: best.name,
                              ratio: ratio, pairedRatio: paired, pass: ratio <= goal.limit)
        }
    }
}
