// FFmpeg's libraries, opened when the video engine first calls one of their functions instead
// of when the program starts (see CFFmpegLoader.c).
#ifndef STET_CFFMPEG_LOADER_H
#define STET_CFFMPEG_LOADER_H

// 1 when FFmpeg's four libraries are open (opening them now if they are not yet), 0 when one
// of them cannot be opened; `message` then holds dlopen's reason.
int stet_ffmpeg_open(char *message, unsigned long size);

#endif
