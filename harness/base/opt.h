/* opt.h - the front end's one option parser: long options as "--name
 * value" or "--name=value", flags, and whole numbers.  Two ways to use it:
 * one option at a time (opt_value(), for commands that interleave
 * options with scenarios: run, check, bisect), or a table of options read
 * in a loop (opt_next(), for `pythons build`).
 */
#ifndef LMX_OPT_H
#define LMX_OPT_H

#include <stddef.h>

#include "base/util.h"

/* Whether argv[*i] is option `name` taking a value.  Sets *matched; when
 * it matches returns the value ("--name=V" or the next argument, advancing
 * *i past it), or NULL when the value is missing (the caller reports
 * that).  Returns NULL with *matched == 0 otherwise; "--names" does not
 * match "--name". */
const char *opt_value(int argc, char **argv, int *i, const char *name,
                      int *matched);

/* Parses value as a whole number >= min for option `name` of command
 * `cmd`.  0, or -1 after printing "CMD: NAME needs a whole number >= MIN,
 * got 'VALUE'". */
int opt_count(const char *cmd, const char *name, const char *value,
              unsigned long min, unsigned long *out);

/* One entry of an option table: the name without "--", what the caller
 * calls it, and whether it takes a value. */
struct opt_spec {
    const char *name;
    int id;
    int has_value;
};

/* Reads the option at argv[*i] against table (n entries; "-h" is read as
 * "--help").  Returns its id with *value set (NULL for a flag), *i
 * advanced past a separate value; or -1 with a one-line reason appended
 * to err: "unexpected argument 'x'" (not an option), "unknown option
 * '--x'", "option '--x' needs a value", "option '--x' needs a non-empty
 * value", "option '--x' takes no value". */
int opt_next(int argc, char **argv, int *i, const struct opt_spec *table,
             size_t n, const char **value, struct strbuf *err);

#endif
