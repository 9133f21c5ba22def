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

/* ecp-rdma-stations: plays many servers ("stations") against one access
 * switch, for the switch's scale tests and benchmarks.
 *
 * Each LINK given is one station: a RoE session that exports, as a real
 * server's uplink does, an uplink VSI (an ingress and an egress frame
 * ring) and --vms VM VSIs, each a memif C2S ring of --slots descriptors
 * and buffers of --buffer-size octets in the station's memory.  Once every
 * VSI is associated (and --start-file exists), the VMs of the first
 * --active stations put frames into their rings, each to a VM chosen at
 * random among the VMs of the active stations, other than itself; the
 * switch READs them, forwards them through its bridge and WRITEs them into
 * the destination station's ingress ring, tagged for the VM, where they
 * are checked: the right station, the right VM, the octets they were sent
 * with.
 *
 * VSI IDs and MACs say which station and VM they are: station S, VM V has
 * VSI ID 5eSSVV00-... and MAC 02:5e:00:SS:VV:00 (S and V in hex, from
 * 00); the access switch's agent names its port "PORT-5eSSVV00". */

#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ecprdma-clock.h"
#include "ecp.h"
#include "frame-ring.h"
#include "link.h"
#include "memif-proto.h"
#include "roe-session.h"
#include "vdp.h"
#include "xalloc.h"

#define ETH_TYPE_TEST 0x88b5    /* IEEE local experimental. */
#define MAGIC 0xec5a7105u
#define MAX_STATIONS 256
#define MAX_VMS (ROE_SESSION_MAX_VSIS - 1)
#define UPLINK_VM 0xff          /* The uplink VSI's "VM" number. */
#define MIN(A, B) ((A) < (B) ? (A) : (B))

struct options {
    int n_vms;
    int first;
    int n_active;
    uint64_t count;
    double seconds;
    uint32_t size;
    double rate;
    int slots;
    uint32_t buffer_size;
    uint64_t ring_size;
    int mtu;
    uint16_t window;
    uint8_t rte;
    uint8_t max_tries;
    double timeout;
    const char *start_file;
    const char *stop_file;
    unsigned int seed;
};

/* What follows the Ethernet header of a test frame. */
struct __attribute__((packed)) payload {
    uint32_t magic;
    uint8_t src_station, src_vm;
    uint8_t dst_station, dst_vm;
    uint64_t seq;
};

struct sim_vm {
    int handle;                 /* The session's handle of the VSI. */
    bool up;
    uint32_t qpn, prev_qpn;     /* Tags of its ingress frames. */
    uint8_t mac[6];
    uint8_t *region;            /* Ring, then buffers. */
    size_t region_size;
    struct memif_ring *ring;
    uint16_t head;
    uint64_t sent;
};

struct station {
    int index;
    struct link *link;
    struct roe_session *session;
    struct frame_ring ingress, egress;
    int uplink_handle;
    bool uplink_up;
    uint64_t ingress_cons;
    bool broken;                /* Its ingress ring held a bad record. */
    struct sim_vm *vms;
};

struct totals {
    uint64_t sent;
    uint64_t received;
    uint64_t misdelivered;      /* To another VM than the frame's. */
    uint64_t corrupted;         /* Not a frame we sent, as sent. */
    uint64_t bad_records;       /* Ingress rings that broke the rules. */
};

static volatile sig_atomic_t stop;
static struct options opt;
static struct totals totals;

static void
on_signal(int signum)
{
    stop = signum;
}

static long long
now_us(void)
{
    return ecprdma_clock_ns() / 1000;
}

static void __attribute__((noreturn, format(printf, 1, 2)))
fatal(const char *format, ...)
{
    va_list args;

    fputs("ecp-rdma-stations: ", stderr);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    exit(EXIT_FAILURE);
}

