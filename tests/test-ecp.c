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

/* Unit tests of ECP framing (ecp.h) and of the ECP stop-and-wait instance
 * (ecp-stopwait.h). */

#include "ecp.h"
#include "ecp-stopwait.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecprdma-test.h"

static const uint8_t test_src[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static unsigned long long
parse_number(const char *s, unsigned long long max)
{
    unsigned long long x;
    char *end;

    errno = 0;
    x = strtoull(s, &end, 0);
    if (errno || end == s || *end || x > max) {
        fprintf(stderr, "bad number \"%s\"\n", s);
        exit(2);
    }
    return x;
}

static void
print_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        printf("%s%02x", i ? ":" : "", p[i]);
    }
    putchar('\n');
}

static void
format_mac(char buf[18], const uint8_t mac[6])
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
             mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

static const char *
op_name(unsigned int op)
{
    return (op == ECP_OP_REQUEST ? "request"
            : op == ECP_OP_ACK ? "ack"
            : "reserved");
}

static void
print_frame(const struct ecp_frame *f)
{
    char dst[18], src[18];

    format_mac(dst, f->l2.dst);
    format_mac(src, f->l2.src);
    printf("dst=%s src=%s", dst, src);
    if (f->l2.has_vlan) {
        printf(" vlan=0x%04"PRIx16, f->l2.vlan_tci);
    }
    printf(" version=%u op=%s subtype=0x%03"PRIx16" seqno=0x%04"PRIx16
           " payload=%zu\n", f->version, op_name(f->op), f->subtype,
           f->seqno, f->payload_len);
}

/* ecp-parse HEX...: parses one frame and prints it or the error. */
static int
test_ecp_parse(int argc, char *argv[])
{
    uint8_t frame[2048];
    struct ecp_frame f;
    enum ecp_parse_error error;
    size_t len;

    len = ecprdma_test_parse_hex(argc - 1, argv + 1, frame, sizeof frame);
    error = ecp_parse(frame, len, &f);
    if (error) {
        printf("error: %s\n", ecp_parse_error_to_string(error));
    } else {
        print_frame(&f);
    }
    return 0;
}

/* ecp-put OP SUBTYPE SEQNO [TCI]: prints the headers of a frame to the
 * nearest customer bridge. */
static int
test_ecp_put(int argc, char *argv[])
{
    struct ecp_l2 l2 = { .has_vlan = false };
    uint8_t frame[64];
    size_t len;

    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: ecp-put OP SUBTYPE SEQNO [TCI]\n");
        return 2;
    }
    memcpy(l2.dst, ecp_nearest_customer_bridge, 6);
    memcpy(l2.src, test_src, 6);
    if (argc > 4) {
        l2.has_vlan = true;
        l2.vlan_tci = parse_number(argv[4], UINT16_MAX);
    }
    len = ecp_put_headers(frame, &l2, parse_number(argv[1], 1),
                          parse_number(argv[2], ECP_SUBTYPE_MAX),
                          parse_number(argv[3], UINT16_MAX));
    if (len != ecp_headers_len(&l2)) {
        printf("length %zu, expected %zu\n", len, ecp_headers_len(&l2));
        return 1;
    }
    print_hex(frame, len);
    return 0;
}

/* Writes the headers of one frame, parses them back and compares. */
static bool
roundtrip_one(int op, uint16_t subtype, uint16_t seqno, int tci,
              size_t payload)
{
    struct ecp_l2 l2 = { .has_vlan = tci >= 0 };
    uint8_t frame[1600];
    struct ecp_frame f;
    size_t len;

    memcpy(l2.dst, ecp_nearest_customer_bridge, 6);
    memcpy(l2.src, test_src, 6);
    l2.vlan_tci = tci >= 0 ? tci : 0;
    len = ecp_put_headers(frame, &l2, op, subtype, seqno);
    if (len != ecp_headers_len(&l2)) {
        return false;
    }
    memset(frame + len, 0xa5, payload);
    len += payload;
    return (ecp_parse(frame, len, &f) == ECP_PARSE_OK
            && !memcmp(f.l2.dst, l2.dst, 6)
            && !memcmp(f.l2.src, l2.src, 6)
            && f.l2.has_vlan == l2.has_vlan
            && f.l2.vlan_tci == l2.vlan_tci
            && f.version == ECP_VERSION && f.op == op
            && f.subtype == subtype && f.seqno == seqno
            && f.payload_len == payload
            && f.payload == frame + ecp_headers_len(&l2));
}

