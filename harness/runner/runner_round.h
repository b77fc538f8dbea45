/* runner_round.h - the warm-up and counted rounds of a loaded scenario
 * (r->iterate and r->state ready), a round record each, then the trace
 * record under --trace.  How a round reads is told in runner_round.c,
 * next to the code whose order it explains.
 */
#ifndef LMX_RUNNER_ROUND_H
#define LMX_RUNNER_ROUND_H

#include "runner.h"

#include <stddef.h>

/*
 * r->warmup warm-up rounds, --rounds counted ones, then more while
 * --control-fd says "more" (up to --max-rounds), then the trace record.
 * Returns 0 when they all ran, else the exit status after an error
 * record (RUNNER_EXIT_SCENARIO); either way the caller checks
 * r->records_failed and ends the run (runner_main.c's runner_finish()).
 */
int runner_rounds(struct runner *r);

/*
 * Reads one line of fd (the control pipe) into line, without its newline
 * and trailing blanks, cut to size - 1 bytes.  Returns 1 when a line (or
 * bytes before EOF) came, 0 at EOF or on a read error (said on stderr),
 * -1 when a signal handler raised (the exception left set).
 */
int runner_read_line(int fd, char *line, size_t size);

#endif
