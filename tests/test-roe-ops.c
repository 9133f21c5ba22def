/*
 * Copyright (c) 2026 The ovs-ecp-rdma Authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/* Two RoE endpoints over a link, each posting random RDMA WRITEs and READs
 * of random sizes against the other's memory region, with byte-exact
 * verification: every READ returns what the WRITEs posted before it put
 * there, every completion arrives once and in order, every immediate
 * arrives once and in order, and at the end each region holds exactly what
 * the peer wrote.
 *
 * Over the in-memory link pair the test runs on a virtual clock: when
 * neither end has anything to do, time jumps to the next retransmit
 * timeout.  Over unix or AF_PACKET links it runs on the real clock. */

#include "roe.h"
#include "roe-qp.h"
#include "link.h"
#include "mr-table.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ecprdma-test.h"
#include "xalloc.h"

#define BATCH 32

struct options {
    uint64_t ops;               /* Per endpoint. */
    uint64_t seed;
    uint16_t window;
    int mtu;
    uint16_t psn;
    uint32_t max_size;
    uint32_t region;
    uint8_t rte;
    bool crc;
    struct link_faults faults;
    const char *unix_path;      /* Unix links on this path, or */
    const char *ifaces;         /* "IFA,IFB": links of 'iface_type', */
    const char *iface_type;     /* "afpacket" or "afxdp", or */
                                /* NULL and NULL: an in-memory pair. */
    int time_limit;             /* Seconds, real clock. */
};

/* An operation chosen but not yet posted.  A READ_SG reads [offset,
 * offset + length) in up to SG_PIECES pieces, in another order.  A READ
 * of either kind may land in 'n_scatter' pieces of its buffer, the first
 * octets last, so that one that ignored its scatter list would show. */
enum { SG_PIECES = 8 };
struct op {
    bool valid;
    enum roe_wr_opcode opcode;
    uint32_t length;
    uint64_t offset;
    struct roe_sge sg[SG_PIECES];
    unsigned int n_sg;
    struct roe_local_sge scatter[SG_PIECES];
    unsigned int n_scatter;
};

struct endpoint {
    const char *name;
    struct link *link;
    struct mr_table *mrs;
    struct roe_qp *qp;
    uint8_t *mem;               /* Our region; the peer accesses it. */
    uint32_t rkey;
    uint8_t *peer_shadow;       /* What the peer's region must hold. */
    uint32_t peer_rkey;
    uint8_t *bufs;              /* Per send-queue slot: data. */
    uint8_t *expect;            /* Per send-queue slot: READ's data. */
    uint8_t *message;           /* A READ's data, in message order. */
    uint64_t rng;

    struct op next;
    struct op pending[ROE_QP_SQ_SIZE];  /* Posted, not completed. */
    uint64_t posted, completed;
    uint64_t writes, reads, sg_reads, scattered_reads;
    uint32_t imm_sent, imm_received;

    uint8_t *frame_mem;
    struct roe_frame frames[BATCH];
    struct link_frame out[BATCH];
    int n_out, out_first;

    uint64_t mismatches, bad_completions, parse_drops;
};

static uint64_t
next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void
fill_random(uint64_t *state, uint8_t *p, size_t n)
{
    while (n >= 8) {
        uint64_t x = next_random(state);

        memcpy(p, &x, 8);
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t x = next_random(state);

        memcpy(p, &x, n);
    }
}