#define ARRAY_SIZE(A) (sizeof (A) / sizeof *(A))

/* ecp-roundtrip: every combination of operation and of some subtypes,
 * sequence numbers, VLAN tags and payload lengths, written then parsed
 * back. */
static int
test_ecp_roundtrip(int argc, char *argv[])
{
    static const uint16_t subtypes[] = { 0, 1, 2, 0x3e0, 0x3ff };
    static const uint16_t seqnos[] = { 0, 1, 0x1224, 0x7fff, 0xffff };
    static const int tcis[] = { -1, 0, 0x0064, 0xefff, 0xffff };
    static const size_t payloads[] = { 0, 1, 38, 42, 1494 };
    int n_ok = 0, n_failed = 0;

    for (int op = 0; op < 2; op++) {
        for (size_t a = 0; a < ARRAY_SIZE(subtypes); a++) {
            for (size_t b = 0; b < ARRAY_SIZE(seqnos); b++) {
                for (size_t c = 0; c < ARRAY_SIZE(tcis); c++) {
                    for (size_t d = 0; d < ARRAY_SIZE(payloads); d++) {
                        if (roundtrip_one(op, subtypes[a], seqnos[b],
                                          tcis[c], payloads[d])) {
                            n_ok++;
                            continue;
                        }
                        printf("failed: op %d subtype %#x seqno %#x "
                               "tci %d payload %zu\n", op, subtypes[a],
                               seqnos[b], tcis[c], payloads[d]);
                        n_failed++;
                    }
                }
            }
        }
    }
    printf("%d round trips ok, %d failed\n", n_ok, n_failed);
    return n_failed != 0;
}

/* The stop-and-wait script test. */

struct script {
    struct ecp_sw *sw;
    struct ecp_sw_config cfg;
    long long now;
    unsigned int n_sent;        /* ULPDUs passed to ecp_sw_send(). */
};

static const char *
errno_name(int error)
{
    switch (error) {
    case 0:
        return "ok";
    case EINVAL:
        return "EINVAL";
    case EMSGSIZE:
        return "EMSGSIZE";
    case ENOBUFS:
        return "ENOBUFS";
    }
    return "unexpected error";
}

static void
print_deadline(long long deadline)
{
    if (deadline == LLONG_MAX) {
        printf("none");
    } else {
        printf("%lld", deadline);
    }
}

/* Builds a frame from the peer (addresses swapped) with 'op', 'subtype',
 * 'seqno' and 'len' octets of payload, each 'seqno & 0xff', padded, and
 * parses it into '*f'. */
static void
make_peer_frame(const struct script *s, uint8_t *frame, enum ecp_op op,
                uint16_t subtype, uint16_t seqno, size_t len,
                struct ecp_frame *f)
{
    struct ecp_l2 l2 = s->cfg.l2;
    size_t n;

    memcpy(l2.dst, s->cfg.l2.src, 6);
    memcpy(l2.src, s->cfg.l2.dst, 6);
    n = ecp_put_headers(frame, &l2, op, subtype, seqno);
    memset(frame + n, seqno & 0xff, len);
    n += len;
    if (n < ECP_MIN_FRAME_LEN) {
        memset(frame + n, 0, ECP_MIN_FRAME_LEN - n);
        n = ECP_MIN_FRAME_LEN;
    }
    if (ecp_parse(frame, n, f) != ECP_PARSE_OK) {
        printf("peer frame does not parse\n");
        exit(1);
    }
}

