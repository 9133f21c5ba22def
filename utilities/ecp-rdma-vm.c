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

/* ecp-rdma-vm: a memif client that stands in for a VM.  It sends, receives,
 * echoes or pings test frames through a memif server, such as the vm role
 * of an ecp-rdma port, and reports what arrived. */

#define _GNU_SOURCE 1

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "ecprdma-clock.h"
#include "ecp-rdma-vm-arp.h"
#include "ecp-rdma-vm-memif.h"
#include "ecp-rdma-vm-options.h"
#include "ecp-rdma-vm-payload.h"
#include "xalloc.h"

/* How long ping waits for each reply, in nanoseconds. */
#define PING_WAIT_NS 1000000000ULL

/* How long to wait, at the end, for the server to consume what was sent,
 * in nanoseconds. */
#define DRAIN_WAIT_NS 5000000000ULL

/* Longest sleep of a waiting loop, in nanoseconds, so that timeouts and
 * the control channel are checked often enough. */
#define MAX_WAIT_NS 100000000ULL

/* How long echo retries a full C2S ring before dropping, in nanoseconds. */
#define ECHO_TX_WAIT_NS 1000000000ULL

/* How often to look for --start-file. */
#define START_FILE_POLL_NS 10000000ULL

/* arp: how often to ask, and for how long by default. */
#define ARP_INTERVAL_NS 100000000ULL
#define ARP_TIMEOUT_NS 10000000000ULL

/* State shared by the subcommands while they run. */
struct runner {
    const struct options *opt;
    struct memif_client *mc;
    uint64_t start_ns;
    uint64_t deadline_ns;       /* UINT64_MAX if no --timeout. */
    uint64_t next_check_ns;     /* When to check the control channel. */
    unsigned int spins;
    bool timed_out;
    bool failed;
};

/* Set by SIGINT and SIGTERM. */
static volatile sig_atomic_t stop_requested;

/* Records a request to stop. */
static void
stop_handler(int signr)
{
    stop_requested = signr;
}

/* Returns the current time on the monotonic clock, in nanoseconds. */
static uint64_t
now_ns(void)
{
    return ecprdma_clock_ns();
}

/* Sleeps for 'ns' nanoseconds, or less if a signal arrives. */
static void
sleep_ns(uint64_t ns)
{
    struct timespec ts = { ns / 1000000000ULL, ns % 1000000000ULL };

    nanosleep(&ts, NULL);
}

/* Tells the CPU that this is a busy-wait loop. */
static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield" ::: "memory");
#endif
}

/* Returns the size of the next frame to send, drawn with the state of
 * 'rng'. */
static uint32_t
next_size(const struct options *opt, uint64_t *rng, uint64_t index)
{
    const struct size_item *si = &opt->sizes[index % opt->n_sizes];
    uint64_t x;

    if (si->min == si->max) {
        return si->min;
    }
    /* xorshift64*. */
    x = *rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *rng = x;
    x *= 0x2545f4914f6cdd1dULL;
    return si->min + (x >> 32) % (si->max - si->min + 1);
}

/* Returns true if the command should stop: on a signal, at the deadline, or
 * after a failure. */
static bool
should_stop(struct runner *r)
{
    if (r->failed || stop_requested) {
        return true;
    }
    if (r->deadline_ns != UINT64_MAX && now_ns() >= r->deadline_ns) {
        r->timed_out = true;
        return true;
    }
    return false;
}

/* Checks the control channel now and then while busy-polling.  Returns
 * false if the connection failed. */
static bool
tick(struct runner *r)
{
    if (++r->spins >= 256) {
        uint64_t now = now_ns();

        r->spins = 0;
        if (now >= r->next_check_ns) {
            r->next_check_ns = now + 10000000;
            if (memif_client_check_control(r->mc) < 0) {
                r->failed = true;
                return false;
            }
        }
    }
    return true;
}

/* Returns how long a wait may last: until 'until_ns', the deadline, or the
 * longest wait, whichever comes first, in nanoseconds. */
static uint64_t
wait_budget(const struct runner *r, uint64_t until_ns)
{
    uint64_t now = now_ns();
    uint64_t end = until_ns < r->deadline_ns ? until_ns : r->deadline_ns;

    if (end <= now) {
        return 0;
    }
    return end - now < MAX_WAIT_NS ? end - now : MAX_WAIT_NS;
}

/* Waits for frames on the S2C rings, until 'until_ns' at the latest:
 * sleeps on the eventfds in interrupt mode, spins in poll mode.  A
 * spinning client yields the CPU to any other thread that is ready to run
 * on it, such as a second client sharing the core: it still never
 * sleeps. */
