/* mem_cmd.c — `htxsim mem`: memory-only simulation from a trace or a generator. */
#include "mem_cmd.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dram_ctrl.h"
#include "dram_map.h"
#include "dram_spec.h"
#include "htx_results.h"
#include "htx_stats.h"

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_BADINPUT = 2 };
enum { PAT_NONE = 0, PAT_SEQ, PAT_STRIDED, PAT_RANDOM };

typedef struct {
    const char *spec_path, *trace_path, *out_path, *map;
    int pattern;
    uint64_t requests;
    int check, channels, xor_hash;
    uint32_t size_bytes;
    uint64_t stride_bytes;
    double write_fraction;
    uint64_t seed;
    htx_page_policy page;
    htx_refresh_mode refresh;
    int queue;
    double pd_idle_ns;
    double max_time_ms; /* trace request times above this are rejected (bounds host time) */
    int no_batching;
    int no_jumps;
} opts_t;

/* One request as read from a trace or made by the generator. */
typedef struct {
    uint64_t t_ps; /* arrival (0: as soon as accepted) */
    uint64_t addr;
    uint32_t size;
    int is_write;
} mreq_t;

typedef struct {
    FILE *f;
    const char *path;
    int line;
    double tck_ps; /* DRAMSim3 cycles -> ps */
    double max_ps; /* latest request time accepted */
} trace_t;

typedef struct {
    uint32_t *remaining; /* parts outstanding per request id */
    size_t cap;
    uint64_t completed;
    uint64_t last_done_ps;
    int single; /* one part per request: no per-request counts */
} track_t;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: htxsim mem --spec FILE (--trace FILE | --pattern sequential|strided|random --requests N)\n"
            "                  [--check] [--out FILE] [options]\n"
            "  --spec FILE          memory spec (configs/memory/*.cfg)\n"
            "  --trace FILE         DRAMSim3 (0xADDR READ|WRITE cycle), Ramulator (LD|ST addr) or\n"
            "                       htxsim (T_PS R|W 0xADDR SIZE) trace\n"
            "  --pattern P          generate a stream: sequential, strided or random\n"
            "  --requests N         requests to generate\n"
            "  --size BYTES         request size for generated streams (default 64)\n"
            "  --stride BYTES       stride of the strided pattern (default 8192)\n"
            "  --write-fraction F   share of writes in generated streams, 0..1 (default 0)\n"
            "  --seed N             seed of the random pattern (default 1)\n"
            "  --channels N         channels (power of two, default 1); the map's Ch field routes\n"
            "  --map ORDER          address-map field order (default RoBaCoBgCh)\n"
            "  --xor-hash           XOR bank hashing\n"
            "  --page open|closed|adaptive   page policy (default open)\n"
            "  --refresh all_bank|per_bank   refresh mode (default all_bank)\n"
            "  --queue N            read and write queue depth in bursts (default 64)\n"
            "  --powerdown-ns T     enter power-down after T ns idle (default off)\n"
            "  --max-time-ms T      reject trace requests later than T ms of simulated time\n"
            "                       (default 1000; idle time costs host time: refreshes)\n"
            "  --check              run the protocol checker; print the violation count\n"
            "  --no-burst-batching  schedule every column command separately (same results, slower)\n"
            "  --no-jumps           simulate every period of a steady stream (same results, slower)\n"
            "  --out FILE           write the statistics to an HDF5 result file\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-')
        return 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return 0;
    *out = v;
    return 1;
}