static void
script_receive(struct script *s, enum ecp_op op, uint16_t subtype,
               uint16_t seqno, size_t len)
{
    uint8_t frame[ECP_MIN_FRAME_LEN + 1600];
    struct ecp_sw_ulpdu ulpdu;
    struct ecp_frame f;
    enum ecp_sw_rx rx;

    make_peer_frame(s, frame, op, subtype, seqno, len, &f);
    rx = ecp_sw_receive(s->sw, &f, &ulpdu);
    printf("rx %s subtype=0x%03x seqno=0x%04x: %s", op_name(op), subtype,
           seqno, ecp_sw_rx_to_string(rx));
    if (rx == ECP_SW_RX_DELIVER) {
        printf(" seqno=0x%04x len=%zu data[0]=0x%02x", ulpdu.seqno,
               ulpdu.len, ulpdu.data[0]);
        if (ulpdu.data != f.payload || ulpdu.len != f.payload_len) {
            printf(" (NOT THE FRAME'S PAYLOAD)");
        }
    }
    printf("%s\n", ecp_sw_want_pull(s->sw) ? " (want pull)" : "");
}

/* Pulls and prints every frame 'sw' has to send, with a buffer of 'size'
 * octets. */
static void
script_pull(struct script *s, size_t size)
{
    uint8_t frame[ECP_SW_MAX_PAYLOAD_LIMIT + 64];
    int n_frames = 0;
    int n;

    while ((n = ecp_sw_pull(s->sw, s->now, frame, size)) > 0) {
        struct ecp_frame f;
        enum ecp_parse_error error = ecp_parse(frame, n, &f);

        n_frames++;
        if (error) {
            printf("tx frame of %d octets: %s\n", n,
                   ecp_parse_error_to_string(error));
            continue;
        }
        printf("tx %s subtype=0x%03x seqno=0x%04x frame=%d",
               op_name(f.op), f.subtype, f.seqno, n);
        if (f.l2.has_vlan) {
            printf(" vlan=0x%04x", f.l2.vlan_tci);
        }
        if (memcmp(f.l2.dst, s->cfg.l2.dst, 6)
            || memcmp(f.l2.src, s->cfg.l2.src, 6)) {
            printf(" (WRONG ADDRESSES)");
        }
        if (f.op == ECP_OP_REQUEST) {
            printf(" data[0]=0x%02x", f.payload[0]);
        } else {
            bool zero = true;

            for (size_t i = 0; i < f.payload_len; i++) {
                zero = zero && !f.payload[i];
            }
            printf(" %s", zero ? "(no payload)" : "(PAYLOAD NOT ZERO)");
        }
        printf(" deadline=");
        print_deadline(ecp_sw_next_deadline(s->sw));
        putchar('\n');
    }
    if (n < 0) {
        printf("tx: %s\n", n == -ENOBUFS ? "ENOBUFS" : "unexpected error");
    } else if (!n_frames) {
        printf("tx nothing\n");
    }
}

static void
script_stats(const struct script *s)
{
    struct ecp_sw_stats st;

    ecp_sw_get_stats(s->sw, &st);
    printf("stats: tx=%"PRIu64" retx=%"PRIu64" errors=%"PRIu64
           " queue-full=%"PRIu64" acks=%"PRIu64" acks-ignored=%"PRIu64
           " rx=%"PRIu64" duplicates=%"PRIu64" acks-sent=%"PRIu64
           " ignored=%"PRIu64" queued=%zu\n",
           st.tx_ecpdus, st.tx_retransmissions, st.tx_errors,
           st.tx_queue_full, st.rx_acks, st.rx_acks_ignored, st.rx_ecpdus,
           st.rx_duplicates, st.tx_acks, st.rx_ignored,
           ecp_sw_queued(s->sw));
}