static void
wait_rx(struct runner *r, uint64_t until_ns)
{
    if (r->opt->memif.interrupt) {
        uint64_t ns = wait_budget(r, until_ns);

        if (memif_client_wait(r->mc, (ns + 999999) / 1000000) < 0) {
            r->failed = true;
        }
    } else {
        sched_yield();
        tick(r);
    }
}

/* Waits for room on the C2S rings: the server never signals it, so this
 * spins in poll mode and sleeps briefly in interrupt mode. */
static void
wait_tx(struct runner *r)
{
    if (r->opt->memif.interrupt) {
        sleep_ns(20000);
        r->spins = 255;
    } else {
        cpu_relax();
    }
    tick(r);
}

/* Waits up to DRAIN_WAIT_NS for the server to consume everything sent,
 * also after a signal asked the command to stop.  Returns true if it
 * did. */
static bool
drain_tx(struct runner *r)
{
    uint64_t end = now_ns() + DRAIN_WAIT_NS;

    while (!memif_client_tx_drained(r->mc)) {
        if (r->failed || now_ns() >= end) {
            return false;
        }
        sleep_ns(100000);
        r->spins = 255;
        tick(r);
    }
    return true;
}

/* Sends 'n' frames on queue 'q', waiting for room as needed.  Returns the
 * number sent, less than 'n' only if the command must stop or if 'max_ns'
 * passes. */
static int
send_all(struct runner *r, unsigned int q,
         const struct memif_client_frame *frames, int n, uint64_t max_ns)
{
    uint64_t give_up = max_ns ? now_ns() + max_ns : UINT64_MAX;
    int done = 0;

    while (done < n) {
        int k = memif_client_tx(r->mc, q, frames + done, n - done);

        if (k < 0) {
            r->failed = true;
            break;
        }
        done += k;
        if (done < n) {
            if (should_stop(r) || now_ns() >= give_up) {
                break;
            }
            wait_tx(r);
        }
    }
    return done;
}

/* Prints 's' as a JSON string. */
static void
json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = *s;

        if (c == '"' || c == '\\') {
            printf("\\%c", c);
        } else if (c < 0x20 || c >= 0x7f) {
            printf("\\u%04x", c);
        } else {
            putchar(c);
        }
    }
    putchar('"');
}

/* Returns the CPU time that this process has used, in seconds. */
static double
cpu_seconds(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru)) {
        return 0;
    }
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
            + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
}

/* Prints the JSON members common to every command, after the opening
 * brace. */
static void
json_common(const struct runner *r, double seconds)
{
    const struct options *opt = r->opt;
    const struct memif_client_stats *st = memif_client_stats(r->mc);

    printf("\"command\": \"%s\", \"socket\": ", command_names[opt->command]);
    json_string(opt->memif.socket);
    printf(", \"server\": ");
    json_string(memif_client_server_name(r->mc));
    printf(", \"server_if\": ");
    json_string(memif_client_server_if_name(r->mc));
    printf(", \"c2s_rings\": %u, \"s2c_rings\": %u, \"ring_size\": %u, "
           "\"buffer_size\": %"PRIu32", \"regions\": %u, \"mode\": \"%s\", "
           "\"seconds\": %.6f, \"cpu_seconds\": %.3f, "
           "\"timed_out\": %s, \"interrupted\": %s, "
           "\"kicks\": %"PRIu64", \"wakeups\": %"PRIu64", "
           "\"events\": %"PRIu64", \"missed_events\": %"PRIu64", "
           "\"sleeps\": %"PRIu64", \"rechecks\": %"PRIu64", "
           "\"bad_desc\": %"PRIu64", \"oversized\": %"PRIu64,
           memif_client_n_c2s(r->mc), memif_client_n_s2c(r->mc),
           memif_client_ring_size(r->mc), memif_client_buffer_size(r->mc),
           opt->memif.n_regions, opt->memif.interrupt ? "interrupt" : "poll",
           seconds, cpu_seconds(), r->timed_out ? "true" : "false",
           stop_requested ? "true" : "false",
           st->kicks, st->wakeups, st->events, st->missed_events,
           st->sleeps, st->rechecks, st->bad_desc, st->oversized);
}

/* Returns 'n' per second over 'seconds', or 0. */
static double
per_second(double n, double seconds)
{
    return seconds > 0 ? n / seconds : 0;
}

/* When frames first moved, and when they last did. */
struct span {
    uint64_t first_ns;          /* 0 if none has moved yet. */
    uint64_t last_ns;
};