/* 1: options valid, 0: bad input (message printed), 2: --help printed. */
static int parse_args(int argc, char **argv, opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->channels = 1;
    o->size_bytes = 64;
    o->stride_bytes = 8192;
    o->seed = 1;
    o->map = "RoBaCoBgCh";
    o->queue = 64;
    o->max_time_ms = 1000.0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t u;
#define NEED_VALUE()                                                       \
    do {                                                                   \
        if (!v) {                                                          \
            fprintf(stderr, "htxsim mem: %s: expected a value\n", a);     \
            return 0;                                                      \
        }                                                                  \
        i++;                                                               \
    } while (0)
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 2; /* help printed: nothing to run */
        } else if (!strcmp(a, "--spec")) {
            NEED_VALUE();
            o->spec_path = v;
        } else if (!strcmp(a, "--trace")) {
            NEED_VALUE();
            o->trace_path = v;
        } else if (!strcmp(a, "--out")) {
            NEED_VALUE();
            o->out_path = v;
        } else if (!strcmp(a, "--map")) {
            NEED_VALUE();
            o->map = v;
        } else if (!strcmp(a, "--check")) {
            o->check = 1;
        } else if (!strcmp(a, "--no-burst-batching")) {
            o->no_batching = 1;
        } else if (!strcmp(a, "--no-jumps")) {
            o->no_jumps = 1;
        } else if (!strcmp(a, "--xor-hash")) {
            o->xor_hash = 1;
        } else if (!strcmp(a, "--pattern")) {
            NEED_VALUE();
            if (!strcmp(v, "sequential"))
                o->pattern = PAT_SEQ;
            else if (!strcmp(v, "strided"))
                o->pattern = PAT_STRIDED;
            else if (!strcmp(v, "random"))
                o->pattern = PAT_RANDOM;
            else {
                fprintf(stderr, "htxsim mem: --pattern: expected sequential, strided or random, got \"%s\"\n", v);
                return 0;
            }
        } else if (!strcmp(a, "--page")) {
            NEED_VALUE();
            int ok = 0;
            for (int p = 0; p < HTX_PAGE_POLICY_COUNT; p++)
                if (!strcmp(v, htx_page_policy_name((htx_page_policy)p))) {
                    o->page = (htx_page_policy)p;
                    ok = 1;
                }
            if (!ok) {
                fprintf(stderr, "htxsim mem: --page: expected open, closed or adaptive, got \"%s\"\n", v);
                return 0;
            }
        } else if (!strcmp(a, "--refresh")) {
            NEED_VALUE();
            int ok = 0;
            for (int m = 0; m < HTX_REFRESH_MODE_COUNT; m++)
                if (!strcmp(v, htx_refresh_mode_name((htx_refresh_mode)m))) {
                    o->refresh = (htx_refresh_mode)m;
                    ok = 1;
                }
            if (!ok) {
                fprintf(stderr, "htxsim mem: --refresh: expected all_bank or per_bank, got \"%s\"\n", v);
                return 0;
            }
        } else if (!strcmp(a, "--requests") || !strcmp(a, "--size") || !strcmp(a, "--stride") ||
                   !strcmp(a, "--seed") || !strcmp(a, "--channels") || !strcmp(a, "--queue")) {
            NEED_VALUE();
            if (!parse_u64(v, &u)) {
                fprintf(stderr, "htxsim mem: %s: expected a non-negative integer, got \"%s\"\n", a, v);
                return 0;
            }
            if (!strcmp(a, "--requests"))
                o->requests = u;
            else if (!strcmp(a, "--size")) {
                if (u < 1 || u > (1u << 20)) {
                    fprintf(stderr, "htxsim mem: --size: expected 1..1048576 bytes, got %s\n", v);
                    return 0;
                }
                o->size_bytes = (uint32_t)u;
            } else if (!strcmp(a, "--stride"))
                o->stride_bytes = u;
            else if (!strcmp(a, "--seed"))
                o->seed = u;
            else if (!strcmp(a, "--channels")) {
                if (u < 1 || u > 1024 || (u & (u - 1))) {
                    fprintf(stderr, "htxsim mem: --channels: expected a power of two in 1..1024, got %s\n", v);
                    return 0;
                }
                o->channels = (int)u;
            } else {
                if (u < 1 || u > 65536) {
                    fprintf(stderr, "htxsim mem: --queue: expected 1..65536 bursts, got %s\n", v);
                    return 0;
                }
                o->queue = (int)u;
            }
        } else if (!strcmp(a, "--write-fraction") || !strcmp(a, "--powerdown-ns") || !strcmp(a, "--max-time-ms")) {
            NEED_VALUE();
            char *end;
            double d = strtod(v, &end);
            const int frac = !strcmp(a, "--write-fraction"), tmax = !strcmp(a, "--max-time-ms");
            if (*end || !(d >= 0) || (frac && d > 1) || (tmax && !(d > 0 && d <= 1e9))) {
                fprintf(stderr, "htxsim mem: %s: expected a number%s, got \"%s\"\n", a,
                        frac ? " in [0, 1]" : tmax ? " in (0, 1e9]" : " >= 0", v);
                return 0;
            }
            if (frac)
                o->write_fraction = d;
            else if (tmax)
                o->max_time_ms = d;
            else
                o->pd_idle_ns = d;
        } else {
            fprintf(stderr, "htxsim mem: unknown option \"%s\" (see htxsim mem --help)\n", a);
            return 0;
        }
