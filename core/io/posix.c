/*
 * posix.c: spill files as real files under a directory ($TMPDIR or /tmp by default).
 *
 * Names are "barriersim-<pid>-<instance>-<no>.spill": unique per process, per I/O context
 * and per file number, created with O_EXCL so that nothing is ever overwritten.
 */
#include "../core_int.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static uint64_t io_posix_instances;

static int posix_open(void *ctx, uint64_t no, bs_file *f)
{
    bs_io_posix *px = ctx;
    int n = snprintf(f->path, sizeof f->path, "%s/barriersim-%ld-%llu-%llu.spill", px->dir,
                     (long)getpid(), (unsigned long long)px->instance, (unsigned long long)no);
    if (n < 0 || (size_t)n >= sizeof f->path)
        return -ENAMETOOLONG;
    int fd;
    do
        fd = open(f->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return -errno;
    f->fd = fd;
    return 0;
}

static long posix_write(void *ctx, bs_file *f, const void *buf, size_t n)
{
    (void)ctx;
    ssize_t k;
    do
        k = write(f->fd, buf, n);
    while (k < 0 && errno == EINTR);
    return k < 0 ? -errno : (long)k;
}

static long posix_read(void *ctx, bs_file *f, uint64_t off, void *buf, size_t n)
{
    (void)ctx;
    ssize_t k;
    do
        k = pread(f->fd, buf, n, (off_t)off);
    while (k < 0 && errno == EINTR);
    return k < 0 ? -errno : (long)k;
}

static int posix_close(void *ctx, bs_file *f)
{
    (void)ctx;
    int rc = close(f->fd);
    f->fd = -1;
    return rc < 0 && errno != EINTR ? -errno : 0;
}

static int posix_unlink(void *ctx, bs_file *f)
{
    (void)ctx;
    return unlink(f->path) < 0 ? -errno : 0;
}

int bs_io_posix_init(bs_io *io, bs_io_posix *ctx, const char *dir)
{
    memset(ctx, 0, sizeof *ctx);
    if (!dir || !*dir)
        dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n >= sizeof ctx->dir)
        return BS_EINVAL;
    memcpy(ctx->dir, dir, n);
    ctx->instance = ++io_posix_instances;
    *io = (bs_io){ctx, posix_open, posix_write, posix_read, posix_close, posix_unlink};
    return 0;
}
