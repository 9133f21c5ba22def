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


/* Unit tests of frame rings, and of the switch's access to the rings that
 * a server exports (remote-vsi.h): a station exports a VM's memif C2S
 * ring, written here by a simulated client, and its own ingress and
 * egress rings; a bridge reads and writes them over an in-memory link pair
 * with faults, on a virtual clock.  Every frame is numbered, and its size
 * and contents follow from its number, so the receiver checks each one. */
#define _GNU_SOURCE
#include "remote-vsi.h"

#include <endian.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "ecp.h"
#include "frame-ring.h"
#include "link.h"
#include "memif-proto.h"
#include "mr-table.h"
#include "roe-session.h"
#include "vdp.h"
#include "ecprdma-test.h"
#include "xalloc.h"

/* The size of frame 'seq' of a stream: 60 to 'max' octets. */
static uint32_t
frame_size(uint32_t seq, uint32_t max)
{
    uint32_t h = seq * 2654435761u;

    return 60 + (h >> 8) % (max - 59);
}

static void
fill_frame(uint8_t *p, uint32_t seq, uint32_t len)
{
    memcpy(p, &seq, 4);
    for (uint32_t i = 4; i < len; i++) {
        p[i] = seq + i;
    }
}

/* Returns true if the 'len' octets at 'p' are frame 'seq'. */
static bool
check_frame(const uint8_t *p, uint32_t len, uint32_t seq, uint32_t max)
{
    uint32_t got;

    if (len != frame_size(seq, max)) {
        return false;
    }
    memcpy(&got, p, 4);
    if (got != seq) {
        return false;
    }
    for (uint32_t i = 4; i < len; i++) {
        if (p[i] != (uint8_t) (seq + i)) {
            return false;
        }
    }
    return true;
}

static const char *
status_name(enum frame_ring_status st)
{
    return (st == FRAME_RING_OK ? "ok"
            : st == FRAME_RING_EMPTY ? "empty"
            : st == FRAME_RING_FULL ? "full"
            : st == FRAME_RING_BAD ? "bad"
            : "?");
}

/* Puts a frame into 'r' at producer index 'prod' with consumer index
 * 'cons' and prints how frame_ring_put() answered, and whether it changed
 * the index or any octet of the area. */
static void
check_put_refused(struct frame_ring *r, const char *what, uint64_t prod,
                  uint64_t cons)
{
    uint8_t frame[64];
    uint64_t p = prod;
    enum frame_ring_status st;
    bool touched = false;

    memset(frame, 0xab, sizeof frame);
    st = frame_ring_put(r, &p, cons, 1, frame, sizeof frame);
    for (uint64_t i = 0; i < r->size; i++) {
        touched |= r->data[i] != 0;
    }
    printf("%s: %s%s%s\n", what, status_name(st),
           p != prod ? ", index moved" : "", touched ? ", area written" : "");
}

static int
test_frame_ring(int argc __attribute__((unused)),
                char *argv[] __attribute__((unused)))
{
    uint8_t frame[FRAME_RING_MAX_FRAME];
    struct frame_ring r;
    struct frame_ring_frame f;
    uint64_t prod = 0, cons = 0;
    uint32_t put = 0, got = 0;
    int skips = 0;

    frame_ring_alloc(&r, FRAME_RING_MIN_SIZE);

    /* Many laps, with records of every alignment and skips at the end. */
    while (got < 10000) {
        uint32_t len = frame_size(put, 1500);
        uint64_t before = prod;

        fill_frame(frame, put, len);
        if (frame_ring_put(&r, &prod, cons, put, frame, len)
            == FRAME_RING_OK) {
            if ((before & (r.size - 1)) + frame_ring_record_size(len)
                > r.size) {
                skips++;
            }
            put++;
            continue;
        }
        /* Full: the ring never holds more than its size. */
        if (prod - cons > r.size) {
            printf("overfull\n");
            return 1;
        }
        while (frame_ring_get(&r, &cons, prod, &f) == FRAME_RING_OK) {
            if (f.tag != got || !check_frame(f.data, f.len, got, 1500)) {
                printf("frame %"PRIu32" is wrong\n", got);
                return 1;
            }
            got++;
        }
    }
    printf("10000 frames in order, %d skips to the start\n", skips > 0);

    /* Refusals. */
    printf("empty frame: %s\n",
           status_name(frame_ring_put(&r, &prod, cons, 0, frame, 0)));
    printf("frame too long for the ring: %s\n",
           status_name(frame_ring_put(&r, &prod, cons, 0, frame, 5000)));
    printf("producer past the ring: %s\n",
           status_name(frame_ring_get(&r, &cons, cons + r.size + 8, &f)));
    printf("unaligned consumer: %s\n",
           status_name(frame_ring_get(&r, &(uint64_t) { cons + 1 },
                                      cons + 64, &f)));
    printf("unaligned producer: %s\n",
           status_name(frame_ring_get(&r, &(uint64_t) { cons },
                                      cons + 61, &f)));

    /* A record whose length runs past the producer. */
    prod = cons;
    frame_ring_put(&r, &prod, cons, 7, frame, 100);
    printf("record cut by the producer: %s\n",
           status_name(frame_ring_get(&r, &(uint64_t) { cons }, prod - 8,
                                      &f)));
    r.data[(cons & (r.size - 1)) + 4] = 0xff;
    r.data[(cons & (r.size - 1)) + 5] = 0xff;
    printf("record longer than the data: %s\n",
           status_name(frame_ring_get(&r, &(uint64_t) { cons }, prod, &f)));

    /* Indexes that a hostile peer wrote into the header: the producer
     * refuses them and writes nothing, not even at the very end of the
     * area, where an unaligned record header would run past it. */
    memset(r.data, 0, r.size);
    check_put_refused(&r, "unaligned producer at the end of the area",
                      r.size * 3 - 4, r.size * 3 - 68);
    check_put_refused(&r, "producer more than the size ahead",
                      r.size * 3 + 8, r.size * 2);
    check_put_refused(&r, "consumer ahead of the producer",
                      r.size * 2, r.size * 2 + 64);
    check_put_refused(&r, "unaligned consumer", r.size * 2, r.size + 12);
    frame_ring_free(&r);
    return 0;
}

ECPRDMA_TEST_REGISTER("frame-ring", "", test_frame_ring);

/* The remote-vsi world. */
enum {
    VM_SLOTS = 256,
    VM_BUF = 2048,
    VM_MAX_FRAME = 5000,        /* Chains of up to three buffers. */
    RING_SIZE = 1 << 16,
    RX_RING_SIZE = 1 << 20,
    STREAM_MAX_FRAME = 1500,
};

#define IOVA(I) ((uint64_t) ((I) + 1) << 40)
#define MIN(A, B) ((A) < (B) ? (A) : (B))
#define MAX(A, B) ((A) > (B) ? (A) : (B))

struct vm_client {
    uint8_t *region;
    size_t region_size;
    struct memif_ring *ring;
    uint16_t head;
    uint32_t next_seq;
};

static void
vm_client_init(struct vm_client *c)
{
    c->region_size = memif_ring_bytes(8) + VM_SLOTS * VM_BUF;
    c->region = xalloc_aligned_zeroed(4096, c->region_size);
    c->ring = (struct memif_ring *) c->region;
    c->ring->cookie = MEMIF_COOKIE;
    c->head = 0;
    c->next_seq = 0;
}

/* Writes frames into free slots and publishes the head. */
static void
vm_client_send(struct vm_client *c, uint32_t total)
{
    uint16_t tail = __atomic_load_n(&c->ring->tail, __ATOMIC_ACQUIRE);
    uint8_t frame[VM_MAX_FRAME];

    while (c->next_seq < total) {
        uint32_t len = frame_size(c->next_seq, VM_MAX_FRAME);
        uint32_t n = (len + VM_BUF - 1) / VM_BUF;

        if ((uint16_t) (c->head - tail) + n > VM_SLOTS) {
            break;
        }
        fill_frame(frame, c->next_seq, len);
        for (uint32_t i = 0; i < n; i++) {
            uint16_t slot = c->head++ & (VM_SLOTS - 1);
            uint32_t seg = i + 1 < n ? VM_BUF : len - i * VM_BUF;
            struct memif_desc *d = &c->ring->desc[slot];
            uint32_t ofs = memif_ring_bytes(8) + slot * VM_BUF;

            d->flags = i + 1 < n ? MEMIF_DESC_FLAG_NEXT : 0;
            d->region = 0;
            d->offset = ofs;
            d->length = seg;
            memcpy(c->region + ofs, frame + i * VM_BUF, seg);
        }
        c->next_seq++;
    }
    __atomic_store_n(&c->ring->head, c->head, __ATOMIC_RELEASE);
}

