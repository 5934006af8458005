/*
 * barriersim.h: the public API of the barrier core.
 *
 * A handler aligns checkpoint barriers arriving on the channels of one input gate and hands
 * the operator the items it may consume, one call at a time. It knows nothing of the
 * simulator: it pulls items through a gate (bs_gate), writes spill files through an I/O
 * interface (bs_io) and tells a listener (bs_listener) about checkpoints. All three are
 * supplied and owned by the caller and must outlive the handler.
 *
 * Contract (DESIGN.md section 2): every checkpoint a handler begins ends exactly once, by
 * one trigger or one abort (or, for unaligned strategies, one "done"). Barriers and cancel
 * markers are consumed; data and end-of-partition items are returned.
 *
 * Errors are negative BS_E* codes; bs_strerror() names them, and bs_handler_errmsg() gives
 * the handler's last error in words that are deterministic (spill files are named by their
 * number within the handler, never by their temporary path).
 */
#ifndef BARRIERSIM_H
#define BARRIERSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Error codes ---------------------------------------------------------------------- */
#define BS_OK 0
#define BS_EIO (-1)      /* an I/O call failed; the message names the call and the errno */
#define BS_ECORRUPT (-2) /* a spill file read back is corrupt */
#define BS_ENOMEM (-3)   /* out of memory */
#define BS_EINVAL (-4)   /* an invalid argument or configuration */
#define BS_EAGAIN (-5)   /* the gate has nothing to yield right now (simulation) */
#define BS_ESTATE (-6)   /* a snapshot cannot be restored (wrong strategy, truncated, ...) */
#define BS_ESTOPPED (-7) /* the gate's owner asked the handler to stop */

/* Returns a static, human-readable name for a BS_E* code. */
const char *bs_strerror(int code);

/* ---- Items ---------------------------------------------------------------------------- */
typedef enum bs_kind {
    BS_DATA = 0,    /* a data buffer */
    BS_BARRIER = 1, /* checkpoint barrier b<id> */
    BS_CANCEL = 2,  /* cancel marker x<id> */
    BS_EOP = 3,     /* end of partition: the channel carries nothing after it */
} bs_kind;

/* Flags of a barrier's bs_item.type (Flink 1.14+, CheckpointBarrier and CheckpointOptions):
 * BS_BARRIER_STARTED    timestamp is the time the checkpoint started at the sources, on the
 *                       gate's clock (CheckpointBarrier.getTimestamp): an alignment timeout
 *                       counts from it (BarrierAlignmentUtil.getTimerDelay). Without it the
 *                       timeout counts from when the handler first sees the checkpoint.
 * BS_BARRIER_UNALIGNED  the barrier was converted to an unaligned one upstream
 *                       (CheckpointBarrier.asUnaligned, PipelinedSubpartition
 *                       .alignedBarrierTimeout): an aligned checkpoint with a timeout that
 *                       receives it goes unaligned at once. */
#define BS_BARRIER_STARTED 0x100u
#define BS_BARRIER_UNALIGNED 0x200u

/* The largest data item a handler accepts unless configured otherwise. */
#define BS_PAGE_SIZE_DEFAULT 32768u
/* The tracker's bound on pending checkpoints. */
#define BS_TRACKER_PENDING_MAX 50u
/* Channels a gate may have (DESIGN.md section 3). */
#define BS_CHANNELS_MAX 65535u

typedef struct bs_item {
    bs_kind kind;
    uint32_t channel;
    uint64_t id;          /* barrier or cancel id (>= 1) */
    uint64_t timestamp;   /* barrier only: with BS_BARRIER_STARTED, the checkpoint's start */
    uint32_t type;        /* barrier only: the checkpoint type and BS_BARRIER_* flags */
    uint32_t len;         /* data only: payload bytes (<= page size) */
    const uint8_t *data;  /* data only: payload; valid until the next call on its producer */
    uint32_t overtaken;   /* barrier or cancel yielded by bs_gate.next_priority: the data
                             items of its channel that precede it and are still queued (the
                             gate yields them later, in order); 0 otherwise */
} bs_item;

