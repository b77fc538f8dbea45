/* interrupt.h - the one flag a SIGINT, SIGTERM or SIGHUP sets while
 * long work runs (a matrix, a pip install, a CPython build).
 *
 * The work installs the handlers with interrupt_catch(), passes
 * interrupt_flag() to what polls (spawn_step(), store_*()), and restores
 * the handlers with interrupt_release(), which returns the signal caught
 * (0 if none) so the caller can clean up and then die of it with
 * interrupt_raise(), as the shell expects of an interrupted command.
 *
 * A signal the process ignored on purpose when the work began (nohup, a
 * background job's SIGINT) stays ignored.  Catches nest: an install inside
 * a matrix run shares the outer catch, and only the outermost release
 * restores the handlers.  Not thread-safe: the front end is one thread. */
#ifndef LMX_INTERRUPT_H
#define LMX_INTERRUPT_H

#include <signal.h>

/* Installs the handlers (first call) and clears the flag when it is the
 * outermost catch. */
void interrupt_catch(void);

/* Restores the handlers when this is the outermost catch.  Returns the
 * signal caught since the outermost catch began, or 0. */
int interrupt_release(void);

/* The flag itself, for the functions that poll it: nonzero (the signal
 * number) once a signal came. */
volatile sig_atomic_t *interrupt_flag(void);

/* The signal caught so far, or 0. */
int interrupt_pending(void);

/* Dies of sig with its default action; returns only if that action does
 * not end the process (it then returns). */
void interrupt_raise(int sig);

#endif
