/*
 * load.c: the loader's public entry points (scenario.h), tying the stages together.
 *
 * Contract: the parent screens the bytes itself (screen.c), then hands the screened text
 * to a forked child (isolate.c) that parses it with libfyaml (yaml.c), validates it
 * (schema.c) and sends back either the scenario or the first error (wire.c); the parent
 * decodes and re-checks what it gets. The parent never runs libfyaml on the file's bytes.
 * Every failure becomes one "path:line:col: message" in the caller's buffer, and *out is
 * then zeroed; on success *out owns its arrays and strings until scenario_free.
 */
#include "sc_int.h"

#include "../../core/bs_assert.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void scenario_free(scenario *sc)
{
    if (!sc)
        return;
    free(sc->description);
    free(sc->faults);
    free(sc->items);
    free(sc->expect_trace);
    free(sc->expect_error);
    memset(sc, 0, sizeof *sc);
}

static int sc_fail(const char *path, const sc_err *e, char *err, size_t err_len)
{
    if (err && err_len)
        snprintf(err, err_len, "%s:%u:%u: %s", path, e->pos.line, e->pos.col, e->msg);
    return -1;
}

static void sc_set_path(scenario *sc, const char *path)
{
    snprintf(sc->path, sizeof sc->path, "%s", path);
}

int sc_parse_validate(const sc_text *t, scenario *out, sc_err *err)
{
    sc_tree tree;
    memset(out, 0, sizeof *out);
    if (sc_yaml_parse(t, &tree, err) != 0)
        return -1;
    int rc = sc_schema_load(&tree, t, out, err);
    sc_tree_free(&tree);
    return rc;
}

/* Parses and validates, then encodes the outcome into *b (scenario or error). */
static void sc_parse_encode(const sc_text *t, sc_wbuf *b)
{
    scenario sc;
    sc_err err;
    if (sc_parse_validate(t, &sc, &err) != 0) {
        sc_wire_put_error(b, &err);
        return;
    }
    char why[128];
    if (sc_scenario_check(&sc, why, sizeof why) != 0) {
        BS_BUG("loaded scenario fails its check: %s", why);
    }
    sc_wire_put_scenario(b, &sc);
    scenario_free(&sc);
}

/* Runs in the child: parse, validate, reply. Returns the exit status. */
static int sc_child_work(void *ctx, int fd)
{
    sc_wbuf b = {0};
    sc_parse_encode(ctx, &b);
    int status = b.failed ? SC_CHILD_EXIT_NOMEM : SC_CHILD_EXIT_OK;
    for (size_t off = 0; status == SC_CHILD_EXIT_OK && off < b.len;) {
        ssize_t n = write(fd, b.p + off, b.len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            status = SC_CHILD_EXIT_IO;
        else
            off += (size_t)n;
    }
    sc_wbuf_free(&b);
    return status;
}

/* Decodes a reply into *out; 0 or -1 with the message made. */
static int sc_take_reply(const char *path, const uint8_t *p, size_t len, scenario *out,
                         char *err, size_t err_len)
{
    sc_err e;
    if (sc_wire_decode(p, len, out, &e) != 0)
        return sc_fail(path, &e, err, err_len);
    sc_set_path(out, path);
    return 0;
}

int scenario_load_bytes(const char *path, const uint8_t *bytes, size_t len, scenario *out,
                        char *err, size_t err_len)
{
    sc_text t;
    sc_err e;
    memset(out, 0, sizeof *out);
    if (sc_screen(bytes, len, &t, &e) != 0)
        return sc_fail(path, &e, err, err_len);
    uint8_t *reply = NULL;
    size_t reply_len = 0;
    int rc = sc_isolate_run(sc_child_work, &t, &reply, &reply_len, e.msg, sizeof e.msg);
    sc_text_free(&t);
    if (rc != 0) {
        e.pos = (sc_pos){1, 1};
        return sc_fail(path, &e, err, err_len);
    }
    rc = sc_take_reply(path, reply, reply_len, out, err, err_len);
    free(reply);
    return rc;
}

int sc_load_inprocess(const char *path, const uint8_t *bytes, size_t len, scenario *out,
                      char *err, size_t err_len)
{
    sc_text t;
    sc_err e;
    sc_wbuf b = {0};
    memset(out, 0, sizeof *out);
    if (sc_screen(bytes, len, &t, &e) != 0)
        return sc_fail(path, &e, err, err_len);
    sc_parse_encode(&t, &b);
    sc_text_free(&t);
    int rc = -1;
    if (b.failed) {
        e = (sc_err){.pos = {1, 1}, .msg = "out of memory"};
        sc_fail(path, &e, err, err_len);
    } else {
        rc = sc_take_reply(path, b.p, b.len, out, err, err_len);
    }
    sc_wbuf_free(&b);
    return rc;
}

/* Reads a regular file of at most SC_FILE_BYTES_MAX bytes. 0; -1 with errno set; or 1
 * when the file is larger (its size in *size, nothing read). */
static int sc_read_file(const char *path, uint8_t **bytes, size_t *len, long long *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -1;
    struct stat st;
    uint8_t *buf = NULL;
    if (fstat(fd, &st) != 0)
        goto out_close;
    if (!S_ISREG(st.st_mode)) {
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        goto out_close;
    }
    *size = (long long)st.st_size;
    if (st.st_size > (off_t)SC_FILE_BYTES_MAX) {
        close(fd);
        return 1;
    }
    size_t cap = SC_FILE_BYTES_MAX + 1, n = 0;
    buf = malloc(cap);
    if (!buf)
        goto out_close;
    for (int tries = 0; n < cap && tries < 1 << 20; tries++) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r < 0)
            goto out_close;
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    *bytes = buf;
    *len = n;
    return 0;
out_close:
    free(buf);
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

int scenario_load(const char *path, scenario *out, char *err, size_t err_len)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    long long size = 0;
    memset(out, 0, sizeof *out);
    int read_rc = sc_read_file(path, &bytes, &len, &size);
    if (read_rc > 0) {
        sc_err e = {.pos = {1, 1}};
        snprintf(e.msg, sizeof e.msg, "the file is too large (%lld bytes; at most %u)", size,
                 (unsigned)SC_FILE_BYTES_MAX);
        return sc_fail(path, &e, err, err_len);
    }
    if (read_rc != 0) {
        sc_err e = {.pos = {1, 1}};
        snprintf(e.msg, sizeof e.msg, "cannot read the file: %s",
                 errno == EINVAL ? "not a regular file" : strerror(errno));
        return sc_fail(path, &e, err, err_len);
    }
    int rc = scenario_load_bytes(path, bytes, len, out, err, err_len);
    free(bytes);
    return rc;
}