static void
choose_op(struct endpoint *e, const struct options *o, uint16_t segment)
{
    uint64_t r = next_random(&e->rng);
    uint32_t max = o->max_size;
    uint32_t len;

    /* Mostly small, some medium, a few up to the maximum. */
    switch (r % 10) {
    case 0:
        len = max;
        break;
    case 1: case 2: case 3:
        len = 4096 < max ? 4096 : max;
        break;
    default:
        len = 256 < max ? 256 : max;
        break;
    }
    len = (r >> 8) % (len + 1);
    if ((r >> 40) & 1) {
        uint64_t read_max = (uint64_t) o->window * segment;

        e->next.opcode = ROE_WR_READ;
        if (len > read_max) {
            len = read_max;
        }
        e->next.n_sg = 0;
        e->next.n_scatter = 0;
        if ((r >> 50) & 1 && len) {
            e->next.n_scatter = 1 + (r >> 51) % SG_PIECES;
            if (e->next.n_scatter > len) {
                e->next.n_scatter = len;
            }
        }
        if ((r >> 42) & 1 && len) {
            e->next.opcode = ROE_WR_READ_SG;
            e->next.n_sg = 1 + (r >> 43) % (segment / 16 < SG_PIECES
                                            ? segment / 16 : SG_PIECES);
            if (e->next.n_sg > len) {
                e->next.n_sg = len;
            }
        }
    } else {
        e->next.opcode = (r >> 41) % 8 ? ROE_WR_WRITE : ROE_WR_WRITE_IMM;
        e->next.n_scatter = 0;
    }
    e->next.length = len;
    e->next.offset = next_random(&e->rng) % (o->region - len + 1);
    e->next.valid = true;
    if (e->next.n_sg) {
        /* Pieces of the range, last piece first. */
        uint32_t piece = len / e->next.n_sg;

        for (unsigned int i = 0; i < e->next.n_sg; i++) {
            struct roe_sge *sge = &e->next.sg[e->next.n_sg - 1 - i];
            uint32_t from = i * piece;

            sge->va = e->next.offset + from;
            sge->rkey = e->peer_rkey;
            sge->len = i == e->next.n_sg - 1 ? len - from : piece;
        }
    }
}

/* Plans where the octets of READ 'op' land in 'buf': its 'n_scatter'
 * pieces of about equal length, in reverse order. */
static void
plan_scatter(struct op *op, uint8_t *buf)
{
    uint32_t piece = op->length / op->n_scatter;
    uint32_t end = op->length;

    for (unsigned int i = 0; i < op->n_scatter; i++) {
        uint32_t len = (i == op->n_scatter - 1
                        ? op->length - i * piece : piece);

        end -= len;
        op->scatter[i] = (struct roe_local_sge) { buf + end, len };
    }
}

/* Copies the 'n' octets of a READ's message 'msg' to 'dst' as 'op''s
 * scatter list places them in its buffer 'buf'. */
static void
scatter_expected(const struct op *op, const uint8_t *buf, uint8_t *dst,
                 const uint8_t *msg)
{
    for (unsigned int i = 0; i < op->n_scatter; i++) {
        const struct roe_local_sge *piece = &op->scatter[i];

        memcpy(dst + (piece->addr - buf), msg, piece->len);
        msg += piece->len;
    }
}

/* As in InfiniBand, an RDMA WRITE posted after a READ may change what the
 * READ returns unless it waits for the READ (a fence).  So that the test
 * knows what each READ must return, a WRITE never overlaps the range of a
 * READ that has not completed; it waits instead. */
static bool
overlaps_pending_read(const struct endpoint *e, const struct op *op)
{
    for (uint64_t i = e->completed; i < e->posted; i++) {
        const struct op *r = &e->pending[i % ROE_QP_SQ_SIZE];

        if ((r->opcode == ROE_WR_READ || r->opcode == ROE_WR_READ_SG)
            && op->offset < r->offset + r->length
            && r->offset < op->offset + op->length) {
            return true;
        }
    }
    return false;
}