/* Creates a session with 'cfg', or exits with a message. */
static struct roe_session *
create_session(const struct roe_session_config *cfg)
{
    struct roe_session *s;
    char *error;

    s = roe_session_create(cfg, &error);
    if (!s) {
        printf("%s\n", error);
        exit(1);
    }
    return s;
}

/* A session that gives up on a peer after 'max_tries' (0: never) and
 * keeps VSIs alive every 'keepalive_ms'. */
static struct roe_session *
make_session(struct link *link, enum roe_session_role role, int max_tries,
             int keepalive_ms, uint16_t window)
{
    struct roe_session_config cfg = {
        .role = role,
        .link = link,
        .subtype = ECP_SUBTYPE_ROE_DEFAULT,
        .window = window,
        .rte = 4,
        .max_tries = max_tries,
        .crc = true,
        .keepalive_us = keepalive_ms * 1000LL,
        .manager_id = { 0xfe, 0x80, [15] = 2 },
    };

    return create_session(&cfg);
}

static void
add_vsi(struct roe_session *s, const struct roe_vsi_spec *spec)
{
    char *error;
    int handle;

    if (roe_session_vsi_add(s, spec, &handle, &error)) {
        printf("%s\n", error);
        exit(1);
    }
}

static void
export_vm(struct roe_session *s, struct vm_client *c)
{
    struct roe_vsi_spec spec = {
        .vsiid = { 1 },
        .mac = { 0x52, 0x54, 0, 0, 0, 1 },
        .n_regions = 2,
        .regions = {
            { c->region, IOVA(0), c->region_size, MR_ACCESS_REMOTE_READ },
            { &c->ring->tail, IOVA(1), 2,
              MR_ACCESS_REMOTE_READ | MR_ACCESS_REMOTE_WRITE },
        },
        .n_rings = 1,
        .rings = { {
            .id = 0, .kind = VDP_RING_VM_TX, .log2_entry_size = 4,
            .log2_entries = 8,
            .base_iova = IOVA(0) + offsetof(struct memif_ring, desc),
            .producer_iova = IOVA(0) + offsetof(struct memif_ring, head),
            .consumer_iova = IOVA(1),
        } },
        .ring_region = { 0 },
    };

    add_vsi(s, &spec);
}

static void
export_uplink(struct roe_session *s, struct frame_ring *in,
              struct frame_ring *out)
{
    struct roe_vsi_spec spec = {
        .vsiid = { 2 },
        .mac = { 0x52, 0x54, 0, 0, 0, 2 },
        .n_regions = 4,
        .regions = {
            { in->header, IOVA(0), FRAME_RING_HEADER_SIZE,
              MR_ACCESS_REMOTE_READ | MR_ACCESS_REMOTE_WRITE },
            { in->data, IOVA(1), in->size, MR_ACCESS_REMOTE_WRITE },
            { out->header, IOVA(2), FRAME_RING_HEADER_SIZE,
              MR_ACCESS_REMOTE_READ | MR_ACCESS_REMOTE_WRITE },
            { out->data, IOVA(3), out->size, MR_ACCESS_REMOTE_READ },
        },
        .n_rings = 2,
        .rings = {
            { .id = 0, .kind = VDP_RING_INGRESS, .log2_entry_size = 3,
              .log2_entries = 13, .base_iova = IOVA(1),
              .producer_iova = IOVA(0) + FRAME_RING_PRODUCER_OFS,
              .consumer_iova = IOVA(0) + FRAME_RING_CONSUMER_OFS },
            { .id = 1, .kind = VDP_RING_EGRESS, .log2_entry_size = 3,
              .log2_entries = 13, .base_iova = IOVA(3),
              .producer_iova = IOVA(2) + FRAME_RING_PRODUCER_OFS,
              .consumer_iova = IOVA(2) + FRAME_RING_CONSUMER_OFS },
        },
        .ring_region = { 1, 3 },
    };

    add_vsi(s, &spec);
}

/* Where the tests' switch puts the frames it reads: a frame ring, which
 * drain() checks, filled from buffers of malloc() as the switch delivers
 * them.  It takes as many frames as the ring surely has room for. */
struct ring_sink {
    struct frame_ring ring;
    uint32_t max_frame;         /* Octets of the longest frame expected. */
    uint64_t prod;              /* Producer index, published after each
                                 * run of the switch. */
};

struct sink_buffer {
    uint32_t len;
    uint8_t data[];
};

static size_t
ring_sink_room(void *sink_)
{
    struct ring_sink *sink = sink_;
    uint64_t rec = frame_ring_record_size(sink->max_frame);
    uint64_t free = sink->ring.size - (sink->prod
                                       - frame_ring_consumer(&sink->ring));

    /* A record never wraps: one may waste up to 'rec' at the end. */
    return free > rec ? (free - rec) / rec : 0;
}

static void *
ring_sink_get_buffer(void *sink_ __attribute__((unused)), uint32_t len,
                     uint8_t **datap)
{
    struct sink_buffer *b = xalloc(sizeof *b + len);

    b->len = len;
    *datap = b->data;
    return b;
}

static void
ring_sink_deliver(void *sink_, void *buffer)
{
    struct ring_sink *sink = sink_;
    struct sink_buffer *b = buffer;

    if (frame_ring_put(&sink->ring, &sink->prod,
                       frame_ring_consumer(&sink->ring), 0, b->data, b->len)
        != FRAME_RING_OK) {
        printf("the switch delivered more than the sink had room for\n");
        exit(1);
    }
    free(b);
}

static void
ring_sink_init(struct ring_sink *sink, uint32_t max_frame)
{
    frame_ring_alloc(&sink->ring, RX_RING_SIZE);
    sink->max_frame = max_frame;
    sink->prod = 0;
}

/* Runs 'rv' with 'sink' (if nonnull) as where its frames go. */
static void
run_switch(struct remote_vsi *rv, long long now, struct ring_sink *sink)
{
    const struct remote_vsi_sink rs = {
        .room = ring_sink_room,
        .get_buffer = ring_sink_get_buffer,
        .deliver = ring_sink_deliver,
        .put_buffer = free,
        .aux = sink,
    };

    remote_vsi_run(rv, now, sink ? &rs : NULL);
    if (sink) {
        frame_ring_set_producer(&sink->ring, sink->prod);
    }
}

/* The switch's schedule, as the netdev's "switch" port keeps it: with
 * 'quiet' set, the switch runs only when the station sent frames (which
 * a real link would bring), when its vsi ports appended to the ingress
 * mirror ('pushed'), or when the session or a remote VSI says it has
 * something to do; never merely because time passed. */
struct switch_clock {
    bool quiet;
    long long next;
    uint64_t station_frames;
    uint64_t runs;
};

static bool
switch_due(struct switch_clock *c, const struct roe_session *station,
           long long now, bool pushed)
{
    uint64_t frames = roe_session_frames(station);
    bool due = (!c->quiet || pushed || now >= c->next
                || frames != c->station_frames);

    c->station_frames = frames;
    c->runs += due;
    return due;
}

/* Plans the next run of the switch of 'bridge', whose remote VSIs are
 * 'rvs', after a run at 'now'. */
static void
switch_plan(struct switch_clock *c, const struct roe_session *bridge,
            struct remote_vsi *rvs[], size_t n, long long now)
{
    long long t = now;

    if (roe_session_is_idle(bridge)) {
        t = roe_session_next_timeout(bridge);
        for (size_t i = 0; i < n; i++) {
            if (rvs[i]) {
                long long rv_t = remote_vsi_next_run(rvs[i], true);

                t = rv_t < t ? rv_t : t;
            }
        }
    }
    c->next = t;
}

