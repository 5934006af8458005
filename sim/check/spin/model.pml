/*
 * model.pml: a Promela model of one barriersim handler (DESIGN.md 2.1 `spill`, 2.2
 * `tracker`, and the four planted variants of spill in tests/planted/planted.c) driven by
 * a nondeterministic input gate, with the invariants of DESIGN.md 5 and the progress rule
 * of verify/invariants/progress.c as assertions. It is the SPIN side of `barriersim
 * check`: both tools model the same abstraction and must agree on whether a violation
 * exists (sim/check/spin/crosscheck.sh).
 *
 * Configuration (cpp, e.g. spin -DN=3 -DK=2 ...; sim/check/spin/run.sh passes them):
 *   N channels (1..4), K checkpoints (1..7), D data items per epoch (1..; (K+1)*D <= 16),
 *   EOP, CANCEL, SKIP (0/1): which nondeterministic choices the channels have,
 *   STRATEGY: SPILL | TRACKER | BLOCK | NO_BLOCK | REPLAY_ORDER | IGNORE_CLOSED | LOSE_ON_ROLLOVER.
 *
 * BLOCK (core/strategy/block.c) is spill's decision table without spill files: the gate
 * leaves blocked channels unread (no option of a blocked channel is offered but a skip,
 * which on a blocked channel is a silent move of the gate alone, as in sim/check/model.c),
 * so nothing is ever written and release only unblocks. A state where input remains but
 * no option is enabled is a deadlock: asserted false, as `barriersim check` reports it
 * ("deadlock: ..."), so both tools agree on block with skip too.
 *
 * ---- Structure ------------------------------------------------------------------------
 * ONE process, `handler`. Its only nondeterminism is the gate's answer to a request: which
 * unfinished channel delivers, and what (next script item, x<e> instead of b<e>, the data
 * after a skipped barrier slot, its eop), or "exhausted". Each answer is ONE atomic
 * transition: the choice, then a d_step that delivers the item, runs the handler's decision
 * table on it, then keeps going exactly as the C handler does (returning items, replaying
 * spilled sequences through the same table, nested replays included) until the handler
 * asks the gate again or reports its end. So a stored state is a handler state at a gate
 * request, plus the channels' positions and the checker's bookkeeping; nothing between two
 * gate requests is stored or interleaved.
 * Why not one process per channel feeding the handler: the gate answers only when the
 * handler asks, so every channel transition would be a handshake with the handler; no
 * transition would be independent of another and partial-order reduction would have
 * nothing to prune, while the extra processes would add program counters and intermediate
 * states (and buffered channels running ahead would add queue contents the abstraction does
 * not have). A single process with one atomic step per gate answer is the smallest
 * faithful model; pan's POR is then simply inert (-DNOREDUCE gives the same counts).
 *
 * Silent moves are resolved lazily, which keeps exactly the same set of delivered
 * sequences: a skipped barrier slot is taken together with the data item after it (D >= 1
 * so there always is one), and a channel at the end of its script "ends silently" only as
 * part of the gate's "exhausted" answer (enabled when every channel has delivered its eop
 * or is at the end of its script). Delivering eop after a skip is the same as delivering
 * it before the slot, so skip+eop is not a separate choice.
 *
 * ---- Channels -------------------------------------------------------------------------
 * Script of channel c, positions 0..SLEN-1: for e = 1..K: D data items, then the barrier
 * slot of e; then D data items. pos[c] is the next position. A data item's identity is
 * (channel, rank among the channel's data items) = its rank is NDATA(position).
 * Items are bytes: kind<<6 | channel<<4 | value (data rank, or checkpoint id).
 *
 * ---- Checker (DESIGN.md 5; verify/invariants/*.c) -----------------------------------
 * Per channel: barriers / cancels delivered (bit masks bm, xm), eop delivered (eopd),
 * data returned (rcnt), eop returned (eopr). Per checkpoint ck[k]: 0 never begun, 1 open,
 * 2 ended. lastt: the last trigger.
 *   - FIFO + conservation of data: a returned data item must be the channel's next
 *     unreturned one (rank == rcnt). This is stricter in timing than verify/ (which flags
 *     a gap only when the earlier item comes later (fifo) or never (conservation at the
 *     end)), but since every run of the model reaches its end, a path with a gap always
 *     ends in one of those two violations: the verdict is the same, and the returned set
 *     of each channel is always a prefix, so one counter holds it.
 *   - eop returned: at most once, after all data the channel delivered (same argument).
 *   - tK: begun and open (checkpoint-once), K > last trigger (trigger-order), and per
 *     channel: delivered bK => want = K*D data (those before slot K); else delivered eop
 *     => want = all its data; else violation. spill family: rcnt == want (exactly-once);
 *     tracker: rcnt >= want (at-least-once).
 *   - aK: begun and open. begin K: never begun before (checkpoint-once), and no id
 *     above K begun (begin-order).
 *   - progress (spill family and tracker), at every gate request (including the one
 *     answered "exhausted"): no open checkpoint K has every channel with bK, xK or eop.
 *   - end: every delivered data item and eop returned; no checkpoint open.
 * A violation is an assertion failure (pan: "assertion violated ...").
 */

