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

/* ecp-rdma-perf: measures RoE between two endpoints on a link, the raw
 * frame rate of the same link, and how far apart two CPUs are, for
 * ecp-rdma-bench. */

#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecprdma-clock.h"
#include "ecp.h"
#include "link.h"
#include "mr-table.h"
#include "roe.h"
#include "roe-qp.h"
#include "xalloc.h"

#define BATCH 32
#define RAW_SUBTYPE 0x3e1       /* Frames of the raw rate test. */

struct options {
    const char *command;
    const char *link;
    int mtu;
    uint32_t size;
    uint64_t region;
    uint32_t rkey;
    double seconds;
    uint16_t window;
    uint8_t rte;
    bool crc;
    bool json;
    int cpus[2];
};

static volatile sig_atomic_t stop;

static void
on_signal(int signum)
{
    stop = signum;
}

static double
now_s(void)
{
    return ecprdma_clock_ns() / 1e9;
}

static long long
now_us(void)
{
    return now_s() * 1e6;
}

static void
usage(void)
{
    printf("ecp-rdma-perf: RDMA over ECP and raw frame rates on a link\n"
           "usage: ecp-rdma-perf COMMAND LINK [OPTION]...\n"
           "Commands:\n"
           "  responder   serve a memory region for remote READ and WRITE;\n"
           "              prints its rkey, then runs until killed or\n"
           "              --seconds pass\n"
           "  read        READ --size octets from the responder's region,\n"
           "              back to back, for --seconds\n"
           "  write       WRITE --size octets likewise\n"
           "  raw-source  send ECP frames of --size octets (Ethernet\n"
           "              payload) as fast as the link takes them\n"
           "  raw-sink    count ECP frames received for --seconds\n"
           "  cpu-latency measure the round trip of a cache line between\n"
           "              two CPUs (LINK is the pair, e.g. 0,1)\n"
           "LINK is afpacket:IFNAME, afxdp:IFNAME[:QUEUE], unix:PATH or\n"
           "punix:PATH.\n"
           "Options:\n"
           "  --mtu=N       link MTU (default: the interface's)\n"
           "  --size=N      octets per operation or frame (65536)\n"
           "  --region=N    responder's region size (16777216)\n"
           "  --rkey=K      the responder's rkey (read, write)\n"
           "  --seconds=S   duration (5)\n"
           "  --window=N    outstanding PSNs (128)\n"
           "  --rte=N       retransmit timeout 10 us x 2^N (8)\n"
           "  --crc         CRC-32C trailers on RoE frames\n"
           "  --json        print results as JSON\n");
}

static void
fatal(const char *msg)
{
    fprintf(stderr, "ecp-rdma-perf: %s\n", msg);
    exit(EXIT_FAILURE);
}