static void
post_ops(struct endpoint *e, const struct options *o, uint16_t segment)
{
    while (e->posted < o->ops) {
        unsigned int slot = e->posted % ROE_QP_SQ_SIZE;
        uint8_t *buf = e->bufs + (size_t) slot * o->max_size;
        struct roe_send_wr wr;
        int error;

        if (e->posted - e->completed >= ROE_QP_SQ_SIZE) {
            return;             /* 'buf' still belongs to an operation. */
        }
        if (!e->next.valid) {
            choose_op(e, o, segment);
        }
        if ((e->next.opcode == ROE_WR_WRITE
             || e->next.opcode == ROE_WR_WRITE_IMM)
            && overlaps_pending_read(e, &e->next)) {
            return;
        }
        e->pending[slot] = e->next;
        if (e->next.n_scatter) {
            plan_scatter(&e->pending[slot], buf);
        }
        wr = (struct roe_send_wr) {
            .wr_id = e->posted,
            .opcode = e->next.opcode,
            .local = buf,
            .length = e->next.length,
            .remote_va = e->next.offset,
            .rkey = e->peer_rkey,
            .imm = e->imm_sent,
            .sg = e->pending[slot].sg,
            .n_sg = e->pending[slot].n_sg,
            .scatter = (e->next.n_scatter ? e->pending[slot].scatter
                        : NULL),
            .n_scatter = e->next.n_scatter,
        };
        if (wr.opcode == ROE_WR_WRITE || wr.opcode == ROE_WR_WRITE_IMM) {
            fill_random(&e->rng, buf, wr.length);
        }
        error = roe_qp_post_send(e->qp, &wr);
        if (error == EAGAIN) {
            return;
        } else if (error) {
            printf("%s: post failed (%d)\n", e->name, error);
            exit(1);
        }

        /* RC ordering: a READ sees every WRITE posted before it. */
        if (wr.opcode == ROE_WR_READ || wr.opcode == ROE_WR_READ_SG) {
            uint8_t *expect = e->expect + (size_t) slot * o->max_size;
            uint8_t *dst = wr.scatter ? e->message : expect;

            if (wr.opcode == ROE_WR_READ) {
                memcpy(dst, e->peer_shadow + wr.remote_va, wr.length);
            }
            for (unsigned int i = 0; i < wr.n_sg; i++) {
                memcpy(dst, e->peer_shadow + wr.sg[i].va, wr.sg[i].len);
                dst += wr.sg[i].len;
            }
            if (wr.scatter) {
                scatter_expected(&e->pending[slot], buf, expect,
                                 e->message);
                e->scattered_reads++;
            }
            e->sg_reads += wr.opcode == ROE_WR_READ_SG;
        } else {
            memcpy(e->peer_shadow + wr.remote_va, buf, wr.length);
            if (wr.opcode == ROE_WR_WRITE_IMM) {
                e->imm_sent++;
            }
        }
        e->next.valid = false;
        e->posted++;
    }
}

static bool
poll_completions(struct endpoint *e, const struct options *o)
{
    struct roe_recv_completion rc[BATCH];
    struct roe_completion c[BATCH];
    bool progress = false;
    int n;

    while ((n = roe_qp_poll_send(e->qp, c, BATCH)) > 0) {
        progress = true;
        for (int i = 0; i < n; i++) {
            unsigned int slot = e->completed % ROE_QP_SQ_SIZE;
            size_t off = (size_t) slot * o->max_size;

            if (c[i].wr_id != e->completed || c[i].status != ROE_WC_SUCCESS) {
                if (e->bad_completions++ < 5) {
                    printf("%s: completion %"PRIu64" (expected %"PRIu64
                           "): %s\n", e->name, c[i].wr_id, e->completed,
                           roe_wc_status_to_string(c[i].status));
                }
            } else if (c[i].opcode == ROE_WR_READ
                       || c[i].opcode == ROE_WR_READ_SG) {
                e->reads++;
                if (memcmp(e->bufs + off, e->expect + off, c[i].length)) {
                    if (e->mismatches++ < 5) {
                        printf("%s: READ %"PRIu64" of %"PRIu32" octets "
                               "returned wrong data\n", e->name,
                               c[i].wr_id, c[i].length);
                    }
                }
            } else {
                e->writes++;
            }
            e->completed++;
        }
    }
    while ((n = roe_qp_poll_recv(e->qp, rc, BATCH)) > 0) {
        progress = true;
        for (int i = 0; i < n; i++) {
            if (rc[i].imm != e->imm_received) {
                if (e->bad_completions++ < 5) {
                    printf("%s: immediate %"PRIu32", expected %"PRIu32"\n",
                           e->name, rc[i].imm, e->imm_received);
                }
            }
            e->imm_received++;
        }
    }
    return progress;
}

