// The only C in Stet: libvips' headers (and zlib's crc32 and libjpeg, for the damaged-file
// checks), plus helpers for what Swift cannot see.
// GType constants such as G_TYPE_INT and VIPS_TYPE_IMAGE are macros, and the
// object-type checks are macros too, so each gets a tiny inline function here.
// Everything else (the operation engine itself) is Swift, in PixelCore.
#ifndef STET_CVIPS_SHIM_H
#define STET_CVIPS_SHIM_H

#include <vips/vips.h>
#include <malloc.h>
#include <zlib.h>
#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>

static inline GType stet_type_int(void) { return G_TYPE_INT; }
static inline GType stet_type_uint64(void) { return G_TYPE_UINT64; }
static inline GType stet_type_double(void) { return G_TYPE_DOUBLE; }
static inline GType stet_type_boolean(void) { return G_TYPE_BOOLEAN; }
static inline GType stet_type_string(void) { return G_TYPE_STRING; }
static inline GType stet_type_image(void) { return VIPS_TYPE_IMAGE; }
static inline GType stet_type_array_double(void) { return VIPS_TYPE_ARRAY_DOUBLE; }
static inline GType stet_type_array_int(void) { return VIPS_TYPE_ARRAY_INT; }
static inline GType stet_type_array_image(void) { return VIPS_TYPE_ARRAY_IMAGE; }
static inline GType stet_type_blob(void) { return VIPS_TYPE_BLOB; }
static inline GType stet_type_interpolate(void) { return VIPS_TYPE_INTERPOLATE; }
static inline GType stet_type_interpretation(void) { return VIPS_TYPE_INTERPRETATION; }
static inline GType stet_type_fundamental(GType t) { return G_TYPE_FUNDAMENTAL(t); }
static inline gboolean stet_type_is_enum(GType t) { return G_TYPE_FUNDAMENTAL(t) == G_TYPE_ENUM; }
static inline gboolean stet_type_is_flags(GType t) { return G_TYPE_FUNDAMENTAL(t) == G_TYPE_FLAGS; }
static inline gboolean stet_type_is_a(GType t, GType is) { return g_type_is_a(t, is); }

static inline VipsObject *stet_object(void *p) { return VIPS_OBJECT(p); }
static inline GObject *stet_gobject(void *p) { return G_OBJECT(p); }

static inline int stet_argument_is_output(VipsArgumentClass *c) {
    return (c->flags & VIPS_ARGUMENT_OUTPUT) != 0;
}
static inline int stet_argument_is_required(VipsArgumentClass *c) {
    return (c->flags & VIPS_ARGUMENT_REQUIRED) != 0;
}

// Counts live VipsObjects: libvips keeps them all in one table, so the leak
// test can ask how many exist before and after a few thousand operations.
static void *stet__count_object(VipsObject *object, void *a, void *b) {
    (void) object; (void) b;
    (*(int *) a) += 1;
    return NULL;
}
static inline int stet_live_object_count(void) {
    int n = 0;
    vips_object_map((VipsSListMap2Fn) stet__count_object, &n, NULL);
    return n;
}

// glibc's M_ARENA_MAX is a macro Swift does not import.
static inline void stet_limit_malloc_arenas(int n) { mallopt(M_ARENA_MAX, n); }
// Large blocks (up to 32 MB) from the heap, and up to 128 MB of freed heap kept: glibc's
// defaults give most blocks over 128 KB fresh pages from the kernel on every allocation.
static inline void stet_keep_freed_memory(void) {
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 128 * 1024 * 1024);
}

// libjpeg reports errors by longjmp, which Swift cannot catch: `stet_jpeg_decode` below
// catches them with setjmp on the calling thread and stops at the first warning or error. The
// same bytes give the same answer on every run, unlike libvips 8.14's fail_on on its worker
// threads.
typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char *message;
    int message_size;
} stet_jpeg_error;

static void stet__jpeg_fail(j_common_ptr cinfo) {
    stet_jpeg_error *e = (stet_jpeg_error *) cinfo->err;
    (*cinfo->err->format_message)(cinfo, e->message);
    longjmp(e->jump, 1);
}

static void stet__jpeg_message(j_common_ptr cinfo, int level) {
    if (level < 0) stet__jpeg_fail(cinfo);      // a warning: corrupt or truncated data
}

