import Foundation

/// `stet grid` of four large JPEGs (default cell 512, gap 8, index labels) against
/// ImageMagick's `montage` with the same tile and geometry, plain and with its documented
/// `-define jpeg:size=` decode hint. Both write JPEG at quality 75.
enum GridScenario {
    static func make(stet: String, inputs: [String], explore: Bool, compare: String? = nil) -> Scenario {
        let four = Array(inputs.prefix(4))
        let files = "<4 JPEGs>"
        let montageArgs = ["-tile", "2x2", "-geometry", "512x512+8+8", "-quality", "75"]

        func stetGrid(_ name: String, role: Tool.Role, extra: [String], binary: String = stet) -> Tool {
            Tool(name: name, role: role,
                 display: "\(binary == stet ? "stet" : binary) grid \(files) -o G/grid.jpg --no-log"
                    + extra.map { " " + $0 }.joined(),
                 // The sheet and its cell map.
                 expectedOutputs: 2) { out in
                [binary, "grid"] + four + ["-o", out + "/grid.jpg", "--no-log"] + extra
            }
        }

        var tools = [
            stetGrid("stet grid", role: .stet, extra: []),
            Tool(name: "montage", role: .peer,
                 display: "/usr/bin/montage \(files) \(montageArgs.joined(separator: " ")) G/grid.jpg",
                 expectedOutputs: 1) { out in
                ["/usr/bin/montage"] + four + montageArgs + [out + "/grid.jpg"]
            },
            Tool(name: "montage jpeg:size", role: .peer,
                 display: "/usr/bin/montage -define jpeg:size=1024x1024 \(files) \(montageArgs.joined(separator: " ")) G/grid.jpg",
                 expectedOutputs: 1) { out in
                ["/usr/bin/montage", "-define", "jpeg:size=1024x1024"] + four + montageArgs + [out + "/grid.jpg"]
            },
        ]
        if explore {
            tools += [
                // What the labels cost (montage draws none here).
                stetGrid("stet grid --labels none", role: .variant, extra: ["--labels", "none"]),
                // How much of the peak is glibc's per-thread malloc arenas?
                {
                    var t = stetGrid("stet grid MALLOC_ARENA_MAX=2", role: .variant, extra: [])
                    t.environment = ["MALLOC_ARENA_MAX": "2"]
                    return t
                }(),
            ]
        }
        if let compare { tools.append(stetGrid("stet (compare)", role: .variant, extra: [], binary: compare)) }
        return Scenario(
            name: "grid",
            summary: "2x2 contact sheet of 4 JPEGs, 512 px cells, 8 px gap",
            tools: tools,
            goals: [
                // The issue's command line as written...
                Goal(metric: .time, limit: 0.25, peers: ["montage"],
                     text: "grid time <= 0.25x montage (issue's command)"),
                Goal(metric: .memory, limit: 1.0 / 3.0, peers: ["montage"],
                     text: "grid peak RSS <= 1/3 montage (issue's command)"),
                // ...and montage at its best documented setting, the stricter reading.
                Goal(metric: .time, limit: 0.25, peers: ["montage", "montage jpeg:size"],
                     text: "grid time <= 0.25x montage (best variant)"),
                Goal(metric: .memory, limit: 1.0 / 3.0, peers: ["montage", "montage jpeg:size"],
                     text: "grid peak RSS <= 1/3 montage (best variant)"),
            ])
    }
}