static bool
transmit(struct endpoint *e, long long now)
{
    int sent;

    if (!e->n_out) {
        int n = roe_qp_transmit(e->qp, now, e->frames, BATCH);

        for (int i = 0; i < n; i++) {
            e->out[i].data = e->frames[i].data;
            e->out[i].len = e->frames[i].len;
        }
        e->n_out = n;
        e->out_first = 0;
    }
    if (!e->n_out) {
        return false;
    }
    sent = link_send(e->link, e->out + e->out_first, e->n_out);
    e->out_first += sent;
    e->n_out -= sent;
    return sent > 0;
}

static bool
receive(struct endpoint *e, long long now)
{
    struct link_frame in[BATCH];
    int n = link_recv(e->link, in, BATCH);

    for (int i = 0; i < n; i++) {
        struct roe_packet p;
        struct ecp_frame f;

        if (ecp_parse(in[i].data, in[i].len, &f) != ECP_PARSE_OK
            || f.subtype != ECP_SUBTYPE_ROE_DEFAULT
            || roe_parse(&f, &p) != ROE_PARSE_OK) {
            e->parse_drops++;
            continue;
        }
        roe_qp_receive(e->qp, &p, now);
    }
    return n > 0;
}

static void
endpoint_init(struct endpoint *e, const char *name, struct link *link,
              const struct options *o, uint64_t seed)
{
    memset(e, 0, sizeof *e);
    e->name = name;
    e->link = link;
    e->rng = seed;
    e->mrs = mr_table_create();
    e->mem = xalloc_zeroed(1, o->region);
    e->peer_shadow = xalloc_zeroed(1, o->region);
    e->bufs = xalloc(ROE_QP_SQ_SIZE * (size_t) o->max_size);
    e->expect = xalloc(ROE_QP_SQ_SIZE * (size_t) o->max_size);
    e->message = xalloc(o->max_size);
    e->rkey = mr_register(e->mrs, 1, e->mem, 0, o->region,
                          MR_ACCESS_REMOTE_READ | MR_ACCESS_REMOTE_WRITE);
}

static void
endpoint_connect(struct endpoint *e, struct endpoint *peer,
                 const struct options *o)
{
    struct roe_qp_config cfg = {
        .subtype = ECP_SUBTYPE_ROE_DEFAULT,
        .dest_qpn = 1,
        .sq_psn = o->psn,
        .rq_psn = o->psn,
        .segment_size = roe_segment_size_for_mtu(o->mtu),
        .window = o->window,
        .rte = o->rte,
        .peer_rte = o->rte,
        .max_tries = 0,
        .max_reads = ROE_QP_DEFAULT_MAX_READS,
        .crc = o->crc,
        .mrs = e->mrs,
        .pd = 1,
    };
    size_t frame_len;
    char *error;

    link_get_mac(e->link, cfg.l2.src);
    link_get_mac(peer->link, cfg.l2.dst);
    e->peer_rkey = peer->rkey;
    e->qp = roe_qp_create(&cfg, &error);
    if (!e->qp) {
        printf("%s\n", error);
        exit(1);
    }
    frame_len = roe_qp_max_frame_len(&cfg);
    e->frame_mem = xalloc(BATCH * frame_len);
    for (int i = 0; i < BATCH; i++) {
        e->frames[i].data = e->frame_mem + i * frame_len;
    }
}

static void
endpoint_destroy(struct endpoint *e)
{
    roe_qp_destroy(e->qp);
    mr_table_destroy(e->mrs);
    link_close(e->link);
    free(e->mem);
    free(e->peer_shadow);
    free(e->bufs);
    free(e->expect);
    free(e->message);
    free(e->frame_mem);
}