static void
script_command(struct script *s, const char *cmd)
{
    const char *eq = strchr(cmd, '=');
    const char *arg = eq ? eq + 1 : NULL;
    size_t name_len = eq ? (size_t) (eq - cmd) : strlen(cmd);
    char name[32];

    if (name_len >= sizeof name) {
        fprintf(stderr, "bad command \"%s\"\n", cmd);
        exit(2);
    }
    memcpy(name, cmd, name_len);
    name[name_len] = '\0';

    if (!strcmp(name, "t") && arg) {
        s->now = parse_number(arg, LLONG_MAX);
    } else if (!strcmp(name, "send") && arg) {
        size_t len = parse_number(arg, 65536);
        uint8_t data[65536];
        int error;

        memset(data, (s->n_sent + 1) & 0xff, len);
        error = ecp_sw_send(s->sw, data, len);
        if (!error) {
            s->n_sent++;
        }
        printf("send len=%zu: %s\n", len, errno_name(error));
    } else if (!strcmp(name, "pull")) {
        script_pull(s, arg ? parse_number(arg, 65536)
                           : ecp_sw_max_frame_len(s->sw));
    } else if (!strcmp(name, "rx-req") && arg) {
        script_receive(s, ECP_OP_REQUEST, s->cfg.subtype,
                       parse_number(arg, UINT16_MAX), 10);
    } else if (!strcmp(name, "rx-ack") && arg) {
        script_receive(s, ECP_OP_ACK, s->cfg.subtype,
                       parse_number(arg, UINT16_MAX), 0);
    } else if (!strcmp(name, "rx-other") && arg) {
        script_receive(s, ECP_OP_REQUEST, s->cfg.subtype ^ 0x100,
                       parse_number(arg, UINT16_MAX), 10);
    } else if (!strcmp(name, "run")) {
        struct ecp_sw_failure failure;

        printf("run t=%lld: ", s->now);
        if (ecp_sw_run(s->sw, s->now, &failure)) {
            printf("discarded seqno=0x%04x after %u transmissions, "
                   "len=%zu data[0]=0x%02x", failure.seqno,
                   failure.transmissions, failure.len, failure.data[0]);
        } else {
            printf("%s", ecp_sw_want_pull(s->sw) ? "want pull" : "idle");
        }
        printf(", deadline=");
        print_deadline(ecp_sw_next_deadline(s->sw));
        putchar('\n');
    } else if (!strcmp(name, "stats")) {
        script_stats(s);
    } else if (!strcmp(name, "reset")) {
        ecp_sw_reset(s->sw);
        printf("reset\n");
    } else {
        fprintf(stderr, "bad command \"%s\"\n", cmd);
        exit(2);
    }
}

/* ecp-stopwait [OPTION=VALUE]... -- COMMAND...
 *
 * Options: subtype, rte, r, max-payload, queue, initial-seqno, vlan.
 * Commands: t=TIME, send=LEN, pull[=BUFSIZE], rx-req=SEQNO,
 * rx-ack=SEQNO, rx-other=SEQNO, run, stats, reset. */
