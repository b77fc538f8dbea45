/* provision_debian.c - --debian: the machine's apt sources read for the
 * Debian archive (sources.list one-line and deb822 formats), a .dsc's
 * fields, and the source package fetched with apt-get source through a
 * private apt state under the pythons root, then unpacked by dpkg-source.
 * Only reads the machine's apt configuration, never changes it.
 */
#include "interp/provision_private.h"
#include "base/interrupt.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- Pure parsing ---------------------------------------------------- */

static int
debian_name_valid(const char *s, size_t len)
{
    if (len == 0 || !(islower((unsigned char)s[0])
                      || isdigit((unsigned char)s[0]))) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(islower(c) || isdigit(c) || c == '.' || c == '+'
              || c == '-')) {
            return 0;
        }
    }
    return 1;
}

int
provision_parse_debian_spec(const char *spec, char **suite, char **package,
                            const char **why)
{
    const char *reason = NULL;
    const char *slash = spec ? strchr(spec, '/') : NULL;

    if (spec == NULL || *spec == '\0') {
        reason = "empty spec";
    }
    else if (slash == NULL) {
        reason = "missing '/PACKAGE'";
    }
    else if (strchr(slash + 1, '/') != NULL) {
        reason = "more than one '/'";
    }
    else if (slash == spec) {
        reason = "empty suite";
    }
    else if (slash[1] == '\0') {
        reason = "empty package";
    }
    else if (!debian_name_valid(spec, (size_t)(slash - spec))) {
        reason = "the suite must start with a letter or digit and use "
                 "only a-z 0-9 . + -";
    }
    else if (!debian_name_valid(slash + 1, strlen(slash + 1))) {
        reason = "the package must start with a letter or digit and use "
                 "only a-z 0-9 . + -";
    }
    if (reason) {
        if (why) {
            *why = reason;
        }
        return -1;
    }
    *suite = xstrndup(spec, (size_t)(slash - spec));
    *package = xstrdup(slash + 1);
    return 0;
}

/* Length of uri without its trailing slashes when its path ends in
 * "/debian", else 0. */
static size_t
debian_archive_len(const char *uri, size_t len)
{
    const char *end = uri + len;
    const char *path = NULL;

    for (const char *p = uri; p + 3 <= end; p++) {
        if (memcmp(p, "://", 3) == 0) {
            path = memchr(p + 3, '/', (size_t)(end - (p + 3)));
            if (path == NULL) {
                return 0;
            }
            break;
        }
    }
    if (path == NULL) {
        /* "file:/srv/debian" has no "//". */
        const char *colon = memchr(uri, ':', len);
        if (colon == NULL) {
            return 0;
        }
        path = colon + 1;
    }
    while (end > path + 1 && end[-1] == '/') {
        end--;
    }
    if (end - path < 7 || memcmp(end - 7, "/debian", 7) != 0) {
        return 0;
    }
    return (size_t)(end - uri);
}

/* Appends to out the first whitespace-separated word of s[0..len) that
 * is a Debian archive URI (trailing slashes dropped); 1 if there is one. */
static int
first_archive_word(const char *s, size_t len, struct strbuf *out)
{
    const char *end = s + len;

    while (s < end) {
        while (s < end && isspace((unsigned char)*s)) {
            s++;
        }
        const char *w = s;
        while (s < end && !isspace((unsigned char)*s)) {
            s++;
        }
        size_t n = debian_archive_len(w, (size_t)(s - w));
        if (n > 0) {
            strbuf_add(out, w, n);
            return 1;
        }
    }
    return 0;
}

int
provision_has_word(const char *s, const char *word)
{
    size_t wl = strlen(word);

    while (*s) {
        while (isspace((unsigned char)*s)) {
            s++;
        }
        const char *w = s;
        while (*s && !isspace((unsigned char)*s)) {
            s++;
        }
        if ((size_t)(s - w) == wl && strncasecmp(w, word, wl) == 0) {
            return 1;
        }
    }
    return 0;
}

struct stanza {
    struct strbuf types;
    struct strbuf uris;
    struct strbuf enabled;
    struct strbuf *current;   /* the field continuation lines extend */
};

