/*
 * events.h: the simulator's event queue and clock.
 *
 * A min-heap (4-ary) of events ordered by (time_ns, seq): seq is a number the queue gives
 * each event as it is pushed, so events due at the same simulated time come out in the
 * order they were scheduled, deterministically. The clock (now_ns) is simulated
 * nanoseconds: it advances only when an event is popped, never backwards, and never reads
 * the wall clock.
 *
 * Memory: the heap's array is allocated by ev_queue_init with a fixed capacity, which only
 * ev_queue_reserve may grow (at setup). ev_push never allocates: on a full queue it fails
 * with BS_ENOMEM, so the event loop's hot path does no allocation.
 */
#ifndef SIM_ENGINE_EVENTS_H
#define SIM_ENGINE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ev_event {
    uint64_t time_ns;
    uint64_t seq;    /* assigned by ev_push: the tie-breaker */
    uint64_t arg;    /* event-specific (a generation, a checkpoint id, ...) */
    uint32_t obj;    /* event-specific (a node, a channel, ...) */
    uint16_t type;   /* event-specific */
} ev_event;

typedef struct ev_queue {
    ev_event *heap;
    size_t len, cap;
    uint64_t seq_next;
    uint64_t now_ns;      /* the time of the last event popped */
    uint64_t popped;      /* events popped so far */
    size_t len_max;       /* the high-water mark of len */
} ev_queue;

/* Allocates a queue for `cap` events (>= 1); 0 or BS_ENOMEM. Free with ev_queue_free. */
int ev_queue_init(ev_queue *q, size_t cap);
/* Grows the capacity to at least `cap` (setup only); 0 or BS_ENOMEM. */
int ev_queue_reserve(ev_queue *q, size_t cap);
void ev_queue_free(ev_queue *q);

/* Schedules an event at time_ns (>= now_ns; an earlier time is raised to now_ns).
 * Returns 0, or BS_ENOMEM when the queue is full (it never grows here). */
int ev_push(ev_queue *q, uint64_t time_ns, uint16_t type, uint32_t obj, uint64_t arg);
/* Removes the earliest event into *out and advances the clock to its time; returns 0, or
 * -1 when the queue is empty. */
int ev_pop(ev_queue *q, ev_event *out);
/* Removes every event for which drop(e, ctx) is true (a restart cancels what was in
 * flight); the others keep their order. Returns how many were removed. */
size_t ev_remove_if(ev_queue *q, bool (*drop)(const ev_event *e, void *ctx), void *ctx);
/* The earliest event without removing it; NULL when empty. */
const ev_event *ev_peek(const ev_queue *q);

#endif
