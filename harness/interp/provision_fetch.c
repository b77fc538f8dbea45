/* provision_fetch.c - --tarball and --url: the URL's form, the archive
 * downloaded with curl (or read from a file:// URL), its SHA-256 checked
 * (digest.h) and unpacked with tar into the work directory.  The Debian
 * path is provision_debian.c's.
 */
#include "interp/provision_private.h"
#include "base/digest.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- The request ----------------------------------------------------- */

/* The path of a file:// URL (percent-decoded), or NULL when the URL is
 * not a local file URL. */
static char *
file_url_path(const char *url)
{
    const char *p;
    struct strbuf sb = STRBUF_INIT;

    if (strncmp(url, "file://", 7) != 0) {
        return NULL;
    }
    p = url + 7;
    if (strncmp(p, "localhost/", 10) == 0) {
        p += 9;
    }
    if (*p != '/') {
        return NULL;
    }
    for (; *p; p++) {
        if (*p == '%' && isxdigit((unsigned char)p[1])
            && isxdigit((unsigned char)p[2])) {
            char hex[3] = {p[1], p[2], '\0'};
            strbuf_addch(&sb, (char)strtol(hex, NULL, 16));
            p += 2;
        }
        else {
            strbuf_addch(&sb, *p);
        }
    }
    return strbuf_detach(&sb, NULL);
}

static int
url_scheme_ok(const char *url)
{
    static const char *const schemes[] = {
        "http://", "https://", "ftp://", "ftps://", "file://", NULL,
    };

    for (size_t i = 0; schemes[i]; i++) {
        if (strncmp(url, schemes[i], strlen(schemes[i])) == 0
            && url[strlen(schemes[i])] != '\0') {
            return 1;
        }
    }
    return 0;
}

int
build_check_archive(struct build *b)
{
    if (b->url && !url_scheme_ok(b->url)) {
        lmx_error("--url wants an http://, https://, ftp:// or file:// URL, "
                  "not '%s'", b->url);
        return -1;
    }
    if (b->url) {
        b->url_path = file_url_path(b->url);
        if (strncmp(b->url, "file://", 7) == 0 && b->url_path == NULL) {
            lmx_error("cannot use '%s': write a local file URL as "
                      "file:///absolute/path", b->url);
            return -1;
        }
    }
    const char *local = b->tarball ? b->tarball : b->url_path;
    if (local) {
        struct stat st;
        if (stat(local, &st) < 0) {
            lmx_error("cannot read the archive '%s': %s", local,
                      strerror(errno));
            return -1;
        }
        if (!S_ISREG(st.st_mode) || access(local, R_OK) < 0) {
            lmx_error("'%s' is not a readable file; --tarball wants a "
                      "CPython release archive such as "
                      "Python-3.11.2.tar.xz", local);
            return -1;
        }
    }
    return 0;
}

/* ---- Fetching -------------------------------------------------------- */

static int
verify_sha256(struct build *b)
{
    char *sum = digest_sha256_file(b->source_file);

    if (sum == NULL) {
        build_error(b, "cannot compute the sha256 of '%s': %s; log: %s",
                    b->source_file, strerror(errno), b->log_path);
        return LMX_EXIT_INFRA;
    }
    strbuf_adds(&b->sha, sum);
    free(sum);
    build_log_note(b, "sha256 %s", b->sha.buf);
    if (b->sha256 && strcasecmp(b->sha.buf, b->sha256) != 0) {
        build_error(b, "sha256 mismatch for '%s': expected %s, got %s; "
                    "check the archive and the checksum", b->source_file,
                    b->sha256, b->sha.buf);
        return LMX_EXIT_USAGE;
    }
    return 0;
}

/* The only directory inside dir (what a source archive unpacks to), or
 * NULL. */
static char *
single_subdir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char *found = NULL;
    int count = 0;

    if (d == NULL) {
        return NULL;
    }
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }
        count++;
        char *path = path_join(dir, de->d_name);
        if (count == 1 && path_is_dir(path)) {
            found = path;
        }
        else {
            free(path);
        }
    }
    closedir(d);
    if (count != 1) {
        free(found);
        found = NULL;
    }
    return found;
}

int
build_fetch_archive(struct build *b)
{
    int rc;

    if (b->tarball || b->url_path) {
        b->source_file = path_real(b->tarball ? b->tarball : b->url_path);
        if (b->source_file == NULL) {
            build_error(b, "cannot read '%s': %s",
                        b->tarball ? b->tarball : b->url_path,
                        strerror(errno));
            return LMX_EXIT_USAGE;
        }
    }
    else {
        b->source_file = path_join(b->work, "download");
        const char *argv[] = {
            "curl", "-fsSL", "--retry", "2", "-o", b->source_file,
            "--url", b->url, NULL,
        };
        build_progress_begin(b, "downloading %s", b->url);
        if (build_run_step(b, "download", argv, NULL, NULL) < 0) {
            return LMX_EXIT_INFRA;
        }
        build_progress_end(b, NULL);
    }
    if ((rc = verify_sha256(b)) != 0) {
        return rc;
    }

    char *dest = path_join(b->work, "src");
    if (util_mkdir_p(dest, 0755) < 0) {
        build_error(b, "cannot create '%s': %s", dest, strerror(errno));
        free(dest);
        return LMX_EXIT_INFRA;
    }
    const char *argv[] = {
        "tar", "--no-same-owner", "-xf", b->source_file, "-C", dest, NULL,
    };
    const char *shown = b->tarball ? b->tarball : b->url;
    const char *slash = strrchr(shown, '/');
    build_progress_begin(b, "extracting %s",
                         slash && slash[1] ? slash + 1 : shown);
    rc = build_run_step(b, "extract", argv, NULL, NULL);
    if (rc == 0) {
        b->srcdir = single_subdir(dest);
        if (b->srcdir == NULL) {
            build_error(b, "'%s' does not unpack to a single directory; "
                        "is it a CPython release archive?", b->source_file);
            rc = LMX_EXIT_USAGE;
        }
        else {
            build_progress_end(b, NULL);
        }
    }
    else {
        rc = LMX_EXIT_INFRA;
    }
    free(dest);
    return rc;
}