/* Checks the frames in 'r' against stream '*seq'.  Returns false on a
 * wrong frame.  Counts in '*dups', if nonnull, frames that came again. */
static bool
drain(struct frame_ring *r, uint32_t *seq, uint32_t max, const char *what,
      uint32_t *dups)
{
    uint64_t prod = frame_ring_producer(r);
    uint64_t cons = frame_ring_consumer(r);
    struct frame_ring_frame f;
    enum frame_ring_status st;

    while ((st = frame_ring_get(r, &cons, prod, &f)) == FRAME_RING_OK) {
        uint32_t got;

        memcpy(&got, f.data, 4);
        if (dups && got < *seq && check_frame(f.data, f.len, got, max)) {
            *dups += 1;
            continue;
        }
        if (!check_frame(f.data, f.len, *seq, max)) {
            printf("%s: frame %"PRIu32" is wrong (%"PRIu32" octets, "
                   "seq %"PRIu32")\n", what, *seq, f.len, got);
            return false;
        }
        *seq += 1;
    }
    frame_ring_set_consumer(r, cons);
    if (st == FRAME_RING_BAD) {
        printf("%s: bad record\n", what);
        return false;
    }
    return true;
}

/* Frames that fill() put into a switch's ingress mirror by reference,
 * and that the mirror released. */
static uint64_t refs_put, refs_released;

static void
release_ref(void *buffer)
{
    refs_released++;
    free(buffer);
}

/* Appends frames of stream '*seq' to 'r' while it has room: to a ring
 * that takes references, two frames out of three by reference, in a
 * buffer of their own, as a switch's vsi ports put their packets. */
static void
fill(struct frame_ring *r, uint32_t *seq, uint32_t total, uint32_t tag)
{
    uint64_t prod = frame_ring_producer(r);
    uint64_t cons = frame_ring_consumer(r);
    uint8_t frame[STREAM_MAX_FRAME];

    while (*seq < total) {
        uint32_t len = frame_size(*seq, STREAM_MAX_FRAME);
        enum frame_ring_status st;

        if (r->release && *seq % 3) {
            uint8_t *buffer = xalloc(len);

            fill_frame(buffer, *seq, len);
            st = frame_ring_put_ref(r, &prod, cons, tag, buffer, buffer,
                                    len);
            if (st == FRAME_RING_OK) {
                refs_put++;
            } else {
                free(buffer);
            }
        } else {
            fill_frame(frame, *seq, len);
            st = frame_ring_put(r, &prod, cons, tag, frame, len);
        }
        if (st != FRAME_RING_OK) {
            break;
        }
        *seq += 1;
    }
    frame_ring_set_producer(r, prod);
}

/* Says whether every frame put by reference was released, once. */
static void
print_refs(void)
{
    if (refs_put == refs_released) {
        printf("ingress ring: every frame by reference released once\n");
    } else {
        printf("ingress ring: %"PRIu64" frames by reference, %"PRIu64
               " released\n", refs_put, refs_released);
    }
}

/* Makes the switch's side of VSI 'handle' of 'bridge', which READs and
 * WRITEs up to 'max_xfer' octets at a time, or exits after printing why
 * it cannot. */
static struct remote_vsi *
create_rv(struct roe_session *bridge, int handle, uint32_t max_xfer)
{
    struct remote_vsi *rv;
    char *error;

    rv = remote_vsi_create(roe_session_vsi_qp(bridge, handle),
                           roe_session_vsi_assoc(bridge, handle), max_xfer,
                           &error);
    if (!rv) {
        printf("%s\n", error);
        exit(1);
    }
    return rv;
}

static bool quiet_switch;

static int
test_remote_vsi(int argc, char *argv[])
{
    struct switch_clock clock = { .quiet = quiet_switch };
    uint32_t total = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
    uint32_t every = argc > 3 ? strtoul(argv[3], NULL, 10) : 0;
    int mtu = argc > 4 ? atoi(argv[4]) : 9000;
    uint16_t window = argc > 5 ? atoi(argv[5]) : 64;
    uint32_t seg, max_xfer;
    struct remote_vsi *rv[ROE_SESSION_MAX_VSIS] = { NULL };
    struct remote_vsi *old_up = NULL;
    uint32_t next_reset = every, n_resets = 0, eg_dups = 0, vm_dups = 0;
    uint64_t carried = 0;
    long long outage_end = 0;
    struct roe_session *station, *bridge;
    struct frame_ring ingress, egress;
    struct ring_sink vm_rx, up_rx;
    struct link_faults faults;
    uint32_t vm_got = 0, eg_put = 0, eg_got = 0, in_put = 0, in_got = 0;
    uint32_t in_pushed = 0;
    struct remote_vsi_stats stats;
    struct roe_session_event e;
    struct vm_client client;
    struct link *la, *lb;
    long long now = 1;
    int vm_h = -1, up_h = -1;
    char *error;

    error = link_faults_parse(argc > 2 ? argv[2] : "", &faults);
    if (error) {
        printf("%s\n", error);
        return 2;
    }
    link_pair_create(mtu, 4096, &la, &lb);
    link_set_faults(la, &faults);
    link_set_faults(lb, &faults);
    station = make_session(la, ROE_SESSION_STATION, every ? 4 : 0,
                           every ? 20 : 1000 * 1000, window);
    bridge = make_session(lb, ROE_SESSION_BRIDGE, every ? 4 : 0,
                          every ? 20 : 1000 * 1000, window);
    /* As the netdev: whole segments, about 32 KiB, and half the window
     * at most. */
    seg = roe_segment_size_for_mtu(mtu);
    max_xfer = seg * MAX(1, MIN(window / 2, (32768 + seg - 1) / seg));
    vm_client_init(&client);
    frame_ring_alloc(&ingress, RING_SIZE);
    frame_ring_alloc(&egress, RING_SIZE);
    ring_sink_init(&vm_rx, VM_MAX_FRAME);
    ring_sink_init(&up_rx, STREAM_MAX_FRAME);
    export_vm(station, &client);
    export_uplink(station, &ingress, &egress);

    while ((vm_got < total || eg_got < total || in_got < total)
           && now < 600LL * 1000 * 1000) {
        bool due;

        roe_session_run(station, now);
        due = switch_due(&clock, station, now, in_put != in_pushed);
        in_pushed = in_put;
        if (due) {
            roe_session_run(bridge, now);
        }
        while (roe_session_poll_event(station, &e)) {
            continue;
        }
        while (due && roe_session_poll_event(bridge, &e)) {
            int h = e.handle;

            /* As the netdev does, the uplink's last association hands
             * its ingress records over to the next one. */
            if (rv[h] && remote_vsi_has_ingress(rv[h])) {
                remote_vsi_get_stats(rv[h], &stats);
                carried += stats.tx_carried;
                remote_vsi_destroy(old_up);
                old_up = rv[h];
                up_h = -1;
            } else {
                remote_vsi_destroy(rv[h]);
                vm_h = h == vm_h ? -1 : vm_h;
            }
            rv[h] = NULL;
            if (e.type == ROE_SESSION_VSI_UP) {
                rv[h] = create_rv(bridge, h, max_xfer);
                remote_vsi_set_release(rv[h], release_ref);
                if (remote_vsi_has_vm_rings(rv[h])) {
                    vm_h = h;
                } else {
                    if (old_up) {
                        remote_vsi_carry_ingress(rv[h], old_up);
                        remote_vsi_destroy(old_up);
                        old_up = NULL;
                    }
                    up_h = h;
                }
            }
        }

        /* The VM and the server's bridge produce; the server's uplink
         * consumes the ingress ring. */
        vm_client_send(&client, total);
        fill(&egress, &eg_put, total, 0);
        if (!drain(&ingress, &in_got, STREAM_MAX_FRAME, "ingress", NULL)) {
            return 1;
        }
        if (outage_end && now >= outage_end) {
            link_set_faults(la, &faults);
            link_set_faults(lb, &faults);
            outage_end = 0;
        }

        /* The switch. */
        if (due && vm_h >= 0) {
            run_switch(rv[vm_h], now, &vm_rx);
        }
        if (due && up_h >= 0) {
            run_switch(rv[up_h], now, &up_rx);
        }
        if (due) {
            switch_plan(&clock, bridge, rv, ROE_SESSION_MAX_VSIS, now);
        }
        if (up_h >= 0) {
            if (remote_vsi_ingress(rv[up_h])) {
                fill(remote_vsi_ingress(rv[up_h]), &in_put, total, 77);
            }
        } else if (old_up && remote_vsi_ingress(old_up)) {
            /* While the uplink is down, its last mirror takes frames. */
            fill(remote_vsi_ingress(old_up), &in_put, total, 77);
        }
        if (every && in_got >= next_reset && in_put > in_got) {
            /* The link goes down for 50 ms, before the switch could write
             * what it just put into its ingress mirror: the queue pairs
             * give up and the VSIs associate again. */
            static const struct link_faults outage = { .drop = 1.0 };

            link_set_faults(la, &outage);
            link_set_faults(lb, &outage);
            outage_end = now + 50 * 1000;
            next_reset = in_got + every;
            n_resets++;
        }
        if (!drain(&vm_rx.ring, &vm_got, VM_MAX_FRAME, "vm",
                   every ? &vm_dups : NULL)
            || !drain(&up_rx.ring, &eg_got, STREAM_MAX_FRAME, "egress",
                      every ? &eg_dups : NULL)) {
            return 1;
        }
        now += 10;
    }

    if (every) {
        if (up_h >= 0) {
            remote_vsi_get_stats(rv[up_h], &stats);
            carried += stats.tx_carried;
        }
        printf("records carried over: %s\n", carried ? "yes" : "no");
        fprintf(stderr, "%"PRIu32" outages, %"PRIu64" carried over, "
                "%"PRIu32" VM and %"PRIu32" egress duplicates\n",
                n_resets, carried, vm_dups, eg_dups);
    }
    printf("vm ring: %"PRIu32" frames in order\n", vm_got);
    printf("egress ring: %"PRIu32" frames in order\n", eg_got);
    printf("ingress ring: %"PRIu32" frames in order\n", in_got);
    if (vm_h < 0) {
        printf("the VM's VSI is down\n");
        return 1;
    }
    remote_vsi_get_stats(rv[vm_h], &stats);
    printf("vm ring: %s READs, bad %"PRIu64", errors %"PRIu64"\n",
           stats.reads * 4 < total ? "fewer than 1 per 4 frames"
                                   : "too many",
           stats.rx_bad, stats.errors);

    for (int h = 0; h < ROE_SESSION_MAX_VSIS; h++) {
        remote_vsi_destroy(rv[h]);
    }
    remote_vsi_destroy(old_up);
    print_refs();
    roe_session_destroy(station);
    roe_session_destroy(bridge);
    link_close(la);
    link_close(lb);
    frame_ring_free(&ingress);
    frame_ring_free(&egress);
    frame_ring_free(&vm_rx.ring);
    frame_ring_free(&up_rx.ring);
    free(client.region);
    return 0;
}

