/// sharp-style validation helpers: one error format for every option,
/// "Expected positive integer for width but received -3".
public enum Validate {
    public static func invalid(_ expected: String, _ name: String, _ value: Any) -> StetError {
        .usage("Expected \(expected) for \(name) but received \(value)")
    }

    @discardableResult
    public static func positiveInteger(_ value: Int, _ name: String) throws -> Int {
        guard value > 0 else { throw invalid("positive integer", name, value) }
        return value
    }

    @discardableResult
    public static func integer(_ value: Int, _ name: String, in range: ClosedRange<Int>) throws -> Int {
        guard range.contains(value) else {
            throw invalid("integer between \(range.lowerBound) and \(range.upperBound)", name, value)
        }
        return value
    }

    @discardableResult
    public static func nonNegativeInteger(_ value: Int, _ name: String) throws -> Int {
        guard value >= 0 else { throw invalid("non-negative integer", name, value) }
        return value
    }

    @discardableResult
    public static func number(_ value: Double, _ name: String, in range: ClosedRange<Double>) throws -> Double {
        guard value.isFinite, range.contains(value) else {
            throw invalid("number between \(range.lowerBound) and \(range.upperBound)", name, value)
        }
        return value
    }

    @discardableResult
    public static func oneOf(_ value: String, _ name: String, _ allowed: [String]) throws -> String {
        guard allowed.contains(value) else {
            throw invalid("one of \(allowed.joined(separator: ", "))", name, value)
        }
        return value
    }
}
