import Foundation

/// The common settings of a generation, typed, from the JSON records of tools other than
/// Automatic1111: InvokeAI (`invokeai_metadata`, and the older `sd-metadata`) and Fooocus (its
/// JSON `parameters`, `metadata_scheme` "fooocus"). Each tool names the same things differently;
/// the raw record stays beside it in `GenerationRecord.json`.
public struct ToolParameters: Codable, Equatable, Sendable {
    public var prompt: String?
    public var negativePrompt: String?
    public var seed: Int64?
    public var steps: Int?
    public var cfgScale: Double?
    public var sampler: String?
    public var scheduler: String?
    public var width: Int?
    public var height: Int?
    public var model: String?
    /// The tool and its version as the record says ("InvokeAI 4.2.4", "Fooocus v2.5.0").
    public var tool: String?

    public init(prompt: String? = nil, negativePrompt: String? = nil, seed: Int64? = nil, steps: Int? = nil,
                cfgScale: Double? = nil, sampler: String? = nil, scheduler: String? = nil, width: Int? = nil,
                height: Int? = nil, model: String? = nil, tool: String? = nil) {
        self.prompt = prompt; self.negativePrompt = negativePrompt; self.seed = seed; self.steps = steps
        self.cfgScale = cfgScale; self.sampler = sampler; self.scheduler = scheduler; self.width = width
        self.height = height; self.model = model; self.tool = tool
    }

    var isEmpty: Bool { prompt == nil && seed == nil && steps == nil && model == nil }

    /// InvokeAI 3 and later: flat keys; InvokeAI 2's `sd-metadata`: the settings under `image`,
    /// the prompt a list of weighted parts.
    public static func invokeAI(_ j: JSONValue) -> ToolParameters? {
        var p = ToolParameters()
        if let image = j["image"], case .object = image {
            p.prompt = text(image["prompt"]) ?? weightedPrompt(image["prompt"])
            p.seed = integer(image["seed"]); p.steps = integer(image["steps"]).map(Int.init)
            p.cfgScale = number(image["cfg_scale"]); p.sampler = text(image["sampler"])
            p.width = integer(image["width"]).map(Int.init); p.height = integer(image["height"]).map(Int.init)
            p.model = text(j["model_weights"])
            p.tool = text(j["app_version"]).map { "InvokeAI \($0)" } ?? "InvokeAI"
        } else {
            p.prompt = text(j["positive_prompt"]); p.negativePrompt = text(j["negative_prompt"])
            p.seed = integer(j["seed"]); p.steps = integer(j["steps"]).map(Int.init); p.cfgScale = number(j["cfg_scale"])
            p.scheduler = text(j["scheduler"])
            p.width = integer(j["width"]).map(Int.init); p.height = integer(j["height"]).map(Int.init)
            p.model = text(j["model"]?["name"]) ?? text(j["model"]?["model_name"]) ?? text(j["model"])
            p.tool = text(j["app_version"]).map { "InvokeAI \($0)" } ?? "InvokeAI"
        }
        return p.isEmpty ? nil : p
    }

    /// Fooocus' JSON scheme: `resolution` is the text "(W, H)", `seed` a string.
    public static func fooocus(_ j: JSONValue) -> ToolParameters? {
        guard text(j["metadata_scheme"]) == "fooocus" || j["base_model"] != nil && j["guidance_scale"] != nil else { return nil }
        var p = ToolParameters()
        p.prompt = text(j["prompt"]); p.negativePrompt = text(j["negative_prompt"])
        p.seed = integer(j["seed"]); p.steps = integer(j["steps"]).map(Int.init)
        p.cfgScale = number(j["guidance_scale"]); p.sampler = text(j["sampler"]); p.scheduler = text(j["scheduler"])
        p.model = text(j["base_model"]); p.tool = text(j["version"]) ?? "Fooocus"
        if let r = text(j["resolution"]) {
            let digits = r.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            if digits.count == 2 { p.width = digits[0]; p.height = digits[1] }
        }
        return p.isEmpty ? nil : p
    }

    static func text(_ v: JSONValue?) -> String? {
        if case .string(let s)? = v { return s }
        return nil
    }

    static func number(_ v: JSONValue?) -> Double? {
        switch v {
        case .number(let n)?: return n
        case .string(let s)?: return Double(s)
        default: return nil
        }
    }

    /// A whole number, from a JSON number or a string of digits (seeds beyond 2^53 as strings).
    static func integer(_ v: JSONValue?) -> Int64? {
        switch v {
        case .number(let n)? where n == n.rounded() && abs(n) < 9.2e18: return Int64(n)
        case .string(let s)?: return Int64(s.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }

    /// InvokeAI 2's `[{"prompt": "...", "weight": 1}]`, joined.
    static func weightedPrompt(_ v: JSONValue?) -> String? {
        guard case .array(let parts)? = v else { return nil }
        let texts = parts.compactMap { text($0["prompt"]) }
        return texts.isEmpty ? nil : texts.joined(separator: " ")
    }
}