/* Notes that frames moved just now. */
static void
span_mark(struct span *span)
{
    span->last_ns = now_ns();
    if (!span->first_ns) {
        span->first_ns = span->last_ns;
    }
}

/* Returns the seconds from the first frames to the last, or 0. */
static double
span_seconds(const struct span *span)
{
    return (span->last_ns > span->first_ns
            ? (span->last_ns - span->first_ns) / 1e9 : 0);
}

/* What send keeps while it runs. */
struct sender {
    struct runner *r;
    unsigned int n_queues;      /* C2S queues, used in turn. */
    uint32_t max_size;          /* Of each buffer in 'bufs'. */
    uint8_t *bufs;              /* MEMIF_CLIENT_MAX_BURST buffers. */
    uint64_t *seqs;             /* Next sequence number, per queue. */
    uint64_t rng;               /* Draws the sizes of the frames. */
    uint64_t interval_ns;       /* Between frames at --rate, else 0. */
    uint64_t next_ns;           /* At --rate: when the next frame is due. */
    uint64_t sent;              /* Frames sent. */
    uint64_t bytes;             /* Bytes sent. */
    struct span span;
};

static void
sender_init(struct sender *s, struct runner *r)
{
    const struct options *opt = r->opt;

    memset(s, 0, sizeof *s);
    s->r = r;
    s->n_queues = memif_client_n_c2s(r->mc);
    s->max_size = max_frame_size(opt);
    s->bufs = xalloc((size_t) MEMIF_CLIENT_MAX_BURST * s->max_size);
    s->seqs = xalloc_zeroed(s->n_queues, sizeof *s->seqs);
    s->rng = opt->seed ? opt->seed : 1;
    s->interval_ns = opt->rate ? 1e9 / opt->rate : 0;
    if (!s->interval_ns && opt->rate) {
        s->interval_ns = 1;
    }
    s->next_ns = now_ns();
}

static void
sender_destroy(struct sender *s)
{
    free(s->seqs);
    free(s->bufs);
}

/* Returns how many of 'n' frames may go now: all without --rate, otherwise
 * those that are due, or none after waiting a little if none is. */
static uint64_t
pace(struct sender *s, uint64_t n)
{
    struct runner *r = s->r;
    uint64_t now, due;

    if (!s->interval_ns) {
        return n;
    }
    now = now_ns();
    if (s->next_ns > now) {
        uint64_t ns = wait_budget(r, s->next_ns);

        if (ns > 100000 || r->opt->memif.interrupt) {
            sleep_ns(ns);
            r->spins = 255;
        } else {
            cpu_relax();
        }
        tick(r);
        return 0;
    }
    if (now - s->next_ns > 4 * MEMIF_CLIENT_MAX_BURST * s->interval_ns) {
        /* Too far behind: do not catch up in one rush. */
        s->next_ns = now - MEMIF_CLIENT_MAX_BURST * s->interval_ns;
    }
    due = (now - s->next_ns) / s->interval_ns + 1;
    return due < n ? due : n;
}

/* Makes 'n' test frames and sends them on queue 'q'. */
static void
send_burst(struct sender *s, unsigned int q, int n)
{
    const struct options *opt = s->r->opt;
    struct memif_client_frame frames[MEMIF_CLIENT_MAX_BURST];
    int i, done;

    for (i = 0; i < n; i++) {
        uint32_t size = next_size(opt, &s->rng, s->sent + i);

        frames[i].data = s->bufs + (size_t) i * s->max_size;
        frames[i].len = size;
        vm_frame_build(frames[i].data, size, &opt->template,
                       opt->stream + q, s->seqs[q] + i);
    }
    done = send_all(s->r, q, frames, n, 0);
    if (done) {
        span_mark(&s->span);
    }
    for (i = 0; i < done; i++) {
        s->bytes += frames[i].len;
    }
    s->sent += done;
    s->seqs[q] += done;
    s->next_ns += done * s->interval_ns;
}

/* Prints what send did. */
static void
print_sent(const struct sender *s, bool drained, uint64_t unconsumed)
{
    double seconds = span_seconds(&s->span);

    if (s->r->opt->json) {
        putchar('{');
        json_common(s->r, seconds);
        printf(", \"sent\": %"PRIu64", \"bytes\": %"PRIu64", "
               "\"pps\": %.1f, \"bps\": %.1f, \"drained\": %s, "
               "\"unconsumed\": %"PRIu64"}\n",
               s->sent, s->bytes, per_second(s->sent, seconds),
               per_second(s->bytes * 8.0, seconds),
               drained ? "true" : "false", unconsumed);
    } else {
        printf("sent %"PRIu64" frames, %"PRIu64" bytes in %.3f s "
               "(%.0f frames/s, %.1f Mbit/s)",
               s->sent, s->bytes, seconds, per_second(s->sent, seconds),
               per_second(s->bytes * 8.0, seconds) / 1e6);
        if (!drained) {
            printf(", %"PRIu64" not consumed", unconsumed);
        }
        putchar('\n');
    }
}