ECPRDMA_TEST_REGISTER("remote-vsi", "[FRAMES [FAULTS [EVERY [MTU WINDOW]]]]",
                      test_remote_vsi);

/* The same, the switch running only when it has something to do. */
static int
test_remote_vsi_quiet(int argc, char *argv[])
{
    quiet_switch = true;
    return test_remote_vsi(argc, argv);
}

ECPRDMA_TEST_REGISTER("remote-vsi-quiet",
                      "[FRAMES [FAULTS [EVERY [MTU WINDOW]]]]",
                      test_remote_vsi_quiet);

/* An association whose server rings the switch refuses: each case must
 * come back as an error, with nothing leaked or touched (under ASan). */
static int
test_bad_rings(int argc __attribute__((unused)),
               char *argv[] __attribute__((unused)))
{
    static const struct {
        const char *what;
        uint8_t kind;
        uint64_t base_iova;     /* Data: MR 1 at 0x10000, 1 MiB. */
        uint8_t log2_entries;
        bool twice;
    } cases[] = {
        { "egress outside", VDP_RING_EGRESS, 0x900000, 12, false },
        { "ingress outside", VDP_RING_INGRESS, 0x900000, 12, false },
        { "egress too small", VDP_RING_EGRESS, 0x10000, 1, false },
        { "ingress too small", VDP_RING_INGRESS, 0x10000, 1, false },
        { "two egress", VDP_RING_EGRESS, 0x10000, 12, true },
        { "two ingress", VDP_RING_INGRESS, 0x10000, 12, true },
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct vdp_message m;
        struct remote_vsi *rv;
        char *error = NULL;

        memset(&m, 0, sizeof m);
        m.roe.mrs[0] = (struct vdp_mr) {
            .rkey = 1, .iova = 0x1000, .length = 64,
            .access = VDP_MR_REMOTE_READ | VDP_MR_REMOTE_WRITE,
        };
        m.roe.mrs[1] = (struct vdp_mr) {
            .rkey = 2, .iova = 0x10000, .length = 1 << 20,
            .access = VDP_MR_REMOTE_READ | VDP_MR_REMOTE_WRITE,
        };
        m.roe.n_mrs = 2;
        for (int k = 0; k < (cases[i].twice ? 2 : 1); k++) {
            m.roe.rings[k] = (struct vdp_ring) {
                .id = k, .kind = cases[i].kind, .rkey = 2,
                .log2_entry_size = 8,
                .log2_entries = cases[i].log2_entries,
                .base_iova = cases[i].base_iova,
                .producer_iova = 0x1000, .consumer_iova = 0x1008,
            };
        }
        m.roe.n_rings = cases[i].twice ? 2 : 1;
        rv = remote_vsi_create(NULL, &m, 32768, &error);
        printf("%s: %s\n", cases[i].what,
               rv ? "accepted" : error ? error : "refused, no reason");
        remote_vsi_destroy(rv);
        free(error);
    }
    return 0;
}

ECPRDMA_TEST_REGISTER("remote-vsi-bad-rings", "", test_bad_rings);

/* The switch's polls of an idle VM ring: once a millisecond for its first
 * second of silence, then every 20 ms; a frame that comes after is seen
 * within those 20 ms, and the polls go back to their fastest.  Time is
 * simulated, in steps of 50 us.
 *
 * With "quiet", the switch runs only when it has something to do (see
 * struct switch_clock), and the server's uplink VSI is there too, with
 * an idle egress ring: the polls must come all the same, and the switch
 * run a few times per poll of the VM ring, the egress ring being polled
 * in the same runs. */
