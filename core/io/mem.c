/*
 * mem.c: spill files kept in memory, for tests and the model checker (no system calls, so
 * exploring millions of states stays fast and leaves nothing on disk).
 *
 * A file lives from open until unlink; close only ends the handle. Unlink frees the file
 * and forgets the handle (f->impl = NULL, as posix.c does), so the files held are the
 * files not yet unlinked: a model checker restoring spill files millions of times kept
 * every unlinked file's record before (65 bytes a restore, 3/4 of a depth-first spill 4x3
 * search's memory). bs_io_mem_close frees whatever is left, and bs_io_mem_live tells how
 * many files were never unlinked.
 */
#include "../core_int.h"

#include <errno.h>
#include <string.h>

struct bs_io_mem_file {
    size_t slot;                  /* its index in bs_io_mem.files */
    uint8_t *data;
    size_t len, cap;
};

static int mem_open(void *ctx, uint64_t no, bs_file *f)
{
    bs_io_mem *m = ctx;
    if (m->files_len == m->files_cap) {
        size_t cap = m->files_cap ? 2 * m->files_cap : 16;
        struct bs_io_mem_file **q = realloc(m->files, cap * sizeof *q);
        if (!q)
            return -ENOMEM;
        m->files = q;
        m->files_cap = cap;
    }
    struct bs_io_mem_file *mf = calloc(1, sizeof *mf);
    if (!mf)
        return -ENOMEM;
    mf->slot = m->files_len;
    m->files[m->files_len++] = mf;
    m->live++;
    f->impl = mf;
    f->fd = -1;
    char digits[24]; /* "mem:<no>", written by hand: the model checker opens a file per step */
    size_t nd = 0;
    for (uint64_t v = no; nd == 0 || v; v /= 10)
        digits[nd++] = (char)('0' + v % 10);
    BS_ASSERT(4 + nd < sizeof f->path);
    memcpy(f->path, "mem:", 4);
    for (size_t i = 0; i < nd; i++)
        f->path[4 + i] = digits[nd - 1 - i];
    f->path[4 + nd] = '\0';
    return 0;
}

static long mem_write(void *ctx, bs_file *f, const void *buf, size_t n)
{
    (void)ctx;
    struct bs_io_mem_file *mf = f->impl;
    if (mf->len + n > mf->cap) {
        size_t cap = mf->cap ? mf->cap : 4096;
        while (cap < mf->len + n)
            cap *= 2;
        uint8_t *q = realloc(mf->data, cap);
        if (!q)
            return -ENOSPC;
        mf->data = q;
        mf->cap = cap;
    }
    memcpy(mf->data + mf->len, buf, n);
    mf->len += n;
    return (long)n;
}

static long mem_read(void *ctx, bs_file *f, uint64_t off, void *buf, size_t n)
{
    (void)ctx;
    struct bs_io_mem_file *mf = f->impl;
    if (off >= mf->len)
        return 0;
    if (n > mf->len - off)
        n = (size_t)(mf->len - off);
    memcpy(buf, mf->data + off, n);
    return (long)n;
}

static int mem_close(void *ctx, bs_file *f)
{
    (void)ctx;
    (void)f;
    return 0;
}

static int mem_unlink(void *ctx, bs_file *f)
{
    bs_io_mem *m = ctx;
    struct bs_io_mem_file *mf = f->impl;
    if (!mf) /* unlinked already: the handle was forgotten */
        return -ENOENT;
    BS_ASSERT(mf->slot < m->files_len && m->files[mf->slot] == mf);
    struct bs_io_mem_file *last = m->files[--m->files_len];
    m->files[mf->slot] = last;
    last->slot = mf->slot;
    free(mf->data);
    free(mf);
    f->impl = NULL;
    m->live--;
    BS_ASSERT(m->live == m->files_len);
    return 0;
}

int bs_io_mem_init(bs_io *io, bs_io_mem *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    *io = (bs_io){ctx, mem_open, mem_write, mem_read, mem_close, mem_unlink};
    return 0;
}

void bs_io_mem_close(bs_io_mem *ctx)
{
    for (size_t i = 0; i < ctx->files_len; i++) {
        free(ctx->files[i]->data);
        free(ctx->files[i]);
    }
    free(ctx->files);
    memset(ctx, 0, sizeof *ctx);
}

uint64_t bs_io_mem_live(const bs_io_mem *ctx) { return ctx->live; }