static int
stanza_finish(struct stanza *st, struct strbuf *out)
{
    int found = 0;

    strbuf_rtrim(&st->enabled);
    const char *en = st->enabled.buf;
    while (isspace((unsigned char)*en)) {
        en++;
    }
    if (strcasecmp(en, "no") != 0
        && (provision_has_word(st->types.buf, "deb")
            || provision_has_word(st->types.buf, "deb-src"))) {
        found = first_archive_word(st->uris.buf, st->uris.len, out);
    }
    strbuf_reset(&st->types);
    strbuf_reset(&st->uris);
    strbuf_reset(&st->enabled);
    st->current = NULL;
    return found;
}

int
provision_mirror_from_deb822(const char *text, struct strbuf *out)
{
    struct stanza st = {STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, NULL};
    int found = 0;
    const char *line = text;

    while (!found && line && *line) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        const char *next = eol ? eol + 1 : NULL;
        size_t i = 0;

        while (i < len && isspace((unsigned char)line[i])) {
            i++;
        }
        if (i == len) {
            found = stanza_finish(&st, out);
        }
        else if (line[i] == '#') {
            /* comment */
        }
        else if (i > 0) {
            if (st.current) {
                strbuf_addch(st.current, ' ');
                strbuf_add(st.current, line + i, len - i);
            }
        }
        else {
            const char *colon = memchr(line, ':', len);
            size_t nlen = colon ? (size_t)(colon - line) : 0;
            st.current = NULL;
            if (colon == NULL) {
                /* not a field; ignored like apt ignores garbage */
            }
            else if (nlen == 5 && strncasecmp(line, "Types", 5) == 0) {
                st.current = &st.types;
            }
            else if (nlen == 4 && strncasecmp(line, "URIs", 4) == 0) {
                st.current = &st.uris;
            }
            else if (nlen == 7 && strncasecmp(line, "Enabled", 7) == 0) {
                st.current = &st.enabled;
            }
            if (st.current) {
                strbuf_addch(st.current, ' ');
                strbuf_add(st.current, colon + 1,
                           len - (size_t)(colon + 1 - line));
            }
        }
        line = next;
    }
    if (!found) {
        found = stanza_finish(&st, out);
    }
    strbuf_release(&st.types);
    strbuf_release(&st.uris);
    strbuf_release(&st.enabled);
    return found;
}

int
provision_mirror_from_oneline(const char *text, struct strbuf *out)
{
    const char *line = text;

    while (line && *line) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        const char *hash = memchr(line, '#', len);
        const char *end = hash ? hash : line + len;
        const char *p = line;
        const char *words[3];
        size_t lens[3];
        int nw = 0;
        int in_options = 0;

        /* Words, with a "[ ... ]" option block (which may hold spaces)
         * skipped. */
        while (p < end && nw < 3) {
            while (p < end && isspace((unsigned char)*p)) {
                p++;
            }
            if (p == end) {
                break;
            }
            const char *w = p;
            while (p < end && !isspace((unsigned char)*p)) {
                p++;
            }
            if (nw == 1 && !in_options && *w == '[') {
                in_options = 1;
            }
            if (in_options) {
                if (memchr(w, ']', (size_t)(p - w))) {
                    in_options = 0;
                }
                continue;
            }
            words[nw] = w;
            lens[nw] = (size_t)(p - w);
            nw++;
        }
        if (nw == 3
            && ((lens[0] == 3 && memcmp(words[0], "deb", 3) == 0)
                || (lens[0] == 7 && memcmp(words[0], "deb-src", 7) == 0))) {
            size_t n = debian_archive_len(words[1], lens[1]);
            if (n > 0) {
                strbuf_add(out, words[1], n);
                return 1;
            }
        }
        line = eol ? eol + 1 : NULL;
    }
    return 0;
}

static int
is_sources_file(const struct dirent *de)
{
    size_t n = strlen(de->d_name);

    if (de->d_name[0] == '.') {
        return 0;
    }
    return (n > 5 && strcmp(de->d_name + n - 5, ".list") == 0)
        || (n > 8 && strcmp(de->d_name + n - 8, ".sources") == 0);
}

