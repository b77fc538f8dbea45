/* opt.c - the front end's option parser (opt.h). */
#include <string.h>

#include "opt.h"
#include "util.h"

const char *
opt_value(int argc, char **argv, int *i, const char *name, int *matched)
{
    size_t n = strlen(name);
    const char *arg = argv[*i];

    *matched = 0;
    if (strncmp(arg, name, n) != 0) {
        return NULL;
    }
    if (arg[n] == '=') {
        *matched = 1;
        return arg + n + 1;
    }
    if (arg[n] != '\0') {
        return NULL;
    }
    *matched = 1;
    if (*i + 1 >= argc) {
        return NULL;
    }
    return argv[++*i];
}

int
opt_count(const char *cmd, const char *name, const char *value,
          unsigned long min, unsigned long *out)
{
    if (value == NULL || util_parse_uint(value, 100000000UL, out) < 0
        || *out < min) {
        lmx_error("%s: %s needs a whole number >= %lu, got '%s'", cmd, name,
                  min, value ? value : "");
        return -1;
    }
    return 0;
}