static void
usage(void)
{
    printf("ecp-rdma-stations: plays servers against an access switch\n"
           "usage: ecp-rdma-stations [OPTION]... LINK...\n"
           "Each LINK (afpacket:IFNAME, afxdp:IFNAME[:QUEUE], unix:PATH or\n"
           "punix:PATH) is one station.\n"
           "Options:\n"
           "  --vms=N          VM VSIs per station (8, at most %d)\n"
           "  --first=N        the number of the first station (0): the\n"
           "                   stations of LINK... are N, N+1, ...\n"
           "  --active=N       stations whose VMs send (all)\n"
           "  --count=N        frames each VM of an active station sends;\n"
           "                   0: send for --seconds (1000)\n"
           "  --seconds=S      how long to send with --count=0 (10)\n"
           "  --size=N         frame octets, 60 to 1514 (64)\n"
           "  --rate=PPS       frames per second per active station, at\n"
           "                   most (0: as fast as the rings take them)\n"
           "  --slots=N        descriptors of a VM's ring, a power of 2\n"
           "                   (1024)\n"
           "  --buffer-size=N  octets of a VM's buffers (2048)\n"
           "  --ring-size=N    octets of a station's ingress ring, a power\n"
           "                   of 2 (1048576)\n"
           "  --mtu=N          link MTU (9000 for unix links)\n"
           "  --window=N       queue pairs' window (128)\n"
           "  --rte=N          retransmit timeout 10 us x 2^N (8)\n"
           "  --max-tries=N    queue pairs' tries, 0: no limit (4)\n"
           "  --timeout=S      wait for associations and frames (30)\n"
           "  --start-file=F   once associated, send only once F exists\n"
           "                   (--timeout at most)\n"
           "  --stop-file=F    once done, keep the VSIs until F exists\n"
           "                   (--timeout at most)\n"
           "  --seed=N         of the choice of destinations (1)\n",
           MAX_VMS);
}

static double
parse_number(const char *name, const char *s, double min, double max)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= min && v <= max)) {
        fatal("--%s: \"%s\" is not a number from %g to %g", name, s, min,
              max);
    }
    return v;
}

static bool
is_pow2(uint64_t x)
{
    return x && !(x & (x - 1));
}