int
provision_find_mirror(const char *etc_apt, struct strbuf *out,
                      struct strbuf *where)
{
    struct strbuf text = STRBUF_INIT;
    char *path = path_join(etc_apt, "sources.list");
    char *dir = path_join(etc_apt, "sources.list.d");
    struct dirent **names = NULL;
    int n = 0;
    int found = 0;

    if (util_read_file(path, &text) == 0) {
        found = provision_mirror_from_oneline(text.buf, out);
    }
    if (!found) {
        n = scandir(dir, &names, is_sources_file, alphasort);
    }
    for (int i = 0; i < n; i++) {
        if (!found) {
            size_t len = strlen(names[i]->d_name);
            free(path);
            path = path_join(dir, names[i]->d_name);
            strbuf_reset(&text);
            if (util_read_file(path, &text) == 0) {
                found = strcmp(names[i]->d_name + len - 5, ".list") == 0
                    ? provision_mirror_from_oneline(text.buf, out)
                    : provision_mirror_from_deb822(text.buf, out);
            }
        }
        free(names[i]);
    }
    free(names);
    if (found && where) {
        strbuf_adds(where, path);
    }
    strbuf_release(&text);
    free(path);
    free(dir);
    return found;
}

int
provision_control_field(const char *text, const char *name,
                        struct strbuf *out)
{
    size_t nlen = strlen(name);
    const char *line = text;

    while (line && *line) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);

        if (len > nlen && strncasecmp(line, name, nlen) == 0
            && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            const char *end = line + len;
            while (v < end && isspace((unsigned char)*v)) {
                v++;
            }
            while (end > v && isspace((unsigned char)end[-1])) {
                end--;
            }
            strbuf_add(out, v, (size_t)(end - v));
            return 0;
        }
        line = eol ? eol + 1 : NULL;
    }
    return -1;
}

/* ---- Fetching with apt ----------------------------------------------- */

int
build_choose_mirror(struct build *b)
{
    if (b->mirror) {
        strbuf_adds(&b->mirror_uri, b->mirror);
        strbuf_rtrim(&b->mirror_uri);
        while (b->mirror_uri.len > 1
               && b->mirror_uri.buf[b->mirror_uri.len - 1] == '/') {
            b->mirror_uri.buf[--b->mirror_uri.len] = '\0';
        }
        return 0;
    }
    if (!provision_find_mirror("/etc/apt", &b->mirror_uri,
                               &b->mirror_where)) {
        lmx_error("cannot find a Debian archive in /etc/apt/sources.list"
                  " or /etc/apt/sources.list.d; pass --mirror URL (the "
                  "archive's .../debian URL)");
        return -1;
    }
    return 0;
}

/* The machine's apt.conf.d is still read (proxies, timeouts). */
void
build_apt_options(struct strvec *argv, const char *aptdir)
{
    strvec_pushf(argv, "-oDir::State=%s/state", aptdir);
    strvec_pushf(argv, "-oDir::State::Lists=%s/lists", aptdir);
    strvec_pushf(argv, "-oDir::Cache=%s/cache", aptdir);
    strvec_pushf(argv, "-oDir::Etc::SourceList=%s/sources.list", aptdir);
    strvec_pushf(argv, "-oDir::Etc::SourceParts=%s/sources.list.d", aptdir);
    strvec_pushf(argv, "-oDir::Etc::Preferences=%s/preferences", aptdir);
    strvec_pushf(argv, "-oDir::Etc::PreferencesParts=%s/preferences.d",
                 aptdir);
    strvec_push(argv, "-oAPT::Sandbox::User=root");
    strvec_push(argv, "-oAcquire::Languages=none");
}

static char *
find_dsc(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char *found = NULL;

    if (d == NULL) {
        return NULL;
    }
    while ((de = readdir(d)) != NULL) {
        if (util_ends_with(de->d_name, ".dsc") && found == NULL) {
            found = path_join(dir, de->d_name);
        }
    }
    closedir(d);
    return found;
}

