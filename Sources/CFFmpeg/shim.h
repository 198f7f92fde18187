// FFmpeg's headers (Debian 12: libavformat 59, libavcodec 59, libswscale 6, libavutil 57) for
// the video engine in PixelCore/Video; the libraries are opened on first use (CFFmpegLoader). Only what Swift cannot see is here: error codes and
// constants that are function-like macros, and a few field writes through AVDictionary.
// Everything else (demuxing, decoding, scaling, encoding, muxing) is Swift.
#ifndef STET_CFFMPEG_SHIM_H
#define STET_CFFMPEG_SHIM_H

#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/log.h>
#include <libswscale/swscale.h>
#include <errno.h>

static inline int stet_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int stet_averror_eof(void) { return AVERROR_EOF; }
static inline int stet_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int stet_averror_stream_not_found(void) { return AVERROR_STREAM_NOT_FOUND; }
static inline int stet_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int64_t stet_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline AVRational stet_time_base_q(void) { return AV_TIME_BASE_Q; }
static inline int stet_avfmt_noflie(const AVOutputFormat *f) { return (f->flags & AVFMT_NOFILE) != 0; }
static inline int stet_avfmt_globalheader(const AVOutputFormat *f) { return (f->flags & AVFMT_GLOBALHEADER) != 0; }
static inline int stet_codec_flag_global_header(void) { return AV_CODEC_FLAG_GLOBAL_HEADER; }
static inline int stet_pkt_flag_key(void) { return AV_PKT_FLAG_KEY; }

// The message for an FFmpeg error code (av_err2str is a macro with a compound literal).
static inline void stet_av_strerror(int code, char *buffer, size_t size) {
    if (av_strerror(code, buffer, size) < 0) snprintf(buffer, size, "error %d", code);
}

// Silences FFmpeg's own logging to stderr: Stet reports one line per problem itself.
static inline void stet_av_quiet(void) { av_log_set_level(AV_LOG_QUIET); }

#endif
