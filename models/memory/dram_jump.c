/* dram_jump.c — steady-state jumps: whole periods of a batched run computed in
 * closed form instead of command by command.
 *
 * Streaming a row, a channel settles into a cycle: every P column commands
 * the controller is back in the same state, shifted by Δ cycles in time and
 * by D bytes in address (D moves only the column field).  From then on the
 * controller's transition function, which depends on times only through
 * differences and on addresses only through bank, row and equality of rows,
 * repeats the same P commands shifted by Δ and D, until something that is not
 * part of the state intervenes.  So after recording one period and checking
 * that the state at its end equals the state at its start (shifted), the next
 * N periods are the recorded one N times over: their commands, completions,
 * energy and counters are written down directly and the state is shifted by
 * N·Δ and N·D.
 *
 * The state compared ("signature", relative to the current cycle T): read/
 * write mode, queue counts, every bank (open row, earliest ACT/PRE/RD/WR,
 * first-burst kind), bank group and rank constraint (earliest times at or
 * before T are equivalent and written as 0; tFAW entries likewise once out of
 * the window), command bus, channel read/write constraints, the end of the
 * last data transfer, every queued burst in queue order (row, arrival
 * relative to T, its request's canonical number) and every queued request
 * (bursts left, bytes, direction, queue-entry cycle).  Columns are compared
 * as a uniform shift.  Not compared, because the jump is bounded instead:
 *   - refresh: every jumped command issues before the rank's refresh
 *     deadline (the only way refresh enters scheduling while the rank has
 *     demand is through that deadline; candidates later than it lose anyway);
 *   - `now`: no jumped command is later than the advance() limit;
 *   - addresses: no column field overflows into the bank/row fields for any
 *     burst queued or admitted during the jump;
 *   - the source: it promises (htx_dram_source_run_fn) that the next requests
 *     continue the arithmetic run and have arrived, and every admission in
 *     the recorded period ended on a full queue, never on an empty source;
 *   - ps rounding: cycles become picoseconds (and back) by rounding, which is
 *     not shift-invariant; every jumped arrival cycle is recomputed and
 *     checked, completion times are converted one by one.
 * A failed check only means no jump: the run goes on command by command.
 *
 * Exactness is tested against batching with jumps off and against per-command
 * scheduling (tests/memory/test_dram_jump.cpp): same commands (with the
 * observer and the protocol checker seeing every jumped command), the same
 * completions at the same times, counters, latency histogram and energy bins.
 * Supported where burst batching is (one rank, all-bank refresh, <= 64 banks).
 */
#include "dram_ctrl_internal.h"

#include <stdlib.h>
#include <string.h>

enum { PMAX = 256 }; /* longest period recorded (commands) */

typedef struct {
    uint64_t t;
    uint32_t row, col;
    int bank, cmd;
} jcmd_t;

typedef struct {
    uint64_t t;          /* cycle of the command after which it happened      */
    uint64_t arrive_rel; /* arrival cycle of its bursts - t                   */
    uint32_t count;      /* requests admitted                                 */
} jadm_t;

typedef struct {
    uint64_t end;        /* cycle the last burst's data ended                 */
    uint64_t bytes;
    uint32_t tag;        /* < L: live at the period start (canonical number);
                            else L + admission number within the period      */
    int dir;
} jdone_t;

