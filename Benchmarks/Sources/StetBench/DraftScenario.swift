import Foundation

/// `stet draft` to 512 px against vipsthumbnail (all files in one call) and ImageMagick's fast
/// thumbnail path (`-define jpeg:size=` lets libjpeg decode at reduced scale, then `-thumbnail`
/// resizes and strips). All write JPEG at quality 75: libvips' default, passed to ImageMagick
/// explicitly because it would otherwise reuse the input's quality (90).
enum DraftScenario {
    static let size = 512

    static func make(stet: String, inputs: [String], explore: Bool, compare: String? = nil) -> Scenario {
        let n = inputs.count
        let files = "<\(n) JPEGs>"
        let hint = "jpeg:size=\(2 * size)x\(2 * size)"
        let geometry = "\(size)x\(size)"

        func stetDraft(_ name: String, role: Tool.Role, extra: [String], binary: String = stet) -> Tool {
            Tool(name: name, role: role,
                 display: "\(binary == stet ? "stet" : binary) draft \(files) --size \(size) --out D --no-log"
                    + extra.map { " " + $0 }.joined(),
                 expectedOutputs: n) { out in
                [binary, "draft"] + inputs + ["--size", "\(size)", "--out", out, "--no-log"] + extra
            }
        }

        var tools = [
            stetDraft("stet draft", role: .stet, extra: []),
            Tool(name: "vipsthumbnail", role: .peer,
                 display: "vipsthumbnail \(files) --size \(size) -o D/%s.jpg",
                 expectedOutputs: n) { out in
                ["vipsthumbnail"] + inputs + ["--size", "\(size)", "-o", out + "/%s.jpg"]
            },
            Tool(name: "mogrify", role: .peer,
                 display: "/usr/bin/mogrify -define \(hint) -thumbnail \(geometry) -quality 75 -path D \(files)",
                 expectedOutputs: n) { out in
                ["/usr/bin/mogrify", "-define", hint, "-thumbnail", geometry, "-quality", "75", "-path", out] + inputs
            },
            // The issue names `convert`; one process per file, as a shell loop would run it.
            Tool(name: "convert (per file)", role: .peer,
                 display: "for f in \(files); do /usr/bin/convert -define \(hint) $f -thumbnail \(geometry) -quality 75 D/$f; done",
                 expectedOutputs: n) { out in
                let script = """
                    out=$1; shift
                    for f in "$@"; do
                      /usr/bin/convert -define \(hint) "$f" -thumbnail \(geometry) -quality 75 "$out/${f##*/}" || exit 1
                    done
                    """
                return ["/bin/sh", "-c", script, "sh", out] + inputs
            },
        ]
        if explore {
            tools += [
                // One file at a time with libvips' own threads inside each pipeline (vipsthumbnail's model).
                stetDraft("stet --jobs 1", role: .variant, extra: ["--jobs", "1"]),
                // More workers than cores: does overlapping I/O and decode help?
                stetDraft("stet --jobs 4", role: .variant, extra: ["--jobs", "4"]),
                // glibc gives each thread its own malloc arena; how much of the peak is arenas?
                {
                    var t = stetDraft("stet MALLOC_ARENA_MAX=2", role: .variant, extra: [])
                    t.environment = ["MALLOC_ARENA_MAX": "2"]
                    return t
                }(),
                // vipsthumbnail held to one thread: the single-core cost of the same work.
                Tool(name: "vipsthumbnail VIPS_CONCURRENCY=1", role: .variant,
                     display: "VIPS_CONCURRENCY=1 vipsthumbnail \(files) --size \(size) -o D/%s.jpg",
                     environment: ["VIPS_CONCURRENCY": "1"], expectedOutputs: n) { out in
                    ["vipsthumbnail"] + inputs + ["--size", "\(size)", "-o", out + "/%s.jpg"]
                },
            ]
        }
        if let compare { tools.append(stetDraft("stet (compare)", role: .variant, extra: [], binary: compare)) }
        return Scenario(
            name: "draft",
            summary: "\(n) JPEGs to \(size) px proxies",
            tools: tools,
            goals: [
                Goal(metric: .time, limit: 0.7, peers: ["vipsthumbnail"],
                     text: "draft time <= 0.7x vipsthumbnail"),
                Goal(metric: .time, limit: 0.15, peers: ["mogrify", "convert (per file)"],
                     text: "draft time <= 0.15x ImageMagick (faster of mogrify, convert)"),
                Goal(metric: .memory, limit: 1.5, peers: ["vipsthumbnail"],
                     text: "draft peak RSS <= 1.5x vipsthumbnail"),
            ])
    }
}
