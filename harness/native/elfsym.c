/* elfsym.c - the dynamic symbols a shared object names, and its build-id
 * (elfsym.h). */
#include "native/elfsym.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const elfsym_ref_debug_symbols[] = {
    "_Py_RefTotal",                     /* 3.8-3.11 Py_INCREF */
    "_Py_NegativeRefcount",             /* every Py_REF_DEBUG Py_DECREF */
    "_Py_IncRefTotal_DO_NOT_USE_THIS",  /* 3.12 */
    "_Py_DecRefTotal_DO_NOT_USE_THIS",
    "_Py_INCREF_IncRefTotal",           /* 3.13 on */
    "_Py_DECREF_DecRefTotal",
    "_Py_IncRef",                       /* the limited API, 3.12 on */
    "_Py_DecRef",
    "Py_IncRef",
    "Py_DecRef",
    NULL,
};

/* The fields of a section header that matter here, of either class. */
struct section {
    uint32_t type;
    uint32_t link;
    uint64_t offset;
    uint64_t size;
    uint64_t entsize;
};

/* A mapped file. */
struct image {
    const unsigned char *p;
    size_t size;
    int is64;
};

static int
in_bounds(const struct image *im, uint64_t off, uint64_t len)
{
    return off <= im->size && len <= im->size - off;
}

/* Section i, or -1 when the table does not hold it. */
static int
section_at(const struct image *im, uint64_t shoff, uint64_t shentsize,
           uint64_t i, struct section *s)
{
    uint64_t off = shoff + i * shentsize;

    if (im->is64) {
        Elf64_Shdr sh;
        if (shentsize < sizeof(sh) || !in_bounds(im, off, sizeof(sh))) {
            return -1;
        }
        memcpy(&sh, im->p + off, sizeof(sh));
        *s = (struct section){sh.sh_type, sh.sh_link, sh.sh_offset,
                              sh.sh_size, sh.sh_entsize};
    }
    else {
        Elf32_Shdr sh;
        if (shentsize < sizeof(sh) || !in_bounds(im, off, sizeof(sh))) {
            return -1;
        }
        memcpy(&sh, im->p + off, sizeof(sh));
        *s = (struct section){sh.sh_type, sh.sh_link, sh.sh_offset,
                              sh.sh_size, sh.sh_entsize};
    }
    return 0;
}

/* The name offset of symbol i of the table at sym. */
static uint32_t
symbol_name(const struct image *im, const struct section *sym, uint64_t i)
{
    const unsigned char *at = im->p + sym->offset + i * sym->entsize;

    if (im->is64) {
        Elf64_Sym s;
        memcpy(&s, at, sizeof(s));
        return s.st_name;
    }
    Elf32_Sym s;
    memcpy(&s, at, sizeof(s));
    return s.st_name;
}

static int
listed(const char *name, size_t max, const char *const *names)
{
    for (size_t k = 0; names[k]; k++) {
        size_t n = strlen(names[k]);
        if (n < max && memcmp(name, names[k], n + 1) == 0) {
            return 1;
        }
    }
    return 0;
}

/* 1 or 0 as elfsym_names_any(), over the symbols of table sym whose names
 * are in str; -1 when the tables do not fit the file. */
static int
scan_symbols(const struct image *im, const struct section *sym,
             const struct section *str, const char *const *names)
{
    size_t min = im->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);

    if (sym->entsize < min || !in_bounds(im, sym->offset, sym->size)
        || !in_bounds(im, str->offset, str->size)) {
        return -1;
    }
    for (uint64_t i = 0; i < sym->size / sym->entsize; i++) {
        uint32_t name = symbol_name(im, sym, i);
        if (name < str->size
            && listed((const char *)im->p + str->offset + name,
                      str->size - name, names)) {
            return 1;
        }
    }
    return 0;
}

/* The section header table of im: 0, or -1 with why set. */
static int
section_table(const struct image *im, uint64_t *shoff, uint64_t *shentsize,
              uint64_t *shnum, const char **why)
{
    if (im->is64) {
        Elf64_Ehdr eh;
        memcpy(&eh, im->p, sizeof(eh));
        *shoff = eh.e_shoff, *shentsize = eh.e_shentsize;
        *shnum = eh.e_shnum;
    }
    else {
        Elf32_Ehdr eh;
        memcpy(&eh, im->p, sizeof(eh));
        *shoff = eh.e_shoff, *shentsize = eh.e_shentsize;
        *shnum = eh.e_shnum;
    }
    if (*shoff == 0 || *shnum == 0) {
        *why = "no section headers";
        return -1;
    }
    return 0;
}

/* The dynamic symbol table's verdict on names; why says what was wrong
 * when it returns -1. */
