/* opt.c - the front end's option parser (opt.h). */
#include <string.h>

#include "base/opt.h"
#include "base/util.h"

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

int
opt_next(int argc, char **argv, int *i, const struct opt_spec *table,
         size_t n, const char **value, struct strbuf *err)
{
    const char *arg = strcmp(argv[*i], "-h") == 0 ? "--help" : argv[*i];
    const char *eq;
    size_t nlen;
    const struct opt_spec *found = NULL;

    *value = NULL;
    if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
        strbuf_addf(err, "unexpected argument '%s'", arg);
        return -1;
    }
    eq = strchr(arg, '=');
    nlen = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
    for (size_t k = 0; k < n; k++) {
        if (strlen(table[k].name) == nlen
            && strncmp(table[k].name, arg + 2, nlen) == 0) {
            found = &table[k];
        }
    }
    if (found == NULL) {
        strbuf_addf(err, "unknown option '%.*s'", (int)(nlen + 2), arg);
        return -1;
    }
    if (!found->has_value) {
        if (eq) {
            strbuf_addf(err, "option '--%.*s' takes no value", (int)nlen,
                        arg + 2);
            return -1;
        }
        return found->id;
    }
    if (eq) {
        *value = eq + 1;
    }
    else if (*i + 1 < argc) {
        *value = argv[++*i];
    }
    else {
        strbuf_addf(err, "option '%s' needs a value", arg);
        return -1;
    }
    if (**value == '\0') {
        strbuf_addf(err, "option '--%.*s' needs a non-empty value",
                    (int)nlen, arg + 2);
        return -1;
    }
    return found->id;
}