static char *
parse_options(int argc, char *argv[], struct options *o)
{
    char *faults = xalloc_strdup("");

    *o = (struct options) {
        .ops = 1000,
        .seed = 1,
        .window = ROE_QP_DEFAULT_WINDOW,
        .mtu = 1500,
        .psn = 1,
        .max_size = 65536,
        .region = 1 << 20,
        .rte = 8,
        .time_limit = 300,
    };
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq = strchr(arg, '=');
        unsigned long long v = eq ? strtoull(eq + 1, NULL, 0) : 0;

        if (!eq) {
            return xalloc_printf("%s: expected KEY=VALUE", arg);
        } else if (!strncmp(arg, "ops=", 4)) {
            o->ops = v;
        } else if (!strncmp(arg, "seed=", 5)) {
            o->seed = v;
        } else if (!strncmp(arg, "window=", 7)) {
            o->window = v;
        } else if (!strncmp(arg, "mtu=", 4)) {
            o->mtu = v;
        } else if (!strncmp(arg, "psn=", 4)) {
            o->psn = v;
        } else if (!strncmp(arg, "max-size=", 9)) {
            o->max_size = v;
        } else if (!strncmp(arg, "rte=", 4)) {
            o->rte = v;
        } else if (!strncmp(arg, "crc=", 4)) {
            o->crc = v;
        } else if (!strncmp(arg, "unix=", 5)) {
            o->unix_path = eq + 1;
        } else if (!strncmp(arg, "afpacket=", 9)
                   || !strncmp(arg, "afxdp=", 6)) {
            o->ifaces = eq + 1;
            o->iface_type = arg[1] == 'f' && arg[2] == 'p' ? "afpacket"
                                                            : "afxdp";
        } else if (!strncmp(arg, "time-limit=", 11)) {
            o->time_limit = v;
        } else {
            char *s = xalloc_printf("%s %s", faults, arg);

            free(faults);
            faults = s;
        }
    }
    if (o->max_size > o->region || !o->max_size) {
        free(faults);
        return xalloc_printf("max-size must be in 1..%"PRIu32, o->region);
    }
    {
        char *error = link_faults_parse(faults, &o->faults);

        free(faults);
        return error;
    }
}

static void
open_links(const struct options *o, struct link **a, struct link **b)
{
    char *name_a, *name_b, *error;
    long long deadline;

    if (o->ifaces) {
        const char *comma = strchr(o->ifaces, ',');

        if (!comma) {
            printf("%s=IFA,IFB: missing second interface\n", o->iface_type);
            exit(1);
        }
        name_a = xalloc_printf("%s:%.*s", o->iface_type,
                               (int) (comma - o->ifaces), o->ifaces);
        name_b = xalloc_printf("%s:%s", o->iface_type, comma + 1);
    } else if (o->unix_path) {
        name_b = xalloc_printf("punix:%s", o->unix_path);
        name_a = xalloc_printf("unix:%s", o->unix_path);
    } else {
        link_pair_create(o->mtu, 4096, a, b);
        return;
    }
    if (link_open(name_b, o->ifaces ? 0 : o->mtu, b, &error)
        || link_open(name_a, o->ifaces ? 0 : o->mtu, a, &error)) {
        printf("%s\n", error);
        exit(1);
    }
    free(name_a);
    free(name_b);
    deadline = ecprdma_test_now_us() + 10 * 1000000LL;
    while (!link_is_up(*a) || !link_is_up(*b)) {
        if (ecprdma_test_now_us() > deadline) {
            printf("links did not come up\n");
            exit(1);
        }
        link_run(*a);
        link_run(*b);
        usleep(1000);
    }
}