#undef NEED_VALUE
    }
    if (!o->spec_path) {
        fprintf(stderr, "htxsim mem: --spec FILE is required\n");
        return 0;
    }
    if (!!o->trace_path == !!o->pattern) {
        fprintf(stderr, "htxsim mem: give exactly one of --trace FILE or --pattern P\n");
        return 0;
    }
    if (o->pattern && o->requests == 0) {
        fprintf(stderr, "htxsim mem: --pattern needs --requests N (N >= 1)\n");
        return 0;
    }
    return 1;
}

/* ---- request sources ---------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static void gen_request(const opts_t *o, uint64_t cap_bytes, uint64_t i, mreq_t *r)
{
    uint64_t sz = o->size_bytes;
    r->t_ps = 0;
    r->size = o->size_bytes;
    switch (o->pattern) {
    case PAT_SEQ: r->addr = (i * sz) % cap_bytes; break;
    case PAT_STRIDED: r->addr = (i * o->stride_bytes) % cap_bytes; break;
    default: r->addr = (mix64(o->seed * 0x100000001b3ull + i) % (cap_bytes / sz)) * sz; break;
    }
    r->is_write = o->write_fraction > 0 &&
                  (double)(mix64(~(o->seed + i)) % 1000000) < o->write_fraction * 1000000.0;
}

/* Generated requests as a controller source (one channel: one part each). */
typedef struct {
    const opts_t *o;
    uint64_t cap_bytes, issued;
    track_t *tk;
} gen_src_t;

static bool gen_source(void *user, htx_dram_req *req)
{
    gen_src_t *g = user;
    if (g->issued >= g->o->requests)
        return false;
    mreq_t m;
    gen_request(g->o, g->cap_bytes, g->issued, &m);
    req->id = g->issued++;
    req->addr = m.addr;
    req->size_bytes = m.size;
    req->is_write = m.is_write;
    return true;
}

/* The source's run description (steady-state jumps): sequential streams are
 * arithmetic until the address wraps or the direction changes. */
static uint64_t gen_source_run(void *user, uint64_t by_ps, uint64_t max, uint64_t *first_addr, uint32_t *size,
                               int *is_write)
{
    gen_src_t *g = user;
    if (g->o->pattern != PAT_SEQ || g->issued >= g->o->requests)
        return 0;
    mreq_t m0;
    gen_request(g->o, g->cap_bytes, g->issued, &m0);
    uint64_t n = g->o->requests - g->issued;
    if (n > max)
        n = max;
    const uint64_t to_wrap = (g->cap_bytes - m0.addr) / m0.size;
    if (n > to_wrap)
        n = to_wrap;
    for (uint64_t i = 1; i < n && g->o->write_fraction > 0 && g->o->write_fraction < 1; i++) {
        mreq_t mi;
        gen_request(g->o, g->cap_bytes, g->issued + i, &mi);
        if (mi.is_write != m0.is_write)
            n = i;
    }
    *first_addr = m0.addr;
    *size = m0.size;
    *is_write = m0.is_write;
    return n;
}