/* ---- Input gate ----------------------------------------------------------------------- */
/*
 * next(): yields the next item from a channel that is not blocked. `blocked` is NULL (no
 * channel blocked) or a bitset of bs_chanset_words(channels) words, channel c blocked when
 * bit c is set; a gate must leave blocked channels unread, preserving FIFO per channel.
 * Returns 1 with *out filled, 0 when every channel is exhausted, BS_EAGAIN when nothing is
 * available now from the unblocked channels, or another negative code.
 *
 * The other operations are optional (NULL when the gate does not offer them):
 * next_priority(): unaligned strategies let barriers overtake data queued at the receiver.
 *   Yields the earliest-arrived barrier or cancel marker queued on a channel that is not
 *   blocked, ahead of the data queued before it on that channel: 1 with *out filled and
 *   out->overtaken set to the number of those data items (they stay queued and next()
 *   yields them later, in order); 0 when no barrier or cancel is queued; or a negative
 *   code. It never yields data or eop, and a marker never overtakes an older marker or an
 *   eop of its channel. Without it, barriers do not overtake.
 * peek(): the i-th data item still queued on `channel` that next() would yield from it
 *   (i = 0: the next one), without consuming it: 1 with *out filled (out->data valid
 *   until the next call on the gate), 0 when there are not that many data items before
 *   the channel's next marker or eop (or its end), or a negative code. Used right after
 *   a priority read, for i < out->overtaken: unaligned strategies persist the data a
 *   barrier overtook at once (as Flink does) instead of when the operator reads it.
 *   Without it, overtaken data is persisted as it is read.
 * now_ns(): the current time in nanoseconds (simulated time in the simulator); without
 *   it, time stands still (an alignment timeout never expires).
 * wake_at(): the handler asks to be called again at time at_ns even if no item arrives
 *   (an alignment timeout); a later request replaces an earlier one.
 * next_announcement(): Flink's EventAnnouncement (RemoteInputChannel.onBuffer announces a
 *   barrier that requiresAnnouncement ahead of the data queued before it): yields, once
 *   each, a barrier that has arrived on a channel and is still queued there, without
 *   consuming it (next() or convert() yields it later): 1 with *out filled (kind, channel,
 *   id, timestamp, type), 0 when no barrier is newly announced, or a negative code.
 *   Announced barriers of one channel come in channel order. Without it, nothing is
 *   announced.
 * convert(): Flink's convertToPriorityEvent (RemoteInputChannel / LocalInputChannel): takes
 *   b<id> queued on `channel` now, ahead of the data queued before it there, which it
 *   overtakes (they stay queued and next() yields them later): 1 with *out filled and
 *   out->overtaken set as next_priority() does, 0 when the next marker queued on the
 *   channel is not b<id> (not arrived yet, already yielded, or behind another marker), or a
 *   negative code.
 */
typedef struct bs_gate {
    void *ctx;
    uint32_t channels;
    int (*next)(void *ctx, const uint64_t *blocked, bs_item *out);
    int (*next_priority)(void *ctx, const uint64_t *blocked, bs_item *out);
    uint64_t (*now_ns)(void *ctx);
    void (*wake_at)(void *ctx, uint64_t at_ns);
    int (*peek)(void *ctx, uint32_t channel, uint32_t i, bs_item *out);
    int (*next_announcement)(void *ctx, bs_item *out);
    int (*convert)(void *ctx, uint32_t channel, uint64_t id, bs_item *out);
} bs_gate;

static inline size_t bs_chanset_words(uint32_t channels) { return ((size_t)channels + 63u) / 64u; }
static inline bool bs_chanset_has(const uint64_t *set, uint32_t c) { return (set[c / 64u] >> (c % 64u)) & 1u; }
static inline void bs_chanset_add(uint64_t *set, uint32_t c) { set[c / 64u] |= (uint64_t)1 << (c % 64u); }

/* ---- Listener ------------------------------------------------------------------------- */
typedef enum bs_abort_reason {
    BS_ABORT_SUBSUMED = 0,
    BS_ABORT_CANCELLED = 1,
    BS_ABORT_EOP = 2,
    BS_ABORT_LIMIT = 3,
    BS_ABORT_TIMEOUT = 4,
} bs_abort_reason;

/* Returns "subsumed", "cancelled", "eop", "limit" or "timeout". */
const char *bs_abort_reason_name(bs_abort_reason why);

/*
 * Observations of the handler. Any callback may be NULL. Callbacks run inside
 * bs_handler_next() before the item of that call is returned, in the order they happen.
 *   begin          the handler adopted checkpoint `id` (it will end exactly once)
 *   unaligned      checkpoint `id` is taken unaligned: called just before its trigger;
 *                  after the trigger it ends with done (or an abort), and channel_state
 *                  reports its in-flight data. Aligned checkpoints end with their trigger.
 *   trigger        t<id>: the operator snapshots now
 *   abort          a<id>:<why>
 *   channel_state  unaligned: `data` (a data item the handler returns now or has
 *                  returned since the trigger, or, with a gate that can peek, one a
 *                  barrier of `id` overtook, which it returns later) is persisted as
 *                  channel state of `id`
 *   done           unaligned: the channel state of `id` is complete (d<id>)
 */