static int
test_ecp_stopwait(int argc, char *argv[])
{
    struct script s = { .now = 0 };
    const char *error;
    int i;

    ecp_sw_config_init(&s.cfg);
    memcpy(s.cfg.l2.src, test_src, 6);
    for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
        const char *eq = strchr(argv[i], '=');
        const char *arg = eq ? eq + 1 : "";

        if (!eq) {
            fprintf(stderr, "bad option \"%s\"\n", argv[i]);
            return 2;
        } else if (!strncmp(argv[i], "subtype=", 8)) {
            s.cfg.subtype = parse_number(arg, UINT16_MAX);
        } else if (!strncmp(argv[i], "rte=", 4)) {
            s.cfg.rte = parse_number(arg, UINT_MAX);
        } else if (!strncmp(argv[i], "r=", 2)) {
            s.cfg.max_retries = parse_number(arg, UINT_MAX);
        } else if (!strncmp(argv[i], "max-payload=", 12)) {
            s.cfg.max_payload = parse_number(arg, SIZE_MAX);
        } else if (!strncmp(argv[i], "queue=", 6)) {
            s.cfg.queue_len = parse_number(arg, SIZE_MAX);
        } else if (!strncmp(argv[i], "initial-seqno=", 14)) {
            s.cfg.initial_seqno = parse_number(arg, UINT16_MAX);
        } else if (!strncmp(argv[i], "vlan=", 5)) {
            s.cfg.l2.has_vlan = true;
            s.cfg.l2.vlan_tci = parse_number(arg, UINT16_MAX);
        } else {
            fprintf(stderr, "bad option \"%s\"\n", argv[i]);
            return 2;
        }
    }

    s.sw = ecp_sw_create(&s.cfg, &error);
    if (!s.sw) {
        printf("error: %s\n", error);
        return 1;
    }
    printf("ack timeout %lld us, max frame %zu\n",
           ecp_sw_ack_timeout_us(s.cfg.rte), ecp_sw_max_frame_len(s.sw));
    for (i++; i < argc; i++) {
        script_command(&s, argv[i]);
    }
    ecp_sw_destroy(s.sw);
    return 0;
}

/* Two stop-and-wait instances exchanging ULPDUs in both directions over a
 * simulated channel that loses, duplicates and delays frames (but keeps
 * their order, as an Ethernet link does). */

#define SIM_LINK_MAX 64
#define SIM_FRAME_MAX 1600
#define SIM_QUEUE_LEN 4

struct sim_frame {
    long long at;               /* Arrival time. */
    size_t len;
    uint8_t data[SIM_FRAME_MAX];
};

struct sim_link {
    struct sim_frame frames[SIM_LINK_MAX];
    size_t head, n;
    long long last_at;          /* Keeps arrivals in order. */
    unsigned int n_frames, n_dropped, n_duplicated;
};

struct sim_end {
    const char *name;
    struct ecp_sw *sw;
    struct sim_link *out;       /* Frames this end sends. */
    unsigned int n_sent;        /* ULPDUs queued so far. */
    unsigned int n_delivered;   /* ULPDUs received, in order. */
    unsigned int n_failures;
    unsigned int n_bad;         /* Wrong ULPDUs delivered. */
};

struct sim {
    uint64_t rng;
    unsigned int loss, dup;     /* Percentages. */
    long long now;
};

