import Foundation

/// Where and when the numbers were taken; the load average matters on a shared machine.
struct MachineInfo: Codable {
    var date: String
    var host: String
    var cpu: String
    var cores: Int
    var memoryGB: Double
    var kernel: String
    var libvips: String
    var imagemagick: String
    var stet: String
    var loadAverageBefore: String
    var loadAverageAfter: String?

    static func current(stet: String) -> MachineInfo {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last!.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        var uts = utsname()
        uname(&uts)
        let kernel = withUnsafeBytes(of: &uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let host = withUnsafeBytes(of: &uts.nodename) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let formatter = ISO8601DateFormatter()
        return MachineInfo(
            date: formatter.string(from: Date()), host: host, cpu: model,
            cores: ProcessInfo.processInfo.activeProcessorCount,
            memoryGB: (Double(ProcessInfo.processInfo.physicalMemory) / 1e9 * 10).rounded() / 10,
            kernel: kernel,
            libvips: firstLine(of: ["vips", "--version"]),
            imagemagick: firstLine(of: ["/usr/bin/convert", "-version"]),
            stet: firstLine(of: [stet, "--version"]),
            loadAverageBefore: loadAverage())
    }

    static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "")
            .split(separator: " ").prefix(3).joined(separator: " ")
    }

    private static func firstLine(of argv: [String]) -> String {
        let log = NSTemporaryDirectory() + "stet-bench-version-\(getpid()).txt"
        defer { try? FileManager.default.removeItem(atPath: log) }
        guard (try? ProcessRunner.run(argv, log: log)) != nil,
              let text = try? String(contentsOfFile: log, encoding: .utf8) else { return "unknown" }
        return text.split(separator: "\n").first.map(String.init) ?? "unknown"
    }
}
