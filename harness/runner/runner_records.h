/* runner_records.h - the runner's side of the protocol (base/proto.h):
 * the progress page a parent reads after a crash, and the records
 * written on --records-fd (hello and probes, error, done, and any line
 * support.py or testing.py renders).  What a round record holds is
 * runner_round's business.
 *
 * A record that cannot be written sets r->records_failed and says so on
 * stderr once; callers check the flag where a run can still stop well.
 * Functions that take a PyObject str consume the reference.
 */
#ifndef LMX_RUNNER_RECORDS_H
#define LMX_RUNNER_RECORDS_H

#include "runner.h"

/* Maps fd (at least LMX_PROGRESS_SIZE bytes, grown when smaller) as the
 * progress page, in phase load, and closes fd.  0, or -1 after a
 * message (fd left open). */
int runner_map_progress(int fd);

/* The progress page's phase and round; the iteration resets to 0. */
void runner_set_phase(enum lmx_phase phase, unsigned round);

/* Flushes sys.stdout and sys.stderr when the records share fd 1 or 2 with
 * them; never fails (an error is cleared).  Never between readings. */
void runner_flush_std(struct runner *r);

/* After an emit_end() that returned rc: a failure is reported once and
 * sets r->records_failed. */
void runner_check_emit(struct runner *r, int rc);

/* Writes str (a JSON line rendered by support.py) as a record, consuming
 * the reference.  NULL (a failed support call) or a str that cannot be
 * read writes nothing and returns -1 (the error cleared); else 0. */
int runner_write_str(struct runner *r, PyObject *str);

/* Reports the exception being raised in phase where ("load", "setup",
 * "iterate", ...) as an error record rendered by support.error_record(),
 * or a plainer one from C when that fails.  Returns RUNNER_EXIT_SCENARIO. */
int runner_error(struct runner *r, const char *where);

/* Writes the record support.METHOD() renders.  0, or -1 with the Python
 * error printed (or when the record could not be written). */
int runner_call_record(struct runner *r, const char *method);

/* support.note_modules(): the modules imported so far, for provenance. */
void runner_note_modules(struct runner *r);

/* The hello and probes records.  0, or -1 (a message on stderr). */
int runner_hello(struct runner *r);

/* The done record (whether the GIL is on), in phase done.  0, or
 * RUNNER_EXIT_SCENARIO when records failed. */
int runner_done(struct runner *r);

/* The served record (--serve): the test that ended with status (its skip
 * or error record written) is over and the runner reads its next test.
 * 0, or -1 when records failed. */
int runner_served(struct runner *r, int status);

#endif