static int
test_roe_ops(int argc, char *argv[])
{
    struct endpoint a, b, *ends[2] = { &a, &b };
    struct link *la, *lb;
    struct roe_qp_stats sa, sb;
    struct options o;
    long long now, start, limit;
    bool ok, real_time;
    char *error;

    error = parse_options(argc, argv, &o);
    if (error) {
        fprintf(stderr, "roe-ops: %s\n", error);
        free(error);
        return 2;
    }
    open_links(&o, &la, &lb);
    if (o.ifaces) {
        o.mtu = link_mtu(la) < link_mtu(lb) ? link_mtu(la) : link_mtu(lb);
    }
    link_set_faults(la, &o.faults);
    o.faults.seed ^= 0x5555;
    link_set_faults(lb, &o.faults);
    endpoint_init(&a, "A", la, &o, o.seed * 2 + 1);
    endpoint_init(&b, "B", lb, &o, o.seed * 2 + 2);
    endpoint_connect(&a, &b, &o);
    endpoint_connect(&b, &a, &o);

    start = ecprdma_test_now_us();
    limit = start + o.time_limit * 1000000LL;
    real_time = o.unix_path || o.ifaces;
    now = real_time ? start : 0;
    while (a.completed < o.ops || b.completed < o.ops
           || a.imm_received < b.imm_sent || b.imm_received < a.imm_sent) {
        bool progress = false;

        for (int i = 0; i < 2; i++) {
            struct endpoint *e = ends[i];

            post_ops(e, &o, roe_segment_size_for_mtu(o.mtu));
            link_run(e->link);
            progress |= transmit(e, now);
        }
        for (int i = 0; i < 2; i++) {
            progress |= receive(ends[i], now);
            progress |= poll_completions(ends[i], &o);
            if (roe_qp_get_state(ends[i]->qp) != ROE_QP_READY) {
                printf("%s: QP error: %s\n", ends[i]->name,
                       roe_qp_error_reason(ends[i]->qp));
                return 1;
            }
        }
        if (real_time) {
            if (!progress) {
                struct pollfd pfd[2] = {
                    { .fd = link_fd(la), .events = POLLIN },
                    { .fd = link_fd(lb), .events = POLLIN },
                };

                poll(pfd, 2, 1);
            }
            now = ecprdma_test_now_us();
            if (now > limit) {
                printf("time limit reached: A %"PRIu64", B %"PRIu64
                       " operations completed\n", a.completed, b.completed);
                return 1;
            }
        } else if (progress) {
            now++;
        } else {
            long long t = roe_qp_next_timeout(a.qp);
            long long tb = roe_qp_next_timeout(b.qp);

            t = tb < t ? tb : t;
            if (t == LLONG_MAX) {
                printf("stalled: A %"PRIu64", B %"PRIu64" operations "
                       "completed\n", a.completed, b.completed);
                return 1;
            }
            now = t > now ? t : now + 1;
        }
    }

    roe_qp_get_stats(a.qp, &sa);
    roe_qp_get_stats(b.qp, &sb);
    ok = !memcmp(a.mem, b.peer_shadow, o.region)
         && !memcmp(b.mem, a.peer_shadow, o.region);
    printf("%"PRIu64" operations completed in order, %"PRIu64" mismatches, "
           "%"PRIu64" bad completions\n", a.completed + b.completed,
           a.mismatches + b.mismatches,
           a.bad_completions + b.bad_completions);
    printf("%"PRIu32" immediates received in order\n",
           a.imm_received + b.imm_received);
    printf("regions: %s\n", ok ? "as written" : "DIFFERENT");
    printf("retransmissions: %s\n",
           sa.retransmits + sb.retransmits ? "yes" : "no");
    printf("scatter READs: %s\n", a.sg_reads + b.sg_reads ? "yes" : "no");
    printf("READs placed in pieces: %s\n",
           a.scattered_reads + b.scattered_reads ? "yes" : "no");
    fprintf(stderr, "writes %"PRIu64" reads %"PRIu64" retransmits %"PRIu64
            " timeouts %"PRIu64" naks %"PRIu64" duplicates %"PRIu64
            " stale %"PRIu64" parse drops %"PRIu64" packets %"PRIu64
            " virtual time %lld us, real %lld ms\n",
            a.writes + b.writes, a.reads + b.reads,
            sa.retransmits + sb.retransmits, sa.timeouts + sb.timeouts,
            sa.naks_sent + sb.naks_sent, sa.duplicates + sb.duplicates,
            sa.stale_responses + sb.stale_responses,
            a.parse_drops + b.parse_drops, sa.tx_packets + sb.tx_packets,
            real_time ? 0 : now, (ecprdma_test_now_us() - start) / 1000);
    endpoint_destroy(&a);
    endpoint_destroy(&b);
    return 0;
}

ECPRDMA_TEST_REGISTER("roe-ops",
                      "[ops=N] [seed=N] [window=N] [mtu=N] [psn=N] "
                      "[max-size=N] [rte=N] [crc=0|1] [unix=PATH] "
                      "[afpacket=IFA,IFB] [afxdp=IFA,IFB] [time-limit=S] "
                      "[drop=P] [dup=P] [reorder=P] [corrupt=P]",
                      test_roe_ops);