/* ---- configuration -------------------------------------------------------------------- */
#define SPILL 1
#define TRACKER 2
#define NO_BLOCK 3
#define REPLAY_ORDER 4
#define IGNORE_CLOSED 5
#define LOSE_ON_ROLLOVER 6
#define BLOCK 7

#ifndef N
#define N 2
#endif
#ifndef K
#define K 1
#endif
#ifndef D
#define D 1
#endif
#ifndef EOP
#define EOP 1
#endif
#ifndef CANCEL
#define CANCEL 1
#endif
#ifndef SKIP
#define SKIP 0
#endif
#ifndef STRATEGY
#define STRATEGY SPILL
#endif

#if N < 1 || N > 4
#error "N must be 1..4 (2 bits of channel in an item byte)"
#endif
#if K < 1 || K > 7
#error "K must be 1..7 (checkpoint bit masks are bytes)"
#endif
#if D < 1 || (K + 1) * D > 16
#error "D must be >= 1 and (K+1)*D <= 16 (4 bits of data rank in an item byte)"
#endif
/* tracker: at most 50 pending (DESIGN 2.2); with K <= 7 ids the bound never binds. */

/* ---- items and scripts ---------------------------------------------------------------- */
#define DATA 0
#define BAR 1
#define CAN 2
#define EOPK 3
#define MK(kd, c, v) (((kd) << 6) | ((c) << 4) | (v))
#define KIND(i) ((i) >> 6)
#define CH(i) (((i) >> 4) & 3)
#define VAL(i) ((i) & 15)

#define SLEN (K * (D + 1) + D)
#define ISSLOT(p) ((p) < K * (D + 1) && (p) % (D + 1) == D)
#define SLOTK(p) ((p) / (D + 1) + 1)
/* data items before position p (= rank of the data item at p) */
#define NDATA(p) (((p) / (D + 1)) * D + (((p) % (D + 1)) < D -> ((p) % (D + 1)) : D))
#define BIT(x, b) (((x) >> (b)) & 1)

/* ---- state ----------------------------------------------------------------------------- */
/* channels and checker */
byte pos[N];        /* next script position */
bit eopd[N];        /* eop delivered (the channel is finished) */
byte bm[N];         /* bit k: b<k> delivered */
byte xm[N];         /* bit k: x<k> delivered */
byte rcnt[N];       /* data items returned (always a prefix, see the header) */
bit eopr[N];        /* eop returned */
byte ck[K + 1];     /* 0 never begun, 1 open, 2 ended */
byte lastt;         /* last trigger id, 0 = none */

#if STRATEGY == TRACKER
/* tracker (DESIGN 2.2): ids are appended in increasing order, so the pending list,
 * oldest first, is the set of pending ids in increasing order: bit masks over ids. */
