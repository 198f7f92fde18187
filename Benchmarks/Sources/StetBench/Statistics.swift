/// Order statistics for a handful of noisy samples: the median and the interquartile range,
/// which a single slow outlier on a busy machine does not move much.
struct Summary: Codable {
    var median: Double
    var q1: Double
    var q3: Double
    var min: Double
    var max: Double
    var iqr: Double { q3 - q1 }

    init(_ samples: [Double]) {
        precondition(!samples.isEmpty, "no samples")
        let s = samples.sorted()
        median = Summary.quantile(s, 0.5)
        q1 = Summary.quantile(s, 0.25)
        q3 = Summary.quantile(s, 0.75)
        min = s.first!
        max = s.last!
    }

    /// Linear interpolation between closest ranks (type 7, as numpy's and R's default).
    static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        let h = Double(sorted.count - 1) * p
        let lo = Int(h.rounded(.down)), hi = Swift.min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }
}
