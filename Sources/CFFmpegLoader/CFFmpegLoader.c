// FFmpeg's libraries, opened on first use.
//
// libavformat, libavcodec, libswscale and libavutil and the libraries they link (about 80 on
// Debian 12: every codec and protocol FFmpeg was built with) cost every Stet command 15-30 ms
// of dynamic linking when it starts, though only the video commands use them. So the program
// is not linked with them: this file defines each FFmpeg function that PixelCore/Video calls
// (with FFmpeg's own declarations from its headers), and the first call opens the libraries
// with dlopen and looks the function up. The header's inline helpers (CFFmpeg/shim.h) call
// only functions defined here. If the libraries cannot be opened, the functions fail the way
// FFmpeg reports failure (AVERROR(ENOSYS), NULL, "unknown"), so a video command reports one
// line; `stet_ffmpeg_open` gives dlopen's reason.
#include "CFFmpegLoader.h"
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/log.h>
#include <libavutil/macros.h>
#include <libswscale/swscale.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

// The sonames of the versions the headers describe ("libavformat.so.59").
static const char *const stet__ffmpeg_names[] = {
    "libavutil.so." AV_STRINGIFY(LIBAVUTIL_VERSION_MAJOR),
    "libswscale.so." AV_STRINGIFY(LIBSWSCALE_VERSION_MAJOR),
    "libavcodec.so." AV_STRINGIFY(LIBAVCODEC_VERSION_MAJOR),
    "libavformat.so." AV_STRINGIFY(LIBAVFORMAT_VERSION_MAJOR),
};
#define STET_FFMPEG_LIBRARIES 4
static void *stet__ffmpeg_handles[STET_FFMPEG_LIBRARIES];
static char stet__ffmpeg_error[512];
static pthread_once_t stet__ffmpeg_once = PTHREAD_ONCE_INIT;

static void stet__ffmpeg_load(void) {
    for (int i = 0; i < STET_FFMPEG_LIBRARIES; i++) {
        stet__ffmpeg_handles[i] = dlopen(stet__ffmpeg_names[i], RTLD_NOW | RTLD_GLOBAL);
        if (!stet__ffmpeg_handles[i]) {
            const char *why = dlerror();
            snprintf(stet__ffmpeg_error, sizeof stet__ffmpeg_error, "%s", why ? why : stet__ffmpeg_names[i]);
            return;
        }
    }
}

int stet_ffmpeg_open(char *message, unsigned long size) {
    pthread_once(&stet__ffmpeg_once, stet__ffmpeg_load);
    int ok = stet__ffmpeg_handles[STET_FFMPEG_LIBRARIES - 1] != NULL;
    if (!ok && message && size) snprintf(message, size, "%s", stet__ffmpeg_error);
    return ok;
}

// The function `name` from whichever of the libraries defines it, cached in `*slot`; NULL when
// the libraries cannot be opened.
static void *stet_ffmpeg_symbol(const char *name, void **slot) {
    void *f = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (f) return f;
    if (!stet_ffmpeg_open(NULL, 0)) return NULL;
    for (int i = STET_FFMPEG_LIBRARIES - 1; i >= 0 && !f; i--) f = dlsym(stet__ffmpeg_handles[i], name);
    if (f) __atomic_store_n(slot, f, __ATOMIC_RELEASE);
    return f;
}

void av_dict_free(AVDictionary **m) {
    typedef void (*fn_t)(AVDictionary **m);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("av_dict_free", (void **) &fn);
    if (!f) return;
    f(m);
}