byte topen = (1 << N) - 1;  /* channels whose eop has not been processed */
byte pend;          /* bit k: k pending */
byte pab;           /* bit k: pending k aborted (ended, still pending) */
byte pset[K + 1];   /* channels that delivered b<k> or x<k> */
byte maxid;         /* greatest id ever appended */
#else
/* spill family (DESIGN 2.1) */
#define QMAX (N * (SLEN + 1) + 1)
byte blocked;       /* bit c: channel c blocked */
byte nbar;          /* barriers received for cur (= blocked channels) */
byte nclosed;       /* eop items processed */
byte cur;
bit eoi;            /* end of input reached */
/* Spilled items, one array: q = [seq bottom .. seq top (being replayed) | writing].
 * slen[0..nseq-1]: remaining lengths of the sequences (bottom = replayed last; top =
 * being replayed, read from its front); wlen: items in the spill file being written.
 * An exhausted sequence is dropped at once (the C code drops it at the next read: the
 * same items come out in the same order). */
byte q[QMAX];
byte slen[QMAX];
byte nseq;
byte wlen;
byte qlen;
#endif

/* temporaries: not part of the state vector; each is written before it is read */
hidden byte it, c_, v_, oc, want, gk, gc, gn, ri, rj, rt, tj, te;
hidden byte ret, tok;

/* ---- trace printing (only in spin simulations / trail replays; pan does not print) ---- */
inline pr_item() {
    if
    :: KIND(it) == DATA -> printf("%d:d%d", CH(it), VAL(it))
    :: KIND(it) == BAR -> printf("%d:b%d", CH(it), VAL(it))
    :: KIND(it) == CAN -> printf("%d:x%d", CH(it), VAL(it))
    :: else -> printf("%d:eop", CH(it))
    fi
}

/* ---- checker --------------------------------------------------------------------------- */
inline ob_begin(k) {
    printf("  begin %d\n", k);
    assert(ck[k] == 0);                 /* checkpoint-once: began twice */
    oc = k + 1;
    do
    :: oc <= K -> assert(ck[oc] == 0); oc++   /* begin-order: nothing above k began */
    :: else -> break
    od;
    ck[k] = 1
}

/* abort reasons, for the printed trace only (verify/ does not judge them) */
#define SUBSUMED 1
#define CANCELLED 2
#define EOPR 3

inline ob_abort(k, why) {
    if
    :: why == SUBSUMED -> printf("  a%d:subsumed\n", k)
    :: why == CANCELLED -> printf("  a%d:cancelled\n", k)
    :: else -> printf("  a%d:eop\n", k)
    fi;
    assert(ck[k] == 1);                 /* checkpoint-once: ends twice / never began */
    ck[k] = 2
}

inline ob_trigger(k) {
    printf("  t%d\n", k);
    assert(ck[k] == 1);                 /* checkpoint-once */
    assert(k > lastt);                  /* trigger-order */
    lastt = k;
    oc = 0;
    do
    :: oc < N ->
        if
        :: BIT(bm[oc], k) -> want = k * D
        :: else ->
            assert(eopd[oc]);           /* neither bK nor eop delivered on channel oc */
            want = NDATA(pos[oc])
        fi;
#if STRATEGY == TRACKER
        assert(rcnt[oc] >= want);       /* at-least-once */
#else
        assert(rcnt[oc] == want);       /* exactly-once */
#endif
        oc++
    :: else -> break
    od;
    ck[k] = 2
}

/* the handler returns `it` to the operator */
inline ob_return() {
    printf("  return "); pr_item(); printf("\n");
    oc = CH(it);
    if
    :: KIND(it) == DATA ->
        assert(VAL(it) == rcnt[oc]);    /* fifo / conservation: next unreturned item */
        rcnt[oc]++
    :: else ->
        assert(KIND(it) == EOPK);       /* barriers and cancels are never returned */
        assert(!eopr[oc]);              /* conservation: eop returned twice */
        assert(rcnt[oc] == NDATA(pos[oc])); /* fifo: eop after all the channel's data */
        eopr[oc] = 1
    fi
}