/* Next trace line: 1 request, 0 end of file, -1 error (message printed). */
static int trace_next(trace_t *tr, mreq_t *r)
{
    char buf[512];
    while (fgets(buf, sizeof buf, tr->f)) {
        tr->line++;
        char *p = buf;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p || *p == '#')
            continue;
        char a[128] = "", b[128] = "", c[128] = "", d[128] = "";
        int n = sscanf(p, "%127s %127s %127s %127s", a, b, c, d);
        uint64_t x, y;
        const char *when = a; /* the time field, for the message */
        memset(r, 0, sizeof *r);
        r->size = 64;
        if ((!strcmp(a, "LD") || !strcmp(a, "ST")) && n >= 2 && parse_u64(b, &x)) {
            r->addr = x; /* Ramulator */
            r->is_write = a[0] == 'S';
            return 1;
        }
        if (n >= 2 && (!strcmp(b, "READ") || !strcmp(b, "WRITE")) && parse_u64(a, &x)) {
            r->addr = x; /* DRAMSim3 */
            r->is_write = b[0] == 'W';
            if (n >= 3) {
                if (!parse_u64(c, &y))
                    goto bad;
                const double t = (double)y * tr->tck_ps;
                when = c;
                if (t > tr->max_ps)
                    goto late;
                r->t_ps = (uint64_t)t;
            }
            return 1;
        }
        if (n == 4 && (!strcmp(b, "R") || !strcmp(b, "W")) && parse_u64(a, &x) && parse_u64(c, &y)) {
            uint64_t sz;
            if (!parse_u64(d, &sz) || sz < 1 || sz > (1u << 20))
                goto bad;
            if ((double)x > tr->max_ps)
                goto late;
            r->t_ps = x; /* htxsim */
            r->addr = y;
            r->is_write = b[0] == 'W';
            r->size = (uint32_t)sz;
            return 1;
        }
        goto bad;
    late:
        fprintf(stderr,
                "%s:%d: trace: request time %s is later than --max-time-ms %.6g ms of simulated time "
                "(raise --max-time-ms to replay it)\n",
                tr->path, tr->line, when, tr->max_ps / 1e9);
        return -1;
    bad:
        fprintf(stderr,
                "%s:%d: trace: expected \"0xADDR READ|WRITE [cycle]\" (DRAMSim3), \"LD|ST ADDR\" (Ramulator) "
                "or \"T_PS R|W 0xADDR SIZE\" (htxsim), got: %s",
                tr->path, tr->line, p);
        return -1;
    }
    return 0;
}

/* ---- completion tracking ------------------------------------------------ */

static void on_done(void *user, uint64_t id, uint64_t t_ps)
{
    track_t *tk = user;
    if (tk->single || --tk->remaining[id] == 0)
        tk->completed++;
    if (t_ps > tk->last_done_ps)
        tk->last_done_ps = t_ps;
}

static int track_reserve(track_t *tk, uint64_t id)
{
    if (id < tk->cap)
        return 1;
    size_t cap = tk->cap ? tk->cap : 1 << 16;
    while (cap <= id)
        cap *= 2;
    uint32_t *v = realloc(tk->remaining, cap * sizeof *v);
    if (!v)
        return 0;
    memset(v + tk->cap, 0, (cap - tk->cap) * sizeof *v);
    tk->remaining = v;
    tk->cap = cap;
    return 1;
}

/* ---- the run ------------------------------------------------------------ */

typedef struct {
    htx_dram_req req;
    int ch;
} part_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int write_out(const opts_t *o, const htx_dram_spec *s, htx_stats *stats, uint64_t n_req, double sim_ps,
                     double bw, double host_s)
{
    htx_results *r = NULL;
    htx_err e;
    char buf[2048];
    if (htx_results_open(o->out_path, &r, &e) ||
        htx_results_attr_str(r, "/meta", "command", "mem", &e) ||
        htx_results_attr_str(r, "/meta", "memory_spec", s->name, &e) ||
        htx_results_attr_str(r, "/meta", "memory_spec_path", o->spec_path, &e) ||
        htx_results_attr_str(r, "/meta", "source", o->trace_path ? o->trace_path : "generated", &e) ||
        htx_results_scalar_i64(r, "/summary/requests", (int64_t)n_req, "1", "requests completed", &e) ||
        htx_results_scalar_f64(r, "/summary/sim_time_ps", sim_ps, "ps", "simulated time to the last completion", &e) ||
        htx_results_scalar_f64(r, "/summary/mem_bandwidth", bw, "bytes/s", "achieved bandwidth, all channels", &e) ||
        htx_results_scalar_f64(r, "/summary/mem_bw_util", bw / (htx_dram_spec_peak_bytes_per_s(s) * o->channels), "1",
                               "achieved / peak bandwidth", &e) ||
        htx_results_scalar_f64(r, "/summary/host_seconds", host_s, "s", "host wall-clock time of the simulation", &e) ||
        htx_results_write_stats(r, stats, &e)) {
        fprintf(stderr, "htxsim mem: %s\n", htx_err_format(&e, buf, sizeof buf));
        htx_results_abort(r);
        return 0;
    }
    if (htx_results_commit(r, &e)) {
        fprintf(stderr, "htxsim mem: %s\n", htx_err_format(&e, buf, sizeof buf));
        return 0;
    }
    return 1;
}