struct htx_dram_jump {
    /* detection: each bank's fingerprint at its previous command of the run */
    uint64_t fp[64];
    uint64_t fp_n[64];  /* command number within the run          */
    uint64_t fp_g[64];  /* the run it belongs to (== gen: current)  */
    uint64_t gen;       /* batched runs so far                      */
    uint64_t n;         /* commands of the run so far               */
    /* the reference state S_a, recorded from here on */
    int armed, bad;
    int bank_a;
    uint64_t t_a;
    uint64_t *sig_a, *sig_b;
    size_t sig_na, sig_cap;
    uint32_t *col_a, *col_b;
    size_t ncol_a;
    int32_t *slot_b;  /* request index per canonical number, last walk */
    uint32_t L;       /* live requests at S_a                          */
    htx_dram_req held_a;
    uint64_t k_a[5];  /* read/write bursts, hits, misses, conflicts at S_a */
    uint64_t occ_a;
    /* the period since S_a */
    jcmd_t cmd[PMAX];
    jadm_t adm[PMAX];
    jdone_t done[PMAX];
    size_t ncmd, nadm, ndone;
    uint32_t next_tag;
    uint32_t adm_max_col;
    uint64_t adm_first_addr, adm_next_addr;
    uint32_t adm_size;
    int adm_dir;
    /* scratch for a jump (see lineage()) */
    uint64_t *ids, *arr;  /* per canonical slot at S_b: request id, arrival (ps) */
    uint32_t *map_b;      /* per slot at S_b: its request's tag in the period    */
    uint32_t lag[PMAX], from_adm[PMAX]; /* per completion of a period            */
    uint32_t *chain;      /* [PMAX + slots][slots + 2] slots back in time        */
    uint32_t *slot_lag, *slot_adm;      /* per final slot                         */
    uint64_t *ring_id, *ring_arr;       /* admitted ids by (period % R, index)  */
    size_t ring_n;                      /* entries of ring_id / ring_arr         */
    size_t chain_n;                     /* entries of chain                      */
    uint32_t stamp;       /* state walks so far (req_t.jseen)                    */
    uint32_t skip;        /* detection backoff: commands to let pass unexamined  */
    uint32_t backoff;     /* the next backoff after a failure                    */
};

static inline uint64_t rel(uint64_t x, uint64_t t) { return x > t ? x - t : 0; }

htx_status htx_dram_jump_new(htx_dram_ctrl *c, struct htx_dram_jump **out, htx_err *err)
{
    *out = NULL;
    struct htx_dram_jump *j = calloc(1, sizeof *j);
    if (!j)
        goto nomem;
    const size_t slots = (size_t)c->cap_q[0] + (size_t)c->cap_q[1];
    j->sig_cap = 32 + (size_t)c->nb * 12 + (size_t)c->s.bank_groups * 3 + slots * 8;
    j->sig_a = malloc(j->sig_cap * sizeof *j->sig_a);
    j->sig_b = malloc(j->sig_cap * sizeof *j->sig_b);
    j->col_a = malloc(slots * sizeof *j->col_a);
    j->col_b = malloc(slots * sizeof *j->col_b);
    j->slot_b = malloc(slots * sizeof *j->slot_b);
    j->map_b = malloc(slots * sizeof *j->map_b);
    j->ids = malloc(slots * sizeof *j->ids);
    j->arr = malloc(slots * sizeof *j->arr);
    j->slot_lag = malloc(slots * sizeof *j->slot_lag);
    j->slot_adm = malloc(slots * sizeof *j->slot_adm);
    if (!j->sig_a || !j->sig_b || !j->col_a || !j->col_b || !j->slot_b || !j->map_b || !j->ids || !j->arr ||
        !j->slot_lag || !j->slot_adm)
        goto nomem;
    *out = j;
    return HTX_OK;
nomem:
    htx_dram_jump_free(j);
    return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory creating the DRAM controller");
}

void htx_dram_jump_free(struct htx_dram_jump *j)
{
    if (!j)
        return;
    free(j->sig_a);
    free(j->sig_b);
    free(j->col_a);
    free(j->col_b);
    free(j->slot_b);
    free(j->map_b);
    free(j->ids);
    free(j->arr);
    free(j->slot_lag);
    free(j->slot_adm);
    free(j->chain);
    free(j->ring_id);
    free(j->ring_arr);
    free(j);
}

static void disarm(htx_dram_ctrl *c)
{
    c->jump->armed = 0;
    c->jrec = NULL;
}

void htx_dram_jump_run_begin(htx_dram_ctrl *c)
{
    struct htx_dram_jump *j = c->jump;
    disarm(c);
    j->gen++;
    j->n = 0;
}

void htx_dram_jump_run_end(htx_dram_ctrl *c) { disarm(c); }

/* ---- recording ----------------------------------------------------------- */

