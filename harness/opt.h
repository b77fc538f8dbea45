/* opt.h - the front end's one option parser: long options as "--name
 * value" or "--name=value", flags, and whole numbers, for the commands
 * that take many options (run, check, bisect).  Messages name the
 * command ("run: --rounds needs ...").
 */
#ifndef LMX_OPT_H
#define LMX_OPT_H

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

#endif
