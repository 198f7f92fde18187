import Foundation

/// The command line of `stet-bench`. Parsed by hand: the benchmark has no dependencies, so it
/// builds offline next to the product.
struct Options {
    /// Relative paths are taken from the current folder; the default from Benchmarks/.
    var stet: String?
    var runs = 5
    var warmup = 1
    var count = 24
    var width = 3872
    var height = 2592
    var inputs: String?
    var json: String?
    var scenarios: [String] = ["draft", "grid"]
    var explore = false
    /// A second stet build (another commit, or other build flags) to run beside the first.
    var compare: String?
    var keepOutputs = false

    static let usage = """
        usage: stet-bench [--stet PATH] [--runs N] [--warmup N] [--count N] [--inputs DIR]
                          [--json PATH] [--scenario draft|grid|all] [--explore] [--compare PATH]
                          [--keep-outputs]

          --stet PATH      the release stet binary (default ../.build/release/stet, relative to
                           Benchmarks/; build it first with `swift build -c release` at the top level)
          --runs N         timed repetitions of every command (default 5); tools are interleaved
                           within each round so that machine noise hits all of them alike
          --warmup N       untimed rounds first, to warm the page cache (default 1)
          --count N        generated JPEGs for the draft batch (default 24, at least 4)
          --inputs DIR     where the generated inputs are cached (default: $TMPDIR/stet-bench-inputs)
          --json PATH      also write the results as JSON
          --scenario S     draft, grid or all (default all); may be repeated
          --explore        add informational variants to see what dominates: stet --jobs 1 and 4,
                           MALLOC_ARENA_MAX=2, grid --labels none, VIPS_CONCURRENCY=1 vipsthumbnail
          --compare PATH   also run a second stet build with the same arguments, as a variant row
          --keep-outputs   leave the tools' outputs in the work folder for inspection
        """

    static func parse(_ arguments: [String]) throws -> Options {
        var o = Options()
        var chosen: [String] = []
        var it = arguments.makeIterator()
        func value(_ flag: String) throws -> String {
            guard let v = it.next() else { throw BenchError.usage("\(flag) needs a value") }
            return v
        }
        func positive(_ flag: String, minimum: Int = 1) throws -> Int {
            let raw = try value(flag)
            guard let n = Int(raw), n >= minimum else {
                throw BenchError.usage("Expected integer >= \(minimum) for \(flag) but received \(raw)")
            }
            return n
        }
        while let arg = it.next() {
            switch arg {
            case "--stet": o.stet = try value(arg)
            case "--runs": o.runs = try positive(arg)
            case "--warmup": o.warmup = try positive(arg, minimum: 0)
            case "--count": o.count = try positive(arg, minimum: 4)
            case "--inputs": o.inputs = try value(arg)
            case "--json": o.json = try value(arg)
            case "--scenario":
                let s = try value(arg)
                guard ["draft", "grid", "all"].contains(s) else {
                    throw BenchError.usage("Expected one of draft, grid, all for --scenario but received \(s)")
                }
                chosen += s == "all" ? ["draft", "grid"] : [s]
            case "--explore": o.explore = true
            case "--compare": o.compare = try value(arg)
            case "--keep-outputs": o.keepOutputs = true

            case "-h", "--help": throw BenchError.help
            default: throw BenchError.usage("unknown argument \(arg)")
            }
        }
        if !chosen.isEmpty { o.scenarios = chosen.reduce(into: []) { if !$0.contains($1) { $0.append($1) } } }
        return o
    }
}

enum BenchError: Error, CustomStringConvertible {
    case usage(String)
    case help
    case failed(String)

    var description: String {
        switch self {
        case .usage(let m): return m
        case .help: return Options.usage
        case .failed(let m): return m
        }
    }
}