/* progress: the handler is about to ask the gate (verify/invariants/progress.c) */
inline ob_gate() {
    printf("gate request\n");
    gk = 1;
    do
    :: gk <= K ->
        if
        :: ck[gk] == 1 ->
            gn = 0;
            gc = 0;
            do
            :: gc < N ->
                if
                :: BIT(bm[gc] | xm[gc], gk) || eopd[gc] -> gn++
                :: else -> skip
                fi;
                gc++
            :: else -> break
            od;
            assert(gn < N)              /* progress: K resolved but still open */
        :: else -> skip
        fi;
        gk++
    :: else -> break
    od
}

/* the handler reports the end of its input */
inline ob_end() {
    printf("  end\n");
    oc = 0;
    do
    :: oc < N ->
        assert(rcnt[oc] == NDATA(pos[oc]));   /* conservation: all data returned */
        assert(eopr[oc] == eopd[oc]);         /* conservation: eop returned */
        oc++
    :: else -> break
    od;
    oc = 1;
    do
    :: oc <= K -> assert(ck[oc] != 1); oc++   /* checkpoint-once: none open at end */
    :: else -> break
    od
}

#if STRATEGY == TRACKER
/* ---- tracker (DESIGN 2.2; core/strategy/tracker.c) ------------------------------------- */
#define COVERS(k) ((topen & ~pset[k]) == 0)

/* "drop k and every older entry: each dropped older entry not ended gets a<old>:subsumed
 * (oldest first), then t<k> unless k is aborted" */
inline tr_complete(kk) {
    tj = 1;
    do
    :: tj < kk ->
        if
        :: BIT(pend, tj) && !BIT(pab, tj) -> ob_abort(tj, SUBSUMED)    /* a<old>:subsumed */
        :: else -> skip
        fi;
        tj++
    :: else -> break
    od;
    if
    :: !BIT(pab, kk) -> ob_trigger(kk)                      /* t<k> */
    :: else -> skip
    fi;
    tj = 1;
    do
    :: tj <= kk -> pset[tj] = 0; tj++
    :: else -> break
    od;
    pend = pend & ~((2 << kk) - 1);
    pab = pab & ~((2 << kk) - 1)
}

/* the entry of v_: tok = 1 when pending or appended ("an unknown K greater than every K
 * seen so far: append it"), tok = 0: ignore. The 51st-append rule cannot apply (K <= 7). */
inline tr_entry_for() {
    if
    :: BIT(pend, v_) -> tok = 1
    :: else ->
        if
        :: v_ > maxid ->
            pend = pend | (1 << v_);
            maxid = v_;
            ob_begin(v_);
            tok = 1
        :: else -> tok = 0
        fi
    fi
}

/* b<K>: "add the channel; when the set covers all open channels, complete" */
inline tr_barrier() {
    tr_entry_for();
    if
    :: tok ->
        pset[v_] = pset[v_] | (1 << c_);
        if
        :: COVERS(v_) -> tr_complete(v_)
        :: else -> skip
        fi
    :: else -> skip
    fi
}

/* x<K>: "drop every older pending entry, a<old>:cancelled for those not yet ended, even
 * when K itself is then ignored; then abort K once (appending it, aborted, if it is new
 * and greater than every K seen so far)". As in tracker.c the channel joins K's set and
 * K completes (dropped, no trigger since aborted) when the set covers the open channels. */
inline tr_cancel() {
    tj = 1;
    do
    :: tj < v_ ->
        if
        :: BIT(pend, tj) && !BIT(pab, tj) -> ob_abort(tj, CANCELLED)    /* a<old>:cancelled */
        :: else -> skip
        fi;
        pset[tj] = 0;
        tj++
    :: else -> break
    od;
    pend = pend & ~((1 << v_) - 1);
    pab = pab & ~((1 << v_) - 1);
    tr_entry_for();
    if
    :: tok ->
        pset[v_] = pset[v_] | (1 << c_);
        if
        :: !BIT(pab, v_) -> pab = pab | (1 << v_); ob_abort(v_, CANCELLED)   /* a<K>:cancelled */
        :: else -> skip
        fi;
        if
        :: COVERS(v_) -> tr_complete(v_)
        :: else -> skip
        fi
    :: else -> skip
    fi
}

