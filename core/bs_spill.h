/*
 * bs_spill.h: the spill-file format (DESIGN.md section 4), its writer and its one reader.
 *
 * A spill file is a sequence of records `int32 channel | int32 length | uint8 kind |
 * payload[length]` with a little-endian header; kind 0 is a data buffer, 1 an event whose
 * payload is big-endian (tag 1 barrier: id, timestamp, type; tag 4 cancel: id; tag 0 end
 * of partition). The reader is shared by the core and `barriersim spill dump`; it checks
 * records in the order section 4 fixes and names the failing record's start offset.
 *
 * The spiller appends records to the current file (created lazily on the first record,
 * numbered 1, 2, ... within the spiller) and rolls it over into a readable sequence. Every
 * record is written with one write call (retried on short writes), so "the Nth write" in a
 * fault scenario is the Nth spilled record.
 */
#ifndef BS_SPILL_H
#define BS_SPILL_H

#include "barriersim.h"

#define BS_SPILL_HEADER_BYTES 9u
#define BS_SPILL_KIND_DATA 0u
#define BS_SPILL_KIND_EVENT 1u
#define BS_SPILL_TAG_EOP 0u
#define BS_SPILL_TAG_BARRIER 1u
#define BS_SPILL_TAG_CANCEL 4u
#define BS_SPILL_EVENT_EOP_BYTES 4u
#define BS_SPILL_EVENT_BARRIER_BYTES 24u
#define BS_SPILL_EVENT_CANCEL_BYTES 12u

/* Bytes the record of `it` takes on disk, header included. */
uint64_t bs_spill_record_bytes(const bs_item *it);

/* Encodes the record of `it` into buf (at least bs_spill_record_bytes(it) bytes); returns
 * the bytes written. The item must be valid (data no longer than INT32_MAX). */
size_t bs_spill_encode(const bs_item *it, uint8_t *buf);

/* ---- Reader --------------------------------------------------------------------------- */
/* The source of bytes: read up to n bytes at offset off; >= 0 bytes read (0 at end of
 * file) or -errno. */
typedef long (*bs_spill_read_fn)(void *ctx, uint64_t off, void *buf, size_t n);

#define BS_SPILL_READ_BUF_BYTES 65536u

typedef struct bs_spill_reader {
    bs_spill_read_fn read;
    void *read_ctx;
    uint32_t page_size;     /* largest data record accepted */
    uint32_t channels;      /* 0: any channel; else channels must be below it */
    uint64_t offset;        /* file offset of the next record */
    uint64_t err_offset;    /* start of the record that failed */
    int err_errno;          /* for BS_EIO: the errno */
    uint8_t *buf;           /* read-ahead window of buf_cap bytes (allocated on first read) */
    size_t buf_cap;         /* BS_SPILL_READ_BUF_BYTES, or less for a small file */
    uint64_t buf_off;       /* file offset of buf[0] */
    size_t buf_len;         /* valid bytes in buf */
    uint8_t *page;          /* a data record larger than the window (allocated when needed) */
    char errmsg[160];       /* "unknown record kind 7", ... (without the offset) */
} bs_spill_reader;

/* Prepares a reader at offset 0. The caller owns `r`; release with bs_spill_reader_close.
 * Returns 0 or BS_ENOMEM. */
int bs_spill_reader_init(bs_spill_reader *r, bs_spill_read_fn read, void *read_ctx,
                         uint32_t page_size, uint32_t channels);
void bs_spill_reader_close(bs_spill_reader *r);

/* Before the first read: the source holds `bytes` in all, so a smaller window will do
 * (the model checker restores thousands of small files a second). */
void bs_spill_reader_size_hint(bs_spill_reader *r, uint64_t bytes);

/*
 * Reads the next record: 1 with *out filled (out->data points into the reader and stays
 * valid until the next call), 0 at a clean end of file, BS_ECORRUPT (r->errmsg and
 * r->err_offset say what and where), or BS_EIO (r->err_errno). Short reads are retried.
 * After an error the reader stays at the failing record.
 */