static int
parse_options(int argc, char *argv[])
{
    static const struct option long_options[] = {
        {"vms", required_argument, NULL, 'v'},
        {"first", required_argument, NULL, 'i'},
        {"active", required_argument, NULL, 'a'},
        {"count", required_argument, NULL, 'c'},
        {"seconds", required_argument, NULL, 't'},
        {"size", required_argument, NULL, 's'},
        {"rate", required_argument, NULL, 'r'},
        {"slots", required_argument, NULL, 'S'},
        {"buffer-size", required_argument, NULL, 'b'},
        {"ring-size", required_argument, NULL, 'R'},
        {"mtu", required_argument, NULL, 'm'},
        {"window", required_argument, NULL, 'w'},
        {"rte", required_argument, NULL, 'e'},
        {"max-tries", required_argument, NULL, 'T'},
        {"timeout", required_argument, NULL, 'o'},
        {"start-file", required_argument, NULL, 'f'},
        {"stop-file", required_argument, NULL, 'F'},
        {"seed", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };

    opt = (struct options) {
        .n_vms = 8, .n_active = -1, .count = 1000, .seconds = 10,
        .size = 64, .slots = 1024, .buffer_size = 2048,
        .ring_size = 1 << 20, .window = 128, .rte = 8, .max_tries = 4,
        .timeout = 30, .seed = 1,
    };
    for (;;) {
        int c = getopt_long(argc, argv, "", long_options, NULL);
        const char *a = optarg;

        switch (c) {
        case -1:
            return optind;
        case 'v':
            opt.n_vms = parse_number("vms", a, 1, MAX_VMS);
            break;
        case 'i':
            opt.first = parse_number("first", a, 0, MAX_STATIONS - 1);
            break;
        case 'a':
            opt.n_active = parse_number("active", a, 0, MAX_STATIONS);
            break;
        case 'c':
            opt.count = parse_number("count", a, 0, 1e12);
            break;
        case 't':
            opt.seconds = parse_number("seconds", a, 0, 1e6);
            break;
        case 's':
            opt.size = parse_number("size", a, 60, 1514);
            break;
        case 'r':
            opt.rate = parse_number("rate", a, 0, 1e9);
            break;
        case 'S':
            opt.slots = parse_number("slots", a, 2, 32768);
            break;
        case 'b':
            opt.buffer_size = parse_number("buffer-size", a, 64, 65536);
            break;
        case 'R':
            opt.ring_size = parse_number("ring-size", a, FRAME_RING_MIN_SIZE,
                                         1 << 30);
            break;
        case 'm':
            opt.mtu = parse_number("mtu", a, 1500, 65535);
            break;
        case 'w':
            opt.window = parse_number("window", a, 1, 32767);
            break;
        case 'e':
            opt.rte = parse_number("rte", a, 0, 15);
            break;
        case 'T':
            opt.max_tries = parse_number("max-tries", a, 0, 7);
            break;
        case 'o':
            opt.timeout = parse_number("timeout", a, 0, 1e6);
            break;
        case 'f':
            opt.start_file = a;
            break;
        case 'F':
            opt.stop_file = a;
            break;
        case 'd':
            opt.seed = parse_number("seed", a, 0, UINT_MAX);
            break;
        case 'h':
            usage();
            exit(EXIT_SUCCESS);
        default:
            exit(EXIT_FAILURE);
        }
    }
}

static void
make_vsiid(int station, int vm, uint8_t id[VDP_VSIID_LEN])
{
    memset(id, 0, VDP_VSIID_LEN);
    id[0] = 0x5e;
    id[1] = station;
    id[2] = vm;
    id[6] = 0x40;               /* Version 4, variant 1. */
    id[8] = 0x80;
    id[15] = 1;
}

static void
make_mac(int station, int vm, uint8_t mac[6])
{
    const uint8_t m[6] = { 0x02, 0x5e, 0x00, station, vm, 0x00 };

    memcpy(mac, m, 6);
}

static int
add_vsi(struct station *st, const struct roe_vsi_spec *spec)
{
    char *error;
    int handle;

    if (roe_session_vsi_add(st->session, spec, &handle, &error)) {
        fatal("station %d: %s", st->index, error);
    }
    return handle;
}

/* Exports the station's ingress and egress rings as its uplink VSI. */
static void
export_uplink(struct station *st)
{
    struct roe_vsi_spec spec;

    memset(&spec, 0, sizeof spec);
    make_vsiid(st->index, UPLINK_VM, spec.vsiid);
    make_mac(st->index, UPLINK_VM, spec.mac);
    frame_ring_describe_uplink(&st->ingress, &st->egress, &spec);
    st->uplink_handle = add_vsi(st, &spec);
}

/* Makes VM 'v' of 'st': its ring, with every buffer at its slot's offset,
 * exported as a VM VSI. */
static void
export_vm(struct station *st, int v)
{
    struct sim_vm *vm = &st->vms[v];
    unsigned int log2 = __builtin_ctz(opt.slots);
    uint64_t ring_bytes = memif_ring_bytes(log2);
    struct roe_vsi_spec spec;

    vm->region_size = ring_bytes + (uint64_t) opt.slots * opt.buffer_size;
    vm->region = xalloc_aligned_zeroed(4096, vm->region_size);
    vm->ring = (struct memif_ring *) vm->region;
    vm->ring->cookie = MEMIF_COOKIE;
    make_mac(st->index, v, vm->mac);

    memset(&spec, 0, sizeof spec);
    make_vsiid(st->index, v, spec.vsiid);
    memcpy(spec.mac, vm->mac, 6);
    spec.regions[0] = (struct roe_region) {
        .addr = vm->region, .iova = ROE_REGION_IOVA(0),
        .length = vm->region_size,
        .access = VDP_MR_REMOTE_READ,
    };
    spec.regions[1] = (struct roe_region) {
        .addr = &vm->ring->tail, .iova = ROE_REGION_IOVA(1),
        .length = sizeof vm->ring->tail,
        .access = VDP_MR_REMOTE_READ | VDP_MR_REMOTE_WRITE,
    };
    spec.n_regions = 2;
    spec.rings[0] = (struct vdp_ring) {
        .id = 0, .kind = VDP_RING_VM_TX, .log2_entry_size = 4,
        .log2_entries = log2,
        .base_iova = ROE_REGION_IOVA(0) + offsetof(struct memif_ring, desc),
        .producer_iova = ROE_REGION_IOVA(0)
                         + offsetof(struct memif_ring, head),
        .consumer_iova = ROE_REGION_IOVA(1),
    };
    spec.ring_region[0] = 0;
    spec.n_rings = 1;
    vm->handle = add_vsi(st, &spec);
}

static void
station_init(struct station *st, int index, const char *link_name)
{
    struct roe_session_config cfg = {
        .role = ROE_SESSION_STATION,
        .subtype = ECP_SUBTYPE_ROE_DEFAULT,
        .window = opt.window,
        .rte = opt.rte,
        .max_tries = opt.max_tries,
        .keepalive_us = 1000 * 1000,
        .manager_id = { 0x5e, index },
    };
    int mtu = opt.mtu;
    char *error;

    memset(st, 0, sizeof *st);
    st->index = index;
    if (!mtu && (!strncmp(link_name, "unix:", 5)
                 || !strncmp(link_name, "punix:", 6))) {
        mtu = 9000;
    }
    if (link_open(link_name, mtu, &st->link, &error)) {
        fatal("%s", error);
    }
    cfg.link = st->link;
    st->session = roe_session_create(&cfg, &error);
    if (!st->session) {
        fatal("%s: %s", link_name, error);
    }
    frame_ring_alloc(&st->ingress, opt.ring_size);
    frame_ring_alloc(&st->egress, FRAME_RING_MIN_SIZE);
    export_uplink(st);
    st->vms = xalloc_zeroed(opt.n_vms, sizeof *st->vms);
    for (int v = 0; v < opt.n_vms; v++) {
        export_vm(st, v);
    }
}

static struct sim_vm *
station_find_vm(struct station *st, int handle)
{
    for (int v = 0; v < opt.n_vms; v++) {
        if (st->vms[v].handle == handle) {
            return &st->vms[v];
        }
    }
    return NULL;
}

/* Takes the session's events: which VSIs are up, and the QP numbers that
 * the switch tags their ingress frames with. */
static void
station_poll_events(struct station *st)
{
    struct roe_session_event e;

    while (roe_session_poll_event(st->session, &e)) {
        bool up = e.type == ROE_SESSION_VSI_UP;
        struct sim_vm *vm;

        if (e.handle == st->uplink_handle) {
            st->uplink_up = up;
            continue;
        }
        vm = station_find_vm(st, e.handle);
        if (!vm) {
            continue;
        }
        vm->up = up;
        if (up) {
            vm->prev_qpn = vm->qpn;
            vm->qpn = roe_session_vsi_assoc(st->session,
                                            e.handle)->roe.qp.qpn;
        }
    }
}

static int
station_vm_by_tag(const struct station *st, uint32_t tag)
{
    for (int v = 0; v < opt.n_vms; v++) {
        const struct sim_vm *vm = &st->vms[v];

        if (tag && (vm->qpn == tag || vm->prev_qpn == tag)) {
            return v;
        }
    }
    return -1;
}

/* Checks frame 'f', delivered into the ingress ring of 'st'. */
static void
check_frame(const struct station *st, const struct frame_ring_frame *f)
{
    int v = station_vm_by_tag(st, f->tag);
    struct payload p;

    if (f->len != opt.size || f->len < 14 + sizeof p) {
        totals.corrupted++;
        return;
    }
    memcpy(&p, f->data + 14, sizeof p);
    if (p.magic != MAGIC) {
        totals.corrupted++;
    } else if (v < 0 || p.dst_station != st->index || p.dst_vm != v
               || memcmp(f->data, st->vms[v].mac, 6)) {
        totals.misdelivered++;
    } else {
        totals.received++;
    }
}

/* Consumes what the switch wrote into the ingress ring of 'st'. */
static void
station_drain_ingress(struct station *st)
{
    uint64_t prod = frame_ring_producer(&st->ingress);
    uint64_t cons = st->ingress_cons;
    struct frame_ring_frame f;
    enum frame_ring_status status;

    if (st->broken) {
        return;
    }
    while ((status = frame_ring_get(&st->ingress, &cons, prod, &f))
           == FRAME_RING_OK) {
        check_frame(st, &f);
    }
    if (status == FRAME_RING_BAD) {
        st->broken = true;
        totals.bad_records++;
        fprintf(stderr, "station %d: a bad record in the ingress ring\n",
                st->index);
    }
    if (cons != st->ingress_cons) {
        st->ingress_cons = cons;
        frame_ring_set_consumer(&st->ingress, cons);
    }
}

static void
station_run(struct station *st, long long now)
{
    link_run(st->link);
    roe_session_run(st->session, now);
    station_poll_events(st);
    station_drain_ingress(st);
}

static bool
station_all_up(const struct station *st)
{
    if (!st->uplink_up) {
        return false;
    }
    for (int v = 0; v < opt.n_vms; v++) {
        if (!st->vms[v].up) {
            return false;
        }
    }
    return true;
}

/* Puts up to 'max' frames into the ring of VM 'v' of 'st', to VMs of the
 * first 'n_active' stations picked at random, and publishes the head once.
 * Returns how many. */
static uint64_t
vm_send(struct station *st, int v, uint64_t max, int n_active)
{
    struct sim_vm *vm = &st->vms[v];
    uint16_t tail = __atomic_load_n(&vm->ring->tail, __ATOMIC_ACQUIRE);
    uint16_t used = vm->head - tail;
    uint64_t n = 0;

    if (used > opt.slots) {
        return 0;               /* The switch wrote a tail that cannot be. */
    }
    for (; n < max && used + n < (uint64_t) opt.slots; n++) {
        uint16_t slot = vm->head & (opt.slots - 1);
        struct memif_desc *d = &vm->ring->desc[slot];
        uint64_t ofs = memif_ring_bytes(__builtin_ctz(opt.slots))
                       + (uint64_t) slot * opt.buffer_size;
        uint8_t *frame = vm->region + ofs;
        int pick, dst_station, dst_vm;
        struct payload p;

        do {
            pick = rand() % (n_active * opt.n_vms);
        } while (n_active * opt.n_vms > 1
                 && pick == (st->index - opt.first) * opt.n_vms + v);
        dst_station = opt.first + pick / opt.n_vms;
        dst_vm = pick % opt.n_vms;
        make_mac(dst_station, dst_vm, frame);
        memcpy(frame + 6, vm->mac, 6);
        frame[12] = ETH_TYPE_TEST >> 8;
        frame[13] = ETH_TYPE_TEST & 0xff;
        p = (struct payload) {
            .magic = MAGIC, .src_station = st->index, .src_vm = v,
            .dst_station = dst_station, .dst_vm = dst_vm, .seq = vm->sent,
        };
        memcpy(frame + 14, &p, sizeof p);
        *d = (struct memif_desc) {
            .region = 0, .offset = ofs, .length = opt.size,
        };
        vm->head++;
        vm->sent++;
    }
    if (n) {
        __atomic_store_n(&vm->ring->head, vm->head, __ATOMIC_RELEASE);
    }
    return n;
}

/* How many frames each active station's VMs may send together now. */
static uint64_t
station_quota(const struct station *st, long long start, long long now)
{
    uint64_t allowed = opt.rate * ((now - start) / 1e6) + 1;
    uint64_t sent = 0;

    if (!opt.rate) {
        return UINT64_MAX;
    }
    for (int v = 0; v < opt.n_vms; v++) {
        sent += st->vms[v].sent;
    }
    return allowed > sent ? allowed - sent : 0;
}

/* Puts frames into the rings of the VMs of 'st', as many as the rings
 * and --rate allow.  Returns how many. */
static uint64_t
station_send(struct station *st, long long start, long long now,
             int n_active)
{
    uint64_t quota = station_quota(st, start, now);
    uint64_t total = 0;

    for (int v = 0; v < opt.n_vms && quota; v++) {
        struct sim_vm *vm = &st->vms[v];
        uint64_t max = quota;

        if (opt.count) {
            max = MIN(max, opt.count - vm->sent);
        }
        if (max) {
            uint64_t n = vm_send(st, v, MIN(max, 32), n_active);

            quota -= n;
            total += n;
        }
    }
    totals.sent += total;
    return total;
}

/* Sleeps until a link is readable or the nearest timeout, from 50 us to
 * 1 ms. */
static void
wait_links(struct station *stations, int n)
{
    static struct pollfd pfds[MAX_STATIONS];
    long long now = now_us(), next = now + 1000;
    struct timespec ts;
    int n_pfds = 0;

    for (int i = 0; i < n; i++) {
        int fd = link_fd(stations[i].link);

        next = MIN(next, roe_session_next_timeout(stations[i].session));
        if (fd >= 0) {
            pfds[n_pfds++] = (struct pollfd) { .fd = fd, .events = POLLIN };
        }
    }
    next = next < now + 50 ? now + 50 : next;
    ts.tv_sec = 0;
    ts.tv_nsec = (next - now) * 1000;
    ppoll(pfds, n_pfds, &ts, NULL);
}

static void
run_all(struct station *stations, int n)
{
    long long now = now_us();

    for (int i = 0; i < n; i++) {
        station_run(&stations[i], now);
    }
}

static bool
all_up(const struct station *stations, int n)
{
    for (int i = 0; i < n; i++) {
        if (!station_all_up(&stations[i])) {
            return false;
        }
    }
    return true;
}

static bool
all_sent(const struct station *stations, int n_active)
{
    if (!opt.count) {
        return false;
    }
    for (int i = 0; i < n_active; i++) {
        for (int v = 0; v < opt.n_vms; v++) {
            if (stations[i].vms[v].sent < opt.count) {
                return false;
            }
        }
    }
    return true;
}

static void
print_totals(void)
{
    printf("sent %"PRIu64", received %"PRIu64", lost %"PRIu64
           ", misdelivered %"PRIu64", corrupted %"PRIu64
           ", bad rings %"PRIu64"\n",
           totals.sent, totals.received,
           totals.sent - MIN(totals.sent,
                             totals.received + totals.misdelivered),
           totals.misdelivered, totals.corrupted, totals.bad_records);
    fflush(stdout);
}

int
main(int argc, char *argv[])
{
    struct station *stations;
    long long deadline, start, stop_sending;
    int first = parse_options(argc, argv);
    int n = argc - first;
    int n_active;

    if (n < 1 || opt.first + n > MAX_STATIONS) {
        fatal("give 1 to %d links (--help for help)",
              MAX_STATIONS - opt.first);
    }
    if (!is_pow2(opt.slots) || !is_pow2(opt.ring_size)) {
        fatal("--slots and --ring-size must be powers of 2");
    }
    if (opt.size > opt.buffer_size) {
        fatal("--size is more than --buffer-size");
    }
    n_active = opt.n_active < 0 ? n : MIN(opt.n_active, n);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    srand(opt.seed);

    stations = xalloc_zeroed(n, sizeof *stations);
    for (int i = 0; i < n; i++) {
        station_init(&stations[i], opt.first + i, argv[first + i]);
    }

    deadline = now_us() + opt.timeout * 1e6;
    while (!all_up(stations, n)) {
        if (stop || now_us() > deadline) {
            fatal("not every VSI was associated within %g s", opt.timeout);
        }
        run_all(stations, n);
        wait_links(stations, n);
    }
    printf("associated %d VSIs of %d stations\n", n * (opt.n_vms + 1), n);
    fflush(stdout);

    deadline = now_us() + opt.timeout * 1e6;
    while (opt.start_file && access(opt.start_file, F_OK)) {
        if (stop || now_us() > deadline) {
            fatal("%s did not appear within %g s", opt.start_file,
                  opt.timeout);
        }
        run_all(stations, n);
        wait_links(stations, n);
    }

    start = now_us();
    stop_sending = start + opt.seconds * 1e6;
    while (!stop && !all_sent(stations, n_active)
           && (opt.count || now_us() < stop_sending)) {
        long long now = now_us();
        uint64_t sent = 0;

        run_all(stations, n);
        for (int i = 0; i < n_active; i++) {
            sent += station_send(&stations[i], start, now, n_active);
        }
        if (!sent) {
            /* The rings are full (or --rate holds us back): the switch's
             * WRITE of a tail index, on the link, frees slots. */
            wait_links(stations, n);
        }
    }

    /* Waits for the frames in flight. */
    deadline = now_us() + opt.timeout * 1e6;
    while (!stop && now_us() < deadline
           && totals.received + totals.misdelivered < totals.sent) {
        run_all(stations, n);
        wait_links(stations, n);
    }
    print_totals();

    deadline = now_us() + opt.timeout * 1e6;
    while (opt.stop_file && !stop && now_us() < deadline
           && access(opt.stop_file, F_OK)) {
        run_all(stations, n);
        wait_links(stations, n);
    }
    return totals.received == totals.sent && !totals.corrupted
           && !totals.bad_records ? EXIT_SUCCESS : EXIT_FAILURE;
}