static int
test_idle_poll(int argc, char *argv[])
{
    struct switch_clock clock = {
        .quiet = argc > 1 && !strcmp(argv[1], "quiet"),
    };
    uint64_t runs_at[2] = { 0 };
    struct roe_session *station, *bridge;
    struct remote_vsi *rv = NULL, *rvs[2] = { NULL };
    struct frame_ring ingress, egress;
    struct ring_sink up_sink;
    struct roe_session_event e;
    struct remote_vsi_stats st;
    struct vm_client client;
    struct ring_sink sink;
    struct link *la, *lb;
    uint64_t reads_at[4] = { 0 };
    long long up_at = 0, sent_at = 0, now;

    link_pair_create(9000, 4096, &la, &lb);
    station = make_session(la, ROE_SESSION_STATION, 0, 1000, 64);
    bridge = make_session(lb, ROE_SESSION_BRIDGE, 0, 1000, 64);
    vm_client_init(&client);
    ring_sink_init(&sink, VM_MAX_FRAME);
    ring_sink_init(&up_sink, STREAM_MAX_FRAME);
    frame_ring_alloc(&ingress, RING_SIZE);
    frame_ring_alloc(&egress, RING_SIZE);
    export_vm(station, &client);
    if (clock.quiet) {
        export_uplink(station, &ingress, &egress);
    }
    for (now = 1; now < 10LL * 1000 * 1000; now += 50) {
        bool due;

        roe_session_run(station, now);
        due = switch_due(&clock, station, now, false);
        if (due) {
            roe_session_run(bridge, now);
        }
        while (roe_session_poll_event(station, &e)) {
            continue;
        }
        while (due && roe_session_poll_event(bridge, &e)) {
            struct remote_vsi *new;

            if (e.type != ROE_SESSION_VSI_UP || rvs[e.handle & 1]) {
                continue;
            }
            new = create_rv(bridge, e.handle, 32768);
            rvs[e.handle & 1] = new;
            if (remote_vsi_has_vm_rings(new)) {
                rv = new;
                up_at = now;
            }
        }
        if (!rv) {
            continue;
        }
        if (due) {
            for (int i = 0; i < 2; i++) {
                if (rvs[i]) {
                    run_switch(rvs[i], now,
                               rvs[i] == rv ? &sink : &up_sink);
                }
            }
            switch_plan(&clock, bridge, rvs, 2, now);
        }
        remote_vsi_get_stats(rv, &st);
        /* Reads at 0.5, 1, 2 and 3 s after the association. */
        for (int i = 0; i < 4; i++) {
            long long at = up_at + (i ? i : 0.5) * 1000 * 1000;

            if (!reads_at[i] && now >= at) {
                reads_at[i] = st.reads;
                if (i >= 2) {
                    runs_at[i - 2] = clock.runs;
                }
            }
        }
        if (reads_at[3] && !sent_at) {
            vm_client_send(&client, 1);
            sent_at = now;
        } else if (sent_at && st.rx_frames) {
            break;
        }
    }
    printf("polls from 0.5 to 1 s: %s\n",
           reads_at[1] - reads_at[0] >= 300 ? "every ms or so" : "fewer");
    printf("polls from 2 to 3 s: %s\n",
           reads_at[3] - reads_at[2] <= 60 ? "every 20 ms or so" : "more");
    printf("a frame after 3 s idle: %s\n",
           !st.rx_frames ? "never seen"
           : now - sent_at <= 21 * 1000 ? "seen within 20 ms"
           : "seen late");
    if (clock.quiet) {
        uint64_t runs = runs_at[1] - runs_at[0];

        printf("switch runs from 2 to 3 s: %s\n",
               runs <= 5 * (reads_at[3] - reads_at[2]) + 20
               ? "a few per poll" : "more");
        fprintf(stderr, "%"PRIu64" runs, %"PRIu64" polls\n",
                runs, reads_at[3] - reads_at[2]);
    }
    remote_vsi_destroy(rvs[0]);
    remote_vsi_destroy(rvs[1]);
    roe_session_destroy(station);
    roe_session_destroy(bridge);
    link_close(la);
    link_close(lb);
    free(client.region);
    frame_ring_free(&sink.ring);
    frame_ring_free(&up_sink.ring);
    frame_ring_free(&ingress);
    frame_ring_free(&egress);
    return 0;
}

ECPRDMA_TEST_REGISTER("remote-vsi-idle-poll", "[quiet]", test_idle_poll);

/* A server that exports only its uplink VSI (ingress and egress rings)
 * to a switch, over an in-memory link at MTU 9000. */
struct uplink_setting {
    struct link *la, *lb;
    struct roe_session *station, *bridge;
    struct frame_ring in, out;  /* The server's ingress and egress rings. */
    struct ring_sink rx;        /* The switch's sink for the egress. */
};

static void
uplink_setting_init(struct uplink_setting *u, int keepalive_ms,
                    uint16_t window)
{
    link_pair_create(9000, 4096, &u->la, &u->lb);
    u->station = make_session(u->la, ROE_SESSION_STATION, 0, keepalive_ms,
                              window);
    u->bridge = make_session(u->lb, ROE_SESSION_BRIDGE, 0, keepalive_ms,
                             window);
    frame_ring_alloc(&u->in, RING_SIZE);
    frame_ring_alloc(&u->out, RING_SIZE);
    ring_sink_init(&u->rx, STREAM_MAX_FRAME);
    export_uplink(u->station, &u->in, &u->out);
}

/* Destroys 'u' and the switch's remote VSI 'rv', and says whether every
 * frame put by reference was released. */
static void
uplink_setting_destroy(struct uplink_setting *u, struct remote_vsi *rv)
{
    remote_vsi_destroy(rv);
    print_refs();
    roe_session_destroy(u->station);
    roe_session_destroy(u->bridge);
    link_close(u->la);
    link_close(u->lb);
    frame_ring_free(&u->in);
    frame_ring_free(&u->out);
    frame_ring_free(&u->rx.ring);
}

/* Ingress batching: the switch's vsi ports add 'per_step' frames of 60 to
 * 1500 octets to the ingress mirror every 10 us of a virtual clock, over
 * an in-memory link at MTU 9000.  The switch must fill the packets of its
 * WRITEs rather than WRITE each addition on its own: a WRITE and a
 * producer index WRITE per few frames would cost the server a request
 * and the link a short frame for each. */
static int
test_ingress_batching(int argc __attribute__((unused)), char *argv[])
{
    uint32_t seg = roe_segment_size_for_mtu(9000);
    uint32_t per_step = strtoul(argv[1], NULL, 10);
    uint32_t total = 20000, got = 0, put = 0, got0 = 0;
    struct uplink_setting u;
    struct remote_vsi *rv = NULL;
    struct remote_vsi_stats stats;
    struct roe_session_event e;
    uint64_t writes0 = 0;
    long long now = 1;

    uplink_setting_init(&u, 1000 * 1000, 128);

    while (got < total && now < 60LL * 1000 * 1000) {
        roe_session_run(u.station, now);
        roe_session_run(u.bridge, now);
        while (roe_session_poll_event(u.station, &e)) {
            continue;
        }
        while (roe_session_poll_event(u.bridge, &e)) {
            if (rv || e.type != ROE_SESSION_VSI_UP) {
                printf("the VSI went down\n");
                return 1;
            }
            /* READs and WRITEs of up to 3 packets. */
            rv = create_rv(u.bridge, e.handle, seg * 3);
            remote_vsi_set_release(rv, release_ref);
        }
        if (rv) {
            if (remote_vsi_ingress(rv)) {
                fill(remote_vsi_ingress(rv), &put,
                     MIN(total, put + per_step), 77);
            }
            run_switch(rv, now, &u.rx);
        }
        if (!drain(&u.in, &got, STREAM_MAX_FRAME, "ingress", NULL)) {
            return 1;
        }
        if (got >= 1000 && !got0) {
            /* Past the start: count from here. */
            remote_vsi_get_stats(rv, &stats);
            writes0 = stats.writes;
            got0 = got;
        }
        now += 10;
    }
    remote_vsi_get_stats(rv, &stats);
    fprintf(stderr, "%"PRIu32" frames, %"PRIu64" WRITEs\n",
            got - got0, stats.writes - writes0);
    printf("ingress ring: %"PRIu32" frames in order\n", got);
    printf("ingress ring: %s\n",
           got - got0 > 4 * (stats.writes - writes0)
           ? "more than 4 frames per WRITE" : "4 frames per WRITE or fewer");

    uplink_setting_destroy(&u, rv);
    return 0;
}

ECPRDMA_TEST_REGISTER("ingress-batching", "PER-STEP", test_ingress_batching);

/* A quiet switch (see struct switch_clock) and frames for the server
 * after 2 s of silence: one frame, then twice 3 in a row, each time after
 * 100 ms without any.  Each must be in the server's ingress ring within
 * a millisecond, although the switch ran only for its ring polls
 * (every 20 ms by then) in between. */