int bs_spill_reader_next(bs_spill_reader *r, bs_item *out);

/* ---- Spiller -------------------------------------------------------------------------- */
/* A rolled-over file being read back. Owned by the spiller's caller after roll-over. */
typedef struct bs_spill_seq {
    bs_file file;
    bool file_open;         /* the handle is open (closed once exhausted or on delete) */
    bool file_exists;       /* the file exists on the medium (until unlinked) */
    bool quiet;             /* no stderr line per I/O error */
    uint64_t size_bytes;    /* bytes written to it */
    const bs_io *io;
    bs_spill_reader reader;
} bs_spill_seq;

typedef struct bs_spiller {
    const bs_io *io;
    uint32_t page_size;
    uint32_t channels;
    uint64_t next_file_no;  /* number of the next file to create */
    bs_file file;           /* the file being written, when file_open */
    bool file_open;
    uint64_t bytes;         /* bytes in the current file */
    uint64_t records;       /* records in the current file */
    uint8_t *stage;         /* one encoded record: header + page_size */
    bool quiet;             /* no stderr line per I/O error */
    char errmsg[200];       /* last error, "spill file 3: write: No space left on device" */
} bs_spiller;

/* Prepares a spiller (no file is created yet). Returns 0 or BS_ENOMEM. */
int bs_spiller_init(bs_spiller *sp, const bs_io *io, uint32_t page_size, uint32_t channels);

/* Appends one record, creating the file if none is open. Returns 0 or BS_EIO (message in
 * sp->errmsg, path and errno on stderr). */
int bs_spiller_add(bs_spiller *sp, const bs_item *it);

/*
 * Hands over the current file as a sequence to read back from its start, and starts a new
 * (lazily created) file. When nothing was written since the last roll-over, *out is NULL
 * and 0 is returned. The caller owns *out and ends it with bs_spill_seq_delete.
 */
int bs_spiller_roll_over(bs_spiller *sp, bs_spill_seq **out);

/* Closes and removes the file being written, if any; frees the spiller's buffers. Returns
 * 0 or the first I/O error (message in errmsg when not NULL). */
int bs_spiller_close(bs_spiller *sp, char *errmsg, size_t errmsg_len);

/* Closes and removes the file being written, if any; the spiller stays usable. */
int bs_spiller_discard(bs_spiller *sp, char *errmsg, size_t errmsg_len);

/* Next record of a sequence: as bs_spill_reader_next; errors are described in errmsg
 * (errmsg_len bytes) as "spill file N: ...". */
int bs_spill_seq_next(bs_spill_seq *seq, bs_item *out, char *errmsg, size_t errmsg_len);

/* Closes and removes the sequence's file and frees it. Returns 0 or the first I/O error
 * (described in errmsg when not NULL); the memory is freed either way. */
int bs_spill_seq_delete(bs_spill_seq *seq, char *errmsg, size_t errmsg_len);

/* ---- State capture -------------------------------------------------------------------- */
/* Appends bytes [from, to) of a spill file to out through io. 0, BS_EIO or BS_ENOMEM. */
int bs_spill_file_copy(const bs_io *io, bs_file *f, uint64_t from, uint64_t to, bs_buf *out);

/* Recreates the file being written as file number `no` holding `bytes` (n > 0), after
 * which the spiller appends to it. The spiller must have no open file. 0 or BS_EIO. */
int bs_spiller_restore_file(bs_spiller *sp, uint64_t no, const uint8_t *bytes, size_t n);

/* Recreates a sequence as file number `no` holding `bytes`, to be read from `offset`.
 * 0, BS_EIO or BS_ENOMEM; *out is the caller's (bs_spill_seq_delete). */
int bs_spill_seq_restore(bs_spiller *sp, uint64_t no, const uint8_t *bytes, size_t n, uint64_t offset,
                         bs_spill_seq **out);

#endif