void htx_dram_jump_note_cmd(htx_dram_ctrl *c, const cand_t *x, uint32_t row, uint32_t col)
{
    struct htx_dram_jump *j = c->jump;
    if (j->ncmd == PMAX || (x->cmd != HTX_CMD_RD && x->cmd != HTX_CMD_WR) || x->rank != 0) {
        j->bad = 1;
        return;
    }
    j->cmd[j->ncmd++] = (jcmd_t){x->t, row, col, x->bank, x->cmd};
}

void htx_dram_jump_note_done(htx_dram_ctrl *c, int dir, const req_t *rq, uint64_t end_ck)
{
    struct htx_dram_jump *j = c->jump;
    if (j->ndone == PMAX) {
        j->bad = 1;
        return;
    }
    j->done[j->ndone++] = (jdone_t){end_ck, rq->bytes, rq->jtag, dir};
}

void htx_dram_jump_note_admit(htx_dram_ctrl *c, req_t *rq, const htx_dram_req *req, uint64_t arrive_ck,
                              uint32_t max_col)
{
    struct htx_dram_jump *j = c->jump;
    uint64_t t = c->cur;
    rq->jtag = j->next_tag++;
    if (j->next_tag - j->L == 1) {
        j->adm_first_addr = req->addr;
        j->adm_size = req->size_bytes;
        j->adm_dir = req->is_write ? 1 : 0;
    } else if (req->addr != j->adm_next_addr || req->size_bytes != j->adm_size ||
               (req->is_write ? 1 : 0) != j->adm_dir) {
        j->bad = 1; /* not one arithmetic run */
    }
    j->adm_next_addr = req->addr + req->size_bytes;
    if (max_col > j->adm_max_col)
        j->adm_max_col = max_col;
    /* admissions follow the command at c->cur (one record per command) */
    if (j->nadm && j->adm[j->nadm - 1].t == t) {
        if (j->adm[j->nadm - 1].arrive_rel != arrive_ck - t)
            j->bad = 1;
        j->adm[j->nadm - 1].count++;
    } else if (j->nadm == PMAX || arrive_ck < t) {
        j->bad = 1;
    } else {
        j->adm[j->nadm++] = (jadm_t){t, arrive_ck - t, 1};
    }
}

void htx_dram_jump_note_dry(htx_dram_ctrl *c) { c->jump->bad = 1; }

/* ---- state comparison ---------------------------------------------------- */

/* Cheap summary of the relative state, to spot a likely period: the queue
 * lengths per bank (kept as a weighted sum by the controller, qhash) and the
 * column constraints that decide the next command. */
static uint64_t fingerprint(const htx_dram_ctrl *c, uint64_t T, int bank)
{
    const rank_t *k = &c->r[0];
    const bg_t *g = &k->g[bank >> c->bg_shift];
    uint64_t h = c->qhash ^ ((uint64_t)c->nq[0] | (uint64_t)c->nq[1] << 21 | (uint64_t)c->write_mode << 42 |
                             (uint64_t)c->held_valid << 43);
    h = (h ^ (rel(c->ch_rd, T) | rel(c->ch_wr, T) << 32)) * 0x9e3779b97f4a7c15ull;
    h = (h ^ (rel(c->bus[0], T) | rel(c->bus[1], T) << 32)) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ (rel(g->rd, T) | rel(g->wr, T) << 32)) * 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

/* Write the signature of the state at cycle T into w (returns its length),
 * the queued bursts' columns into cols (*ncols) and, per canonical request
 * number, the request index into slot.  tag_slots: also give each live
 * request its canonical number as tag (the reference state). */