typedef struct bs_listener {
    void *ctx;
    void (*begin)(void *ctx, uint64_t id);
    void (*trigger)(void *ctx, uint64_t id);
    void (*abort)(void *ctx, uint64_t id, bs_abort_reason why);
    void (*channel_state)(void *ctx, uint64_t id, const bs_item *data);
    void (*done)(void *ctx, uint64_t id);
    void (*unaligned)(void *ctx, uint64_t id);
} bs_listener;

/* ---- I/O interface -------------------------------------------------------------------- */
/*
 * Spill files go through this seam so that tests and the simulator can fail any call and
 * the model checker can keep files in memory. A bs_file is owned by the caller; the I/O
 * implementation fills it on open and may keep its own state behind `impl`.
 * Every call returns >= 0 on success or -errno on failure.
 *   open    create a new, empty, read-write file for spill file number `no` (1, 2, ...)
 *   write   append up to n bytes; returns the count written (a short count is not an error)
 *   read    read up to n bytes at offset `off`; returns the count read, 0 at end of file
 *   close   release the handle; the handle is released even when it reports an error
 *   unlink  remove the file by its name; callable after close
 * -EINTR means the call was interrupted and did nothing: the core retries it, as POSIX
 * code retries EINTR (at most BS_IO_EINTR_RETRIES times in a row, then it is an error).
 * For close, -EINTR still releases the handle and counts as success.
 */
#define BS_IO_EINTR_RETRIES 64
#define BS_PATH_MAX 512
typedef struct bs_file {
    uint64_t no;
    int fd;
    void *impl;
    char path[BS_PATH_MAX];
} bs_file;

typedef struct bs_io {
    void *ctx;
    int (*open)(void *ctx, uint64_t no, bs_file *f);
    long (*write)(void *ctx, bs_file *f, const void *buf, size_t n);
    long (*read)(void *ctx, bs_file *f, uint64_t off, void *buf, size_t n);
    int (*close)(void *ctx, bs_file *f);
    int (*unlink)(void *ctx, bs_file *f);
} bs_io;

/* POSIX files under `dir` (NULL: $TMPDIR, else /tmp). `io` and `ctx` are owned by the
 * caller; bs_io_posix_init fills them. Names are barriersim-<pid>-<instance>-<no>-XXXXXX.spill,
 * created O_EXCL with random characters (mkstemps), so no other file is ever opened. */
typedef struct bs_io_posix {
    char dir[BS_PATH_MAX - 96];
    uint64_t instance;
} bs_io_posix;
int bs_io_posix_init(bs_io *io, bs_io_posix *ctx, const char *dir);
/* Removes every file the POSIX I/O of this process created and has not unlinked yet, and
 * returns how many. Async-signal-safe: meant for a handler of SIGINT, SIGTERM, SIGHUP. */
uint64_t bs_io_posix_remove_all(void);
/* Files created by the POSIX I/O of this process and not unlinked yet (not signal-safe). */
uint64_t bs_io_posix_live(void);

/* Files kept in memory: for tests and the model checker. bs_io_mem_close frees every file
 * still held; bs_io_mem_live counts files opened and not yet unlinked. */
typedef struct bs_io_mem {
    struct bs_io_mem_file **files;
    size_t files_len, files_cap;
    uint64_t live;
} bs_io_mem;
int bs_io_mem_init(bs_io *io, bs_io_mem *ctx);
void bs_io_mem_close(bs_io_mem *ctx);
uint64_t bs_io_mem_live(const bs_io_mem *ctx);

/* ---- Handlers ------------------------------------------------------------------------- */
typedef struct bs_strategy bs_strategy; /* see bs_strategy.h */

/* Where a strategy option's value lives in a configuration (bs_handler_config.options and
 * the simulator's and loaders' configurations, which keep the same slots). */
typedef enum bs_option_slot {
    BS_OPT_MAX_BUFFERED_BYTES = 0,
    BS_OPT_ALIGNMENT_TIMEOUT_NS = 1,
    BS_OPT_SLOTS = 2,
} bs_option_slot;

/* The option slots as a configuration holds them, by name or by slot (options[BS_OPT_...]);
 * a strategy reads the slots its descriptor's options table names (bs_strategy.h), 0
 * meaning "not set". Every configuration that carries strategy options (the handler's, the
 * simulator's, the scenario loaders', the checker's) embeds this, so a new slot is one enum
 * row and one field here. */
#define BS_OPTION_FIELDS                                                                     \
    union {                                                                                  \
        struct {                                                                             \
            uint64_t max_buffered_bytes;   /* spill: abort alignment past this; 0: no limit */ \
            uint64_t alignment_timeout_ns; /* aligned-timeout: switch to unaligned once an    \
                                              alignment lasts longer than this; 0: never */   \
        };                                                                                   \
        uint64_t options[BS_OPT_SLOTS];                                                      \
    }

