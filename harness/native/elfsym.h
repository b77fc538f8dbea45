/* elfsym.h - which dynamic symbols a shared object names, and its
 * build-id.
 *
 * A debug interpreter counts every reference (sys.gettotalrefcount()), but
 * only code compiled with Py_REF_DEBUG takes part: an extension built for
 * a release interpreter and loaded into a debug one (3.8 made their ABIs
 * one) adds and drops references that the total never sees, while the
 * interpreter counts the objects it makes for it.  The total then drifts
 * with every call, leak or not.  Whether a module was built that way shows
 * in the symbols it imports: Py_INCREF and Py_DECREF under Py_REF_DEBUG
 * call into the interpreter's counting (_Py_RefTotal,
 * _Py_NegativeRefcount, ...), and without it they import none of those.
 *
 * This module answers that one question from the file's ELF dynamic symbol
 * table (.dynsym, which stripping keeps).  It reads; it never loads or
 * runs the file.  Files of the other byte order, and files without section
 * headers, are errors: the caller then does not know, and says so.
 */
#ifndef LMX_ELFSYM_H
#define LMX_ELFSYM_H

#include "base/util.h"

/* Whether the shared object at path names (imports or defines) any of the
 * dynamic symbols in names (a NULL-terminated list).  Returns 1 if it does,
 * 0 if it names none, or -1 with one line appended to err when the file
 * cannot be read or is not an ELF shared object of this machine's byte
 * order ("FILE: not an ELF file", "FILE: no dynamic symbol table", ...). */
int elfsym_names_any(const char *path, const char *const *names,
                     struct strbuf *err);

/* The GNU build-id of the ELF file at path (its NT_GNU_BUILD_ID note, as
 * `readelf -n` shows it), as lowercase hex appended to hex.  Returns 0,
 * 1 when the file has no build-id (hex untouched), or -1 with one line
 * appended to err as elfsym_names_any() (native/symbolize.h keys its
 * cache by it: a rebuilt library has a new one). */
int elfsym_build_id(const char *path, struct strbuf *hex, struct strbuf *err);

/* The symbols whose presence says an extension module counts its
 * references for a debug interpreter's total (see above), NULL-terminated:
 * 3.8-3.11's _Py_RefTotal, 3.12's and 3.13's *RefTotal* functions, the
 * _Py_NegativeRefcount check every Py_REF_DEBUG Py_DECREF makes, and the
 * Py_IncRef family that counts inside the interpreter (the limited API's
 * Py_INCREF from 3.12 on). */
extern const char *const elfsym_ref_debug_symbols[];

#endif