static int
test_quiet_ingress(int argc __attribute__((unused)),
                   char *argv[] __attribute__((unused)))
{
    struct switch_clock clock = { .quiet = true };
    uint32_t got = 0, put = 0, target = 0;
    struct uplink_setting u;
    struct remote_vsi *rv = NULL;
    struct roe_session_event e;
    long long now, up_at = 0, push_at = 0, worst = 0;
    int round = 0;

    uplink_setting_init(&u, 1000, 64);

    for (now = 1; now < 10LL * 1000 * 1000 && round < 4; now += 10) {
        uint32_t put0 = put;
        bool due;

        roe_session_run(u.station, now);
        if (rv && remote_vsi_ingress(rv) && now >= push_at && target) {
            fill(remote_vsi_ingress(rv), &put, MIN(target, put + 1), 77);
        }
        due = switch_due(&clock, u.station, now, put != put0);
        if (due) {
            roe_session_run(u.bridge, now);
        }
        while (roe_session_poll_event(u.station, &e)) {
            continue;
        }
        while (due && roe_session_poll_event(u.bridge, &e)) {
            if (rv || e.type != ROE_SESSION_VSI_UP) {
                printf("the VSI went down\n");
                return 1;
            }
            rv = create_rv(u.bridge, e.handle, 32768);
            remote_vsi_set_release(rv, release_ref);
            up_at = now;
        }
        if (rv && due) {
            run_switch(rv, now, &u.rx);
            switch_plan(&clock, u.bridge, &rv, 1, now);
        }
        if (!drain(&u.in, &got, STREAM_MAX_FRAME, "ingress", NULL)) {
            return 1;
        }
        if (rv && got == target) {
            if (target) {
                worst = MAX(worst, now - push_at);
            }
            /* 2 s after the association, then every 100 ms: 1 frame,
             * then 3 (one per step). */
            push_at = target ? now + 100 * 1000 : up_at + 2000 * 1000;
            target += round++ ? 3 : 1;
        }
    }
    fprintf(stderr, "worst %lld us, %"PRIu64" switch runs\n", worst,
            clock.runs);
    printf("ingress frames after 2 s idle: %s\n",
           round < 4 ? "not all written"
           : worst <= 1000 ? "written within 1 ms" : "written late");
    uplink_setting_destroy(&u, rv);
    return 0;
}

ECPRDMA_TEST_REGISTER("remote-vsi-quiet-ingress", "", test_quiet_ingress);

/* A VM that publishes its head while the server READs it.
 *
 * The client filled the first HR_FRAMES slots of its C2S ring before the
 * test begins, and publishes them one at a time, each just before some
 * code loads its head index.  The page of the ring's header is not
 * accessible: each access to it faults, the fault handler publishes the
 * next frame if the access is to the head, makes the page accessible and
 * single-steps the access, and the trap that follows makes the page
 * inaccessible again.  Whatever the server does to read the head, each
 * load sees a new value, as if the client raced with every one of them.
 * The switch must read the frames in order, once each, and never move the
 * tail past the head. */
enum {
    HR_LOG2_SLOTS = 10,
    HR_SLOTS = 1 << HR_LOG2_SLOTS,
    HR_BUF = 2048,
    HR_FRAMES = 1000,
    HR_MAX_FRAME = 1500,
};

#if defined(__x86_64__) && defined(__linux__)
#define HR_EFLAGS_TF 0x100

static uint8_t *hr_page;
static struct memif_ring *hr_ring;
static uint16_t hr_published;

static void
hr_segv(int sig, siginfo_t *si, void *uc_)
{
    uint8_t *addr = si->si_addr;
    ucontext_t *uc = uc_;

    if (addr < hr_page || addr >= hr_page + 4096) {
        signal(sig, SIG_DFL);
        return;
    }
    mprotect(hr_page, 4096, PROT_READ | PROT_WRITE);
    if (addr >= (uint8_t *) &hr_ring->head
        && addr < (uint8_t *) (&hr_ring->head + 1)
        && hr_published < HR_FRAMES) {
        hr_ring->head = ++hr_published;
    }
    uc->uc_mcontext.gregs[REG_EFL] |= HR_EFLAGS_TF;
}

static void
hr_trap(int sig __attribute__((unused)),
        siginfo_t *si __attribute__((unused)), void *uc_)
{
    ucontext_t *uc = uc_;

    mprotect(hr_page, 4096, PROT_NONE);
    uc->uc_mcontext.gregs[REG_EFL] &= ~HR_EFLAGS_TF;
}

static int
test_vm_head_race(int argc __attribute__((unused)),
                  char *argv[] __attribute__((unused)))
{
    size_t ring_size = memif_ring_bytes(HR_LOG2_SLOTS);
    size_t region_size = ring_size + HR_SLOTS * HR_BUF;
    struct sigaction segv, trap;
    struct roe_session *station, *bridge;
    struct remote_vsi *rv = NULL;
    struct remote_vsi_stats stats;
    struct roe_session_event e;
    struct link *la, *lb;
    struct ring_sink rx;
    uint32_t got = 0;
    uint8_t *region;
    long long now = 1;

    region = xalloc_aligned_zeroed(4096, region_size);
    hr_page = region;
    hr_ring = (struct memif_ring *) region;
    hr_ring->cookie = MEMIF_COOKIE;
    for (uint32_t seq = 0; seq < HR_FRAMES; seq++) {
        struct memif_desc *d = &hr_ring->desc[seq];
        uint32_t len = frame_size(seq, HR_MAX_FRAME);

        d->region = 0;
        d->offset = ring_size + seq * HR_BUF;
        d->length = len;
        fill_frame(region + d->offset, seq, len);
    }

    link_pair_create(9000, 4096, &la, &lb);
    station = make_session(la, ROE_SESSION_STATION, 0, 1000 * 1000, 64);
    bridge = make_session(lb, ROE_SESSION_BRIDGE, 0, 1000 * 1000, 64);
    ring_sink_init(&rx, HR_MAX_FRAME);
    add_vsi(station, &(struct roe_vsi_spec) {
        .vsiid = { 1 },
        .mac = { 0x52, 0x54, 0, 0, 0, 1 },
        .n_regions = 2,
        .regions = {
            { region, IOVA(0), region_size, MR_ACCESS_REMOTE_READ },
            { &hr_ring->tail, IOVA(1), 2,
              MR_ACCESS_REMOTE_READ | MR_ACCESS_REMOTE_WRITE },
        },
        .n_rings = 1,
        .rings = { {
            .id = 0, .kind = VDP_RING_VM_TX, .log2_entry_size = 4,
            .log2_entries = HR_LOG2_SLOTS,
            .base_iova = IOVA(0) + offsetof(struct memif_ring, desc),
            .producer_iova = IOVA(0) + offsetof(struct memif_ring, head),
            .consumer_iova = IOVA(1),
        } },
        .ring_region = { 0 },
    });

    memset(&segv, 0, sizeof segv);
    segv.sa_sigaction = hr_segv;
    segv.sa_flags = SA_SIGINFO;
    trap = segv;
    trap.sa_sigaction = hr_trap;
    sigaction(SIGSEGV, &segv, NULL);
    sigaction(SIGTRAP, &trap, NULL);
    mprotect(hr_page, 4096, PROT_NONE);

    while (now < 60LL * 1000 * 1000) {
        uint16_t tail, head;

        roe_session_run(station, now);
        roe_session_run(bridge, now);
        while (roe_session_poll_event(station, &e)) {
            continue;
        }
        while (roe_session_poll_event(bridge, &e)) {
            remote_vsi_destroy(rv);
            rv = NULL;
            if (e.type == ROE_SESSION_VSI_UP) {
                rv = create_rv(bridge, e.handle, 32768);
            }
        }
        if (rv) {
            run_switch(rv, now, &rx);
        }

        /* The client's view. */
        tail = __atomic_load_n(&hr_ring->tail, __ATOMIC_ACQUIRE);
        head = hr_published;
        if ((uint16_t) (head - tail) > HR_SLOTS) {
            printf("vm ring: tail %"PRIu16" beyond head %"PRIu16"\n",
                   tail, head);
            return 1;
        }
        if (!drain(&rx.ring, &got, HR_MAX_FRAME, "vm", NULL)) {
            return 1;
        }
        if (got > head) {
            printf("vm ring: %"PRIu32" frames read, %"PRIu16" published\n",
                   got, head);
            return 1;
        }
        if (got == HR_FRAMES && tail == HR_FRAMES) {
            break;
        }
        now += 10;
    }
    mprotect(hr_page, 4096, PROT_READ | PROT_WRITE);
    signal(SIGSEGV, SIG_DFL);
    signal(SIGTRAP, SIG_DFL);

    printf("vm ring: %"PRIu32" frames in order, tail %"PRIu16"\n",
           got, hr_ring->tail);
    remote_vsi_get_stats(rv, &stats);
    printf("vm ring: bad %"PRIu64", errors %"PRIu64"\n",
           stats.rx_bad, stats.errors);

    remote_vsi_destroy(rv);
    roe_session_destroy(station);
    roe_session_destroy(bridge);
    link_close(la);
    link_close(lb);
    frame_ring_free(&rx.ring);
    free(region);
    return 0;
}
#else
static int
test_vm_head_race(int argc __attribute__((unused)),
                  char *argv[] __attribute__((unused)))
{
    printf("needs x86-64 Linux\n");
    return 77;
}
#endif