static size_t signature(htx_dram_ctrl *c, uint64_t T, uint64_t *w, uint32_t *cols, size_t *ncols, int32_t *slot,
                        uint32_t *nslots, int tag_slots)
{
    const rank_t *k = &c->r[0];
    const uint64_t *TT = c->T;
    size_t n = 0, nc = 0;
    uint32_t ns = 0;
    uint32_t stamp = ++c->jump->stamp;
    if (stamp == 0) { /* wrapped: no request may carry a stale mark */
        for (int i = 0; i < c->cap_reqs; i++)
            c->reqs[i].jseen = 0;
        stamp = c->jump->stamp = 1;
    }
    w[n++] = (uint64_t)c->write_mode | (uint64_t)c->nq[0] << 8 | (uint64_t)c->nq[1] << 32;
    w[n++] = (uint64_t)c->held_valid | (uint64_t)k->queued << 8 | (uint64_t)k->open_banks << 40 |
             (uint64_t)k->pstate << 56;
    w[n++] = c->held_valid ? (uint64_t)c->held.size_bytes | (uint64_t)c->held.is_write << 32 : 0;
    w[n++] = rel(c->bus[0], T);
    w[n++] = rel(c->bus[1], T);
    w[n++] = rel(c->ch_rd, T);
    w[n++] = rel(c->ch_wr, T);
    w[n++] = rel(c->last_demand_ck, T);
    w[n++] = rel(k->act, T);
    w[n++] = rel(k->refpb_ok, T);
    w[n++] = rel(k->ref_end, T);
    w[n++] = rel(k->wake, T);
    w[n++] = (uint64_t)(k->n_act < 4 ? k->n_act : 4);
    for (int i = 0; i < 4; i++) /* oldest first */
        w[n++] = rel(k->faw[(k->faw_i + i) & 3] + TT[HTX_DT_FAW], T);
    for (int g = 0; g < c->s.bank_groups; g++) {
        w[n++] = rel(k->g[g].act, T);
        w[n++] = rel(k->g[g].rd, T);
        w[n++] = rel(k->g[g].wr, T);
    }
    for (int b = 0; b < c->nb; b++) {
        const bank_t *x = &k->b[b];
        w[n++] = (uint64_t)x->open_row;
        w[n++] = rel(x->act, T);
        w[n++] = rel(x->pre, T);
        w[n++] = rel(x->rd, T);
        w[n++] = rel(x->wr, T);
        w[n++] = (uint64_t)x->act_kind | (uint64_t)x->conflict << 8;
    }
    const int run_dir = c->write_mode;
    for (int d = 0; d < 2; d++)
        for (uint64_t m = k->qmask[d]; m; m &= m - 1) {
            int b = __builtin_ctzll(m);
            const alist_t *l = &c->q[d][b];
            w[n++] = (uint64_t)d | (uint64_t)b << 8 | (uint64_t)l->n << 32;
            for (int32_t i = l->head; i != NIL; i = c->atoms[i].next) {
                const atom_t *a = &c->atoms[i];
                if (d != run_dir) {
                    /* the other direction waits while the run lasts (its queue is
                     * read by nothing but the mode switch, on counts): the same
                     * bursts, untouched, and they stay as they are in a jump */
                    w[n++] = (uint64_t)i | (uint64_t)a->req << 32;
                    w[n++] = a->arrive_ck;
                    w[n++] = (uint64_t)a->row | (uint64_t)a->col << 32;
                    continue;
                }
                req_t *r = &c->reqs[a->req];
                if (r->jseen != stamp) {
                    r->jseen = stamp;
                    r->jcanon = ns;
                    if (tag_slots)
                        r->jtag = ns;
                    slot[ns++] = a->req;
                }
                w[n++] = a->row;
                w[n++] = a->arrive_ck - T; /* exact: arrivals order FR-FCFS ties and the age cap */
                w[n++] = r->jcanon;
                cols[nc++] = a->col;
            }
        }
    for (uint32_t y = 0; y < ns; y++) {
        const req_t *r = &c->reqs[slot[y]];
        w[n++] = (uint64_t)r->remaining | (uint64_t)r->is_write << 32;
        w[n++] = r->bytes;
        w[n++] = r->add_ck - T;
    }
    HTX_ASSERT(n <= c->jump->sig_cap);
    *ncols = nc;
    *nslots = ns;
    return n;
}

/* Take the current state (after the command at cycle T) as the reference. */
static void arm(htx_dram_ctrl *c, const cand_t *x)
{
    struct htx_dram_jump *j = c->jump;
    size_t nc;
    j->sig_na = signature(c, x->t, j->sig_a, j->col_a, &nc, j->slot_b, &j->L, 1);
    j->ncol_a = nc;
    j->armed = 1;
    j->bad = !c->held_valid || nc == 0;
    j->bank_a = x->bank;
    j->t_a = x->t;
    j->held_a = c->held;
    j->k_a[0] = c->k.read_bursts;
    j->k_a[1] = c->k.write_bursts;
    j->k_a[2] = c->k.row_hits;
    j->k_a[3] = c->k.row_misses;
    j->k_a[4] = c->k.row_conflicts;
    j->occ_a = c->occ_ck;
    j->ncmd = j->nadm = j->ndone = 0;
    j->next_tag = j->L;
    j->adm_max_col = 0;
    c->jrec = j;
}

