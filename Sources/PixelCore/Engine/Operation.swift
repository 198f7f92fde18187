import CVips
import Foundation
import StetSupport

/// A value for one libvips operation argument. The engine converts it to the GValue type
/// that the operation declares for that argument, so `.string("centre")` sets an enum,
/// `.int(3)` sets an int or an enum, and `.double` sets a double.
enum VipsArgument: @unchecked Sendable {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)
    case image(Image)
    case images([Image])
    case doubles([Double])
    case ints([Int])
    case blob([UInt8])
}

/// What a built operation produced, read back before the operation is released.
struct Outputs: @unchecked Sendable {
    fileprivate var values: [String: Output] = [:]

    enum Output {
        case image(Image), int(Int), double(Double), bool(Bool), string(String), blob([UInt8]), doubles([Double])
    }

    func image(_ name: String = "out") -> Image? {
        if case .image(let v)? = values[name] { return v } else { return nil }
    }
    func int(_ name: String) -> Int? {
        switch values[name] {
        case .int(let v)?: return v
        case .bool(let v)?: return v ? 1 : 0
        default: return nil
        }
    }
    func double(_ name: String) -> Double? {
        switch values[name] {
        case .double(let v)?: return v
        case .int(let v)?: return Double(v)
        default: return nil
        }
    }
    func blob(_ name: String) -> [UInt8]? {
        if case .blob(let v)? = values[name] { return v } else { return nil }
    }
    func doubles(_ name: String) -> [Double]? {
        if case .doubles(let v)? = values[name] { return v } else { return nil }
    }
}

/// The one generic path into libvips, the same object protocol that libvips' C++ binding,
/// sharp and pyvips use: `vips_operation_new`, `g_object_set_property` for each argument
/// actually given, `vips_cache_operation_buildp`, read the outputs (taking our own references),
/// then `vips_object_unref_outputs` and `g_object_unref` on every path.
///
/// Arguments left out stay unset, so libvips' own defaults hold.
struct Operation: Sendable {
    let name: String
    private var arguments: [(String, VipsArgument)] = []

    init(_ name: String) { self.name = name }

    /// Serialises the builds that open files (see `run`).
    private static let fileLock = NSLock()

    /// Sets an argument; `nil` leaves it unset.
    mutating func set(_ key: String, _ value: VipsArgument?) {
        if let value { arguments.append((key, value)) }
    }

    func with(_ key: String, _ value: VipsArgument?) -> Operation {
        var copy = self
        copy.set(key, value)
        return copy
    }

    /// Builds the operation and reads `outputs` (optional outputs must be named to be read).
    func run(outputs: [String] = ["out"]) throws -> Outputs {
        if let failure = Vips.startupError { throw PixelError.failed(name, failure) }
        guard let created = vips_operation_new(name) else {
            throw PixelError.failed(name, Vips.takeErrorMessage())
        }
        do {
            for (key, value) in arguments {
                try Operation.set(created, key, value, operation: name)
            }
        } catch {
            vips_object_unref_outputs(stet_object(created))
            g_object_unref(created)
            throw error
        }
        // buildp may swap `op` for an equal operation from the cache; either way we own one ref.
        var built: UnsafeMutablePointer<VipsOperation>? = created
        // libvips keeps one error buffer for the whole process. A loader's build reads a user's
        // file header, and its message must be that file's alone, whichever other files other
        // threads are opening: builds that open files take turns, from a clear buffer to the
        // message taken. (Other builds are not serialised: some evaluate whole pipelines.)
        let opensFile = name == "thumbnail" || name.hasSuffix("load")
        if opensFile { Operation.fileLock.lock(); vips_error_clear() }
        let status = vips_cache_operation_buildp(&built)
        let failure = status == 0 ? nil : Vips.takeErrorMessage()
        if opensFile { Operation.fileLock.unlock() }
        let op = built ?? created
        if let message = failure {
            vips_object_unref_outputs(stet_object(op))
            g_object_unref(op)
            throw PixelError.failed(name, message)
        }
        defer {
            vips_object_unref_outputs(stet_object(op))
            g_object_unref(op)
        }
        var result = Outputs()
        for key in outputs {
            if let value = try Operation.get(op, key, operation: name) { result.values[key] = value }
        }
        return result
    }

    /// Shorthand for the common case: run and return the image called "out".
    func image() throws -> Image {
        guard let out = try run().image("out") else {
            throw PixelError.failed(name, "produced no output image")
        }
        return out
    }

    // MARK: - GValue conversion

    private static func lookup(_ op: UnsafeMutablePointer<VipsOperation>, _ key: String, operation: String)
        throws -> (GType, UnsafeMutablePointer<VipsArgumentClass>)
    {
        var pspec: UnsafeMutablePointer<GParamSpec>? = nil
        var aclass: UnsafeMutablePointer<VipsArgumentClass>? = nil
        var ainstance: UnsafeMutablePointer<VipsArgumentInstance>? = nil
        guard vips_object_get_argument(stet_object(op), key, &pspec, &aclass, &ainstance) == 0,
              let pspec, let aclass
        else {
            vips_error_clear()
            throw PixelError.failed(operation, "no argument named \(key)")
        }
        return (pspec.pointee.value_type, aclass)
    }