/* send: sends --count test frames, or until stopped, at --rate. */
static int
cmd_send(struct runner *r)
{
    const struct options *opt = r->opt;
    unsigned int q = 0;
    uint64_t unconsumed;
    struct sender s;
    bool drained;

    sender_init(&s, r);
    while (!opt->count || s.sent < opt->count) {
        uint64_t n = MEMIF_CLIENT_MAX_BURST;

        if (!tick(r) || should_stop(r)) {
            break;
        }
        if (opt->count && opt->count - s.sent < n) {
            n = opt->count - s.sent;
        }
        n = pace(&s, n);
        if (n) {
            send_burst(&s, q, n);
            q = (q + 1) % s.n_queues;
        }
    }
    drained = !r->failed && drain_tx(r);
    if (!r->failed && !drained) {
        fprintf(stderr, "%s: %s: server did not consume every frame sent\n",
                PROGRAM_NAME, opt->memif.socket);
    }
    /* Also after the server went: the rings are in the client's memory. */
    unconsumed = drained ? 0 : memif_client_tx_unconsumed(r->mc);

    print_sent(&s, drained, unconsumed);
    sender_destroy(&s);
    return r->failed ? EXIT_FAIL : EXIT_OK;
}

/* What recv counts. */
struct recv_counts {
    uint64_t frames;            /* Every frame. */
    uint64_t bytes;
    uint64_t valid;             /* Test frames, intact. */
    uint64_t corrupted;         /* Test frames, damaged. */
    uint64_t foreign;           /* Not test frames. */
    uint64_t bad_vlan;          /* Valid test frames with the wrong tag. */
};

/* With --verbose, logs the first frames that are not valid test frames,
 * described as 'what', on stderr. */
static void
log_frame(const struct options *opt, const char *what,
          const struct memif_client_frame *frame,
          const struct vm_frame_info *info)
{
    static unsigned int n_logged;
    uint32_t i;

    if (!opt->memif.verbose || n_logged >= 20) {
        return;
    }
    n_logged++;
    fprintf(stderr, "%s: %s frame, %"PRIu32" bytes, stream %"PRIu32", "
            "seq %"PRIu64":", PROGRAM_NAME, what, frame->len, info->stream,
            info->seq);
    for (i = 0; i < frame->len && i < 48; i++) {
        fprintf(stderr, "%s%02x", i % 4 ? "" : " ", frame->data[i]);
    }
    fputc('\n', stderr);
}

/* recv: receives test frames until --count, --timeout or a signal, and
 * reports what was missing or wrong. */
/* Receives a burst from S2C queue 'q' into 'c' and 'tracker'.  Returns the
 * number of frames received, or -1 if the server broke the ring. */
static int
recv_burst(struct runner *r, unsigned int q, struct recv_counts *c,
           struct vm_tracker *tracker)
{
    const struct options *opt = r->opt;
    struct memif_client_frame frames[MEMIF_CLIENT_MAX_BURST];
    int n = memif_client_rx(r->mc, q, frames, MEMIF_CLIENT_MAX_BURST);
    int i;

    for (i = 0; i < n; i++) {
        struct vm_frame_info info;

        c->frames++;
        c->bytes += frames[i].len;
        switch (vm_frame_parse(frames[i].data, frames[i].len, &info)) {
        case VM_FRAME_OURS:
            c->valid++;
            if (opt->expect_vlan != -2 && info.vlan != opt->expect_vlan) {
                c->bad_vlan++;
            }
            vm_tracker_add(tracker, info.stream, info.seq);
            break;
        case VM_FRAME_CORRUPT:
            c->corrupted++;
            log_frame(opt, "corrupted", &frames[i], &info);
            break;
        case VM_FRAME_FOREIGN:
        default:
            c->foreign++;
            log_frame(opt, "foreign", &frames[i], &info);
            break;
        }
    }
    if (n >= 0) {
        memif_client_rx_done(r->mc, q);
    }
    return n;
}