/* ---- the jump ------------------------------------------------------------ */

/* Energy of the commands t0 + k*dt, k = 1..nk, bin by bin. */
static void energy_of_repeats(htx_dram_ctrl *c, int cmd, uint64_t t0, uint64_t dt, uint64_t nk)
{
    htx_dram_power *p = &c->pw;
    uint64_t k = 1;
    while (k <= nk) {
        const size_t bin = (size_t)(ck2ps(c, t0 + k * dt) / p->bin_ps);
        /* the first cycle of the next bin; repeats before it share this bin */
        const uint64_t next_ck = ck_at_or_after_ps(c, (uint64_t)(bin + 1) * p->bin_ps);
        uint64_t k_end = next_ck > t0 ? (next_ck - t0 + dt - 1) / dt : 1; /* first k in the next bin */
        if (k_end > nk + 1)
            k_end = nk + 1;
        if (k_end <= k)
            k_end = k + 1; /* cannot happen (ck2ps is monotonic); keeps the loop finite */
        htx_dram_power_cmds_in_bin(p, (htx_dram_cmd)cmd, k_end - k, bin);
        k = k_end;
    }
}

/* The request the jump admits next: the held one, then the source's. */
static void next_request(htx_dram_ctrl *c, uint64_t admit_ps, htx_dram_req *out)
{
    c->admit_ps = admit_ps;
    if (c->held_valid) {
        *out = c->held;
        c->held_valid = 0;
        return;
    }
    int ok = c->src(c->src_user, out);
    HTX_ASSERT(ok && "the source broke its run promise");
    (void)ok;
}

/* How many periods can be jumped (0: none): every bound of the file header. */
static uint64_t periods_allowed(htx_dram_ctrl *c, uint64_t T, uint64_t dt, uint64_t dc, uint32_t m,
                                uint64_t need, uint64_t now_ps, int strict, uint32_t max_col)
{
    struct htx_dram_jump *j = c->jump;
    uint64_t n_max = UINT64_MAX;
    /* columns: no burst's column field may carry into the bank or row */
    const uint64_t col_max = (1ull << c->map.bits[HTX_MAP_CO]) - 1;
    if (max_col > col_max)
        return 0;
    n_max = (col_max - max_col) / dc;
    /* refresh deadline: every jumped command (the last is at T + N dt) issues before need */
    if (need <= T)
        return 0;
    if ((need - 1 - T) / dt < n_max)
        n_max = (need - 1 - T) / dt;
    /* now: the last jumped command may not pass the advance() limit */
    {
        uint64_t lim = ck_at_or_after_ps(c, now_ps); /* first cycle at or after now */
        if (!strict && ck2ps(c, lim) == now_ps)
            lim++; /* cycles < lim are allowed */
        if (lim <= T + 1)
            return 0;
        uint64_t nn = (lim - 1 - T) / dt;
        if (nn < n_max)
            n_max = nn;
    }
    if (n_max == 0)
        return 0;
    /* the source: n_max * m more requests continuing the run after the held one */
    {
        uint64_t first = 0;
        uint32_t size = 0;
        int is_write = 0;
        uint64_t want = n_max * (uint64_t)m;
        uint64_t have = c->src_run(c->src_user, ck2ps(c, T), want, &first, &size, &is_write);
        if (have == 0 || first != c->held.addr + c->held.size_bytes || size != c->held.size_bytes ||
            (is_write ? 1 : 0) != (c->held.is_write ? 1 : 0))
            return 0;
        if (have / m < n_max)
            n_max = have / m;
    }
    /* arrival cycles: ps rounding must repeat for every jumped admission */
    if (c->fe_ps) {
        for (uint64_t k = 1; k <= n_max; k++)
            for (size_t a = 0; a < j->nadm; a++) {
                uint64_t t = j->adm[a].t + k * dt;
                if (htx_dram_spec_ps_to_ck(&c->s, ck2ps(c, t) + c->fe_ps) != t + j->adm[a].arrive_rel) {
                    n_max = k - 1;
                    goto rounded;
                }
            }
    }
rounded:
    return n_max;
}