/* eop: "the channel is finished; the newest pending entry that is now complete is handled
 * exactly as a completing b<K>" */
inline tr_eop() {
    topen = topen & ~(1 << c_);
    te = K;
    do
    :: te >= 1 ->
        if
        :: BIT(pend, te) && COVERS(te) -> tr_complete(te); break
        :: else -> te--
        fi
    :: else -> break
    od
}

/* one gate item, then the next gate request */
inline handle() {
    printf("gate yields "); pr_item(); printf("\n");
    c_ = CH(it);
    v_ = VAL(it);
    if
    :: KIND(it) == DATA -> ob_return()                  /* data: return it */
    :: KIND(it) == BAR -> tr_barrier()
    :: KIND(it) == CAN -> tr_cancel()
    :: else -> tr_eop(); ob_return()                    /* eop: returned after its effects */
    fi;
    ob_gate();
    skip                /* a loop's exit must stay inside the d_step */
}

/* "When the gate is exhausted, every pending entry that has not ended gets a<K>:eop,
 * oldest first, then end." */
inline exhausted() {
    printf("gate exhausted\n");
    tj = 1;
    do
    :: tj <= K ->
        if
        :: BIT(pend, tj) && !BIT(pab, tj) -> ob_abort(tj, EOPR)    /* a<K>:eop */
        :: else -> skip
        fi;
        pset[tj] = 0;
        tj++
    :: else -> break
    od;
    pend = 0;
    pab = 0;
    ob_end();
    skip                /* a loop's exit must stay inside the d_step */
}

#else
/* ---- spill family (DESIGN 2.1; core/strategy/spill.c; tests/planted/planted.c) --------- */

/* "An item from a blocked channel is appended to the spill file" */
inline sp_write() {
    printf("  spill "); pr_item(); printf("\n");
#if STRATEGY == BLOCK
    assert(false);                      /* block never reads a blocked channel */
#endif
    assert(qlen < QMAX);                /* model capacity (cannot happen) */
    q[qlen] = it;
    qlen++;
    wlen++
}

/* "Release = unblock all, reset the barrier count, roll the spill file over; if a replay
 * is still unfinished and the new roll-over is non-empty, the new sequence is replayed
 * first and the interrupted one resumes after it. A roll-over with nothing written yields
 * nothing and must not displace the current replay." */
inline sp_release() {
    blocked = 0;
    nbar = 0;
#if STRATEGY == LOSE_ON_ROLLOVER
    /* planted: the last item written before a roll-over is lost */
    if
    :: wlen > 0 -> qlen--; q[qlen] = 0; wlen--
    :: else -> skip
    fi;
#endif
    if
    :: wlen > 0 ->
#if STRATEGY == REPLAY_ORDER
        /* planted: the new sequence is queued behind every interrupted one (bottom) */
        ri = 0;
        do
        :: ri < wlen ->
            rt = q[qlen - 1];
            rj = qlen - 1;
            do
            :: rj > 0 -> q[rj] = q[rj - 1]; rj--
            :: else -> break
            od;
            q[0] = rt;
            ri++
        :: else -> break
        od;
        rj = nseq;
        do
        :: rj > 0 -> slen[rj] = slen[rj - 1]; rj--
        :: else -> break
        od;
        slen[0] = wlen;
#else
        slen[nseq] = wlen;              /* the new sequence goes on top: replayed first */
#endif
        nseq++;
        wlen = 0
    :: else -> skip
    fi
}

inline sp_block() {
    if
    :: !BIT(blocked, c_) -> blocked = blocked | (1 << c_); nbar++
    :: else -> skip                     /* only reachable with NO_BLOCK */
    fi
}

inline sp_begin(k) {
    cur = k;
    ob_begin(k)
}

/* "Complete = release, then t<K>"; "complete if barriers + closed == channels" */
inline sp_complete_check() {
    if
    :: nbar + nclosed >= N -> sp_release(); ob_trigger(cur)
    :: else -> skip
    fi
}