static int
cmd_recv(struct runner *r)
{
    const struct options *opt = r->opt;
    unsigned int n_queues = memif_client_n_s2c(r->mc);
    const struct memif_client_stats *st = memif_client_stats(r->mc);
    struct vm_tracker *tracker = vm_tracker_create();
    struct vm_tracker_totals t;
    struct recv_counts c;
    struct span span = { 0, 0 };
    double seconds;
    bool broken = false;
    bool bad;

    memset(&c, 0, sizeof c);
    while (!opt->count || c.valid + c.corrupted < opt->count) {
        bool got = false;
        unsigned int q;

        if (!tick(r) || should_stop(r)) {
            break;
        }
        for (q = 0; q < n_queues; q++) {
            int n = recv_burst(r, q, &c, tracker);

            if (n < 0) {
                r->failed = broken = true;
                break;
            } else if (n > 0) {
                span_mark(&span);
                got = true;
            }
        }
        if (opt->rx_pause && !r->failed) {
            sleep_ns(opt->rx_pause * 1e9);
        } else if (!got && !r->failed) {
            wait_rx(r, UINT64_MAX);
        }
    }
    if (r->failed && !broken) {
        /* The server went: what it had put into the rings, which are in
         * the client's memory, is still ours. */
        for (unsigned int q = 0; q < n_queues; q++) {
            while ((!opt->count || c.valid + c.corrupted < opt->count)
                   && recv_burst(r, q, &c, tracker) > 0) {
                continue;
            }
        }
    }

    vm_tracker_get_totals(tracker, &t);
    if (opt->count && t.unique + t.lost < opt->count) {
        /* Frames that never arrived after the last one that did. */
        t.lost = opt->count - t.unique;
    }
    seconds = span_seconds(&span);
    bad = (t.lost || t.duplicated || t.reordered || c.corrupted
           || c.bad_vlan || st->bad_desc || st->oversized);
    if (opt->json) {
        putchar('{');
        json_common(r, seconds);
        printf(", \"received\": %"PRIu64", \"bytes\": %"PRIu64", "
               "\"valid\": %"PRIu64", \"unique\": %"PRIu64", "
               "\"lost\": %"PRIu64", \"duplicated\": %"PRIu64", "
               "\"reordered\": %"PRIu64", \"corrupted\": %"PRIu64", "
               "\"foreign\": %"PRIu64", \"bad_vlan\": %"PRIu64", "
               "\"streams\": %zu, \"pps\": %.1f, \"bps\": %.1f, "
               "\"ok\": %s}\n",
               c.frames, c.bytes, c.valid, t.unique, t.lost, t.duplicated,
               t.reordered, c.corrupted, c.foreign, c.bad_vlan, t.n_streams,
               per_second(c.frames, seconds),
               per_second(c.bytes * 8.0, seconds), bad ? "false" : "true");
    } else {
        printf("received %"PRIu64" frames, %"PRIu64" bytes in %.3f s "
               "(%.0f frames/s, %.1f Mbit/s)\n"
               "valid %"PRIu64", lost %"PRIu64", duplicated %"PRIu64", "
               "reordered %"PRIu64", corrupted %"PRIu64", "
               "foreign %"PRIu64", bad VLAN %"PRIu64"\n",
               c.frames, c.bytes, seconds, per_second(c.frames, seconds),
               per_second(c.bytes * 8.0, seconds) / 1e6,
               c.valid, t.lost, t.duplicated, t.reordered, c.corrupted,
               c.foreign, c.bad_vlan);
        if (st->bad_desc || st->oversized || st->missed_events) {
            printf("bad descriptors %"PRIu64", oversized %"PRIu64", "
                   "missed events %"PRIu64"\n",
                   st->bad_desc, st->oversized, st->missed_events);
        }
    }
    vm_tracker_destroy(tracker);
    return r->failed ? EXIT_FAIL : bad ? EXIT_CHECK : EXIT_OK;
}

/* echo: sends every received frame back on the same queue, with its MAC
 * addresses swapped. */