static void
parse_options(int argc, char *argv[], struct options *o)
{
    static const struct option long_options[] = {
        {"mtu", required_argument, NULL, 'm'},
        {"size", required_argument, NULL, 's'},
        {"region", required_argument, NULL, 'r'},
        {"rkey", required_argument, NULL, 'k'},
        {"seconds", required_argument, NULL, 't'},
        {"window", required_argument, NULL, 'w'},
        {"rte", required_argument, NULL, 'e'},
        {"crc", no_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };

    *o = (struct options) {
        .size = 65536,
        .region = 16 << 20,
        .seconds = 5,
        .window = ROE_QP_DEFAULT_WINDOW,
        .rte = ROE_QP_DEFAULT_RTE,
        .cpus = { -1, -1 },
    };
    for (;;) {
        int c = getopt_long(argc, argv, "", long_options, NULL);
        char *end;

        if (c == -1) {
            break;
        }
        errno = 0;
        switch (c) {
        case 'm':
            o->mtu = strtol(optarg, &end, 0);
            break;
        case 's':
            o->size = strtoul(optarg, &end, 0);
            break;
        case 'r':
            o->region = strtoull(optarg, &end, 0);
            break;
        case 'k':
            o->rkey = strtoul(optarg, &end, 0);
            break;
        case 't':
            o->seconds = strtod(optarg, &end);
            break;
        case 'w':
            o->window = strtoul(optarg, &end, 0);
            break;
        case 'e':
            o->rte = strtoul(optarg, &end, 0);
            break;
        case 'c':
            o->crc = true;
            continue;
        case 'j':
            o->json = true;
            continue;
        case 'h':
            usage();
            exit(EXIT_SUCCESS);
        default:
            exit(EXIT_FAILURE);
        }
        if (errno || *end) {
            fprintf(stderr, "ecp-rdma-perf: bad value \"%s\"\n", optarg);
            exit(EXIT_FAILURE);
        }
    }
    if (argc - optind != 2) {
        fatal("need COMMAND and LINK (use --help)");
    }
    o->command = argv[optind];
    o->link = argv[optind + 1];
    if (!strcmp(o->command, "cpu-latency")) {
        if (sscanf(o->link, "%d,%d", &o->cpus[0], &o->cpus[1]) != 2
            || o->cpus[0] < 0 || o->cpus[1] < 0) {
            fatal("cpu-latency needs two CPUs, e.g. 0,1");
        }
    }
    if (!o->size || o->size > ROE_MAX_MESSAGE || o->region < o->size) {
        fatal("--size must be in 1..2^31 and no more than --region");
    }
}

/* Opens the link of 'o'.  With 'wait_up', waits up to 10 s for it to come
 * up (a unix client to connect); a server end must not wait for its peer. */
static struct link *
open_link(const struct options *o, bool wait_up)
{
    struct link *link;
    char *error;
    double deadline = now_s() + 10;

    if (link_open(o->link, o->mtu, &link, &error)) {
        fatal(error);
    }
    while (wait_up && !link_is_up(link)) {
        if (now_s() > deadline || stop) {
            fatal("link did not come up");
        }
        link_run(link);
        nanosleep(&(struct timespec) { .tv_nsec = 1000000 }, NULL);
    }
    return link;
}

/* Frames built by a QP and not yet taken by the link. */
struct tx_queue {
    uint8_t *mem;
    struct roe_frame frames[BATCH];
    struct link_frame out[BATCH];
    int first, n;
};

static void
tx_queue_init(struct tx_queue *q, size_t frame_len)
{
    memset(q, 0, sizeof *q);
    q->mem = xalloc(BATCH * frame_len);
    for (int i = 0; i < BATCH; i++) {
        q->frames[i].data = q->mem + i * frame_len;
    }
}

/* Creates a QP on 'link' and initializes 'q' for its frames. */
static struct roe_qp *
make_qp(const struct options *o, struct link *link, struct mr_table *mrs,
        struct tx_queue *q)
{
    struct roe_qp_config cfg = {
        .subtype = ECP_SUBTYPE_ROE_DEFAULT,
        .dest_qpn = 1,
        .sq_psn = 1,
        .rq_psn = 1,
        .segment_size = roe_segment_size_for_mtu(link_mtu(link)),
        .window = o->window,
        .rte = o->rte,
        .peer_rte = o->rte,
        .max_tries = ROE_QP_DEFAULT_MAX_TRIES,
        .max_reads = ROE_QP_DEFAULT_MAX_READS,
        .crc = o->crc,
        .mrs = mrs,
        .pd = 1,
    };
    struct roe_qp *qp;
    char *error;

    memcpy(cfg.l2.dst, ecp_nearest_customer_bridge, 6);
    link_get_mac(link, cfg.l2.src);
    qp = roe_qp_create(&cfg, &error);
    if (!qp) {
        fatal(error);
    }
    tx_queue_init(q, roe_qp_max_frame_len(&cfg));
    return qp;
}

/* Runs one iteration of 'qp' on 'link'.  Returns true if anything moved. */
static bool
run_qp(struct roe_qp *qp, struct link *link, struct tx_queue *q)
{
    struct link_frame in[BATCH];
    long long now = now_us();
    bool progress = false;
    int n;

    link_run(link);
    n = link_recv(link, in, BATCH);
    for (int i = 0; i < n; i++) {
        struct ecp_frame f;
        struct roe_packet p;

        if (ecp_parse(in[i].data, in[i].len, &f) == ECP_PARSE_OK
            && f.subtype == ECP_SUBTYPE_ROE_DEFAULT
            && roe_parse(&f, &p) == ROE_PARSE_OK) {
            roe_qp_receive(qp, &p, now);
        }
    }
    progress = n > 0;
    if (!q->n) {
        q->n = roe_qp_transmit(qp, now, q->frames, BATCH);
        q->first = 0;
        for (int i = 0; i < q->n; i++) {
            q->out[i].data = q->frames[i].data;
            q->out[i].len = q->frames[i].len;
        }
    }
    if (q->n) {
        int sent = link_send(link, q->out + q->first, q->n);

        q->first += sent;
        q->n -= sent;
        progress |= sent > 0;
    }
    return progress;
}

static void
print_result(const struct options *o, const char *what, uint64_t ops,
             uint64_t bytes, double seconds)
{
    double gbps = seconds > 0 ? bytes * 8 / seconds / 1e9 : 0;
    double rate = seconds > 0 ? ops / seconds : 0;

    if (o->json) {
        printf("{\"test\": \"%s\", \"size\": %"PRIu32", \"operations\": "
               "%"PRIu64", \"bytes\": %"PRIu64", \"seconds\": %.6f, "
               "\"gbit_per_s\": %.4f, \"per_s\": %.1f}\n", what, o->size,
               ops, bytes, seconds, gbps, rate);
    } else {
        printf("%s: %"PRIu64" operations of %"PRIu32" octets in %.3f s: "
               "%.3f Gbit/s, %.0f per second\n", what, ops, o->size,
               seconds, gbps, rate);
    }
}

static int
do_responder(const struct options *o)
{
    struct link *link = open_link(o, false);
    struct mr_table *mrs = mr_table_create();
    uint8_t *region = xalloc_zeroed(1, o->region);
    struct tx_queue q;
    struct roe_qp *qp = make_qp(o, link, mrs, &q);
    uint32_t rkey;
    double end = now_s() + o->seconds;

    rkey = mr_register(mrs, 1, region, 0, o->region,
                       MR_ACCESS_REMOTE_READ | MR_ACCESS_REMOTE_WRITE);
    printf("rkey 0x%08"PRIx32" region %"PRIu64" mtu %d\n", rkey, o->region,
           link_mtu(link));
    fflush(stdout);
    while (!stop && (o->seconds <= 0 || now_s() < end)) {
        run_qp(qp, link, &q);
        if (roe_qp_get_state(qp) == ROE_QP_ERROR) {
            fprintf(stderr, "ecp-rdma-perf: QP error: %s\n",
                    roe_qp_error_reason(qp));
            return EXIT_FAILURE;
        }
    }
    return EXIT_SUCCESS;
}

static int
do_requester(const struct options *o, bool read)
{
    struct link *link = open_link(o, true);
    struct mr_table *mrs = mr_table_create();
    struct tx_queue q;
    struct roe_qp *qp = make_qp(o, link, mrs, &q);
    uint8_t *bufs = xalloc_zeroed(ROE_QP_SQ_SIZE, o->size);
    uint64_t posted = 0, done = 0, bytes = 0, offset = 0;
    double start, end, last = 0;

    if (!o->rkey) {
        fatal("--rkey is required");
    }
    start = now_s();
    end = start + o->seconds;
    while (!stop) {
        struct roe_completion c[BATCH];
        double t;
        int n;

        while (now_s() < end) {
            struct roe_send_wr wr = {
                .wr_id = posted,
                .opcode = read ? ROE_WR_READ : ROE_WR_WRITE,
                .local = bufs + (posted % ROE_QP_SQ_SIZE) * (size_t) o->size,
                .length = o->size,
                .remote_va = offset,
                .rkey = o->rkey,
            };
            int error = roe_qp_post_send(qp, &wr);

            if (error == EAGAIN) {
                break;
            } else if (error) {
                fatal("posting failed");
            }
            posted++;
            offset += o->size;
            if (offset + o->size > o->region) {
                offset = 0;
            }
        }
        run_qp(qp, link, &q);
        while ((n = roe_qp_poll_send(qp, c, BATCH)) > 0) {
            for (int i = 0; i < n; i++) {
                if (c[i].status != ROE_WC_SUCCESS) {
                    fprintf(stderr, "ecp-rdma-perf: %s\n",
                            roe_wc_status_to_string(c[i].status));
                    return EXIT_FAILURE;
                }
                bytes += c[i].length;
            }
            done += n;
            last = now_s();
        }
        t = now_s();
        if (t >= end && done == posted) {
            break;
        }
        if (t > end + 10) {
            fatal("operations did not complete");
        }
    }
    print_result(o, read ? "read" : "write", done, bytes, last - start);
    return EXIT_SUCCESS;
}

static int
do_raw_source(const struct options *o)
{
    struct link *link = open_link(o, true);
    struct ecp_l2 l2 = { .has_vlan = false };
    struct link_frame frames[BATCH];
    size_t len = ECP_ETH_HEADER_LEN + o->size;
    uint8_t *frame;
    uint64_t sent = 0;
    double start, end;

    if (o->size > (uint32_t) link_mtu(link) || o->size < ECP_HEADER_LEN) {
        fatal("--size must be in 4..MTU for raw frames");
    }
    frame = xalloc_zeroed(1, len < ECP_MIN_FRAME_LEN ? ECP_MIN_FRAME_LEN
                                                      : len);
    memcpy(l2.dst, ecp_nearest_customer_bridge, 6);
    link_get_mac(link, l2.src);
    ecp_put_headers(frame, &l2, ECP_OP_REQUEST, RAW_SUBTYPE, 0);
    for (int i = 0; i < BATCH; i++) {
        frames[i].data = frame;
        frames[i].len = len < ECP_MIN_FRAME_LEN ? ECP_MIN_FRAME_LEN : len;
    }
    start = now_s();
    end = start + o->seconds;
    while (!stop && now_s() < end) {
        link_run(link);
        sent += link_send(link, frames, BATCH);
    }
    print_result(o, "raw-source", sent, sent * o->size, now_s() - start);
    return EXIT_SUCCESS;
}

static int
do_raw_sink(const struct options *o)
{
    struct link *link = open_link(o, false);
    uint64_t frames = 0, bytes = 0;
    double first = 0, last = 0, end = now_s() + o->seconds;

    printf("ready\n");
    fflush(stdout);
    while (!stop && now_s() < end) {
        struct link_frame in[BATCH];
        int n;

        link_run(link);
        n = link_recv(link, in, BATCH);

        for (int i = 0; i < n; i++) {
            struct ecp_frame f;

            if (ecp_parse(in[i].data, in[i].len, &f) == ECP_PARSE_OK
                && f.subtype == RAW_SUBTYPE) {
                frames++;
                bytes += in[i].len - ECP_ETH_HEADER_LEN;
                last = now_s();
                if (!first) {
                    first = last;
                }
            }
        }
    }
    print_result(o, "raw-sink", frames, bytes, last - first);
    return EXIT_SUCCESS;
}

/* cpu-latency: how two CPUs sit relative to each other.  On a virtual
 * machine the host may place two virtual CPUs on the two hardware threads
 * of one core, on two cores that share a cache, or far apart, and change
 * that from time to time; each changes every two-thread figure.  A cache
 * line bounced between two threads pinned to the CPUs measures the
 * distance; a loop of arithmetic run on both CPUs at once, against the
 * same loop on one alone, tells whether they share a core. */
enum { PINGPONG_ROUNDS = 200000, SPIN_ITERATIONS = 5000000 };

struct pingpong {
    int cpu;
    int flag __attribute__((aligned(64)));
};

static bool
pin_to_cpu(int cpu)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return !pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *
pingpong_echo(void *pp_)
{
    struct pingpong *pp = pp_;

    pin_to_cpu(pp->cpu);
    for (int i = 0; i < PINGPONG_ROUNDS; i++) {
        while (__atomic_load_n(&pp->flag, __ATOMIC_ACQUIRE) != 1) {
            continue;
        }
        __atomic_store_n(&pp->flag, 0, __ATOMIC_RELEASE);
    }
    return NULL;
}

struct spinner {
    int cpu;
    double seconds;
};

/* Eight independent chains of multiplications: enough to keep a core's
 * multipliers busy, so that two hardware threads of one core slow each
 * other down; no memory traffic. */
static void *
spin(void *sp_)
{
    struct spinner *sp = sp_;
    volatile uint64_t sink;
    uint64_t x[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    double start;

    pin_to_cpu(sp->cpu);
    start = now_s();
    for (int i = 0; i < SPIN_ITERATIONS; i++) {
        for (int j = 0; j < 8; j++) {
            x[j] = x[j] * 6364136223846793005ULL + 1442695040888963407ULL;
        }
    }
    sink = x[0] ^ x[1] ^ x[2] ^ x[3] ^ x[4] ^ x[5] ^ x[6] ^ x[7];
    (void) sink;
    sp->seconds = now_s() - start;
    return NULL;
}

/* Returns how much slower the spin loop runs on both CPUs at once than on
 * the first one alone: about 1 for separate cores, about 2 for the two
 * threads of one core. */
static double
shared_core_slowdown(const struct options *o)
{
    struct spinner alone = { .cpu = o->cpus[0] };
    struct spinner both[2] = { { .cpu = o->cpus[0] }, { .cpu = o->cpus[1] } };
    pthread_t threads[2];

    spin(&alone);
    for (int i = 0; i < 2; i++) {
        if (pthread_create(&threads[i], NULL, spin, &both[i])) {
            fatal("cannot start a thread");
        }
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(threads[i], NULL);
    }
    return (both[0].seconds + both[1].seconds) / 2 / alone.seconds;
}

static int
do_cpu_latency(const struct options *o)
{
    struct pingpong pp = { .cpu = o->cpus[1] };
    pthread_t thread;
    double start, ns, slowdown;

    if (!pin_to_cpu(o->cpus[0])) {
        fatal("cannot run on the first CPU");
    }
    if (pthread_create(&thread, NULL, pingpong_echo, &pp)) {
        fatal("cannot start a thread");
    }
    start = now_s();
    for (int i = 0; i < PINGPONG_ROUNDS; i++) {
        __atomic_store_n(&pp.flag, 1, __ATOMIC_RELEASE);
        while (__atomic_load_n(&pp.flag, __ATOMIC_ACQUIRE) != 0) {
            continue;
        }
    }
    ns = (now_s() - start) * 1e9 / PINGPONG_ROUNDS;
    pthread_join(thread, NULL);
    slowdown = shared_core_slowdown(o);
    if (o->json) {
        printf("{\"test\": \"cpu-latency\", \"cpus\": [%d, %d], "
               "\"round_trip_ns\": %.1f, \"shared_core_slowdown\": %.2f}\n",
               o->cpus[0], o->cpus[1], ns, slowdown);
    } else {
        printf("CPU %d <-> CPU %d: %.1f ns per round trip; together %.2f "
               "times slower than alone\n", o->cpus[0], o->cpus[1], ns,
               slowdown);
    }
    return EXIT_SUCCESS;
}

int
main(int argc, char *argv[])
{
    struct options o;

    parse_options(argc, argv, &o);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    if (!strcmp(o.command, "responder")) {
        return do_responder(&o);
    } else if (!strcmp(o.command, "read")) {
        return do_requester(&o, true);
    } else if (!strcmp(o.command, "write")) {
        return do_requester(&o, false);
    } else if (!strcmp(o.command, "raw-source")) {
        return do_raw_source(&o);
    } else if (!strcmp(o.command, "raw-sink")) {
        return do_raw_sink(&o);
    } else if (!strcmp(o.command, "cpu-latency")) {
        return do_cpu_latency(&o);
    }
    fprintf(stderr, "ecp-rdma-perf: unknown command \"%s\"\n", o.command);
    return EXIT_FAILURE;
}