static int
search_image(const struct image *im, const char *const *names,
             const char **why)
{
    uint64_t shoff, shentsize, shnum;
    struct section s, str;

    if (section_table(im, &shoff, &shentsize, &shnum, why) < 0) {
        return -1;
    }
    for (uint64_t i = 0; i < shnum; i++) {
        if (section_at(im, shoff, shentsize, i, &s) < 0) {
            *why = "truncated section headers";
            return -1;
        }
        if (s.type != SHT_DYNSYM) {
            continue;
        }
        int r = s.link < shnum
                        && section_at(im, shoff, shentsize, s.link, &str) == 0
                        && str.type == SHT_STRTAB
                    ? scan_symbols(im, &s, &str, names)
                    : -1;
        if (r < 0) {
            *why = "a damaged dynamic symbol table";
        }
        return r;
    }
    *why = "no dynamic symbol table";
    return -1;
}

/* Whether the first bytes are an ELF header this machine can read; sets
 * im->is64. */
static const char *
check_header(struct image *im)
{
    static const unsigned char own_order =
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        ELFDATA2LSB;
#else
        ELFDATA2MSB;
#endif

    if (im->size < EI_NIDENT || memcmp(im->p, ELFMAG, SELFMAG) != 0) {
        return "not an ELF file";
    }
    if (im->p[EI_DATA] != own_order) {
        return "an ELF file of the other byte order";
    }
    im->is64 = im->p[EI_CLASS] == ELFCLASS64;
    if (!im->is64 && im->p[EI_CLASS] != ELFCLASS32) {
        return "an ELF file of unknown class";
    }
    if (im->size < (im->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr))) {
        return "a truncated ELF file";
    }
    return NULL;
}

/* Maps the ELF file at path into im: 0, or -1 with one line in err. */
static int
image_map(const char *path, struct image *im, struct strbuf *err)
{
    struct stat st;
    const char *why;
    void *map;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) < 0) {
        strbuf_addf(err, "%s: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_size <= 0) {
        close(fd);
        strbuf_addf(err, "%s: not an ELF file", path);
        return -1;
    }
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        strbuf_addf(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    im->p = map;
    im->size = (size_t)st.st_size;
    why = check_header(im);
    if (why) {
        munmap(map, im->size);
        strbuf_addf(err, "%s: %s", path, why);
        return -1;
    }
    return 0;
}

int
elfsym_names_any(const char *path, const char *const *names,
                 struct strbuf *err)
{
    struct image im = {NULL, 0, 0};
    const char *why = NULL;
    int rc;

    if (image_map(path, &im, err) < 0) {
        return -1;
    }
    rc = search_image(&im, names, &why);
    munmap((void *)im.p, im.size);
    if (rc < 0) {
        strbuf_addf(err, "%s: %s", path, why);
    }
    return rc;
}

/* The build-id in the note section s, into hex: 1 found, 0 not there. */
static int
note_build_id(const struct image *im, const struct section *s,
              struct strbuf *hex)
{
    uint64_t off = s->offset, end = s->offset + s->size;

    while (off + 12 <= end && in_bounds(im, off, 12)) {
        uint32_t w[3];            /* namesz, descsz, type: both classes */
        memcpy(w, im->p + off, sizeof(w));
        uint64_t name = off + 12;
        uint64_t desc = name + (((uint64_t)w[0] + 3) & ~(uint64_t)3);
        uint64_t next = desc + (((uint64_t)w[1] + 3) & ~(uint64_t)3);
        if (next > end || !in_bounds(im, desc, w[1])) {
            return 0;
        }
        if (w[2] == NT_GNU_BUILD_ID && w[0] == 4 && w[1] > 0
            && memcmp(im->p + name, "GNU", 4) == 0) {
            for (uint32_t i = 0; i < w[1]; i++) {
                strbuf_addf(hex, "%02x", im->p[desc + i]);
            }
            return 1;
        }
        off = next;
    }
    return 0;
}

int
elfsym_build_id(const char *path, struct strbuf *hex, struct strbuf *err)
{
    struct image im = {NULL, 0, 0};
    uint64_t shoff, shentsize, shnum;
    struct section s;
    const char *why = NULL;
    int rc = 1;

    if (image_map(path, &im, err) < 0) {
        return -1;
    }
    if (section_table(&im, &shoff, &shentsize, &shnum, &why) < 0) {
        rc = -1;
    }
    for (uint64_t i = 0; rc == 1 && i < shnum; i++) {
        if (section_at(&im, shoff, shentsize, i, &s) < 0) {
            why = "truncated section headers";
            rc = -1;
        }
        else if (s.type == SHT_NOTE && note_build_id(&im, &s, hex)) {
            rc = 0;
        }
    }
    munmap((void *)im.p, im.size);
    if (rc < 0) {
        strbuf_addf(err, "%s: %s", path, why);
    }
    return rc;
}
