/*
 * events.c: the heap of events.h, 4-ary: node i's children are 4i+1 .. 4i+4, its parent
 * (i-1)/4. Order: time_ns, then seq; both are integers and seq is unique, so the order is
 * total and the same on every machine, and any correct heap pops the same sequence (the
 * arity changes the speed, never the order: a pop is half as deep as a binary heap's and
 * its four children share a cache line or two). The simulator's events are popped as
 * often as pushed, and sift-down dominated the profile of the binary heap.
 */
#include "events.h"

#include "../../core/barriersim.h"

#include <stdlib.h>

#define EV_ARITY 4u

int ev_queue_init(ev_queue *q, size_t cap)
{
    *q = (ev_queue){0};
    return ev_queue_reserve(q, cap ? cap : 1);
}

int ev_queue_reserve(ev_queue *q, size_t cap)
{
    if (cap <= q->cap)
        return 0;
    if (cap > SIZE_MAX / sizeof *q->heap)
        return BS_ENOMEM;
    ev_event *h = realloc(q->heap, cap * sizeof *h);
    if (!h)
        return BS_ENOMEM;
    q->heap = h;
    q->cap = cap;
    return 0;
}

void ev_queue_free(ev_queue *q)
{
    free(q->heap);
    *q = (ev_queue){0};
}

/* Without short-circuit: the compiler can select with flags instead of branches, which
 * the heap's comparisons of near-random keys mispredict about half the time. */
static inline int before(const ev_event *a, const ev_event *b)
{
    return (a->time_ns < b->time_ns) | ((a->time_ns == b->time_ns) & (a->seq < b->seq));
}

int ev_push(ev_queue *q, uint64_t time_ns, uint16_t type, uint32_t obj, uint64_t arg)
{
    if (q->len == q->cap)
        return BS_ENOMEM;
    ev_event e = {time_ns < q->now_ns ? q->now_ns : time_ns, q->seq_next++, arg, obj, type};
    size_t i = q->len++;
    /* Sift up: at most log4(len) steps. */
    while (i > 0) {
        size_t parent = (i - 1) / EV_ARITY;
        if (!before(&e, &q->heap[parent]))
            break;
        q->heap[i] = q->heap[parent];
        i = parent;
    }
    q->heap[i] = e;
    if (q->len > q->len_max)
        q->len_max = q->len;
    return 0;
}

/* The earliest of the children c .. min(c + EV_ARITY, n) - 1 (c < n). */
static inline size_t min_child(const ev_event *h, size_t c, size_t n)
{
    _Static_assert(EV_ARITY == 4, "the tournament below compares four children");
    if (c + EV_ARITY <= n) { /* all four: a tournament, two independent pairs then their winners */
        size_t a = c + before(&h[c + 1], &h[c]);
        size_t b = c + 2 + before(&h[c + 3], &h[c + 2]);
        return before(&h[b], &h[a]) ? b : a;
    }
    size_t best = c, end = n;
    for (size_t k = c + 1; k < end; k++)
        if (before(&h[k], &h[best]))
            best = k;
    return best;
}

/* Places e at hole i and sifts it down over the first n entries: at most log4(n) steps.
 * The heap property must hold below i. */
static inline void sift_down(ev_event *h, size_t i, size_t n, ev_event e)
{
    for (;;) {
        size_t c = EV_ARITY * i + 1;
        if (c >= n)
            break;
        c = min_child(h, c, n);
        if (!before(&h[c], &e))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = e;
}

int ev_pop(ev_queue *q, ev_event *out)
{
    if (q->len == 0)
        return -1;
    *out = q->heap[0];
    size_t n = --q->len;
    if (n > 0)
        sift_down(q->heap, 0, n, q->heap[n]);
    q->now_ns = out->time_ns;
    q->popped++;
    return 0;
}

const ev_event *ev_peek(const ev_queue *q) { return q->len ? &q->heap[0] : NULL; }

size_t ev_remove_if(ev_queue *q, bool (*drop)(const ev_event *e, void *ctx), void *ctx)
{
    size_t kept = 0, n = q->len;
    for (size_t i = 0; i < n; i++)
        if (!drop(&q->heap[i], ctx))
            q->heap[kept++] = q->heap[i];
    q->len = kept;
    /* Floyd's heap construction: (time, seq) is a total order, so the pops that follow come
     * out exactly as they would have without the removed events. */
    for (size_t i = kept / EV_ARITY + 1; i-- > 0;)
        if (i < kept)
            sift_down(q->heap, i, kept, q->heap[i]);
    return n - kept;
}
