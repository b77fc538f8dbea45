/* emit: JSON-lines records built in a fixed buffer and written with write(2).
 *
 * A record longer than the buffer (a big census) is written in pieces; the
 * reader only ever sees whole lines because nobody else writes to the fd.
 * Partial writes and EINTR are retried, EAGAIN waits in poll(2).
 */
#define _POSIX_C_SOURCE 200809L

#include "emit.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
emit_write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                struct pollfd pfd = { .fd = fd, .events = POLLOUT };

                if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
                    return -1;
                }
                continue;
            }
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void
emit_flush(struct emit *e)
{
    if (e->err == 0 && e->len > 0
        && emit_write_all(e->fd, e->buf, e->len) < 0) {
        e->err = errno ? errno : EIO;
    }
    e->len = 0;
}

static void
emit_raw(struct emit *e, const char *s, size_t n)
{
    if (e->err) {
        return;
    }
    while (n > 0) {
        size_t room = sizeof(e->buf) - e->len;
        size_t k = n < room ? n : room;

        memcpy(e->buf + e->len, s, k);
        e->len += k;
        s += k;
        n -= k;
        if (e->len == sizeof(e->buf)) {
            emit_flush(e);
            if (e->err) {
                return;
            }
        }
    }
}

static void
emit_char(struct emit *e, char c)
{
    emit_raw(e, &c, 1);
}

static void
emit_cstr(struct emit *e, const char *s)
{
    emit_raw(e, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t
emit_utf8_len(const unsigned char *s, size_t n)
{
    size_t len, i;
    unsigned long cp;

    if (s[0] < 0x80) {
        return 1;
    }
    else if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        cp = s[0] & 0x1f;
    }
    else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        cp = s[0] & 0x0f;
    }
    else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        cp = s[0] & 0x07;
    }
    else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    /* overlong forms, surrogates, beyond U+10FFFF */
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)
        || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
        return 0;
    }
    return len;
}

static void
emit_quoted(struct emit *e, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    emit_char(e, '"');
    while (i < n) {
        size_t run = i;

        /* copy the longest run that needs no escaping in one go */
        while (run < n && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"'
               && s[run] != '\\') {
            run++;
        }
        emit_raw(e, str + i, run - i);
        i = run;
        if (i == n) {
            break;
        }
        if (s[i] == '"' || s[i] == '\\') {
            char esc[2] = { '\\', (char)s[i] };

            emit_raw(e, esc, 2);
            i++;
        }
        else if (s[i] == '\n') {
            emit_raw(e, "\\n", 2);
            i++;
        }
        else if (s[i] == '\t') {
            emit_raw(e, "\\t", 2);
            i++;
        }
        else if (s[i] < 0x20) {
            char esc[6] = { '\\', 'u', '0', '0', hex[s[i] >> 4],
                            hex[s[i] & 0xf] };

            emit_raw(e, esc, 6);
            i++;
        }
        else {
            size_t len = emit_utf8_len(s + i, n - i);

            if (len == 0) {
                emit_raw(e, "\\ufffd", 6);
                i++;
            }
            else {
                emit_raw(e, str + i, len);
                i += len;
            }
        }
    }
    emit_char(e, '"');
}

/* Separator and key before a value at the current depth. */
static void
emit_key(struct emit *e, const char *key)
{
    if (e->depth == 0) {
        e->err = e->err ? e->err : EINVAL;
        return;
    }
    if (!e->first[e->depth - 1]) {
        emit_char(e, ',');
    }
    e->first[e->depth - 1] = 0;
    if (key != NULL) {
        emit_quoted(e, key, strlen(key));
        emit_char(e, ':');
    }
}

static void
emit_open(struct emit *e, const char *key, char bracket)
{
    emit_key(e, key);
    if (e->depth >= EMIT_MAX_DEPTH) {
        e->err = e->err ? e->err : EINVAL;
        return;
    }
    emit_char(e, bracket);
    e->first[e->depth++] = 1;
}

static void
emit_close(struct emit *e, char bracket)
{
    if (e->depth == 0) {
        e->err = e->err ? e->err : EINVAL;
        return;
    }
    e->depth--;
    emit_char(e, bracket);
}

void
emit_init(struct emit *e, int fd)
{
    e->fd = fd;
    e->err = 0;
    e->len = 0;
    e->depth = 0;
    /* fault the buffer in now: a long record later must not move RSS */
    memset(e->buf, 0, sizeof(e->buf));
}

void
emit_begin(struct emit *e, const char *type)
{
    e->depth = 0;
    emit_char(e, '{');
    e->first[e->depth++] = 1;
    emit_str(e, "t", type);
}

void
emit_int(struct emit *e, const char *key, long long v)
{
    char tmp[24];
    char *p = tmp + sizeof(tmp);
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v
                                 : (unsigned long long)v;

    emit_key(e, key);
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0) {
        *--p = '-';
    }
    emit_raw(e, p, (size_t)(tmp + sizeof(tmp) - p));
}

void
emit_double(struct emit *e, const char *key, double v)
{
    char tmp[32];
    int n = 0, prec;

    if (!isfinite(v)) {
        emit_null(e, key);
        return;
    }
    emit_key(e, key);
    /* the shortest of %.15g .. %.17g that reads back as the same double */
    for (prec = 15; prec <= 17; prec++) {
        n = snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
        if (n <= 0 || (size_t)n >= sizeof(tmp)) {
            emit_raw(e, "null", 4);
            return;
        }
        if (strtod(tmp, NULL) == v) {
            break;
        }
    }
    emit_raw(e, tmp, (size_t)n);
    /* keep floats recognisable as floats: 3.0, not 3 */
    if (strspn(tmp, "-0123456789") == (size_t)n) {
        emit_raw(e, ".0", 2);
    }
}

void
emit_bool(struct emit *e, const char *key, int v)
{
    emit_key(e, key);
    emit_cstr(e, v ? "true" : "false");
}

void
emit_null(struct emit *e, const char *key)
{
    emit_key(e, key);
    emit_raw(e, "null", 4);
}

void
emit_str(struct emit *e, const char *key, const char *s)
{
    if (s == NULL) {
        emit_null(e, key);
        return;
    }
    emit_strn(e, key, s, strlen(s));
}

void
emit_strn(struct emit *e, const char *key, const char *s, size_t n)
{
    emit_key(e, key);
    emit_quoted(e, s, n);
}

void
emit_json(struct emit *e, const char *key, const char *json, size_t n)
{
    emit_key(e, key);
    emit_raw(e, json, n);
}

void
emit_open_object(struct emit *e, const char *key)
{
    emit_open(e, key, '{');
}

void
emit_close_object(struct emit *e)
{
    emit_close(e, '}');
}

void
emit_open_array(struct emit *e, const char *key)
{
    emit_open(e, key, '[');
}

void
emit_close_array(struct emit *e)
{
    emit_close(e, ']');
}

int
emit_end(struct emit *e)
{
    if (e->depth != 1) {
        e->err = e->err ? e->err : EINVAL;
    }
    emit_raw(e, "}\n", 2);
    e->depth = 0;
    emit_flush(e);
    if (e->err) {
        errno = e->err;
        return -1;
    }
    return 0;
}

int
emit_line(struct emit *e, const char *line, size_t n)
{
    emit_raw(e, line, n);
    if (n == 0 || line[n - 1] != '\n') {
        emit_char(e, '\n');
    }
    emit_flush(e);
    if (e->err) {
        errno = e->err;
        return -1;
    }
    return 0;
}