ECPRDMA_TEST_REGISTER("vm-head-race", "", test_vm_head_race);

/* A hostile switch: a bridge session on link 'argv[1]' (the settings of
 * the netdev's sessions) that, once a server's VM VSI is associated, has
 * a frame from another MAC tell the server that the VSI is refused (the
 * server drops it), READs
 * past the end of the VM's region, READs with a wrong rkey, and, after the
 * VSI went away and came back (the test makes the VM reconnect when this
 * prints "waiting for DEASSOC"), READs with the rkey of the old
 * association.  Each refused request sends both QPs to the error state
 * and the server associates the VSI again.  Prints each outcome. */
struct hostile {
    struct roe_session *s;
    uint8_t kind;               /* The kind of ring of the VSI to attack. */
    int h;                      /* Handle of that VSI, or -1. */
    bool went_down;             /* It went down since last asked. */
};

/* Runs the session until a VM VSI is up and, if 'need_down', it went down
 * before.  Returns false on timeout. */
static bool
hostile_wait(struct hostile *x, bool need_down)
{
    long long until = ecprdma_test_now_us() + 30LL * 1000 * 1000;
    struct roe_session_event e;

    x->went_down = x->h < 0;
    while (ecprdma_test_now_us() < until) {
        roe_session_run(x->s, ecprdma_test_now_us());
        while (roe_session_poll_event(x->s, &e)) {
            const struct vdp_message *m;

            if (e.type == ROE_SESSION_VSI_DOWN) {
                if (e.handle == x->h) {
                    x->h = -1;
                    x->went_down = true;
                }
                continue;
            }
            m = roe_session_vsi_assoc(x->s, e.handle);
            for (size_t i = 0; i < m->roe.n_rings; i++) {
                if (m->roe.rings[i].kind == x->kind) {
                    x->h = e.handle;
                }
            }
        }
        if (x->h >= 0 && (!need_down || x->went_down)) {
            return true;
        }
        usleep(100);
    }
    return false;
}

/* Posts a READ or WRITE ('opcode') of 'len' octets at 'iova' with 'rkey'
 * from or to 'buf' and returns how it ended: with a completion, or with
 * the association reset (the session drops a QP in the error state, and
 * its completions with it). */
static const char *
hostile_xfer(struct hostile *x, enum roe_wr_opcode opcode, uint64_t iova,
             uint32_t rkey, void *buf, uint32_t len)
{
    struct roe_qp *qp = roe_session_vsi_qp(x->s, x->h);
    long long until = ecprdma_test_now_us() + 5LL * 1000 * 1000;
    struct roe_session_event e;
    struct roe_completion c;
    struct roe_send_wr wr = {
        .wr_id = 1, .opcode = opcode, .local = buf, .length = len,
        .remote_va = iova, .rkey = rkey,
    };

    if (roe_qp_post_send(qp, &wr)) {
        return "not posted";
    }
    while (ecprdma_test_now_us() < until) {
        roe_session_run(x->s, ecprdma_test_now_us());
        while (roe_session_poll_event(x->s, &e)) {
            if (e.type == ROE_SESSION_VSI_DOWN && e.handle == x->h) {
                x->h = -1;
                return "refused, association reset";
            }
        }
        if (roe_qp_poll_send(qp, &c, 1) == 1) {
            return roe_wc_status_to_string(c.status);
        }
        usleep(100);
    }
    return "no answer";
}

/* READs 64 octets at 'iova' with 'rkey' and prints how it ended. */
static void
hostile_read(struct hostile *x, const char *what, uint64_t iova,
             uint32_t rkey)
{
    uint8_t buf[64];

    printf("%s: %s\n", what,
           hostile_xfer(x, ROE_WR_READ, iova, rkey, buf, sizeof buf));
}

/* Sends on 'link' 'm' as a VDP request with ECP sequence number 'seq',
 * from 'src' or, if it is NULL, from the link's own MAC. */
static void
send_vdp_request(struct link *link, const uint8_t *src,
                 const struct vdp_message *m, uint16_t seq)
{
    struct ecp_l2 l2 = { .has_vlan = false };
    uint8_t frame[2048];
    struct link_frame f;
    size_t hlen;
    int len;

    memcpy(l2.dst, ecp_nearest_customer_bridge, 6);
    if (src) {
        memcpy(l2.src, src, 6);
    } else {
        link_get_mac(link, l2.src);
    }
    hlen = ecp_put_headers(frame, &l2, ECP_OP_REQUEST, ECP_SUBTYPE_VDP, seq);
    len = vdp_encode(m, frame + hlen, sizeof frame - hlen, NULL);
    if (len <= 0) {
        printf("VDP message does not encode\n");
        exit(1);
    }
    f.data = frame;
    f.len = hlen + len;
    if (f.len < ECP_MIN_FRAME_LEN) {
        memset(frame + f.len, 0, ECP_MIN_FRAME_LEN - f.len);
        f.len = ECP_MIN_FRAME_LEN;
    }
    link_send(link, &f, 1);
}

/* Sends on 'link', from another station's MAC, a VDP answer refusing the
 * VSI of 'assoc'. */
static void
forge_refusal(struct link *link, const struct vdp_message *assoc)
{
    static const uint8_t foreign[6] = { 0x02, 0xba, 0xd0, 0, 0, 1 };
    struct vdp_message m;

    vdp_make_response(assoc, VDP_STATUS_INVALID_FORMAT, VDP_RESP_HARD, &m);
    memset(&m.roe, 0, sizeof m.roe);
    send_vdp_request(link, foreign, &m, 0x4242);
}

/* Opens link 'name' and starts a hostile switch's session on it, with
 * the settings of the netdev's sessions, in 'x'.  Returns the link, or
 * NULL after printing why not. */
static struct link *
hostile_open(const char *name, struct hostile *x)
{
    struct roe_session_config cfg = {
        .role = ROE_SESSION_BRIDGE,
        .subtype = ECP_SUBTYPE_ROE_DEFAULT,
        .window = 128,
        .rte = 8,
        .max_tries = 4,
        .keepalive_us = 1000 * 1000,
        .manager_id = { 0xba, 0xd },
    };
    struct link *link;
    char *error;

    if (link_open(name, 9000, &link, &error)) {
        printf("%s\n", error);
        free(error);
        return NULL;
    }
    cfg.link = link;
    x->s = create_session(&cfg);
    setvbuf(stdout, NULL, _IONBF, 0);
    return link;
}

static int
test_hostile_switch(int argc __attribute__((unused)), char *argv[])
{
    struct hostile x = { .kind = VDP_RING_VM_TX, .h = -1 };
    const struct vdp_mr *mr;
    struct link *link;
    uint32_t old_rkey;
    uint64_t iova;

    link = hostile_open(argv[1], &x);
    if (!link) {
        return 1;
    }

    if (!hostile_wait(&x, false)) {
        printf("no VSI\n");
        return 1;
    }
    forge_refusal(link, roe_session_vsi_assoc(x.s, x.h));
    mr = &roe_session_vsi_assoc(x.s, x.h)->roe.mrs[0];
    hostile_read(&x, "READ past the end of the region",
                 mr->iova + mr->length - 32, mr->rkey);

    if (!hostile_wait(&x, true)) {
        printf("no new association\n");
        return 1;
    }
    mr = &roe_session_vsi_assoc(x.s, x.h)->roe.mrs[0];
    hostile_read(&x, "READ with a wrong rkey", mr->iova, mr->rkey ^ 0x100);

    if (!hostile_wait(&x, true)) {
        printf("no new association\n");
        return 1;
    }
    mr = &roe_session_vsi_assoc(x.s, x.h)->roe.mrs[0];
    old_rkey = mr->rkey;
    iova = mr->iova;
    printf("waiting for DEASSOC\n");
    if (!hostile_wait(&x, true)) {
        printf("no DEASSOC and new association\n");
        return 1;
    }
    hostile_read(&x, "READ with the rkey of the old association", iova,
                 old_rkey);
    roe_session_destroy(x.s);
    link_close(link);
    return 0;
}

