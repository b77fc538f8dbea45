/* native.c - leak checks through memcheck's client requests and LSan's
 * interface, at round ends.  See native.h for the protocol of markers. */
#include "native.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef LMX_HAVE_VALGRIND
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

typedef int (*native_lsan_check_fn)(void);
typedef void (*native_lsan_set_fd_fn)(void *fd);

static enum native_engine native_current = NATIVE_NONE;
static native_lsan_check_fn native_lsan_check;
static int native_report_fd = -1;

enum native_engine
native_init(int report_fd)
{
    native_lsan_set_fd_fn set_fd;

    if (RUNNING_ON_VALGRIND) {
        native_current = NATIVE_VALGRIND;
        return native_current;
    }
    /* Object pointers from dlsym: POSIX guarantees the conversion. */
    *(void **)&native_lsan_check = dlsym(RTLD_DEFAULT,
                                         "__lsan_do_recoverable_leak_check");
    *(void **)&set_fd = dlsym(RTLD_DEFAULT, "__sanitizer_set_report_fd");
    if (native_lsan_check != NULL && set_fd != NULL && report_fd >= 0) {
        native_report_fd = report_fd;
        set_fd((void *)(uintptr_t)report_fd);
        native_current = NATIVE_LSAN;
    }
    return native_current;
}

enum native_engine
native_active(void)
{
    return native_current;
}

const char *
native_engine_name(enum native_engine engine)
{
    switch (engine) {
    case NATIVE_VALGRIND:
        return "valgrind";
    case NATIVE_LSAN:
        return "lsan";
    default:
        return NULL;
    }
}

/* A marker line on the report fd, written in one call so that it cannot
 * interleave with a report. */
static void
native_lsan_marker(const char *what, const char *phase, unsigned round)
{
    char line[96];
    int n = snprintf(line, sizeof(line), "leakmatrix-native: %s %s %u\n",
                     what, phase, round);
    ssize_t w;

    if (n <= 0 || (size_t)n >= sizeof(line)) {
        return;
    }
    do {
        w = write(native_report_fd, line, (size_t)n);
    } while (w < 0 && errno == EINTR);
}

int
native_round_end(const char *phase, unsigned round,
                 struct native_reading *r)
{
    memset(r, 0, sizeof(*r));
    if (native_current == NATIVE_LSAN) {
        native_lsan_marker("begin", phase, round);
        (void)native_lsan_check();     /* nonzero: leaks found, fine */
        native_lsan_marker("end", phase, round);
        return 0;
    }
#ifdef LMX_HAVE_VALGRIND
    if (native_current == NATIVE_VALGRIND) {
        VALGRIND_PRINTF("leakmatrix-native: begin %s %u\n", phase, round);
        if (strcmp(phase, "counted") == 0) {
            VALGRIND_DO_ADDED_LEAK_CHECK;
        }
        else {
            VALGRIND_DO_QUICK_LEAK_CHECK;
        }
        VALGRIND_COUNT_LEAKS(r->lost_bytes, r->possibly_bytes,
                             r->reachable_bytes, r->suppressed_bytes);
        VALGRIND_COUNT_LEAK_BLOCKS(r->lost_blocks, r->possibly_blocks,
                                   r->reachable_blocks,
                                   r->suppressed_blocks);
        VALGRIND_PRINTF("leakmatrix-native: end %s %u\n", phase, round);
        return 1;
    }
#else
    (void)phase;
    (void)round;
#endif
    return 0;
}