inline sp_barrier() {
    if
    :: eoi -> skip                                      /* b<K> | end of input | ignore */
    :: else ->
        if
        :: nbar > 0 && v_ == cur ->                     /* A, K == cur */
            sp_block(); sp_complete_check()
        :: else ->
            if
            :: v_ <= cur -> skip                        /* otherwise: ignore */
            :: else ->
                if
                :: nbar > 0 ->                          /* A, K > cur: a<cur>:subsumed */
                    ob_abort(cur, SUBSUMED); sp_release()
                :: else -> skip                         /* not A, K > cur */
                fi;
                sp_begin(v_); sp_block(); sp_complete_check()
            fi
        fi
    fi
}

/* "The x<K> rows apply after end of input too." */
inline sp_cancel() {
    if
    :: nbar > 0 && v_ == cur ->                         /* A, K == cur */
        sp_release(); ob_abort(v_, CANCELLED)                      /* release; a<K>:cancelled */
    :: else ->
        if
        :: v_ <= cur -> skip                            /* otherwise: ignore */
        :: else ->
            if
            :: nbar > 0 -> ob_abort(cur, SUBSUMED); sp_release()  /* A, K > cur: a<cur>:subsumed */
            :: else -> skip                             /* not A, K > cur */
            fi;
            sp_begin(v_); ob_abort(v_, CANCELLED)                  /* cur = K; a<K>:cancelled */
        fi
    fi
}

/* "eop: closed += 1; if A: a<cur>:eop, release; return the eop" */
inline sp_eop() {
#if STRATEGY == IGNORE_CLOSED
    skip                                /* planted: not counted, no abort, no release */
#else
    nclosed++;
    if
    :: nbar > 0 -> ob_abort(cur, EOPR); sp_release()
    :: else -> skip
    fi
#endif
}

/* The decision table for `it`; ret = 1 when it goes to the operator. */
inline sp_process() {
    c_ = CH(it);
    v_ = VAL(it);
    ret = 0;
    if
#if STRATEGY != NO_BLOCK
    :: BIT(blocked, c_) -> sp_write()                   /* blocked channel: spill it */
#endif
    :: else ->
        if
        :: KIND(it) == DATA -> ret = 1                  /* data: return it */
        :: KIND(it) == BAR -> sp_barrier()
        :: KIND(it) == CAN -> sp_cancel()
        :: else -> sp_eop(); ret = 1
        fi
    fi;
    if
    :: ret -> ob_return()
    :: else -> skip
    fi
}

/* Next item from the sequence being replayed (top; removed from q) */
inline sp_pop() {
    rj = qlen - wlen - slen[nseq - 1];
    it = q[rj];
    do
    :: rj + 1 < qlen -> q[rj] = q[rj + 1]; rj++
    :: else -> break
    od;
    qlen--;
    q[qlen] = 0;
    slen[nseq - 1]--;
    if
    :: slen[nseq - 1] == 0 -> nseq--    /* exhausted: resume the most recently interrupted */
    :: else -> skip
    fi
}

/* "Next item: from the sequence being replayed if any, otherwise from the gate": replay
 * until the gate is needed, or (after end of input and every replay) report the end. */
inline sp_drain() {
    do
    :: nseq > 0 -> sp_pop(); printf(" replay "); pr_item(); printf("\n"); sp_process()
    :: else -> break
    od;
    if
    :: eoi -> ob_end()
    :: else -> ob_gate()
    fi;
    skip                /* a loop's exit must stay inside the d_step */
}

/* one gate item, then replays, then the next gate request */
inline handle() {
    printf("gate yields "); pr_item(); printf("\n");
    sp_process();
    sp_drain()
}

/* "gate exhausted | first time | if A: a<cur>:eop; end of input; release; keep
 * replaying; then report end" */
inline exhausted() {
    printf("gate exhausted\n");
    if
    :: nbar > 0 -> ob_abort(cur, EOPR)
    :: else -> skip
    fi;
    eoi = 1;
    sp_release();
    sp_drain()
}
#endif

