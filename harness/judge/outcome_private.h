/* outcome_private.h - what the outcome's files share, for them alone:
 * outcome.c keeps the status, figures, ends, stacks and provenance and
 * the texts built from them; outcome_json.c their JSON, written and read
 * back; outcome_where.c the sites a trace found (--trace) and the names
 * of what grew beyond memory, which outcome.c's release and summary and
 * outcome_json.c call into; outcome_field.c the field and JSON helpers
 * they use.  Calls go down that list only: outcome_json.c -> outcome.c
 * -> outcome_where.c -> outcome_field.c.
 *
 * Ownership: as in outcome.h.
 */
#ifndef LMX_OUTCOME_PRIVATE_H
#define LMX_OUTCOME_PRIVATE_H

#include "judge/outcome.h"

/* outcome_where.c */

/* Frees o's tracer, sites and names (the rest is outcome_release()'s,
 * which then initialises o). */
void outcome_where_release(struct outcome *o);
/* The summary's part of them: "; grows at pyleak.py:11 in iterate,
 * +24 B/it", "; fds +1.0/it (/dev/null)".  Appended to sb. */
void outcome_where_summary(const struct outcome *o, struct strbuf *sb);
/* Adds "tracer", "sites" and "grew" to j, the outcome's object; returns
 * j. */
json_t *outcome_where_to_json(const struct outcome *o, json_t *j);
/* Reads them back into o; each is optional (results written before
 * them have none).  0, or -1 with a reason in err. */
int outcome_where_from_json(json_t *j, struct outcome *o,
                            struct strbuf *err);

/* outcome_field.c: helpers the other files use. */

/* A copy of s, or NULL for NULL. */
char *oc_dup_or_null(const char *s);
/* A JSON number, or null for NaN and infinities (new reference). */
json_t *oc_number_or_null(double v);
/* A JSON string, or null for NULL (new reference). */
json_t *oc_string_or_null(const char *s);
/* obj's string member key, copied into *out (NULL when absent or null);
 * -1 with a reason in err when it is something else. */
int oc_get_string(json_t *obj, const char *key, char **out,
                  struct strbuf *err);
/* obj's number member key, NaN when absent or not a number. */
double oc_get_number(json_t *obj, const char *key);

#endif
