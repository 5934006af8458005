/*
 * events.c: the binary heap of events.h. Order: time_ns, then seq; both are integers, so
 * the order is total and the same on every machine.
 */
#include "events.h"

#include "../../core/barriersim.h"

#include <stdlib.h>

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

static int before(const ev_event *a, const ev_event *b)
{
    return a->time_ns < b->time_ns || (a->time_ns == b->time_ns && a->seq < b->seq);
}

int ev_push(ev_queue *q, uint64_t time_ns, uint16_t type, uint32_t obj, uint64_t arg)
{
    if (q->len == q->cap)
        return BS_ENOMEM;
    ev_event e = {time_ns < q->now_ns ? q->now_ns : time_ns, q->seq_next++, arg, obj, type};
    size_t i = q->len++;
    /* Sift up: at most log2(len) steps. */
    while (i > 0) {
        size_t parent = (i - 1) / 2;
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

int ev_pop(ev_queue *q, ev_event *out)
{
    if (q->len == 0)
        return -1;
    *out = q->heap[0];
    ev_event last = q->heap[--q->len];
    size_t i = 0, n = q->len;
    /* Sift down: at most log2(len) steps. */
    while (n > 0) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && before(&q->heap[c + 1], &q->heap[c]))
            c++;
        if (!before(&q->heap[c], &last))
            break;
        q->heap[i] = q->heap[c];
        i = c;
    }
    if (n > 0)
        q->heap[i] = last;
    q->now_ns = out->time_ns;
    q->popped++;
    return 0;
}

const ev_event *ev_peek(const ev_queue *q) { return q->len ? &q->heap[0] : NULL; }

/* Sift down from i over the first n entries (heap property below i restored). */
static void sift_down(ev_queue *q, size_t i, size_t n)
{
    ev_event e = q->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && before(&q->heap[c + 1], &q->heap[c]))
            c++;
        if (!before(&q->heap[c], &e))
            break;
        q->heap[i] = q->heap[c];
        i = c;
    }
    q->heap[i] = e;
}

size_t ev_remove_if(ev_queue *q, bool (*drop)(const ev_event *e, void *ctx), void *ctx)
{
    size_t kept = 0, n = q->len;
    for (size_t i = 0; i < n; i++)
        if (!drop(&q->heap[i], ctx))
            q->heap[kept++] = q->heap[i];
    q->len = kept;
    /* Floyd's heap construction: (time, seq) is a total order, so the pops that follow come
     * out exactly as they would have without the removed events. */
    for (size_t i = kept / 2; i-- > 0;)
        sift_down(q, i, kept);
    return n - kept;
}