/* ---- the gate ----------------------------------------------------------------------- */
/* Channel c may deliver: its next script item (data or b<e>); x<e> instead of b<e>; the
 * data item after a skipped slot; its eop. */
#if STRATEGY == BLOCK
#define OPEN(c) (!BIT(blocked, c))      /* block: the gate leaves blocked channels unread */
#else
#define OPEN(c) 1
#endif
#define CAN_NEXT(c) (OPEN(c) && !eopd[c] && pos[c] < SLEN)
#define CAN_SLOT(c) (!eopd[c] && ISSLOT(pos[c]))
#define CAN_EOP(c) (OPEN(c) && !eopd[c])
#define DONE(c) (eopd[c] || pos[c] == SLEN)

inline g_next(c) {
    if
    :: ISSLOT(pos[c]) -> it = MK(BAR, c, SLOTK(pos[c])); bm[c] = bm[c] | (1 << SLOTK(pos[c]))
    :: else -> it = MK(DATA, c, NDATA(pos[c]))
    fi;
    pos[c]++
}

inline g_cancel(c) {
    it = MK(CAN, c, SLOTK(pos[c]));
    xm[c] = xm[c] | (1 << SLOTK(pos[c]));
    pos[c]++
}

inline g_skip(c) {
    pos[c]++;                           /* the slot delivers nothing */
    it = MK(DATA, c, NDATA(pos[c]));    /* D >= 1: a data item follows every slot */
    pos[c]++
}

inline g_eop(c) {
    it = MK(EOPK, c, 0);
    eopd[c] = 1
}

#if N == 1
#define ALL_DONE (DONE(0))
#elif N == 2
#define ALL_DONE (DONE(0) && DONE(1))
#elif N == 3
#define ALL_DONE (DONE(0) && DONE(1) && DONE(2))
#else
#define ALL_DONE (DONE(0) && DONE(1) && DONE(2) && DONE(3))
#endif

/* The gate's choice, kept only from the choice to its d_step (reset there, so that no
 * stored state holds it): channel gch, option gop (0 next item, 1 cancel, 2 skip, 3 eop). */
byte gch, gop;

inline deliver() {
    if
    :: gop == 0 -> g_next(gch)
    :: gop == 1 -> g_cancel(gch)
    :: gop == 2 -> g_skip(gch)
    :: else -> g_eop(gch)
    fi;
    gch = 0;
    gop = 0
}

#define OPTIONS(c) \
    :: CAN_NEXT(c) -> gch = c; gop = 0 \
    :: CANCEL && OPEN(c) && CAN_SLOT(c) -> gch = c; gop = 1 \
    :: SKIP && OPEN(c) && CAN_SLOT(c) -> gch = c; gop = 2 \
    :: SKIP && !OPEN(c) && CAN_SLOT(c) -> gch = c; gop = 4 \
    :: EOP && CAN_EOP(c) -> gch = c; gop = 3

/* One gate request per iteration: the choice and the whole handler step that follows are
 * one atomic transition (the d_step keeps the code of the handler in one copy; pan stores
 * no state inside an atomic sequence, so the state count is the same as one d_step per
 * option). */
active proctype handler()
{
    do
    :: atomic {
        if
        OPTIONS(0)
#if N > 1
        OPTIONS(1)
#endif
#if N > 2
        OPTIONS(2)
#endif
#if N > 3
        OPTIONS(3)
#endif
        fi;
        d_step {
            if
            :: gop == 4 -> pos[gch]++; gch = 0; gop = 0   /* a silent skip (block only) */
            :: else -> deliver(); handle()
            fi
        }
       }
    /* every channel delivered its eop or is at the end of its script (those end silently):
     * the gate reports exhaustion; the handler finishes and reports its end */
    :: d_step { ALL_DONE -> exhausted() }; break
    /* input remains but no option is enabled: a deadlock (sim/check/model.c mc_deadlock) */
    :: else -> printf("deadlock\n"); assert(false)
    od
}
