/* emit: an allocation-free JSON-lines writer for the runner's records.
 *
 * One record is one JSON object on one line, built into a fixed buffer in
 * the struct and written with write(2); nothing here calls malloc or touches
 * Python, so round records can be written right after the readings.  What the
 * records mean is the business of runner_records.c, runner_round.c and
 * the front end.
 *
 * Ownership: the caller owns the struct (usually static: the buffer is
 * EMIT_BUF_SIZE bytes); strings passed in are only read during the call.
 *
 * Errors are sticky: once a write fails, every later call is a no-op and
 * emit_end()/emit_line() return -1 with errno set to the first failure, so
 * callers check once per record, not once per field.
 */
#ifndef LMX_EMIT_H
#define LMX_EMIT_H

#include <stddef.h>

#define EMIT_BUF_SIZE 65536
#define EMIT_MAX_DEPTH 8

struct emit {
    int fd;
    int err;            /* errno of the first failure, 0 while all is well */
    size_t len;         /* bytes pending in buf */
    unsigned depth;     /* open objects and arrays, the record included */
    unsigned char first[EMIT_MAX_DEPTH];   /* nothing written at depth yet */
    char buf[EMIT_BUF_SIZE];
};

/* Point e at fd with an empty buffer.  Never fails, never allocates. */
void emit_init(struct emit *e, int fd);

/* Start a record: writes {"t":"<type>".  Must be paired with emit_end(). */
void emit_begin(struct emit *e, const char *type);

/*
 * Values.  Inside an object pass the member's key; inside an array pass
 * key NULL.  Strings are escaped (control characters as \u00XX, bytes that
 * are not valid UTF-8 as U+FFFD); emit_str with s NULL writes null.
 * emit_double writes null for NaN and infinities, which JSON cannot carry.
 */
void emit_int(struct emit *e, const char *key, long long v);
void emit_double(struct emit *e, const char *key, double v);
void emit_bool(struct emit *e, const char *key, int v);
void emit_null(struct emit *e, const char *key);
void emit_str(struct emit *e, const char *key, const char *s);
void emit_strn(struct emit *e, const char *key, const char *s, size_t n);

/* A value already rendered as JSON (by Python's json module: where.py's
 * "grew"), written as it is; the caller vouches that it is one valid JSON
 * value. */
void emit_json(struct emit *e, const char *key, const char *json, size_t n);

/* Open and close a nested object or array (at most EMIT_MAX_DEPTH deep,
 * record included; deeper nesting sets err to EINVAL). */
void emit_open_object(struct emit *e, const char *key);
void emit_close_object(struct emit *e);
void emit_open_array(struct emit *e, const char *key);
void emit_close_array(struct emit *e);

/*
 * Close the record, add the newline and write everything pending.
 * Returns 0, or -1 with errno set if any write of this or an earlier
 * record failed (EPIPE when the reader went away: SIGPIPE is ignored).
 */
int emit_end(struct emit *e);

/*
 * Write one already-rendered JSON record (from Python's json module) as a
 * line, adding the newline if line lacks it.  Must not be called between
 * emit_begin() and emit_end().  Returns 0 or -1 with errno, as emit_end().
 */
int emit_line(struct emit *e, const char *line, size_t n);

#endif
