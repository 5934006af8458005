/*
 * posix.c: spill files as real files under a directory ($TMPDIR or /tmp by default).
 *
 * Names are "barriersim-<pid>-<instance>-<no>-XXXXXX.spill": the pid, I/O context and file
 * number say who made the file, and the six random characters (mkstemps: O_CREAT|O_EXCL,
 * retried with new characters while the name is taken) make sure that a stranger's file
 * (a stale file of an earlier process whose pid has been reused, say) is never opened,
 * overwritten or removed, and never makes a run fail.
 *
 * Every file this process creates and has not yet unlinked is in one process-wide list,
 * so that bs_io_posix_remove_all() can remove them from a signal handler (the command line
 * does so on SIGINT, SIGTERM and SIGHUP). The list's contract with the handler: a file is
 * in the list from before its creation is visible (signals are blocked while it is made
 * and linked in) until after it is unlinked; the list is changed only by single pointer
 * stores, each ordered by a signal fence, so a handler interrupting the change sees either
 * the old or the new list, both well formed. Nodes are freed only after they are unlinked
 * from the list. The handler removes only files created by its own pid (a forked child
 * inherits the list but not the files).
 */
#include "../core_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct posix_node {
    struct posix_node *volatile next;
    pid_t pid;
    char path[BS_PATH_MAX];
} posix_node;

static uint64_t io_posix_instances;
static posix_node *volatile io_posix_live; /* every file created and not yet unlinked */

/* The attempts made when creating a file is interrupted by a signal. */
#define POSIX_OPEN_EINTR_RETRIES 100

static int posix_create(posix_node *n)
{
    int fd = -1;
    for (int tries = 0; tries < POSIX_OPEN_EINTR_RETRIES; tries++) {
        size_t len = strlen(n->path);
        memcpy(n->path + len - 12, "XXXXXX", 6); /* a failed try may have changed them */
        fd = mkstemps(n->path, 6);
        if (fd >= 0 || errno != EINTR)
            break;
    }
    if (fd < 0)
        return -errno;
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        int err = errno;
        unlink(n->path);
        close(fd);
        return -err;
    }
    return fd;
}

static int posix_open(void *ctx, uint64_t no, bs_file *f)
{
    bs_io_posix *px = ctx;
    posix_node *n = malloc(sizeof *n);
    if (!n)
        return -ENOMEM;
    int len = snprintf(n->path, sizeof n->path, "%s/barriersim-%ld-%llu-%llu-XXXXXX.spill", px->dir,
                       (long)getpid(), (unsigned long long)px->instance, (unsigned long long)no);
    if (len < 0 || (size_t)len >= sizeof n->path || (size_t)len >= sizeof f->path) {
        free(n);
        return -ENAMETOOLONG;
    }
    n->pid = getpid();
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    int fd = posix_create(n);
    if (fd >= 0) {
        n->next = io_posix_live;
        atomic_signal_fence(memory_order_seq_cst);
        io_posix_live = n;
        atomic_signal_fence(memory_order_seq_cst);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (fd < 0) {
        free(n);
        return fd;
    }
    memcpy(f->path, n->path, (size_t)len + 1);
    f->fd = fd;
    f->impl = n;
    return 0;
}

/* Takes `n` out of the live list (it stays valid for a handler that already holds it). */
static void posix_forget(posix_node *n)
{
    for (posix_node *volatile *p = &io_posix_live; *p; p = &(*p)->next) {
        if (*p == n) {
            *p = n->next;
            atomic_signal_fence(memory_order_seq_cst);
            free(n);
            return;
        }
    }
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
    int rc = unlink(f->path) < 0 ? -errno : 0;
    /* Removed (or gone): the signal handler has nothing left to remove for it. */
    if (f->impl && (rc == 0 || rc == -ENOENT)) {
        posix_forget(f->impl);
        f->impl = NULL;
    }
    return rc;
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

uint64_t bs_io_posix_remove_all(void)
{
    uint64_t removed = 0;
    pid_t self = getpid();
    for (posix_node *n = io_posix_live; n; n = n->next)
        if (n->pid == self && unlink(n->path) == 0)
            removed++;
    return removed;
}

uint64_t bs_io_posix_live(void)
{
    uint64_t live = 0;
    for (posix_node *n = io_posix_live; n; n = n->next)
        live++;
    return live;
}
