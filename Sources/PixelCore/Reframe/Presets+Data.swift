// The platform preset table, as data. It is JSON, parsed at run time by `PlatformPreset.all`;
// edit the table here (not code) when a platform changes its sizes, and update `checked`.
//
// `checked` is the date the row was last compared with its `source`. The rows dated 2026-11-21
// were recorded from the platforms' published guidance without re-fetching the pages (the build
// machine has no internet access); re-check the source before relying on a size.
extension PlatformPreset {
    static let tableJSON = #"""
    {
      "version": 1,
      "presets": [
        { "id": "youtube", "name": "YouTube video 16:9", "width": 1920, "height": 1080,
          "aliases": ["youtube-16x9", "yt"],
          "checked": "2026-11-21", "source": "https://support.google.com/youtube/answer/6375112" },
        { "id": "youtube-thumbnail", "name": "YouTube thumbnail", "width": 1280, "height": 720,
          "aliases": ["yt-thumb", "thumbnail"],
          "checked": "2026-11-21", "source": "https://support.google.com/youtube/answer/72431" },
        { "id": "shorts", "name": "YouTube Shorts 9:16", "width": 1080, "height": 1920,
          "aliases": ["youtube-shorts"],
          "checked": "2026-11-21", "source": "https://support.google.com/youtube/answer/10059070" },
        { "id": "reels", "name": "Instagram / Facebook Reels 9:16", "width": 1080, "height": 1920,
          "aliases": ["instagram-reels"],
          "checked": "2026-11-21", "source": "https://www.facebook.com/business/ads-guide/video/instagram-reels" },
        { "id": "stories", "name": "Instagram / Facebook Stories 9:16", "width": 1080, "height": 1920,
          "aliases": ["instagram-stories", "story"],
          "checked": "2026-11-21", "source": "https://www.facebook.com/business/ads-guide/image/instagram-story" },
        { "id": "tiktok", "name": "TikTok 9:16", "width": 1080, "height": 1920,
          "aliases": [],
          "checked": "2026-11-21", "source": "https://ads.tiktok.com/help/article/video-ads-specifications" },
        { "id": "instagram-square", "name": "Instagram square 1:1", "width": 1080, "height": 1080,
          "aliases": ["square", "ig-square"],
          "checked": "2026-11-21", "source": "https://help.instagram.com/1631821640426723" },
        { "id": "instagram-portrait", "name": "Instagram portrait 4:5", "width": 1080, "height": 1350,
          "aliases": ["portrait", "ig-portrait"],
          "checked": "2026-11-21", "source": "https://help.instagram.com/1631821640426723" },
        { "id": "instagram-landscape", "name": "Instagram landscape 1.91:1", "width": 1080, "height": 566,
          "aliases": ["landscape", "ig-landscape"],
          "checked": "2026-11-21", "source": "https://help.instagram.com/1631821640426723" },
        { "id": "x", "name": "X (Twitter) in-feed image 16:9", "width": 1600, "height": 900,
          "aliases": ["twitter"],
          "checked": "2026-11-21", "source": "https://business.x.com/en/help/campaign-setup/creative-ad-specifications" },
        { "id": "linkedin", "name": "LinkedIn shared image 1.91:1", "width": 1200, "height": 627,
          "aliases": [],
          "checked": "2026-11-21", "source": "https://business.linkedin.com/marketing-solutions/success/ads-guide/single-image-ads" },
        { "id": "pinterest", "name": "Pinterest standard pin 2:3", "width": 1000, "height": 1500,
          "aliases": ["pin"],
          "checked": "2026-11-21", "source": "https://help.pinterest.com/en/business/article/pinterest-product-specs" },
        { "id": "og", "name": "Open Graph link preview 1.91:1", "width": 1200, "height": 630,
          "aliases": ["open-graph", "opengraph", "facebook-link"],
          "checked": "2026-11-21", "source": "https://developers.facebook.com/docs/sharing/webmasters/images/" }
      ]
    }
    """#
}