int av_dict_set(AVDictionary **pm, const char *key, const char *value, int flags) {
    typedef int (*fn_t)(AVDictionary **pm, const char *key, const char *value, int flags);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("av_dict_set", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(pm, key, value, flags);
}

int av_find_best_stream(AVFormatContext *ic, enum AVMediaType type, int wanted_stream_nb, int related_stream, const AVCodec **decoder_ret, int flags) {
    typedef int (*fn_t)(AVFormatContext *ic, enum AVMediaType type, int wanted_stream_nb, int related_stream, const AVCodec **decoder_ret, int flags);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("av_find_best_stream", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(ic, type, wanted_stream_nb, related_stream, decoder_ret, flags);
}

AVFrame *av_frame_alloc(void) {
    typedef AVFrame * (*fn_t)(void);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("av_frame_alloc", (void **) &fn);
    if (!f) return NULL;
    return f();
}

void av_frame_free(AVFrame **frame) {
    typedef void (*fn_t)(AVFrame **frame);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("av_frame_free", (void **) &fn);
    if (!f) return;
    f(frame);
}

int av_frame_get_buffer(AVFrame *frame, int align) {
    typedef int (*fn_t)(AVFrame *frame, int align);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("av_frame_get_buffer", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(frame, align);
}

int av_frame_make_writable(AVFrame *frame) {
    typedef int (*fn_t)(AVFrame *frame);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("av_frame_make_writable", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(frame);
}

void av_frame_unref(AVFrame *frame) {
    typedef void (*fn_t)(AVFrame *frame);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("av_frame_unref", (void **) &fn);
    if (!f) return;
    f(frame);
}

const char *av_get_pix_fmt_name(enum AVPixelFormat pix_fmt) {
    typedef const char * (*fn_t)(enum AVPixelFormat pix_fmt);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("av_get_pix_fmt_name", (void **) &fn);
    if (!f) return "unknown";
    return f(pix_fmt);
}

int av_interleaved_write_frame(AVFormatContext *s, AVPacket *pkt) {
    typedef int (*fn_t)(AVFormatContext *s, AVPacket *pkt);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("av_interleaved_write_frame", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(s, pkt);
}

int av_opt_set(void *obj, const char *name, const char *val, int search_flags) {
    typedef int (*fn_t)(void *obj, const char *name, const char *val, int search_flags);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("av_opt_set", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(obj, name, val, search_flags);
}

AVPacket *av_packet_alloc(void) {
    typedef AVPacket * (*fn_t)(void);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("av_packet_alloc", (void **) &fn);
    if (!f) return NULL;
    return f();
}

void av_packet_free(AVPacket **pkt) {
    typedef void (*fn_t)(AVPacket **pkt);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("av_packet_free", (void **) &fn);
    if (!f) return;
    f(pkt);
}

int av_packet_ref(AVPacket *dst, const AVPacket *src) {
    typedef int (*fn_t)(AVPacket *dst, const AVPacket *src);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("av_packet_ref", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(dst, src);
}

void av_packet_rescale_ts(AVPacket *pkt, AVRational tb_src, AVRational tb_dst) {
    typedef void (*fn_t)(AVPacket *pkt, AVRational tb_src, AVRational tb_dst);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("av_packet_rescale_ts", (void **) &fn);
    if (!f) return;
    f(pkt, tb_src, tb_dst);
}

void av_packet_unref(AVPacket *pkt) {
    typedef void (*fn_t)(AVPacket *pkt);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("av_packet_unref", (void **) &fn);
    if (!f) return;
    f(pkt);
}

int av_read_frame(AVFormatContext *s, AVPacket *pkt) {
    typedef int (*fn_t)(AVFormatContext *s, AVPacket *pkt);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("av_read_frame", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(s, pkt);
}

int av_write_trailer(AVFormatContext *s) {
    typedef int (*fn_t)(AVFormatContext *s);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("av_write_trailer", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(s);
}

AVCodecContext *avcodec_alloc_context3(const AVCodec *codec) {
    typedef AVCodecContext * (*fn_t)(const AVCodec *codec);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avcodec_alloc_context3", (void **) &fn);
    if (!f) return NULL;
    return f(codec);
}

const AVCodec *avcodec_find_decoder(enum AVCodecID id) {
    typedef const AVCodec * (*fn_t)(enum AVCodecID id);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avcodec_find_decoder", (void **) &fn);
    if (!f) return NULL;
    return f(id);
}

const AVCodec *avcodec_find_encoder_by_name(const char *name) {
    typedef const AVCodec * (*fn_t)(const char *name);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avcodec_find_encoder_by_name", (void **) &fn);
    if (!f) return NULL;
    return f(name);
}

void avcodec_free_context(AVCodecContext **avctx) {
    typedef void (*fn_t)(AVCodecContext **avctx);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avcodec_free_context", (void **) &fn);
    if (!f) return;
    f(avctx);
}

const char *avcodec_get_name(enum AVCodecID id) {
    typedef const char * (*fn_t)(enum AVCodecID id);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avcodec_get_name", (void **) &fn);
    if (!f) return "unknown";
    return f(id);
}

int avcodec_open2(AVCodecContext *avctx, const AVCodec *codec, AVDictionary **options) {
    typedef int (*fn_t)(AVCodecContext *avctx, const AVCodec *codec, AVDictionary **options);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avcodec_open2", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(avctx, codec, options);
}

int avcodec_parameters_copy(AVCodecParameters *dst, const AVCodecParameters *src) {
    typedef int (*fn_t)(AVCodecParameters *dst, const AVCodecParameters *src);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avcodec_parameters_copy", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(dst, src);
}

int avcodec_parameters_from_context(AVCodecParameters *par, const AVCodecContext *codec) {
    typedef int (*fn_t)(AVCodecParameters *par, const AVCodecContext *codec);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avcodec_parameters_from_context", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(par, codec);
}

int avcodec_parameters_to_context(AVCodecContext *codec, const AVCodecParameters *par) {
    typedef int (*fn_t)(AVCodecContext *codec, const AVCodecParameters *par);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avcodec_parameters_to_context", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(codec, par);
}

int avcodec_receive_frame(AVCodecContext *avctx, AVFrame *frame) {
    typedef int (*fn_t)(AVCodecContext *avctx, AVFrame *frame);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avcodec_receive_frame", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(avctx, frame);
}

int avcodec_receive_packet(AVCodecContext *avctx, AVPacket *avpkt) {
    typedef int (*fn_t)(AVCodecContext *avctx, AVPacket *avpkt);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avcodec_receive_packet", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(avctx, avpkt);
}

int avcodec_send_frame(AVCodecContext *avctx, const AVFrame *frame) {
    typedef int (*fn_t)(AVCodecContext *avctx, const AVFrame *frame);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avcodec_send_frame", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(avctx, frame);
}

int avcodec_send_packet(AVCodecContext *avctx, const AVPacket *avpkt) {
    typedef int (*fn_t)(AVCodecContext *avctx, const AVPacket *avpkt);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avcodec_send_packet", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(avctx, avpkt);
}

unsigned avcodec_version(void) {
    typedef unsigned (*fn_t)(void);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avcodec_version", (void **) &fn);
    if (!f) return 0;
    return f();
}

int avformat_alloc_output_context2(AVFormatContext **ctx, const AVOutputFormat *oformat, const char *format_name, const char *filename) {
    typedef int (*fn_t)(AVFormatContext **ctx, const AVOutputFormat *oformat, const char *format_name, const char *filename);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avformat_alloc_output_context2", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(ctx, oformat, format_name, filename);
}

void avformat_close_input(AVFormatContext **s) {
    typedef void (*fn_t)(AVFormatContext **s);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avformat_close_input", (void **) &fn);
    if (!f) return;
    f(s);
}

int avformat_find_stream_info(AVFormatContext *ic, AVDictionary **options) {
    typedef int (*fn_t)(AVFormatContext *ic, AVDictionary **options);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avformat_find_stream_info", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(ic, options);
}

void avformat_free_context(AVFormatContext *s) {
    typedef void (*fn_t)(AVFormatContext *s);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avformat_free_context", (void **) &fn);
    if (!f) return;
    f(s);
}

AVStream *avformat_new_stream(AVFormatContext *s, const AVCodec *c) {
    typedef AVStream * (*fn_t)(AVFormatContext *s, const AVCodec *c);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avformat_new_stream", (void **) &fn);
    if (!f) return NULL;
    return f(s, c);
}

int avformat_open_input(AVFormatContext **ps, const char *url, const AVInputFormat *fmt, AVDictionary **options) {
    typedef int (*fn_t)(AVFormatContext **ps, const char *url, const AVInputFormat *fmt, AVDictionary **options);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avformat_open_input", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(ps, url, fmt, options);
}

int avformat_query_codec(const AVOutputFormat *ofmt, enum AVCodecID codec_id, int std_compliance) {
    typedef int (*fn_t)(const AVOutputFormat *ofmt, enum AVCodecID codec_id, int std_compliance);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avformat_query_codec", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(ofmt, codec_id, std_compliance);
}

int avformat_write_header(AVFormatContext *s, AVDictionary **options) {
    typedef int (*fn_t)(AVFormatContext *s, AVDictionary **options);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avformat_write_header", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(s, options);
}

int avio_closep(AVIOContext **s) {
    typedef int (*fn_t)(AVIOContext **s);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avio_closep", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(s);
}

int avio_open(AVIOContext **s, const char *url, int flags) {
    typedef int (*fn_t)(AVIOContext **s, const char *url, int flags);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("avio_open", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(s, url, flags);
}

void sws_freeContext(struct SwsContext *swsContext) {
    typedef void (*fn_t)(struct SwsContext *swsContext);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("sws_freeContext", (void **) &fn);
    if (!f) return;
    f(swsContext);
}

struct SwsContext *sws_getCachedContext(struct SwsContext *context, int srcW, int srcH, enum AVPixelFormat srcFormat, int dstW, int dstH, enum AVPixelFormat dstFormat, int flags, SwsFilter *srcFilter, SwsFilter *dstFilter, const double *param) {
    typedef struct SwsContext * (*fn_t)(struct SwsContext *context, int srcW, int srcH, enum AVPixelFormat srcFormat, int dstW, int dstH, enum AVPixelFormat dstFormat, int flags, SwsFilter *srcFilter, SwsFilter *dstFilter, const double *param);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("sws_getCachedContext", (void **) &fn);
    if (!f) return NULL;
    return f(context, srcW, srcH, srcFormat, dstW, dstH, dstFormat, flags, srcFilter, dstFilter, param);
}

int sws_scale_frame(struct SwsContext *c, AVFrame *dst, const AVFrame *src) {
    typedef int (*fn_t)(struct SwsContext *c, AVFrame *dst, const AVFrame *src);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("sws_scale_frame", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(c, dst, src);
}

int av_strerror(int errnum, char *errbuf, size_t errbuf_size) {
    typedef int (*fn_t)(int errnum, char *errbuf, size_t errbuf_size);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("av_strerror", (void **) &fn);
    if (!f) return AVERROR(ENOSYS);
    return f(errnum, errbuf, errbuf_size);
}

void av_log_set_level(int level) {
    typedef void (*fn_t)(int level);
    static fn_t fn;
    fn_t f = (fn_t) stet_ffmpeg_symbol("av_log_set_level", (void **) &fn);
    if (!f) return;
    f(level);
}