// Decodes a JPEG held in memory at 1/`shrink` scale (1, 2,
// 4 or 8) into a new VipsImage that owns its pixels, with every warning fatal, on the calling
// thread. This is the decode libvips' jpegload would do (libjpeg's default, accurate DCT and
// fancy upsampling, as libvips leaves them; Adobe CMYK inverted as libvips inverts it), so a
// strict load checks and decodes in one pass instead of two. 3 bands for YCbCr and RGB, 1 for
// greyscale, 4 for CMYK and YCCK. Returns 0 and the image in `out`, or 1 and libjpeg's
// message; the caller sets the image's interpretation and metadata.
// The pixels are libvips' tracked memory, so the operation cache's memory cap (which counts
// only tracked memory) sees what a cached operation on this image holds.
static void stet__free_pixels(VipsImage *image, void *pixels) { (void) image; vips_tracked_free(pixels); }

static inline int stet_jpeg_decode(const unsigned char *data, unsigned long size, int shrink,
                                   VipsImage **out, char *message, int message_size) {
    struct jpeg_decompress_struct cinfo;
    stet_jpeg_error err;
    unsigned char *volatile pixels = NULL;
    *out = NULL;
    if (message_size < JMSG_LENGTH_MAX) return -1;
    memset(&cinfo, 0, sizeof(cinfo));
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = stet__jpeg_fail;
    err.pub.emit_message = stet__jpeg_message;
    err.message = message;
    err.message_size = message_size;
    message[0] = 0;
    jpeg_create_decompress(&cinfo);
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        if (pixels) vips_tracked_free(pixels);
        return 1;
    }
    jpeg_mem_src(&cinfo, data, size);
    jpeg_read_header(&cinfo, TRUE);
    if (shrink > 1) {
        cinfo.scale_num = 1;
        cinfo.scale_denom = shrink;
    }
    int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    if (cmyk) cinfo.out_color_space = JCS_CMYK;
    else if (cinfo.num_components == 1) cinfo.out_color_space = JCS_GRAYSCALE;
    else cinfo.out_color_space = JCS_RGB;
    jpeg_start_decompress(&cinfo);
    size_t stride = (size_t) cinfo.output_width * cinfo.output_components;
    size_t length = stride * cinfo.output_height;
    pixels = vips_tracked_malloc(length);
    if (!pixels) { jpeg_destroy_decompress(&cinfo); return -1; }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW rows[16];
        int n = 0;
        while (n < 16 && cinfo.output_scanline + n < cinfo.output_height) {
            rows[n] = pixels + (cinfo.output_scanline + n) * stride;
            n++;
        }
        jpeg_read_scanlines(&cinfo, rows, n);
    }
    jpeg_finish_decompress(&cinfo);             // reads to EOI: a missing tail warns
    if (cmyk && cinfo.saw_Adobe_marker)
        for (size_t i = 0; i < length; i++) pixels[i] = 255 - pixels[i];
    VipsImage *image = vips_image_new_from_memory(pixels, length, cinfo.output_width,
                                                  cinfo.output_height, cinfo.output_components,
                                                  VIPS_FORMAT_UCHAR);
    int bands = cinfo.output_components;
    jpeg_destroy_decompress(&cinfo);
    if (!image) { vips_tracked_free(pixels); return -1; }
    g_signal_connect(image, "postclose", G_CALLBACK(stet__free_pixels), pixels);
    image->Type = bands == 4 ? VIPS_INTERPRETATION_CMYK
                : bands == 1 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB;
    *out = image;
    return 0;
}

// An image over `length` bytes of libvips' tracked memory (`vips_tracked_malloc`) that the
// image then owns: freed when it closes, so the pixels are handed over without a copy. On
// failure the pixels are freed too and NULL is returned.
static inline VipsImage *stet_image_new_owning(void *pixels, size_t length, int width, int height,
                                               int bands, VipsBandFormat format) {
    VipsImage *image = vips_image_new_from_memory(pixels, length, width, height, bands, format);
    if (!image) { vips_tracked_free(pixels); return NULL; }
    g_signal_connect(image, "postclose", G_CALLBACK(stet__free_pixels), pixels);
    return image;
}

// Copies every metadata item (EXIF, XMP, ICC profile, orientation, ...) and the resolution from
// `from` (a header just opened by jpegload) to `to`, which has none of its own yet.
static void *stet__copy_item(VipsImage *from, const char *name, GValue *value, void *to) {
    (void) from;
    static const char *basic[] = {"width", "height", "bands", "format", "coding", "interpretation",
                                  "xoffset", "yoffset", "xres", "yres", "filename", "mode", "kill",
                                  "demand", "sizeof_header", "foreign_buffer", NULL};
    for (int i = 0; basic[i]; i++) if (strcmp(name, basic[i]) == 0) return NULL;
    vips_image_set((VipsImage *) to, name, value);
    return NULL;
}
static inline void stet_copy_metadata(VipsImage *from, VipsImage *to) {
    to->Xres = from->Xres;
    to->Yres = from->Yres;
    vips_image_map(from, (VipsImageMapFn) stet__copy_item, to);
}

#endif