static int
cmd_echo(struct runner *r)
{
    const struct options *opt = r->opt;
    unsigned int n_s2c = memif_client_n_s2c(r->mc);
    unsigned int n_c2s = memif_client_n_c2s(r->mc);
    uint64_t received = 0, echoed = 0, dropped = 0, bytes = 0;
    struct span span = { 0, 0 };
    double seconds;

    while (!opt->count || received < opt->count) {
        bool got = false;
        unsigned int q;

        if (!tick(r) || should_stop(r)) {
            break;
        }
        for (q = 0; q < n_s2c && !r->failed; q++) {
            struct memif_client_frame frames[MEMIF_CLIENT_MAX_BURST];
            int n = memif_client_rx(r->mc, q, frames, MEMIF_CLIENT_MAX_BURST);
            int i, done;

            if (n < 0) {
                r->failed = true;
                break;
            } else if (!n) {
                continue;
            }
            for (i = 0; i < n; i++) {
                vm_frame_swap_macs(frames[i].data, frames[i].len,
                                   opt->template.src);
                vm_frame_swap_ipv4(frames[i].data, frames[i].len);
            }
            done = send_all(r, q % n_c2s, frames, n, ECHO_TX_WAIT_NS);
            memif_client_rx_done(r->mc, q);
            for (i = 0; i < done; i++) {
                bytes += frames[i].len;
            }
            received += n;
            echoed += done;
            dropped += n - done;
            span_mark(&span);
            got = true;
        }
        if (!got && !r->failed) {
            wait_rx(r, UINT64_MAX);
        }
    }
    if (!r->failed) {
        drain_tx(r);
    }

    seconds = span_seconds(&span);
    if (opt->json) {
        putchar('{');
        json_common(r, seconds);
        printf(", \"received\": %"PRIu64", \"echoed\": %"PRIu64", "
               "\"dropped\": %"PRIu64", \"bytes\": %"PRIu64", "
               "\"pps\": %.1f}\n", received, echoed, dropped, bytes,
               per_second(echoed, seconds));
    } else {
        printf("echoed %"PRIu64" of %"PRIu64" frames received, "
               "%"PRIu64" bytes (%"PRIu64" dropped)\n",
               echoed, received, bytes, dropped);
    }
    return r->failed ? EXIT_FAIL : EXIT_OK;
}

/* Receives everything pending.  Returns true if an ARP reply from the
 * target of --ip came, and stores its MAC address in 'mac'. */
static bool
arp_receive(struct runner *r, uint8_t mac[VM_ETH_ADDR_LEN])
{
    unsigned int n_queues = memif_client_n_s2c(r->mc);
    bool found = false;

    for (unsigned int q = 0; q < n_queues; q++) {
        struct memif_client_frame frames[MEMIF_CLIENT_MAX_BURST];
        int n = memif_client_rx(r->mc, q, frames, MEMIF_CLIENT_MAX_BURST);

        if (n < 0) {
            r->failed = true;
            return false;
        }
        for (int i = 0; i < n && !found; i++) {
            found = vm_arp_parse_reply(frames[i].data, frames[i].len,
                                       r->opt->template.ip_dst, mac);
        }
        memif_client_rx_done(r->mc, q);
    }
    return found;
}

/* arp: asks for the MAC address of --ip's DST every ARP_INTERVAL_NS, until
 * an answer comes or --timeout (default ARP_TIMEOUT_NS) passes. */