typedef struct bs_handler_config {
    const char *strategy;          /* "spill", "tracker", ... (bs_strategy_find) */
    const bs_strategy *ops;        /* instead of `strategy`: a strategy not in the table */
    uint32_t channels;             /* 1 .. BS_CHANNELS_MAX */
    uint32_t page_size;            /* largest data item; 0 means BS_PAGE_SIZE_DEFAULT */
    BS_OPTION_FIELDS;
    bool quiet;                    /* do not print I/O errors (path, errno) on stderr */
} bs_handler_config;

typedef struct bs_handler bs_handler;

/* Looks a strategy up by name; NULL when there is none. bs_strategy_name(i) lists them
 * (NULL past the last). */
const bs_strategy *bs_strategy_find(const char *name);
const char *bs_strategy_name(size_t i);

/*
 * Creates a handler. gate, io and listener are copied by value; what they point to must
 * outlive the handler. On success *out is set and 0 returned; on failure a BS_E* code and
 * *out is NULL. Release with bs_handler_close.
 */
int bs_handler_open(bs_handler **out, const bs_handler_config *cfg, const bs_gate *gate,
                    const bs_io *io, const bs_listener *listener);

/*
 * Returns the next item the operator may consume: 1 with *out filled (data or end of
 * partition), 0 when the input has ended (every item consumed, every replay finished),
 * BS_EAGAIN when the gate has nothing now, or a negative error, after which the handler is
 * stopped: every further call returns the same error. out->data stays valid until the next
 * call on this handler.
 */
int bs_handler_next(bs_handler *h, bs_item *out);

/*
 * Lets checkpoints proceed while the caller cannot take data (its output is back-pressured),
 * as a stream processor's priority actions do: the handler consumes the barriers and cancel
 * markers the gate's priority read yields ahead of queued data (triggers and aborts are
 * notified as usual) and returns no item. Returns 0 when nothing more is yielded (always,
 * for a strategy that never lets barriers overtake, or a gate without next_priority), or
 * an error, after which the handler is stopped as with bs_handler_next.
 */
int bs_handler_poll_priority(bs_handler *h);

/* True when the handler holds no buffered data (nothing spilled, nothing to replay). */
bool bs_handler_is_empty(const bs_handler *h);

/* The last error as text, deterministic across runs ("" when none). */
const char *bs_handler_errmsg(const bs_handler *h);

/*
 * Releases every resource: closes and removes every spill file, then frees the handler.
 * Returns 0, or the first I/O error met while cleaning up (every file is still attempted;
 * the message is then in *errmsg if errmsg is not NULL, a buffer of errmsg_len bytes).
 */
int bs_handler_close(bs_handler *h, char *errmsg, size_t errmsg_len);

/* ---- State capture (model checking) --------------------------------------------------- */
/* A growable byte buffer owned by the caller; free with bs_buf_free. */
typedef struct bs_buf {
    uint8_t *p;
    size_t len, cap;
} bs_buf;
void bs_buf_free(bs_buf *b);
/* Byte-buffer helpers for snapshots (little-endian). 0 or BS_ENOMEM. */
int bs_buf_put(bs_buf *b, const void *p, size_t n);
int bs_buf_put_u64(bs_buf *b, uint64_t v);
/* A cursor over a snapshot; every get fails (returns false) past the end. */
typedef struct bs_cursor {
    const uint8_t *p;
    size_t len, pos;
} bs_cursor;
bool bs_cursor_get(bs_cursor *c, void *p, size_t n);
bool bs_cursor_get_u64(bs_cursor *c, uint64_t *v);

#define BS_SNAP_CANONICAL 1u /* leave out file numbers and counters: equal states, equal bytes */
/* With BS_SNAP_CANONICAL: a strategy may write the items it holds for later in one normal
 * form for every arrival order that no continuation can tell apart, instead of as they
 * arrived, where its argument beside the writer shows it (spill: MERGING ARRIVAL ORDERS).
 * `check` asks for it in a state's identity; a strategy may ignore it. */
#define BS_SNAP_MERGE_ORDERS 2u

/*
 * Appends the handler's whole state, spill data included, to `out`. Two handlers of the
 * same strategy and configuration in the same state produce the same bytes. A snapshot
 * without BS_SNAP_CANONICAL can be given to bs_handler_restore.
 */
int bs_handler_snapshot(const bs_handler *h, unsigned flags, bs_buf *out);

/*
 * Replaces the state of `h` (same strategy and configuration) with a snapshot, recreating
 * its spill files through h's I/O interface. Returns 0, BS_ESTATE for a snapshot that does
 * not fit, or an I/O error.
 */
int bs_handler_restore(bs_handler *h, const uint8_t *snap, size_t len);

#endif