int htx_cmd_mem(int argc, char **argv)
{
    opts_t o;
    htx_dram_spec spec;
    htx_err e;
    char ebuf[2048];
    int rc = EXIT_OK;
    trace_t tr = {0};
    track_t tk = {0};
    htx_dram_ctrl **ch = NULL;
    htx_stats *stats = NULL;
    htx_dram_map map;
    part_t *pending = NULL; /* parts a full queue rejected, retried in order */
    size_t n_pending = 0, cap_pending = 0;

    int pa = parse_args(argc, argv, &o);
    if (pa != 1)
        return pa == 2 ? EXIT_OK : EXIT_BADINPUT;
    if (htx_dram_spec_load(o.spec_path, &spec, &e)) {
        fprintf(stderr, "htxsim mem: %s\n", htx_err_format(&e, ebuf, sizeof ebuf));
        return EXIT_BADINPUT;
    }
    if (htx_dram_map_init(&map, o.map, &spec, o.channels, o.xor_hash, &e)) {
        fprintf(stderr, "htxsim mem: --map: %s\n", e.msg);
        return EXIT_BADINPUT;
    }
    if (o.trace_path) {
        tr.f = fopen(o.trace_path, "r");
        tr.path = o.trace_path;
        tr.tck_ps = spec.tck_ps;
        tr.max_ps = o.max_time_ms * 1e9;
        if (!tr.f) {
            fprintf(stderr, "htxsim mem: %s: cannot open trace: %s\n", o.trace_path, strerror(errno));
            return EXIT_BADINPUT;
        }
    }
    stats = o.out_path ? htx_stats_new() : NULL;
    ch = calloc((size_t)o.channels, sizeof *ch);
    if (!ch || (o.out_path && !stats)) {
        fprintf(stderr, "htxsim mem: out of memory\n");
        rc = EXIT_RUNTIME;
        goto out;
    }
    for (int c = 0; c < o.channels; c++) {
        htx_dram_ctrl_cfg cfg;
        htx_dram_ctrl_cfg_default(&cfg);
        snprintf(cfg.address_map, sizeof cfg.address_map, "%s", o.map);
        cfg.channels = o.channels;
        cfg.xor_bank_hash = o.xor_hash;
        cfg.page_policy = o.page;
        cfg.refresh_mode = o.refresh;
        cfg.read_queue_bursts = cfg.write_queue_bursts = o.queue;
        cfg.write_high_watermark = o.queue * 3 / 4 > 0 ? o.queue * 3 / 4 : 1;
        cfg.write_low_watermark = o.queue / 4 < cfg.write_high_watermark ? o.queue / 4 : 0;
        cfg.powerdown_idle_ps = (uint64_t)(o.pd_idle_ns * 1000.0);
        cfg.check = o.check;
        cfg.burst_batching = !o.no_batching;
        cfg.steady_jumps = !o.no_jumps;
        cfg.on_done = on_done;
        cfg.user = &tk;
        char prefix[64];
        snprintf(prefix, sizeof prefix, "mem.ch%d", c);
        if (htx_dram_ctrl_new(&spec, &cfg, stats, prefix, &ch[c], &e)) {
            fprintf(stderr, "htxsim mem: %s\n", htx_err_format(&e, ebuf, sizeof ebuf));
            rc = EXIT_BADINPUT;
            goto out;
        }
    }

    uint64_t cap_bytes = spec.channel_capacity_bytes * (uint64_t)o.channels;
    uint64_t bb = spec.burst_bytes;
    uint64_t now = 0, issued = 0;
    int exhausted = o.pattern && o.channels == 1; /* generated, one channel: the source below */
    mreq_t next;
    int have_next = 0;
    double t0 = now_s();
    if (exhausted) {
        /* The controller pulls the generated requests itself whenever its queue
         * has room (the same admissions as the loop below, which offers the next
         * request after every event), so advance() can cover many commands. */
        gen_src_t gs = {&o, cap_bytes, 0, &tk};
        const uint64_t slice_ps = 1000000, slice_ck = (uint64_t)((double)slice_ps / spec.tck_ps) + 1;
        tk.single = 1;
        htx_dram_ctrl_set_source(ch[0], gen_source, &gs);
        htx_dram_ctrl_set_source_run(ch[0], gen_source_run);
        htx_dram_ctrl_pull(ch[0], 0);
        for (;;) {
            uint64_t t = htx_dram_ctrl_next_event_ps(ch[0]);
            if (t == UINT64_MAX)
                break;
            now = t > now ? t : now;
            /* 1 us slices bound the completion queue.  The source must not run
             * dry inside a slice (then idle housekeeping would issue after the
             * last completion, which the event-by-event loop below never
             * simulates): a slice admits at most one request per command
             * (>= 1 cycle apart) plus the queues' capacity, so the last ones go
             * event by event. */
            if (o.requests - gs.issued > slice_ck + 2 * (uint64_t)o.queue + 2)
                now += slice_ps;
            htx_dram_ctrl_advance(ch[0], now);
        }
        if (htx_dram_ctrl_source_blocked(ch[0]) || gs.issued < o.requests) {
            fprintf(stderr, "htxsim mem: internal error: a request that never fits the queue (%d bursts)\n", o.queue);
            rc = EXIT_RUNTIME;
            goto out;
        }
    }
    for (; !(o.pattern && o.channels == 1);) {
        /* retry parts a full queue rejected (in order, per channel) */
        if (n_pending) {
            size_t keep = 0;
            uint64_t blocked = 0; /* channels that already refused one part this round (bitmask mod 64) */
            for (size_t i = 0; i < n_pending; i++) {
                int c = pending[i].ch;
                uint64_t bit = 1ull << (c & 63);
                if (!(blocked & bit) && htx_dram_ctrl_enqueue(ch[c], &pending[i].req, now))
                    continue;
                blocked |= bit;
                pending[keep++] = pending[i];
            }
            n_pending = keep;
        }
        /* admit new requests while nothing is pending */
        while (!n_pending && !exhausted) {
            if (!have_next) {
                if (o.pattern) {
                    if (issued >= o.requests) {
                        exhausted = 1;
                        break;
                    }
                    gen_request(&o, cap_bytes, issued, &next);
                } else {
                    int t = trace_next(&tr, &next);
                    if (t < 0) {
                        rc = EXIT_BADINPUT;
                        goto out;
                    }
                    if (t == 0) {
                        exhausted = 1;
                        break;
                    }
                    /* the request must lie inside the channels' capacity (and
                     * addr + size must not wrap): no silent aliasing */
                    if (next.size == 0 || next.addr >= cap_bytes || next.size > cap_bytes - next.addr) {
                        fprintf(stderr,
                                "htxsim mem: %s:%llu: address 0x%llx + %llu bytes lies outside the %llu bytes of "
                                "%d channel(s) of %s\n",
                                tr.path, (unsigned long long)tr.line, (unsigned long long)next.addr,
                                (unsigned long long)next.size, (unsigned long long)cap_bytes, o.channels, spec.name);
                        rc = EXIT_BADINPUT;
                        goto out;
                    }
                }
                have_next = 1;
            }
            if (next.t_ps > now)
                break;
            if (!track_reserve(&tk, issued)) {
                fprintf(stderr, "htxsim mem: out of memory\n");
                rc = EXIT_RUNTIME;
                goto out;
            }
            /* split at channel boundaries: consecutive bursts of one channel form a part */
            uint64_t first = next.addr / bb, last = (next.addr + next.size - 1) / bb;
            uint64_t a = next.addr;
            int parts = 0;
            for (uint64_t bi = first; bi <= last;) {
                htx_dram_addr da;
                htx_dram_map_decode(&map, bi * bb, &da);
                uint64_t bj = bi + 1;
                while (bj <= last && o.channels > 1) {
                    htx_dram_addr db;
                    htx_dram_map_decode(&map, bj * bb, &db);
                    if (db.channel != da.channel)
                        break;
                    bj++;
                }
                if (o.channels == 1)
                    bj = last + 1;
                uint64_t end = bj * bb < next.addr + next.size ? bj * bb : next.addr + next.size;
                htx_dram_req rq = {issued, a, (uint32_t)(end - a), next.is_write};
                parts++;
                if (n_pending || !htx_dram_ctrl_enqueue(ch[da.channel], &rq, now)) {
                    if (n_pending == cap_pending) {
                        size_t nc = cap_pending ? 2 * cap_pending : 16;
                        part_t *v = realloc(pending, nc * sizeof *v);
                        if (!v) {
                            fprintf(stderr, "htxsim mem: out of memory\n");
                            rc = EXIT_RUNTIME;
                            goto out;
                        }
                        pending = v;
                        cap_pending = nc;
                    }
                    pending[n_pending].req = rq;
                    pending[n_pending].ch = da.channel;
                    n_pending++;
                }
                a = end;
                bi = bj;
            }
            tk.remaining[issued] = (uint32_t)parts;
            issued++;
            have_next = 0;
        }
        /* next event */
        uint64_t t = UINT64_MAX;
        for (int c = 0; c < o.channels; c++) {
            uint64_t x = htx_dram_ctrl_next_event_ps(ch[c]);
            if (x < t)
                t = x;
        }
        if (!n_pending && !exhausted && have_next && next.t_ps < t)
            t = next.t_ps;
        if (t == UINT64_MAX) {
            if (exhausted && !n_pending)
                break;
            if (n_pending) {
                fprintf(stderr, "htxsim mem: internal error: a full queue with nothing in flight\n");
                rc = EXIT_RUNTIME;
                goto out;
            }
            continue;
        }
        if (t > now)
            now = t;
        for (int c = 0; c < o.channels; c++)
            htx_dram_ctrl_advance(ch[c], now);
    }
    double host_s = now_s() - t0;

    /* report */
    uint64_t end_ps = tk.last_done_ps;
    uint64_t reads = 0, writes = 0, bytes = 0, acts = 0, pres = 0, refab = 0, refpb = 0, hits = 0, miss = 0,
             conf = 0, viol = 0, lat_max = 0, p50 = 0, p99 = 0;
    uint64_t lat_sum = 0;
    double energy_pj = 0, part_pj[HTX_EN_COUNT] = {0};
    for (int c = 0; c < o.channels; c++) {
        htx_dram_ctrl_finish(ch[c], end_ps);
        const htx_dram_ctrl_counters *k = htx_dram_ctrl_get_counters(ch[c]);
        reads += k->reads;
        writes += k->writes;
        bytes += k->bytes_read + k->bytes_written;
        acts += k->acts;
        pres += k->pres + k->prea + k->auto_pres;
        refab += k->refab;
        refpb += k->refpb;
        hits += k->row_hits;
        miss += k->row_misses;
        conf += k->row_conflicts;
        viol += k->violations;
        lat_sum += k->read_latency_sum_ps;
        if (k->read_latency_max_ps > lat_max)
            lat_max = k->read_latency_max_ps;
        uint64_t q = htx_dram_ctrl_read_latency_pct_ps(ch[c], 0.5);
        if (q > p50)
            p50 = q;
        q = htx_dram_ctrl_read_latency_pct_ps(ch[c], 0.99);
        if (q > p99)
            p99 = q;
        const htx_dram_power *pw = htx_dram_ctrl_get_power(ch[c]);
        energy_pj += htx_dram_power_total_pj(pw);
        for (int p = 0; p < HTX_EN_COUNT; p++)
            part_pj[p] += htx_dram_power_part_pj(pw, (htx_dram_energy_part)p);
        if (o.check && viol && c == 0)
            fprintf(stderr, "htxsim mem: protocol violation: %s\n", htx_dram_ctrl_check_last(ch[c]));
    }
    double secs = (double)end_ps * 1e-12;
    double bw = secs > 0 ? (double)bytes / secs : 0;
    if (stats) {
        /* card-level view: all channels together, energy per part and power per time bin */
        htx_stat *st;
        if ((st = htx_stats_value(stats, "mem.total.bandwidth", "bytes/s", "achieved bandwidth, all channels")))
            st->value = bw;
        if ((st = htx_stats_value(stats, "mem.total.energy_total", "J", "DRAM energy, all channels")))
            st->value = energy_pj * 1e-12;
        for (int p = 0; p < HTX_EN_COUNT; p++) {
            char path[64];
            snprintf(path, sizeof path, "mem.total.energy_%s", htx_dram_energy_part_name((htx_dram_energy_part)p));
            if ((st = htx_stats_value(stats, path, "J", "DRAM energy of this part, all channels")))
                st->value = part_pj[p] * 1e-12;
        }
        st = htx_stats_vector(stats, "mem.total.power_w", "W", "DRAM power per time bin, all channels");
        const htx_dram_power *p0 = htx_dram_ctrl_get_power(ch[0]);
        size_t nb = (size_t)(end_ps / p0->bin_ps) + 1;
        for (size_t b = 0; st && b < nb; b++) {
            double pj = 0;
            for (int c = 0; c < o.channels; c++)
                pj += htx_dram_power_bin_pj(htx_dram_ctrl_get_power(ch[c]), b);
            if (htx_stat_push(st, pj / (double)p0->bin_ps) != HTX_OK)
                break;
        }
    }
    double peak = htx_dram_spec_peak_bytes_per_s(&spec) * o.channels;
    printf("spec            %s (%s, x%d, %.0f MT/s, peak %.2f GB/s per channel), %d channel(s)\n", spec.name,
           htx_dram_standard_name(spec.standard), spec.dq_bits, spec.data_rate_mtps,
           htx_dram_spec_peak_bytes_per_s(&spec) / 1e9, o.channels);
    printf("controller      map %s%s, page %s, refresh %s, queues %d bursts\n", o.map, o.xor_hash ? "+xor" : "",
           htx_page_policy_name(o.page), htx_refresh_mode_name(o.refresh), o.queue);
    printf("requests        %" PRIu64 " (reads %" PRIu64 ", writes %" PRIu64 "), %.3f MB\n", reads + writes, reads,
           writes, (double)bytes / 1e6);
    printf("simulated time  %.3f us\n", (double)end_ps / 1e6);
    printf("bandwidth       %.3f GB/s (%.2f %% of peak)\n", bw / 1e9, peak > 0 ? 100.0 * bw / peak : 0);
    printf("read latency    avg %.1f ns, p50 %.1f ns, p99 %.1f ns, max %.1f ns\n",
           reads ? lat_sum / (double)reads / 1000.0 : 0, (double)p50 / 1000.0, (double)p99 / 1000.0,
           (double)lat_max / 1000.0);
    printf("row buffer      hits %" PRIu64 ", misses %" PRIu64 ", conflicts %" PRIu64 " (bursts)\n", hits, miss,
           conf);
    printf("commands        ACT %" PRIu64 ", PRE %" PRIu64 ", REFab %" PRIu64 ", REFpb %" PRIu64 "\n", acts, pres,
           refab, refpb);
    printf("energy          %.3f uJ (act %.3f, rd %.3f, wr %.3f, ref %.3f, background %.3f, io %.3f), "
           "%.3f W, %.2f pJ/bit\n",
           energy_pj * 1e-6, part_pj[HTX_EN_ACT] * 1e-6, part_pj[HTX_EN_RD] * 1e-6, part_pj[HTX_EN_WR] * 1e-6,
           part_pj[HTX_EN_REF] * 1e-6, part_pj[HTX_EN_BACKGROUND] * 1e-6, part_pj[HTX_EN_IO] * 1e-6,
           secs > 0 ? energy_pj * 1e-12 / secs : 0, bytes ? energy_pj / (8.0 * (double)bytes) : 0);
    uint64_t bcmd = 0, bruns = 0, cols = 0, jcmd = 0, jumps = 0;
    for (int c = 0; c < o.channels; c++) {
        const htx_dram_ctrl_counters *k = htx_dram_ctrl_get_counters(ch[c]);
        bcmd += k->batched_cmds;
        bruns += k->batch_runs;
        jcmd += k->jumped_cmds;
        jumps += k->jumps;
        cols += k->read_bursts + k->write_bursts;
    }
    printf("burst batching  %s: %.1f %% of column commands in %" PRIu64 " runs (%.1f per run)\n",
           o.no_batching ? "off" : "on", cols ? 100.0 * (double)bcmd / (double)cols : 0, bruns,
           bruns ? (double)bcmd / (double)bruns : 0);
    printf("steady jumps    %s: %.1f %% of column commands in %" PRIu64 " jumps (%.1f per jump)\n",
           o.no_batching || o.no_jumps ? "off" : "on", cols ? 100.0 * (double)jcmd / (double)cols : 0, jumps,
           jumps ? (double)jcmd / (double)jumps : 0);
    if (o.check)
        printf("protocol check  %" PRIu64 " violations\n", viol);
    printf("host            %.3f s, %.3f M requests per host second\n", host_s,
           host_s > 0 ? (double)(reads + writes) / host_s / 1e6 : 0);
    if (o.out_path && !write_out(&o, &spec, stats, reads + writes, (double)end_ps, bw, host_s))
        rc = EXIT_RUNTIME;
    if (o.check && viol)
        rc = EXIT_RUNTIME;
out:
    if (ch)
        for (int c = 0; c < o.channels; c++)
            htx_dram_ctrl_free(ch[c]);
    free(ch);
    free(pending);
    free(tk.remaining);
    htx_stats_free(stats);
    if (tr.f)
        fclose(tr.f);
    return rc;
}