static int
cmd_arp(struct runner *r)
{
    const struct vm_frame_template *t = &r->opt->template;
    uint8_t request[VM_ARP_FRAME_SIZE], mac[VM_ETH_ADDR_LEN];
    struct memif_client_frame frame = {
        .data = request,
        .len = vm_arp_build_request(request, t->src, t->vlan, t->ip_src,
                                    t->ip_dst),
    };
    char ip[INET_ADDRSTRLEN];
    uint64_t next = 0;

    if (r->deadline_ns == UINT64_MAX) {
        r->deadline_ns = r->start_ns + ARP_TIMEOUT_NS;
    }
    inet_ntop(AF_INET, t->ip_dst, ip, sizeof ip);
    while (!should_stop(r) && tick(r)) {
        if (arp_receive(r, mac)) {
            printf("%s is-at %02x:%02x:%02x:%02x:%02x:%02x\n", ip,
                   mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
            return EXIT_OK;
        }
        if (now_ns() >= next) {
            send_all(r, 0, &frame, 1, ARP_INTERVAL_NS);
            next = now_ns() + ARP_INTERVAL_NS;
        }
        wait_rx(r, next);
    }
    printf("no answer from %s\n", ip);
    return r->failed ? EXIT_FAIL : EXIT_CHECK;
}

/* Returns the 'q' quantile (0 < q <= 1) of the 'n' sorted values in 'v'
 * (n > 0): the smallest value that at least q * n of them do not exceed. */
static uint64_t
quantile(const uint64_t *v, uint64_t n, double q)
{
    uint64_t i = ceil(n * q);

    return v[i ? i - 1 : 0];
}

/* Compares two uint64_t values, for qsort(). */
static int
compare_u64(const void *a_, const void *b_)
{
    const uint64_t *a = a_;
    const uint64_t *b = b_;

    return *a < *b ? -1 : *a > *b;
}

/* What ping counts. */
struct ping_counts {
    uint64_t sent;
    uint64_t received;
    uint64_t late;              /* Replies after their wait ended. */
    uint64_t corrupted;
    uint64_t foreign;
};

/* Receives everything pending, counting it in 'c'.  Returns true if the
 * reply to 'seq' arrived. */
static bool
ping_receive(struct runner *r, struct ping_counts *c, uint64_t seq)
{
    unsigned int n_queues = memif_client_n_s2c(r->mc);
    bool found = false;
    unsigned int q;

    for (q = 0; q < n_queues; q++) {
        struct memif_client_frame frames[MEMIF_CLIENT_MAX_BURST];
        int n = memif_client_rx(r->mc, q, frames, MEMIF_CLIENT_MAX_BURST);
        int i;

        if (n < 0) {
            r->failed = true;
            return false;
        }
        for (i = 0; i < n; i++) {
            struct vm_frame_info info;

            switch (vm_frame_parse(frames[i].data, frames[i].len, &info)) {
            case VM_FRAME_OURS:
                if (info.stream != r->opt->stream) {
                    c->foreign++;
                } else if (info.seq == seq && !found) {
                    found = true;
                } else {
                    c->late++;
                }
                break;
            case VM_FRAME_CORRUPT:
                c->corrupted++;
                break;
            case VM_FRAME_FOREIGN:
            default:
                c->foreign++;
                break;
            }
        }
        memif_client_rx_done(r->mc, q);
    }
    return found;
}

/* ping: sends --count test frames, one at a time, each --interval after
 * the previous one, and measures how long each takes to come back. */
static int
cmd_ping(struct runner *r)
{
    const struct options *opt = r->opt;
    uint8_t *buf = xalloc(max_frame_size(opt));
    uint64_t rng = opt->seed ? opt->seed : 1;
    uint64_t *rtts = xalloc_zeroed(opt->count, sizeof *rtts);
    uint64_t interval_ns = opt->interval * 1e9;
    uint64_t min = 0, median = 0, p99 = 0, p999 = 0, max = 0, sum = 0;
    struct ping_counts c;
    uint64_t seq;
    bool bad;

    memset(&c, 0, sizeof c);
    for (seq = 0; seq < opt->count && tick(r) && !should_stop(r);
         seq++) {
        uint32_t size = next_size(opt, &rng, seq);
        struct memif_client_frame frame = { buf, size };
        uint64_t t0, reply_by, next_ns;
        bool found = false;

        /* Anything still pending is late. */
        ping_receive(r, &c, UINT64_MAX);

        vm_frame_build(buf, size, &opt->template, opt->stream, seq);
        t0 = now_ns();
        if (send_all(r, 0, &frame, 1, 0) != 1) {
            break;
        }
        c.sent++;

        reply_by = t0 + PING_WAIT_NS;
        while (!found && !r->failed && now_ns() < reply_by
               && !should_stop(r)) {
            found = ping_receive(r, &c, seq);
            if (found) {
                rtts[c.received++] = now_ns() - t0;
            } else if (!r->failed) {
                wait_rx(r, reply_by);
            }
        }

        next_ns = t0 + interval_ns;
        while (seq + 1 < opt->count && !r->failed && !should_stop(r)
               && now_ns() < next_ns) {
            uint64_t ns = wait_budget(r, next_ns);

            sleep_ns(ns < 1000000 ? ns : 1000000);
            ping_receive(r, &c, UINT64_MAX);
            r->spins = 255;
            tick(r);
        }
    }

    if (c.received) {
        qsort(rtts, c.received, sizeof *rtts, compare_u64);
        min = rtts[0];
        max = rtts[c.received - 1];
        median = (c.received % 2
                  ? rtts[c.received / 2]
                  : (rtts[c.received / 2 - 1] + rtts[c.received / 2]) / 2);
        p99 = quantile(rtts, c.received, 0.99);
        p999 = quantile(rtts, c.received, 0.999);
        for (seq = 0; seq < c.received; seq++) {
            sum += rtts[seq];
        }
    }
    bad = c.received < c.sent || c.corrupted;
    if (opt->json) {
        putchar('{');
        json_common(r, (now_ns() - r->start_ns) / 1e9);
        printf(", \"sent\": %"PRIu64", \"received\": %"PRIu64", "
               "\"lost\": %"PRIu64", \"late\": %"PRIu64", "
               "\"corrupted\": %"PRIu64", \"foreign\": %"PRIu64", "
               "\"rtt_min_us\": %.3f, "
               "\"rtt_median_us\": %.3f, \"rtt_p99_us\": %.3f, "
               "\"rtt_p999_us\": %.3f, "
               "\"rtt_avg_us\": %.3f, \"rtt_max_us\": %.3f, \"ok\": %s}\n",
               c.sent, c.received, c.sent - c.received, c.late, c.corrupted,
               c.foreign, min / 1e3, median / 1e3, p99 / 1e3, p999 / 1e3,
               c.received ? sum / 1e3 / c.received : 0, max / 1e3,
               bad ? "false" : "true");
    } else {
        printf("%"PRIu64" sent, %"PRIu64" received, %"PRIu64" lost, "
               "%"PRIu64" late, %"PRIu64" corrupted\n",
               c.sent, c.received, c.sent - c.received, c.late, c.corrupted);
        if (c.received) {
            printf("rtt min/median/p99/p99.9/avg/max = "
                   "%.1f/%.1f/%.1f/%.1f/%.1f/%.1f us\n",
                   min / 1e3, median / 1e3, p99 / 1e3, p999 / 1e3,
                   sum / 1e3 / c.received, max / 1e3);
        }
    }
    free(rtts);
    free(buf);
    return r->failed ? EXIT_FAIL : bad ? EXIT_CHECK : EXIT_OK;
}

/* --hold: stays connected, without looking at the rings, until a signal
 * arrives or the server disconnects; the latter ends the hold normally.
 * A server that must not see its clients leave first (as some cannot
 * safely while they poll) can then go first.  Returns true if the server
 * disconnected. */
static bool
hold(struct runner *r)
{
    while (!stop_requested) {
        if (memif_client_check_control(r->mc) < 0) {
            return true;
        }
        sleep_ns(MAX_WAIT_NS / 10);
    }
    return false;
}

/* Waits, connected, until --start-file exists.  Returns false if the
 * command must stop first: a signal, --timeout or a failure. */
static bool
wait_start_file(struct runner *r)
{
    while (access(r->opt->start_file, F_OK)) {
        if (should_stop(r)) {
            return false;
        }
        if (memif_client_check_control(r->mc) < 0) {
            r->failed = true;
            return false;
        }
        sleep_ns(START_FILE_POLL_NS);
    }
    return true;
}

/* Runs the command of 'r''s options and returns its exit status. */
static int
run_command(struct runner *r)
{
    switch (r->opt->command) {
    case CMD_SEND:
        return cmd_send(r);
    case CMD_RECV:
        return cmd_recv(r);
    case CMD_ECHO:
        return cmd_echo(r);
    case CMD_ARP:
        return cmd_arp(r);
    case CMD_PING:
    default:
        return cmd_ping(r);
    }
}

/* Parses the command line, connects, runs the command and reports. */
int
main(int argc, char *argv[])
{
    struct sigaction sa;
    struct options opt;
    struct runner r;
    char *error;
    uint32_t max_size;
    bool server_left;
    int status;

    parse_options(argc, argv, &opt, &stop_requested);

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = stop_handler;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    memset(&r, 0, sizeof r);
    r.opt = &opt;
    r.mc = memif_client_connect(&opt.memif, &error);
    if (!r.mc) {
        fprintf(stderr, "%s: %s\n", PROGRAM_NAME, error);
        free(error);
        return EXIT_FAIL;
    }
    max_size = max_frame_size(&opt);
    if ((opt.command == CMD_SEND || opt.command == CMD_PING)
        && max_size > (uint64_t) memif_client_ring_size(r.mc)
                      * memif_client_buffer_size(r.mc)) {
        fprintf(stderr, "%s: %"PRIu32"-byte frames do not fit in a ring of "
                "%u %"PRIu32"-byte buffers\n", PROGRAM_NAME, max_size,
                memif_client_ring_size(r.mc), memif_client_buffer_size(r.mc));
        memif_client_destroy(r.mc);
        return EXIT_USAGE;
    }

    r.start_ns = now_ns();
    r.deadline_ns = (opt.timeout
                     ? r.start_ns + (uint64_t) (opt.timeout * 1e9)
                     : UINT64_MAX);
    r.next_check_ns = r.start_ns;
    if (opt.start_file && !wait_start_file(&r)) {
        fprintf(stderr, "%s: stopped before %s appeared\n", PROGRAM_NAME,
                opt.start_file);
        status = EXIT_FAIL;
    } else {
        status = run_command(&r);
    }
    fflush(stdout);
    server_left = opt.hold && !r.failed && hold(&r);
    if (memif_client_error(r.mc) && !server_left) {
        fprintf(stderr, "%s: %s\n", PROGRAM_NAME, memif_client_error(r.mc));
        status = EXIT_FAIL;
    }
    memif_client_destroy(r.mc);
    return status;
}
