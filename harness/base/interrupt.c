/* interrupt.c - one SIGINT/SIGTERM/SIGHUP flag for the front end (see
 * interrupt.h).  The handler only records the first signal; everything
 * else happens in the code that polls the flag. */
#include "base/interrupt.h"

#include <string.h>

static const int caught_signals[3] = {SIGINT, SIGTERM, SIGHUP};
static volatile sig_atomic_t interrupted;
static struct sigaction saved[3];
static unsigned depth;

static void
on_signal(int sig)
{
    if (!interrupted) {
        interrupted = sig;
    }
}

void
interrupt_catch(void)
{
    struct sigaction sa;

    if (depth++ > 0) {
        return;
    }
    interrupted = 0;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int k = 0; k < 3; k++) {
        sigaction(caught_signals[k], &sa, &saved[k]);
        if (saved[k].sa_handler == SIG_IGN) {
            /* Ignored on purpose (nohup, a background job): keep it so. */
            sigaction(caught_signals[k], &saved[k], NULL);
        }
    }
}

int
interrupt_release(void)
{
    if (depth == 0) {
        return interrupted;
    }
    if (--depth == 0) {
        for (int k = 0; k < 3; k++) {
            sigaction(caught_signals[k], &saved[k], NULL);
        }
    }
    return interrupted;
}

volatile sig_atomic_t *
interrupt_flag(void)
{
    return &interrupted;
}

int
interrupt_pending(void)
{
    return interrupted;
}

void
interrupt_raise(int sig)
{
    if (sig <= 0) {
        return;
    }
    signal(sig, SIG_DFL);
    raise(sig);
}