ECPRDMA_TEST_REGISTER("hostile-switch", "LINK", test_hostile_switch);

/* A station that associates a VM's VSI with the switch at the other end
 * of link 'argv[1]', then 'argv[2]' times sends an ASSOC with a new queue
 * pair right followed by a DEASSOC, without waiting for answers: the
 * switch sees associations come and go within one poll. */
static int
test_hostile_station_churn(int argc __attribute__((unused)), char *argv[])
{
    struct roe_session *s;
    struct vdp_message m;
    struct vm_client c;
    struct link *link;
    int n = atoi(argv[2]);
    uint16_t seq = 0x4000;
    char *error;
    int h = -1;

    if (link_open(argv[1], 9000, &link, &error)) {
        printf("%s\n", error);
        free(error);
        return 1;
    }
    s = make_session(link, ROE_SESSION_STATION, 4, 1000, 128);
    vm_client_init(&c);
    export_vm(s, &c);
    for (long long until = ecprdma_test_now_us() + 30LL * 1000 * 1000;
         ecprdma_test_now_us() < until; usleep(1000)) {
        struct roe_session_event e;

        roe_session_run(s, ecprdma_test_now_us());
        if (roe_session_poll_event(s, &e) && e.type == ROE_SESSION_VSI_UP) {
            h = e.handle;
            break;
        }
    }
    if (h < 0) {
        printf("no association\n");
        return 1;
    }
    printf("associated\n");
    m = *roe_session_vsi_assoc(s, h);
    for (int i = 0; i < n; i++) {
        struct vdp_message deassoc = m;

        m.roe.qp.qpn = (m.roe.qp.qpn + 0x100) & ROE_QPN_MASK;
        deassoc.vsi.mode = VDP_TLV_DEASSOC;
        memset(&deassoc.roe, 0, sizeof deassoc.roe);
        send_vdp_request(link, NULL, &m, seq++);
        send_vdp_request(link, NULL, &deassoc, seq++);
        usleep(2000);
    }
    printf("sent %d ASSOC and DEASSOC pairs\n", n);
    roe_session_destroy(s);
    link_close(link);
    free(c.region);
    return 0;
}

ECPRDMA_TEST_REGISTER("hostile-station-churn", "LINK N",
                      test_hostile_station_churn);

/* A switch that writes indexes that cannot be into the headers of a
 * server uplink's own rings: a bridge session on link 'argv[1]' that,
 * once the uplink's VSI is associated,
 *
 *   - writes the egress ring's producer index (which the server owns) and
 *     its consumer index, both unaligned, near the end of the area, then
 *     prints "wrote the egress indexes" and waits: the test sends a frame
 *     out of the uplink, and the server must refuse the consumer index
 *     and reset the association, without writing out of the ring;
 *   - after the new association, writes an ingress producer index more
 *     than the ring's size ahead of the consumer: the server must reset
 *     the association again;
 *   - after that, prints "send again" and waits for a record in the
 *     egress ring: the test sends a frame out of the uplink, which must
 *     go into the ring from the server's own producer index.
 *
 * Prints each outcome. */
struct hostile_ring {
    uint64_t size;
    uint64_t producer_iova, consumer_iova;
    uint32_t rkey;
};

static bool
hostile_find_ring(struct hostile *x, uint8_t kind, struct hostile_ring *r)
{
    const struct vdp_message *m = roe_session_vsi_assoc(x->s, x->h);

    for (size_t i = 0; i < m->roe.n_rings; i++) {
        const struct vdp_ring *ring = &m->roe.rings[i];

        if (ring->kind != kind) {
            continue;
        }
        r->size = UINT64_C(1) << (ring->log2_entries
                                  + ring->log2_entry_size);
        r->producer_iova = ring->producer_iova;
        r->consumer_iova = ring->consumer_iova;
        for (size_t j = 0; j < m->roe.n_mrs; j++) {
            const struct vdp_mr *mr = &m->roe.mrs[j];

            if (r->producer_iova >= mr->iova
                && r->consumer_iova + 8 <= mr->iova + mr->length) {
                r->rkey = mr->rkey;
                return true;
            }
        }
    }
    return false;
}

/* Writes 'value' into the 8-octet index at 'iova' of ring 'r' and
 * returns how the WRITE ended. */
static const char *
hostile_write_index(struct hostile *x, const struct hostile_ring *r,
                    uint64_t iova, uint64_t value)
{
    uint64_t le = htole64(value);

    return hostile_xfer(x, ROE_WR_WRITE, iova, r->rkey, &le, sizeof le);
}

/* Waits for the association to go, for up to 10 s. */
static bool
hostile_wait_reset(struct hostile *x)
{
    long long until = ecprdma_test_now_us() + 10LL * 1000 * 1000;
    struct roe_session_event e;

    while (ecprdma_test_now_us() < until) {
        roe_session_run(x->s, ecprdma_test_now_us());
        while (roe_session_poll_event(x->s, &e)) {
            if (e.type == ROE_SESSION_VSI_DOWN && e.handle == x->h) {
                x->h = -1;
                return true;
            }
        }
        usleep(100);
    }
    return false;
}

static int
test_hostile_rings(int argc __attribute__((unused)), char *argv[])
{
    struct hostile x = { .kind = VDP_RING_EGRESS, .h = -1 };
    struct hostile_ring eg, in;
    long long until;
    struct link *link;
    const char *how;
    bool reset;

    link = hostile_open(argv[1], &x);
    if (!link) {
        return 1;
    }

    if (!hostile_wait(&x, false) || !hostile_find_ring(&x, VDP_RING_EGRESS,
                                                       &eg)) {
        printf("no uplink VSI\n");
        return 1;
    }
    printf("egress producer: %s\n",
           hostile_write_index(&x, &eg, eg.producer_iova, eg.size * 3 - 4));
    printf("egress consumer: %s\n",
           hostile_write_index(&x, &eg, eg.consumer_iova, eg.size * 3 - 68));
    printf("wrote the egress indexes\n");
    printf("bad egress consumer: %s\n",
           hostile_wait_reset(&x) ? "association reset" : "no reset");

    if (!hostile_wait(&x, true) || !hostile_find_ring(&x, VDP_RING_INGRESS,
                                                      &in)) {
        printf("no new association\n");
        return 1;
    }
    /* The uplink finds the index bad as soon as it has it: its answer to
     * the WRITE may or may not leave before the association goes. */
    how = hostile_write_index(&x, &in, in.producer_iova, in.size * 2 + 8);
    reset = !strcmp(how, "refused, association reset");
    printf("ingress producer: %s\n",
           reset || !strcmp(how, "success") ? "written" : how);
    printf("bad ingress producer: %s\n",
           reset || hostile_wait_reset(&x) ? "association reset" : "no reset");

    if (!hostile_wait(&x, true) || !hostile_find_ring(&x, VDP_RING_EGRESS,
                                                      &eg)) {
        printf("no new association\n");
        return 1;
    }
    printf("send again\n");
    until = ecprdma_test_now_us() + 10LL * 1000 * 1000;
    while (ecprdma_test_now_us() < until) {
        uint64_t idx[2];
        uint8_t hdr[72];

        if (strcmp(hostile_xfer(&x, ROE_WR_READ, eg.producer_iova, eg.rkey,
                                hdr, sizeof hdr), "success")) {
            printf("egress header: not read\n");
            return 1;
        }
        memcpy(&idx[0], hdr, 8);
        memcpy(&idx[1], hdr + 64, 8);
        if (le64toh(idx[0]) != le64toh(idx[1])) {
            printf("egress ring: producer %"PRIu64", consumer %"PRIu64"\n",
                   le64toh(idx[0]), le64toh(idx[1]));
            break;
        }
        usleep(10000);
    }
    roe_session_destroy(x.s);
    link_close(link);
    return 0;
}

ECPRDMA_TEST_REGISTER("hostile-rings", "LINK", test_hostile_rings);
