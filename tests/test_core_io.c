/*
 * test_core_io.c: the two I/O implementations of core/barriersim.h's seam, called
 * directly: real files (bs_io_posix) and files in memory (bs_io_mem). A file round-trips
 * its bytes at any offset, a read past the end is 0, unlink removes it, errors are -errno,
 * and the directory rules of bs_io_posix_init hold. The scenario and fuzz suites use the
 * memory files only through the spiller; these pin the seam itself (docs/testing.md).
 */
#include "bs_test.h"

#include "../core/barriersim.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void make_dir(char *dir, size_t len)
{
    const char *t = getenv("TMPDIR");
    snprintf(dir, len, "%s/bs-core-io-XXXXXX", t && *t ? t : "/tmp");
    cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
}

/* Writes 3 chunks, reads them back at several offsets, then past the end. */
static void round_trip(const bs_io *io, bs_file *f)
{
    static const char a[] = "0123456789", b[] = "abcdef", c[] = "XYZ";
    cr_assert_eq(io->write(io->ctx, f, a, 10), 10);
    cr_assert_eq(io->write(io->ctx, f, b, 6), 6);
    cr_assert_eq(io->write(io->ctx, f, c, 3), 3);
    char buf[32] = {0};
    long n = io->read(io->ctx, f, 0, buf, sizeof buf);
    cr_assert_eq(n, 19);
    cr_assert_eq(memcmp(buf, "0123456789abcdefXYZ", 19), 0);
    memset(buf, 0, sizeof buf);
    cr_assert_eq(io->read(io->ctx, f, 8, buf, 4), 4);
    cr_assert_eq(memcmp(buf, "89ab", 4), 0);
    memset(buf, 0, sizeof buf);
    cr_assert_eq(io->read(io->ctx, f, 17, buf, 8), 2, "a read at the end gets what remains");
    cr_assert_eq(memcmp(buf, "YZ", 2), 0);
    cr_assert_eq(io->read(io->ctx, f, 19, buf, 8), 0, "a read past the end is 0");
    cr_assert_eq(io->read(io->ctx, f, 1000, buf, 8), 0);
}