/* Where the requests of the jumped periods come from.  A tag t < L in the
 * recorded period is "the request in slot t at the period's start", which is
 * the request in slot t at the previous period's end, whose tag there is
 * map_b[t]; following map_b back reaches an admission (tag L + a) some periods
 * earlier.  For completion d of period k: lag[d] periods back, admission
 * from_adm[d] — or, when that lies before the jump, the request in slot
 * chain[d][k - 1] at S_b.  The same for the requests in the final slots y
 * (rows PMAX + y of chain).  R: periods of admitted ids to keep.  0 when a
 * chain does not end (no jump). */
static int lineage(struct htx_dram_jump *j, uint32_t m, uint32_t *R_out)
{
    const uint32_t L = j->L;
    const size_t W = (size_t)L + 2;
    const size_t rows = (size_t)PMAX + L;
    if (j->chain_n < rows * W) {
        uint32_t *ch = realloc(j->chain, rows * W * sizeof *ch);
        if (!ch)
            return 0;
        j->chain = ch;
        j->chain_n = rows * W;
    }
    uint32_t lag_max = 0;
    for (size_t d = 0; d < j->ndone + L; d++) {
        const int is_slot = d >= j->ndone;
        const size_t row = is_slot ? (size_t)PMAX + (d - j->ndone) : d;
        uint32_t *ch = j->chain + row * W;
        uint32_t t = is_slot ? (uint32_t)(d - j->ndone) : j->done[d].tag, lag = 0;
        ch[0] = t;
        while (t < L) {
            if (lag > L)
                return 0; /* a request that never leaves: not a steady stream */
            t = j->map_b[t];
            ch[++lag] = t;
        }
        if (t - L >= m)
            return 0;
        if (is_slot) {
            j->slot_lag[d - j->ndone] = lag;
            j->slot_adm[d - j->ndone] = t - L;
        } else {
            j->lag[d] = lag;
            j->from_adm[d] = t - L;
        }
        if (lag > lag_max)
            lag_max = lag;
    }
    const uint32_t R = lag_max + 1;
    const size_t need = (size_t)R * m;
    if (j->ring_n < need) {
        uint64_t *a = realloc(j->ring_id, need * sizeof *a);
        if (!a)
            return 0;
        j->ring_id = a;
        uint64_t *b = realloc(j->ring_arr, need * sizeof *b);
        if (!b)
            return 0;
        j->ring_arr = b;
        j->ring_n = need;
    }
    *R_out = R;
    return 1;
}

static uint64_t jump(htx_dram_ctrl *c, const cand_t *x, uint64_t need, uint64_t now_ps, int strict);

/* No jump this time: examine fewer commands for a while (a missed period costs
 * only speed, and a stream that is not steady now rarely is a moment later). */
static void fail(struct htx_dram_jump *j)
{
    j->skip = j->backoff;
    j->backoff = j->backoff < 32 ? 2 * j->backoff + 1 : 64;
}

uint64_t htx_dram_jump_after_cmd(htx_dram_ctrl *c, const cand_t *x, uint64_t need, uint64_t now_ps, int strict)
{
    struct htx_dram_jump *j = c->jump;
    const uint64_t T = x->t;
    const uint64_t n_now = j->n++;
    if (!j->armed) {
        if (j->skip) {
            j->skip--;
            return 0;
        }
        uint64_t fp = fingerprint(c, T, x->bank);
        int b = x->bank;
        /* the same summary at this bank's previous command: likely a period */
        if (j->fp_g[b] == j->gen && j->fp[b] == fp && n_now - j->fp_n[b] <= PMAX)
            arm(c, x);
        j->fp[b] = fp;
        j->fp_n[b] = n_now;
        j->fp_g[b] = j->gen;
        return 0;
    }
    if (x->bank != j->bank_a) {
        if (j->bad) {
            disarm(c);
            fail(j);
        }
        return 0;
    }
    /* back at the reference bank: same state, shifted? */
    disarm(c);
    j->fp_g[x->bank] = 0; /* detect afresh after this point */
    const uint64_t jumped = jump(c, x, need, now_ps, strict);
    if (jumped)
        j->backoff = 0;
    else
        fail(j);
    return jumped;
}

