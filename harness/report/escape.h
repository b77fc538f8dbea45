/* escape.h - text made safe for the formats that quote: XML and HTML
 * (junit, html) and CSV.  The bottom of report/: it knows no grid and no
 * result, only strings; the renderers (data.c, html.c) include it, and
 * nothing above them does (report.h leaves it out).
 *
 * Ownership: s is borrowed and only read; the escaped text is appended to
 * the caller's strbuf.  Neither function fails (a strbuf grows or dies).
 */
#ifndef LMX_REPORT_ESCAPE_H
#define LMX_REPORT_ESCAPE_H

#include "base/util.h"

/* Appends s with & < > " ' as entities, fit for an element or a quoted
 * attribute.  Control characters XML 1.0 does not allow (all below 0x20
 * but tab, newline and carriage return) become '?'.  NULL appends
 * nothing. */
void report_escape_xml(const char *s, struct strbuf *out);

/* Appends s as one CSV field (RFC 4180): as it is when it holds no comma,
 * quote or line break, else quoted with its quotes doubled.  NULL appends
 * nothing, an empty field. */
void report_escape_csv(const char *s, struct strbuf *out);

#endif
