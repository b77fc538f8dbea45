/* escape.c - XML and CSV escaping for the renderers (escape.h).  Strings
 * in, strings out: no grid, no result, nothing of report/ above it.  A
 * run of characters that needs no escape is appended at once, since an
 * html report is mostly such runs. */
#include "report/escape.h"

#include <string.h>

void
report_escape_xml(const char *s, struct strbuf *out)
{
    while (s && *s) {
        /* The run that needs no escape goes in at once. */
        size_t run = strcspn(s, "&<>\"'\x01\x02\x03\x04\x05\x06\x07\x08"
                                "\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14"
                                "\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d"
                                "\x1e\x1f");
        strbuf_add(out, s, run);
        s += run;
        switch (*s) {
        case '\0':
            return;
        case '&':
            strbuf_adds(out, "&amp;");
            break;
        case '<':
            strbuf_adds(out, "&lt;");
            break;
        case '>':
            strbuf_adds(out, "&gt;");
            break;
        case '"':
            strbuf_adds(out, "&quot;");
            break;
        case '\'':
            strbuf_adds(out, "&#39;");
            break;
        default:
            /* XML 1.0 allows no other control characters. */
            strbuf_addch(out, '?');
        }
        s++;
    }
}

void
report_escape_csv(const char *s, struct strbuf *out)
{
    if (s == NULL) {
        return;
    }
    if (strpbrk(s, ",\"\n\r") == NULL) {
        strbuf_adds(out, s);
        return;
    }
    strbuf_addch(out, '"');
    for (; *s; s++) {
        if (*s == '"') {
            strbuf_addch(out, '"');
        }
        strbuf_addch(out, *s);
    }
    strbuf_addch(out, '"');
}
