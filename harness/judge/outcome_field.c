/* outcome_field.c - the small helpers outcome.c and outcome_where.c both
 * use to copy an outcome's fields and to write and read them as JSON
 * (outcome_private.h): the bottom of the outcome's files, calling
 * neither of them.
 */
#include "judge/outcome_private.h"

#include <math.h>

char *
oc_dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

json_t *
oc_number_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

json_t *
oc_string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

int
oc_get_string(json_t *obj, const char *key, char **out, struct strbuf *err)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (v == NULL || json_is_null(v)) {
        return 0;
    }
    if (!json_is_string(v)) {
        strbuf_addf(err, "outcome.%s is not a string", key);
        return -1;
    }
    *out = xstrdup(json_string_value(v));
    return 0;
}

double
oc_get_number(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}
