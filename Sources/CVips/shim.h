// The only C in Stet: libvips' headers (and zlib's crc32, for PNG chunk checks), plus helpers for what Swift cannot see.
// GType constants such as G_TYPE_INT and VIPS_TYPE_IMAGE are macros, and the
// object-type checks are macros too, so each gets a tiny inline function here.
// Everything else (the operation engine itself) is Swift, in PixelCore.
#ifndef STET_CVIPS_SHIM_H
#define STET_CVIPS_SHIM_H

#include <vips/vips.h>
#include <malloc.h>
#include <zlib.h>

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

#endif