/* Compare the state after command x with the reference and jump if it repeats. */
static uint64_t jump(htx_dram_ctrl *c, const cand_t *x, uint64_t need, uint64_t now_ps, int strict)
{
    struct htx_dram_jump *j = c->jump;
    const uint64_t T = x->t;
    if (j->bad || !c->held_valid)
        return 0;
    size_t nc;
    uint32_t ns;
    size_t nsig = signature(c, T, j->sig_b, j->col_b, &nc, j->slot_b, &ns, 0);
    if (nsig != j->sig_na || nc != j->ncol_a || ns != j->L || memcmp(j->sig_a, j->sig_b, nsig * sizeof *j->sig_b))
        return 0;
    const uint64_t dt = T - j->t_a;
    const uint32_t m = j->next_tag - j->L; /* requests admitted per period */
    if (dt == 0 || m == 0 || j->col_b[0] <= j->col_a[0])
        return 0;
    const uint64_t dc = j->col_b[0] - j->col_a[0];
    uint32_t max_col = j->adm_max_col;
    for (size_t i = 0; i < nc; i++) {
        if (j->col_b[i] != j->col_a[i] + dc)
            return 0;
        if (j->col_b[i] > max_col)
            max_col = j->col_b[i];
    }
    /* the address shift: one period admits m requests of the run, D = m * size,
     * and D moves the column field by dc (nothing else) */
    const uint64_t D = (uint64_t)m * j->adm_size;
    if (D != dc << c->map.shift[HTX_MAP_CO] || j->adm_first_addr != j->held_a.addr ||
        c->held.addr != j->held_a.addr + D || c->held.size_bytes != j->adm_size ||
        (c->held.is_write ? 1 : 0) != j->adm_dir)
        return 0;
    {   /* the held request's bursts move by D too */
        uint64_t bb = c->s.burst_bytes;
        uint64_t last = (c->held.addr + c->held.size_bytes - 1) / bb;
        for (uint64_t bi = c->held.addr / bb; bi <= last; bi++) {
            htx_dram_addr a;
            htx_dram_map_decode(&c->map, bi * bb, &a);
            if (a.col > max_col)
                max_col = a.col;
        }
    }
    const uint64_t N = periods_allowed(c, T, dt, dc, m, need, now_ps, strict, max_col);
    if (N == 0)
        return 0;

    /* ---- write the N periods down ---- */
    const uint32_t L = j->L;
    for (uint32_t y = 0; y < L; y++) {
        const req_t *r = &c->reqs[j->slot_b[y]];
        j->map_b[y] = r->jtag;
        j->ids[y] = r->id;
        j->arr[y] = r->arrive_ps;
    }
    uint32_t R;
    if (!lineage(j, m, &R))
        return 0;
    const size_t W = (size_t)L + 2; /* chain row width */
    for (uint64_t k = 1; k <= N; k++) {
        const uint64_t sh = k * dt;
        uint64_t *rid = j->ring_id + (size_t)(k % R) * m, *rarr = j->ring_arr + (size_t)(k % R) * m;
        uint32_t a_i = 0;
        for (size_t a = 0; a < j->nadm; a++)
            for (uint32_t q = 0; q < j->adm[a].count; q++, a_i++) {
                htx_dram_req r;
                const uint64_t adm_ps = ck2ps(c, j->adm[a].t + sh);
                next_request(c, adm_ps, &r);
                rid[a_i] = r.id;
                rarr[a_i] = adm_ps;
            }
        for (size_t d = 0; d < j->ndone; d++) {
            const jdone_t *e = &j->done[d];
            uint64_t id, arr;
            if (k > j->lag[d]) { /* admitted during the jump */
                const size_t at = (size_t)((k - j->lag[d]) % R) * m + j->from_adm[d];
                id = j->ring_id[at];
                arr = j->ring_arr[at];
            } else { /* queued at S_b */
                const uint32_t y = j->chain[d * W + (k - 1)];
                id = j->ids[y];
                arr = j->arr[y];
            }
            done_t dn = {ck2ps(c, e->end + sh) + c->cfg.backend_latency_ps, id, arr, e->bytes};
            if (!htx_dram_fifo_push(&c->done[e->dir], &dn))
                HTX_ASSERT(!"out of memory queueing a completion");
        }
        if (c->obs || c->chk)
            for (size_t p = 0; p < j->ncmd; p++) {
                const jcmd_t *e = &j->cmd[p];
                const uint32_t col = e->col + (uint32_t)(k * dc);
                if (c->obs)
                    c->obs(c->obs_user, e->cmd, 0, e->bank, e->row, col, e->t + sh);
                if (c->chk)
                    c->k.violations +=
                        (uint64_t)htx_dram_checker_cmd(c->chk, (htx_dram_cmd)e->cmd, 0, e->bank, e->row, e->t + sh);
            }
    }
    /* the requests queued in the final state, slot by slot */
    for (uint32_t y = 0; y < L; y++) {
        req_t *r = &c->reqs[j->slot_b[y]];
        if (N + 1 > j->slot_lag[y]) {
            const size_t at = (size_t)((N + 1 - j->slot_lag[y]) % R) * m + j->slot_adm[y];
            r->id = j->ring_id[at];
            r->arrive_ps = j->ring_arr[at];
        } else {
            const uint32_t s0 = j->chain[((size_t)PMAX + y) * W + N];
            r->id = j->ids[s0];
            r->arrive_ps = j->arr[s0];
        }
        r->add_ck += N * dt;
    }
    /* the held request of the final state: the next one of the run */
    {
        htx_dram_req r;
        next_request(c, ck2ps(c, j->adm[j->nadm - 1].t + N * dt), &r);
        c->held = r;
        c->held_valid = 1;
    }
    for (size_t p = 0; p < j->ncmd; p++)
        energy_of_repeats(c, j->cmd[p].cmd, j->cmd[p].t, dt, N);
    c->k.read_bursts += N * (c->k.read_bursts - j->k_a[0]);
    c->k.write_bursts += N * (c->k.write_bursts - j->k_a[1]);
    c->k.row_hits += N * (c->k.row_hits - j->k_a[2]);
    c->k.row_misses += N * (c->k.row_misses - j->k_a[3]);
    c->k.row_conflicts += N * (c->k.row_conflicts - j->k_a[4]);
    c->occ_ck += N * (c->occ_ck - j->occ_a);
    const uint64_t P = j->ncmd; /* commands per period */
    c->k.jumped_cmds += N * P;
    c->k.jumps++;

    /* shift the state by N periods: times later than T move by N dt (earlier
     * ones stay: they constrain nothing), columns by N dc */
    const uint64_t S = N * dt;
#define SHIFT(v) ((v) = (v) > T ? (v) + S : (v))
    rank_t *kr = &c->r[0];
    SHIFT(c->bus[0]);
    SHIFT(c->bus[1]);
    SHIFT(c->ch_rd);
    SHIFT(c->ch_wr);
    SHIFT(c->last_demand_ck);
    SHIFT(kr->act);
    SHIFT(kr->refpb_ok);
    SHIFT(kr->ref_end);
    SHIFT(kr->wake);
    for (int g = 0; g < c->s.bank_groups; g++) {
        SHIFT(kr->g[g].act);
        SHIFT(kr->g[g].rd);
        SHIFT(kr->g[g].wr);
    }
    for (int b = 0; b < c->nb; b++) {
        bank_t *x2 = &kr->b[b];
        SHIFT(x2->act);
        SHIFT(x2->pre);
        SHIFT(x2->rd);
        SHIFT(x2->wr);
        x2->cv = 0;
    }
#undef SHIFT
    for (uint64_t mm = kr->qmask[c->write_mode]; mm; mm &= mm - 1)
        for (int32_t i = c->q[c->write_mode][__builtin_ctzll(mm)].head; i != NIL; i = c->atoms[i].next) {
            c->atoms[i].arrive_ck += S;
            c->atoms[i].col += (uint32_t)(N * dc);
        }
    c->cur = T + S;
    c->cache_ok = 0;
    return N * P;
}
