/* fuzz-result.c - libFuzzer target for the result reader: any bytes are
 * parsed as a result file, and whatever the reader accepts is rendered in
 * every report format, since the renderers read the document's details
 * (rounds, metrics, tails) without the reader having vouched for them.
 * Built and run by scripts/fuzz. */
#include <stddef.h>
#include <stdint.h>

#include "report/report.h"
#include "matrix/result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
                             NULL);
    struct result r;
    struct result_set set;
    struct strbuf err = STRBUF_INIT;

    if (doc == NULL) {
        return 0;
    }
    result_init(&r);
    result_set_init(&set);
    if (result_from_doc(doc, "fuzz.json", &r, &err) == 0) {
        struct report_grid g;
        result_set_add(&set, &r, NULL);
        report_grid_build(&g, &set);
        for (int f = 0; f < REPORT_FORMATS; f++) {
            struct strbuf out = STRBUF_INIT;
            report_render(&g, (enum report_format)f, &out);
            strbuf_release(&out);
        }
        report_grid_release(&g);
    }
    result_release(&r);
    result_set_release(&set);
    strbuf_release(&err);
    json_decref(doc);
    return 0;
}