/* splitmix64: a small PRNG with the same sequence everywhere. */
static uint64_t
sim_random(struct sim *sim)
{
    uint64_t z = (sim->rng += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static unsigned int
sim_percent(struct sim *sim)
{
    return sim_random(sim) % 100;
}

static void
sim_transmit(struct sim *sim, struct sim_link *link, const uint8_t *frame,
             size_t len)
{
    int copies;

    link->n_frames++;
    if (sim_percent(sim) < sim->loss) {
        link->n_dropped++;
        return;
    }
    copies = 1;
    if (sim_percent(sim) < sim->dup) {
        link->n_duplicated++;
        copies = 2;
    }
    for (int i = 0; i < copies; i++) {
        long long at = sim->now + 5 + sim_random(sim) % 46;
        struct sim_frame *f;

        if (link->n >= SIM_LINK_MAX || len > SIM_FRAME_MAX) {
            printf("link overflow\n");
            exit(1);
        }
        f = &link->frames[(link->head + link->n++) % SIM_LINK_MAX];
        f->at = at > link->last_at ? at : link->last_at;
        link->last_at = f->at;
        f->len = len;
        memcpy(f->data, frame, len);
    }
}

/* The 'k'th ULPDU: a 4-octet index, a 2-octet length, then a pattern. */
static size_t
sim_make_ulpdu(struct sim *sim, unsigned int k, uint8_t *buf)
{
    size_t len = 6 + sim_random(sim) % 300;

    buf[0] = k >> 24;
    buf[1] = k >> 16;
    buf[2] = k >> 8;
    buf[3] = k;
    buf[4] = len >> 8;
    buf[5] = len;
    for (size_t i = 6; i < len; i++) {
        buf[i] = k * 7 + i;
    }
    return len;
}

/* Checks that 'u' is the next ULPDU 'end' expects, padding included. */
static void
sim_check_ulpdu(struct sim_end *end, const struct ecp_sw_ulpdu *u)
{
    unsigned int k = end->n_delivered;
    bool ok = u->len >= 6;
    size_t len = 0;

    if (ok) {
        unsigned int index = ((unsigned int) u->data[0] << 24
                              | u->data[1] << 16 | u->data[2] << 8
                              | u->data[3]);

        len = u->data[4] << 8 | u->data[5];
        ok = index == k && len <= u->len;
    }
    for (size_t i = 6; ok && i < u->len; i++) {
        ok = u->data[i] == (i < len ? (uint8_t) (k * 7 + i) : 0);
    }
    if (!ok) {
        printf("%s: delivered ULPDU is not #%u\n", end->name, k);
        end->n_bad++;
    }
    end->n_delivered++;
}

static bool
sim_arrive(struct sim *sim, struct sim_link *link, struct sim_end *to)
{
    bool any = false;

    while (link->n && link->frames[link->head].at <= sim->now) {
        struct sim_frame *f = &link->frames[link->head];
        struct ecp_sw_ulpdu ulpdu;
        struct ecp_frame frame;

        link->head = (link->head + 1) % SIM_LINK_MAX;
        link->n--;
        any = true;
        if (ecp_parse(f->data, f->len, &frame) != ECP_PARSE_OK) {
            printf("%s: received a frame that does not parse\n", to->name);
            to->n_bad++;
            continue;
        }
        if (ecp_sw_receive(to->sw, &frame, &ulpdu) == ECP_SW_RX_DELIVER) {
            sim_check_ulpdu(to, &ulpdu);
        }
    }
    return any;
}

static void
sim_step(struct sim *sim, struct sim_end *end, unsigned int n)
{
    uint8_t buf[SIM_FRAME_MAX];
    struct ecp_sw_failure failure;
    int len;

    while (end->n_sent < n && ecp_sw_queued(end->sw) < SIM_QUEUE_LEN) {
        size_t ulen = sim_make_ulpdu(sim, end->n_sent, buf);

        if (ecp_sw_send(end->sw, buf, ulen)) {
            printf("%s: send failed\n", end->name);
            exit(1);
        }
        end->n_sent++;
    }
    if (ecp_sw_run(end->sw, sim->now, &failure)) {
        printf("%s: seqno 0x%04x discarded at %lld us\n", end->name,
               failure.seqno, sim->now);
        end->n_failures++;
    }
    while ((len = ecp_sw_pull(end->sw, sim->now, buf, sizeof buf)) > 0) {
        sim_transmit(sim, end->out, buf, len);
    }
}

static void
sim_report(const struct sim_end *from, const struct sim_end *to,
           unsigned int n)
{
    struct ecp_sw_stats st;

    printf("%s->%s: %u of %u ULPDUs delivered in order%s\n", from->name,
           to->name, to->n_delivered, n,
           to->n_delivered == n && !to->n_bad ? ", each exactly once" : "");
    printf("  link: frames=%u dropped=%u duplicated=%u\n",
           from->out->n_frames, from->out->n_dropped,
           from->out->n_duplicated);
    ecp_sw_get_stats(from->sw, &st);
    printf("  %s: tx=%"PRIu64" retx=%"PRIu64" errors=%"PRIu64
           " acks=%"PRIu64" acks-ignored=%"PRIu64"\n", from->name,
           st.tx_ecpdus, st.tx_retransmissions, st.tx_errors, st.rx_acks,
           st.rx_acks_ignored);
    ecp_sw_get_stats(to->sw, &st);
    printf("  %s: rx=%"PRIu64" duplicates=%"PRIu64" acks-sent=%"PRIu64"\n",
           to->name, st.rx_ecpdus, st.rx_duplicates, st.tx_acks);
}

/* ecp-sim SEED N LOSS DUP: N ULPDUs each way, LOSS and DUP percent of the
 * frames lost and duplicated. */
static int
test_ecp_sim(int argc, char *argv[])
{
    struct sim_link links[2];
    struct sim_end ends[2] = {
        { .name = "A", .out = &links[0] },
        { .name = "B", .out = &links[1] },
    };
    struct ecp_sw_config cfg;
    struct ecp_sw_stats st_a, st_b;
    struct sim sim;
    unsigned int n;
    bool ok;

    if (argc != 5) {
        fprintf(stderr, "usage: ecp-sim SEED N LOSS DUP\n");
        return 2;
    }
    memset(links, 0, sizeof links);
    sim.rng = parse_number(argv[1], UINT64_MAX);
    n = parse_number(argv[2], 1000000);
    sim.loss = parse_number(argv[3], 50);
    sim.dup = parse_number(argv[4], 50);
    sim.now = 0;

    ecp_sw_config_init(&cfg);
    cfg.rte = 2;                /* 40 us: less than some round trips. */
    cfg.max_retries = 7;
    cfg.queue_len = SIM_QUEUE_LEN;
    cfg.initial_seqno = 0xff00; /* Wrap around during the run. */
    for (int i = 0; i < 2; i++) {
        const char *error;

        cfg.l2.src[5] = i + 1;
        ends[i].sw = ecp_sw_create(&cfg, &error);
        if (!ends[i].sw) {
            printf("error: %s\n", error);
            return 1;
        }
    }

    for (;;) {
        long long next = LLONG_MAX;
        bool arrived;

        for (int i = 0; i < 2; i++) {
            sim_step(&sim, &ends[i], n);
        }
        arrived = sim_arrive(&sim, &links[0], &ends[1]);
        arrived = sim_arrive(&sim, &links[1], &ends[0]) || arrived;
        if (arrived) {
            continue;           /* Pull the acks at the same time. */
        }
        for (int i = 0; i < 2; i++) {
            long long d = ecp_sw_next_deadline(ends[i].sw);

            next = d < next ? d : next;
            if (links[i].n) {
                d = links[i].frames[links[i].head].at;
                next = d < next ? d : next;
            }
        }
        if (next == LLONG_MAX) {
            break;
        }
        sim.now = next;
    }

    sim_report(&ends[0], &ends[1], n);
    sim_report(&ends[1], &ends[0], n);
    printf("done at %lld us\n", sim.now);

    ecp_sw_get_stats(ends[0].sw, &st_a);
    ecp_sw_get_stats(ends[1].sw, &st_b);
    ok = true;
    for (int i = 0; i < 2; i++) {
        ok = (ok && ends[i].n_sent == n && ends[i].n_delivered == n
              && !ends[i].n_bad && !ends[i].n_failures
              && !ecp_sw_queued(ends[i].sw));
    }
    if (sim.loss && sim.dup
        && (!st_a.tx_retransmissions || !st_b.rx_duplicates
            || !st_a.rx_acks_ignored)) {
        printf("the channel did not exercise retransmissions, duplicates "
               "and stale acks\n");
        ok = false;
    }
    for (int i = 0; i < 2; i++) {
        ecp_sw_destroy(ends[i].sw);
    }
    return !ok;
}

ECPRDMA_TEST_REGISTER("ecp-parse", "HEX...", test_ecp_parse);
ECPRDMA_TEST_REGISTER("ecp-put", "OP SUBTYPE SEQNO [TCI]", test_ecp_put);
ECPRDMA_TEST_REGISTER("ecp-roundtrip", "", test_ecp_roundtrip);
ECPRDMA_TEST_REGISTER("ecp-stopwait", "[OPTION=VALUE]... -- COMMAND...",
                      test_ecp_stopwait);
ECPRDMA_TEST_REGISTER("ecp-sim", "SEED N LOSS DUP", test_ecp_sim);