BS_TEST(core_io, posix_files_round_trip_and_unlink_removes_them)
{
    char dir[PATH_MAX];
    make_dir(dir, sizeof dir);
    bs_io io;
    bs_io_posix px;
    cr_assert_eq(bs_io_posix_init(&io, &px, dir), 0);
    bs_file f = {0}, g = {0};
    cr_assert_eq(io.open(io.ctx, 1, &f), 0);
    cr_assert_eq(io.open(io.ctx, 2, &g), 0);
    cr_assert_neq(strcmp(f.path, g.path), 0, "two file numbers, one name");
    cr_assert_eq(strncmp(f.path, dir, strlen(dir)), 0, "%s is not under %s", f.path, dir);
    cr_assert_eq(f.path[strlen(dir)], '/');
    struct stat st;
    cr_assert_eq(stat(f.path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "spill files are private");
    round_trip(&io, &f);
    cr_assert_eq(io.close(io.ctx, &f), 0);
    cr_assert_eq(f.fd, -1);
    cr_assert_eq(io.unlink(io.ctx, &f), 0);
    cr_assert_neq(stat(f.path, &st), 0, "unlink left %s", f.path);
    cr_assert_eq(io.unlink(io.ctx, &f), -ENOENT, "errors are -errno");
    cr_assert_eq(io.close(io.ctx, &g), 0);
    cr_assert_eq(io.unlink(io.ctx, &g), 0);
    cr_assert_eq(rmdir(dir), 0, "files left in %s", dir);
}

/* A write or read on a closed descriptor fails at once with -EBADF: only EINTR is retried
 * (the time limit makes a retry of every error a failure, not a hang). */
BS_TEST(core_io, posix_errors_are_negative_errnos, .timeout = 20)
{
    char dir[PATH_MAX];
    make_dir(dir, sizeof dir);
    bs_io io;
    bs_io_posix px;
    cr_assert_eq(bs_io_posix_init(&io, &px, dir), 0);
    cr_assert_eq(rmdir(dir), 0);
    bs_file f = {0};
    cr_assert_eq(io.open(io.ctx, 1, &f), -ENOENT, "open in a removed directory");
    bs_file closed = {.fd = -1};
    char buf[4];
    cr_assert_eq(io.write(io.ctx, &closed, "abcd", 4), -EBADF);
    cr_assert_eq(io.read(io.ctx, &closed, 0, buf, 4), -EBADF);
    cr_assert_eq(io.close(io.ctx, &closed), -EBADF);
}

BS_TEST(core_io, posix_directory_rules)
{
    char dir[PATH_MAX], slashes[PATH_MAX + 8];
    make_dir(dir, sizeof dir);
    snprintf(slashes, sizeof slashes, "%s///", dir);
    bs_io io;
    bs_io_posix px;
    cr_assert_eq(bs_io_posix_init(&io, &px, slashes), 0);
    cr_assert_str_eq(px.dir, dir, "trailing slashes are dropped");
    bs_io_posix px2;
    cr_assert_eq(bs_io_posix_init(&io, &px2, "/"), 0);
    cr_assert_str_eq(px2.dir, "/", "the root keeps its slash");
    cr_assert_neq(px2.instance, px.instance, "each context is its own instance");
    /* no directory: $TMPDIR, and without it /tmp */
    char *saved = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
    cr_assert_eq(setenv("TMPDIR", dir, 1), 0);
    cr_assert_eq(bs_io_posix_init(&io, &px, NULL), 0);
    cr_assert_str_eq(px.dir, dir);
    cr_assert_eq(bs_io_posix_init(&io, &px, ""), 0);
    cr_assert_str_eq(px.dir, dir);
    cr_assert_eq(unsetenv("TMPDIR"), 0);
    cr_assert_eq(bs_io_posix_init(&io, &px, NULL), 0);
    cr_assert_str_eq(px.dir, "/tmp");
    if (saved) {
        setenv("TMPDIR", saved, 1);
        free(saved);
    }
    /* a directory name that cannot fit */
    static char longdir[sizeof px.dir + 2];
    memset(longdir, 'd', sizeof longdir - 1);
    longdir[0] = '/';
    cr_assert_eq(bs_io_posix_init(&io, &px, longdir), BS_EINVAL);
    longdir[sizeof px.dir - 1] = '\0'; /* sizeof px.dir - 1 characters: fits */
    cr_assert_eq(bs_io_posix_init(&io, &px, longdir), 0);
    cr_assert_eq(strlen(px.dir), sizeof px.dir - 1);
    cr_assert_eq(rmdir(dir), 0);
}

BS_TEST(core_io, memory_files_round_trip_and_count_live_files)
{
    bs_io io;
    bs_io_mem mem;
    cr_assert_eq(bs_io_mem_init(&io, &mem), 0);
    cr_assert_eq(bs_io_mem_live(&mem), 0);
    bs_file f = {0}, g = {0};
    cr_assert_eq(io.open(io.ctx, 1, &f), 0);
    cr_assert_eq(io.open(io.ctx, 2, &g), 0);
    cr_assert_eq(bs_io_mem_live(&mem), 2);
    round_trip(&io, &f);
    char buf[8];
    cr_assert_eq(io.read(io.ctx, &g, 0, buf, sizeof buf), 0, "a new file is empty");
    cr_assert_eq(io.close(io.ctx, &f), 0);
    cr_assert_eq(bs_io_mem_live(&mem), 2, "closed is not removed");
    cr_assert_eq(io.unlink(io.ctx, &f), 0);
    cr_assert_eq(bs_io_mem_live(&mem), 1);
    cr_assert_eq(io.unlink(io.ctx, &f), -ENOENT, "unlinked twice");
    cr_assert_eq(bs_io_mem_live(&mem), 1);
    cr_assert_eq(io.close(io.ctx, &g), 0);
    cr_assert_eq(io.unlink(io.ctx, &g), 0);
    cr_assert_eq(bs_io_mem_live(&mem), 0);
    bs_io_mem_close(&mem);
}

BS_TEST(core_io, memory_files_grow_past_any_first_size)
{
    bs_io io;
    bs_io_mem mem;
    cr_assert_eq(bs_io_mem_init(&io, &mem), 0);
    /* many files (the table grows) and one large file (its buffer grows) */
    bs_file files[40];
    for (uint64_t i = 0; i < 40; i++) {
        memset(&files[i], 0, sizeof files[i]);
        cr_assert_eq(io.open(io.ctx, i + 1, &files[i]), 0);
        uint64_t v = i;
        cr_assert_eq(io.write(io.ctx, &files[i], &v, sizeof v), (long)sizeof v);
    }
    static uint8_t big[200000], back[200000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7 + 3);
    for (size_t off = 0; off < sizeof big; off += 50000)
        cr_assert_eq(io.write(io.ctx, &files[0], big + off, 50000), 50000);
    cr_assert_eq(io.read(io.ctx, &files[0], 8, back, sizeof back), (long)sizeof back);
    cr_assert_eq(memcmp(big, back, sizeof big), 0);
    for (uint64_t i = 0; i < 40; i++) {
        uint64_t v = 99;
        cr_assert_eq(io.read(io.ctx, &files[i], 0, &v, sizeof v), (long)sizeof v);
        cr_assert_eq(v, i, "file %llu holds another file's bytes", (unsigned long long)i + 1);
    }
    cr_assert_eq(bs_io_mem_live(&mem), 40);
    bs_io_mem_close(&mem); /* frees the files still held: LeakSanitizer checks */
}

/* open writes the whole name, terminator included, over whatever the bs_file held (a
 * caller may reuse one bs_file for file after file). */
BS_TEST(core_io, posix_open_writes_a_terminated_path_over_old_bytes)
{
    char dir[PATH_MAX];
    make_dir(dir, sizeof dir);
    bs_io io;
    bs_io_posix px;
    cr_assert_eq(bs_io_posix_init(&io, &px, dir), 0);
    bs_file f;
    memset(&f, 'Z', sizeof f);
    cr_assert_eq(io.open(io.ctx, 7, &f), 0);
    size_t n = strnlen(f.path, sizeof f.path);
    cr_assert_lt(n, sizeof f.path, "the path is not terminated");
    cr_assert_str_eq(f.path + n - 6, ".spill", "path: %.*s", (int)n, f.path);
    struct stat st;
    cr_assert_eq(stat(f.path, &st), 0, "%s", f.path);
    cr_assert_eq(io.close(io.ctx, &f), 0);
    cr_assert_eq(io.unlink(io.ctx, &f), 0);
    cr_assert_eq(rmdir(dir), 0, "files left in %s", dir);
}

/* A transfer of 0 bytes (a write of nothing, a read at the end) is 0, not an error,
 * whatever errno held before the call. */
BS_TEST(core_io, posix_zero_byte_transfers_are_not_errors)
{
    char dir[PATH_MAX];
    make_dir(dir, sizeof dir);
    bs_io io;
    bs_io_posix px;
    cr_assert_eq(bs_io_posix_init(&io, &px, dir), 0);
    bs_file f = {0};
    cr_assert_eq(io.open(io.ctx, 1, &f), 0);
    errno = EAGAIN;
    cr_assert_eq(io.write(io.ctx, &f, "", 0), 0, "a write of nothing");
    cr_assert_eq(io.write(io.ctx, &f, "abc", 3), 3);
    char buf[8];
    errno = EIO;
    cr_assert_eq(io.read(io.ctx, &f, 3, buf, sizeof buf), 0, "a read at the end");
    errno = EIO;
    cr_assert_eq(io.read(io.ctx, &f, 100, buf, sizeof buf), 0, "a read past the end");
    cr_assert_eq(io.close(io.ctx, &f), 0);
    cr_assert_eq(io.unlink(io.ctx, &f), 0);
    cr_assert_eq(rmdir(dir), 0);
}

/* An unlink that fails (here: a directory now has the file's name, EISDIR) leaves the file
 * in the signal-cleanup list; once it is removed, the list forgets it. */
BS_TEST(core_io, posix_a_failed_unlink_keeps_the_file_in_the_cleanup_list)
{
    char dir[PATH_MAX], moved[PATH_MAX + 16];
    make_dir(dir, sizeof dir);
    bs_io io;
    bs_io_posix px;
    cr_assert_eq(bs_io_posix_init(&io, &px, dir), 0);
    uint64_t live0 = bs_io_posix_live();
    bs_file f = {0};
    cr_assert_eq(io.open(io.ctx, 1, &f), 0);
    cr_assert_eq(bs_io_posix_live(), live0 + 1);
    cr_assert_eq(io.close(io.ctx, &f), 0);
    snprintf(moved, sizeof moved, "%s/moved", dir);
    cr_assert_eq(rename(f.path, moved), 0);
    cr_assert_eq(mkdir(f.path, 0700), 0);
    int rc = io.unlink(io.ctx, &f);
    cr_assert(rc == -EISDIR || rc == -EPERM, "unlink of a directory: %d", rc);
    cr_assert_eq(bs_io_posix_live(), live0 + 1, "a file not removed left the cleanup list");
    cr_assert_eq(rmdir(f.path), 0);
    cr_assert_eq(rename(moved, f.path), 0);
    cr_assert_eq(io.unlink(io.ctx, &f), 0);
    cr_assert_eq(bs_io_posix_live(), live0);
    cr_assert_eq(rmdir(dir), 0, "files left in %s", dir);
}

/* A file that gets descriptor 0 (standard input closed) is a file like any other: it joins
 * the signal-cleanup list (the mutant that took fd 0 for a failure survived every suite). */
BS_TEST(core_io, posix_a_file_on_descriptor_0_is_in_the_cleanup_list)
{
    char dir[PATH_MAX];
    make_dir(dir, sizeof dir);
    bs_io io;
    bs_io_posix px;
    cr_assert_eq(bs_io_posix_init(&io, &px, dir), 0);
    uint64_t live0 = bs_io_posix_live();
    cr_assert_eq(close(0), 0); /* this test's own process (Criterion forks one a test) */
    bs_file f = {0};
    cr_assert_eq(io.open(io.ctx, 1, &f), 0);
    cr_assert_eq(f.fd, 0, "the lowest free descriptor");
    cr_assert_eq(bs_io_posix_live(), live0 + 1);
    cr_assert_eq(io.close(io.ctx, &f), 0);
    cr_assert_eq(io.unlink(io.ctx, &f), 0);
    cr_assert_eq(bs_io_posix_live(), live0);
    cr_assert_eq(rmdir(dir), 0, "files left in %s", dir);
}

/* Every trailing slash goes, down to the root's one. */
BS_TEST(core_io, posix_directory_slashes_down_to_the_root)
{
    bs_io io;
    bs_io_posix px;
    cr_assert_eq(bs_io_posix_init(&io, &px, "//"), 0);
    cr_assert_str_eq(px.dir, "/");
    cr_assert_eq(bs_io_posix_init(&io, &px, "a/"), 0);
    cr_assert_str_eq(px.dir, "a");
    cr_assert_eq(bs_io_posix_init(&io, &px, "ab//"), 0);
    cr_assert_str_eq(px.dir, "ab");
}