int
build_apt_state(struct build *b, const char *aptdir, const char *dldir,
                const char *kind)
{
    static const char *const subdirs[] = {
        "state", "lists/partial", "cache/archives/partial",
        "sources.list.d", "preferences.d", NULL,
    };
    struct strbuf text = STRBUF_INIT;
    int apt_lock;

    for (size_t i = 0; subdirs[i]; i++) {
        char *d = path_join(aptdir, subdirs[i]);
        int bad = util_mkdir_p(d, 0755) < 0;
        if (bad) {
            build_error(b, "cannot create '%s': %s", d, strerror(errno));
        }
        free(d);
        if (bad) {
            return -1;
        }
    }
    if (util_mkdir_p(dldir, 0755) < 0) {
        build_error(b, "cannot create '%s': %s", dldir, strerror(errno));
        return -1;
    }
    char *lock = path_join(aptdir, "lock");
    apt_lock = store_lock_file(lock, 0, 1, interrupt_flag());
    free(lock);
    if (apt_lock < 0) {
        build_error(b, "cannot lock '%s': %s", aptdir, strerror(errno));
        return -1;
    }
    strbuf_addf(&text, "# written by leakmatrix pythons build; private to "
                "leakmatrix\n%s [signed-by=%s] %s %s main\n", kind,
                DEBIAN_KEYRING, b->mirror_uri.buf, b->suite);
    char *list = path_join(aptdir, "sources.list");
    if (util_write_file_atomic(list, text.buf, text.len) < 0) {
        build_error(b, "cannot write '%s': %s", list, strerror(errno));
        close(apt_lock);
        apt_lock = -1;
    }
    free(list);
    strbuf_release(&text);
    return apt_lock;
}

/* apt-get update and apt-get source --download-only into dldir, through
 * the state in aptdir.  0, or -1 after a message. */
static int
apt_download(struct build *b, const char *aptdir, const char *dldir)
{
    struct strvec argv = STRVEC_INIT;
    int rc = -1;

    strvec_pushv(&argv, (const char *const[]){"apt-get", "-q", NULL});
    build_apt_options(&argv, aptdir);
    strvec_push(&argv, "update");
    if (build_run_step(b, "apt-get update", (const char *const *)
                       strvec_array(&argv), NULL, NULL) < 0) {
        goto out;
    }
    strvec_clear(&argv);
    strvec_pushv(&argv, (const char *const[]){"apt-get", "-q", NULL});
    build_apt_options(&argv, aptdir);
    strvec_pushv(&argv, (const char *const[]){
        "source", "--download-only", b->package, NULL});
    if (build_run_step(b, "apt-get source", (const char *const *)
                       strvec_array(&argv), dldir, NULL) < 0) {
        goto out;
    }
    rc = 0;
out:
    strvec_clear(&argv);
    return rc;
}

int
build_fetch_debian(struct build *b)
{
    char *aptdir = xasprintf("%s/.apt/%s", b->root, b->suite);
    char *dldir = path_join(b->work, "debian");
    struct strbuf text = STRBUF_INIT;
    char *dsc = NULL;
    int apt_lock;
    int rc = LMX_EXIT_INFRA;

    apt_lock = build_apt_state(b, aptdir, dldir, "deb-src");
    if (apt_lock < 0) {
        goto out;
    }
    build_log_note(b, "mirror %s (%s)", b->mirror_uri.buf,
                   b->mirror ? "--mirror" : b->mirror_where.buf);

    build_progress_begin(b, "fetching %s", b->debian);
    int fetched = apt_download(b, aptdir, dldir);
    close(apt_lock);
    if (fetched < 0) {
        goto out;
    }
    dsc = find_dsc(dldir);
    if (dsc == NULL) {
        build_error(b, "building %s failed at apt-get source (no .dsc was "
                    "downloaded); log: %s", b->name, b->log_path);
        goto out;
    }
    if (util_read_file(dsc, &text) == 0) {
        provision_control_field(text.buf, "Version", &b->debian_version);
    }
    build_progress_end(b, NULL);

    build_progress_begin(b, "extracting %s %s", b->package,
                         b->debian_version.buf);
    b->srcdir = path_join(b->work, "src");
    const char *x[] = {"dpkg-source", "-x", dsc, b->srcdir, NULL};
    if (build_run_step(b, "extract", x, b->work, NULL) < 0) {
        goto out;
    }
    build_progress_end(b, NULL);
    rc = 0;
out:
    strbuf_release(&text);
    free(dsc);
    free(dldir);
    free(aptdir);
    return rc;
}