    private static func set(_ op: UnsafeMutablePointer<VipsOperation>, _ key: String, _ argument: VipsArgument,
                            operation: String) throws {
        let (type, _) = try lookup(op, key, operation: operation)
        var value = GValue()
        g_value_init(&value, type)
        defer { g_value_unset(&value) }

        func mismatch() -> StetError {
            PixelError.failed(operation, "argument \(key) cannot take \(argument)")
        }

        switch argument {
        case .int(let v):
            if stet_type_is_enum(type) != 0 { g_value_set_enum(&value, Int32(v)) }
            else if type == stet_type_int() { g_value_set_int(&value, Int32(v)) }
            else if type == stet_type_double() { g_value_set_double(&value, Double(v)) }
            else if type == stet_type_boolean() { g_value_set_boolean(&value, v != 0 ? 1 : 0) }
            else if type == stet_type_uint64() { g_value_set_uint64(&value, guint64(v)) }
            else { throw mismatch() }
        case .double(let v):
            if type == stet_type_double() { g_value_set_double(&value, v) }
            else if type == stet_type_int() { g_value_set_int(&value, Int32(v.rounded())) }
            else if type == stet_type_array_double() { var d = [v]; vips_value_set_array_double(&value, &d, 1) }
            else { throw mismatch() }
        case .bool(let v):
            guard type == stet_type_boolean() else { throw mismatch() }
            g_value_set_boolean(&value, v ? 1 : 0)
        case .string(let v):
            if stet_type_is_enum(type) != 0 {
                let n = vips_enum_from_nick(operation, type, v)
                guard n >= 0 else { throw PixelError.failed(operation, Vips.takeErrorMessage()) }
                g_value_set_enum(&value, n)
            } else if stet_type_is_flags(type) != 0 {
                let n = vips_flags_from_nick(operation, type, v)
                guard n >= 0 else { throw PixelError.failed(operation, Vips.takeErrorMessage()) }
                g_value_set_flags(&value, UInt32(n))
            } else if type == stet_type_string() {
                g_value_set_string(&value, v)
            } else { throw mismatch() }
        case .image(let image):
            guard stet_type_is_a(type, stet_type_image()) != 0 else { throw mismatch() }
            g_value_set_object(&value, image.pointer)   // takes its own reference
        case .images(let images):
            guard type == stet_type_array_image() else { throw mismatch() }
            vips_value_set_array_image(&value, Int32(images.count))
            var n: Int32 = 0
            guard let array = vips_value_get_array_image(&value, &n) else { throw mismatch() }
            for (i, image) in images.enumerated() {
                g_object_ref(image.pointer)               // the array owns one reference each
                array[i] = image.pointer
            }
        case .doubles(let v):
            guard type == stet_type_array_double() else { throw mismatch() }
            var copy = v
            vips_value_set_array_double(&value, &copy, Int32(v.count))
        case .ints(let v):
            guard type == stet_type_array_int() else { throw mismatch() }
            var copy = v.map { Int32($0) }
            vips_value_set_array_int(&value, &copy, Int32(v.count))
        case .blob(let bytes):
            guard type == stet_type_blob() else { throw mismatch() }
            // vips_blob_copy owns a copy, so a lazy loader never reads a Swift buffer that died.
            let blob = bytes.withUnsafeBytes { vips_blob_copy($0.baseAddress, $0.count) }
            g_value_set_boxed(&value, blob)
            vips_area_unref(UnsafeMutableRawPointer(blob)?.assumingMemoryBound(to: VipsArea.self))
        }
        g_object_set_property(stet_gobject(op), key, &value)
    }

    private static func get(_ op: UnsafeMutablePointer<VipsOperation>, _ key: String, operation: String)
        throws -> Outputs.Output?
    {
        let (type, aclass) = try lookup(op, key, operation: operation)
        guard stet_argument_is_output(aclass) != 0 else {
            throw PixelError.failed(operation, "\(key) is not an output")
        }
        var value = GValue()
        g_value_init(&value, type)
        defer { g_value_unset(&value) }
        g_object_get_property(stet_gobject(op), key, &value)

        if stet_type_is_a(type, stet_type_image()) != 0 {
            guard let raw = g_value_get_object(&value) else { return nil }
            let image = raw.assumingMemoryBound(to: VipsImage.self)
            g_object_ref(image)                           // our own reference, released by Image
            return .image(Image(owning: image))
        }
        if type == stet_type_int() { return .int(Int(g_value_get_int(&value))) }
        if type == stet_type_double() { return .double(g_value_get_double(&value)) }
        if type == stet_type_boolean() { return .bool(g_value_get_boolean(&value) != 0) }
        if stet_type_is_enum(type) != 0 { return .int(Int(g_value_get_enum(&value))) }
        if stet_type_is_flags(type) != 0 { return .int(Int(g_value_get_flags(&value))) }
        if type == stet_type_string() {
            return g_value_get_string(&value).map { .string(String(cString: $0)) }
        }
        if type == stet_type_array_double() {
            var n: Int32 = 0
            guard let p = vips_value_get_array_double(&value, &n) else { return .doubles([]) }
            return .doubles(Array(UnsafeBufferPointer(start: p, count: Int(n))))
        }
        if type == stet_type_blob() {
            var length: Int = 0
            guard let p = vips_value_get_blob(&value, &length) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: p, count: length)))
        }
        throw PixelError.failed(operation, "cannot read output \(key)")
    }
}
