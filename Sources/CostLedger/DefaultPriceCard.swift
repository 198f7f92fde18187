/// The commented price card `stet init` writes to `.stet/prices.toml`, and the card Stet uses
/// when there is no file.
public enum DefaultPriceCard {
    public static let text = #"""
# Stet price card: what a regeneration would have cost.
#
# THE PRICES BELOW ARE EXAMPLES. They were copied by hand from public price lists around the
# date in each model's as_of, they are not quotes, and providers change them often. Edit them
# to match your own plan, discounts, credits and models before you trust a savings report.
# `stet prices` prints the card in effect; every ledger entry records this file's SHA-256,
# so a report can tell which prices it was computed with.
#
# Where Stet looks for the card: $STET_PRICES, else prices.toml next to the ledger
# (.stet/prices.toml in a project), else this built-in example card.

# Currency of amounts given with --spent on any command.
currency = "USD"
updated = "2025-06-01"

# [models.NAME]
#   unit           = "image" | "second" | "megapixel" | "call" | "1k-tokens"
#   price          = the price of ONE unit (up to six decimals)
#   currency       = an ISO 4217 code such as "USD", or "credits" (default: currency above)
#   per_generation = units one generation uses (default 1): seconds in a clip,
#                    megapixels in an image, thousands of tokens in a call
#   as_of          = when the price was read off the provider's list
#   note           = free text
# Names with dots need quotes: [models."flux-1.1-pro"].
#
# A model whose price depends on output size and quality has a prices table instead of price:
#   [models.NAME.prices]   "SIZE/QUALITY" = price of one unit, for every size at every quality
#                          (SIZE is WIDTHxHEIGHT, or NNNp / 4k for video in either orientation;
#                          leave out /QUALITY for a model priced by size alone)
#   default = "SIZE/QUALITY", the tier used when nothing says which one applies.
# An avoided regeneration is priced at the smallest size covering the command's largest output,
# at the default tier's quality; name a tier to pin it: --avoids gpt-image-1@1536x1024/high,
# final = "gpt-image-1@high" in [tiers]. `stet log generation --size WxH --quality Q` prices
# real generations at their tier.

[models."flux-1.1-pro"]
unit = "image"
price = 0.04
as_of = "2025-06-01"
note = "example: Black Forest Labs API list price per image"

[models.flux-schnell]
unit = "image"
price = 0.003
as_of = "2025-06-01"
note = "example: a hosted per-image price"

# gpt-image-1: OpenAI's published per-image prices by quality and size (Image generation
# table of the OpenAI API pricing page, https://platform.openai.com/docs/pricing, read 2025-06-01).
[models.gpt-image-1]
unit = "image"
default = "1024x1024/medium"
as_of = "2025-06-01"
note = "example: OpenAI list prices per image by size and quality"

[models.gpt-image-1.prices]
"1024x1024/low" = 0.011
"1024x1536/low" = 0.016
"1536x1024/low" = 0.016
"1024x1024/medium" = 0.042
"1024x1536/medium" = 0.063
"1536x1024/medium" = 0.063
"1024x1024/high" = 0.167
"1024x1536/high" = 0.25
"1536x1024/high" = 0.25

[models.imagen-4]
unit = "image"
price = 0.04
as_of = "2025-06-01"
note = "example: standard tier"

[models.flux-dev-mp]
unit = "megapixel"
price = 0.025
per_generation = 1.048576
as_of = "2025-06-01"
note = "example: billed per megapixel; one 1024x1024 image is 1.048576 MP"

[models.studio-credits]
unit = "image"
price = 4
currency = "credits"
as_of = "2025-06-01"
note = "example: a subscription that spends credits per image"

[models.veo-3]
unit = "second"
price = 0.75
per_generation = 8
as_of = "2025-06-01"
note = "example: video with audio, billed per second; one clip is 8 s"

# sora-2-pro: OpenAI's published per-second video prices by resolution (Video table of the
# OpenAI API pricing page, https://platform.openai.com/docs/pricing, read 2025-10-06).
[models.sora-2-pro]
unit = "second"
per_generation = 8
default = "1280x720"
as_of = "2025-10-06"
note = "example: OpenAI list price per second by resolution; one clip is 8 s"

[models.sora-2-pro.prices]
"720x1280" = 0.30
"1280x720" = 0.30
"1024x1792" = 0.50
"1792x1024" = 0.50

[models.gen4-turbo]
unit = "second"
price = 5
currency = "credits"
per_generation = 10
as_of = "2025-06-01"
note = "example: video billed in credits per second; one clip is 10 s"

[models.vision-captioner]
unit = "1k-tokens"
price = 0.0025
per_generation = 1.5
as_of = "2025-06-01"
note = "example: a language model call that writes a prompt, about 1,500 tokens"

[models.upscale-api]
unit = "call"
price = 0.05
as_of = "2025-06-01"
note = "example: a hosted upscaler billed per call"

# Tiers name the models you use for drafts and for finals.
[tiers]
draft = "flux-schnell"
final = "flux-1.1-pro"

# What one use of each operation replaces by default: "none", a tier or a model, optionally
# with a count ("final x2"). reframe counts once per distinct target size. A command's
# --avoids MODEL[xN] (or --avoids none) overrides this for one use. For a video clip, a model
# priced per second is priced for the clip's duration (sheet and draft of a 12 s clip with
# --avoids veo-3: 12 s x 0.75).
[avoids]
reframe = "final"
upscale = "final"
inpaint = "final"
patch = "final"
draft = "none"
grid = "none"
sheet = "none"
split = "none"
mask = "none"
"""#
}
