/* digest.h - the front end's one digest module: SHA-256 (archives and
 * wheels checked against a published sum) and a 64-bit FNV-1a
 * fingerprint (cache entry names, a scenario file's content, result
 * file names).  In process: no sha256sum to spawn.
 *
 * Strings returned are fresh (the caller frees them); functions that read
 * a file return NULL or -1 with errno set and leave nothing behind. */
#ifndef LMX_DIGEST_H
#define LMX_DIGEST_H

#include <stddef.h>
#include <stdint.h>

/* SHA-256 state, for data that comes in pieces. */
struct digest_sha256 {
    uint32_t h[8];
    uint64_t bytes;
    unsigned char block[64];
    size_t fill;
};

void digest_sha256_init(struct digest_sha256 *s);
void digest_sha256_add(struct digest_sha256 *s, const void *data, size_t n);
/* Writes 64 lowercase hex digits and a NUL into hex. */
void digest_sha256_hex(struct digest_sha256 *s, char hex[65]);

/* The SHA-256 of a file as 64 lowercase hex digits (fresh), or NULL with
 * errno. */
char *digest_sha256_file(const char *path);

/* 1 when the file's SHA-256 is want (64 hex digits, either case), 0 when
 * it is not or the file cannot be read. */
int digest_sha256_file_is(const char *path, const char *want);

/* FNV-1a, 64 bits.  Start from DIGEST_FNV_OFFSET; feed bytes or a
 * NUL-terminated string (the NUL not included). */
#define DIGEST_FNV_OFFSET 14695981039346656037ULL
uint64_t digest_fnv1a(uint64_t h, const void *data, size_t n);
uint64_t digest_fnv1a_str(uint64_t h, const char *s);

/* A fingerprint of a file's content (FNV-1a, 16 hex digits, fresh), so a
 * finished cell is rerun when its scenario changed.  NULL with errno when
 * the file cannot be read. */
char *digest_file_fingerprint(const char *path);

#endif
