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

/* afxdp:IFNAME[:QUEUE] links: an AF_XDP socket on receive queue QUEUE
 * (default 0) of IFNAME, with libxdp's xsk API and libbpf.
 *
 * The link attaches its own XDP program (link-afxdp.bpf.c) to the
 * interface: ECP frames go to the socket of their receive queue, the rest
 * to the kernel, so the interface keeps working for everything else.  The
 * kernel attaches it in native (driver) mode where the driver has it, else
 * in generic mode; an interface that has an XDP program already is
 * refused.
 * The socket asks for zero-copy and falls back to copy mode.
 *
 * One UMEM of 4 KiB frames: the first half is for receiving (all of it
 * given to the kernel's fill ring, each frame back to it at the next
 * link_recv() after the caller had it), the second half for transmitting
 * (a stack of free frames, refilled from the completion ring).  A frame is
 * one UMEM frame, so the MTU is at most AFXDP_MTU_MAX.
 *
 * Needs CAP_NET_ADMIN and CAP_BPF (root). */

#define _GNU_SOURCE
#include "link-provider.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#include "xalloc.h"

/* The compiled XDP program, embedded by the build (link-afxdp-obj.c). */
extern const unsigned char link_afxdp_obj[];
extern const size_t link_afxdp_obj_len;

enum {
    FRAME_SIZE = XSK_UMEM__DEFAULT_FRAME_SIZE,
    N_RX_FRAMES = 2048,         /* Also the fill and rx ring sizes. */
    N_TX_FRAMES = 2048,         /* Also the completion and tx ring sizes. */
    N_FRAMES = N_RX_FRAMES + N_TX_FRAMES,
};

/* The longest frame a UMEM frame holds, after the kernel's headroom. */
#define AFXDP_FRAME_MAX (FRAME_SIZE - XDP_PACKET_HEADROOM)

/* The largest MTU of an afxdp link. */
#define AFXDP_MTU_MAX \
    ((int) (AFXDP_FRAME_MAX - LINK_ETH_HEADER_LEN - LINK_VLAN_HEADER_LEN))

/* How often the kernel's counters of the socket are read. */
#define STATS_INTERVAL_MS 100

struct afxdp_link {
    struct link up;
    unsigned int ifindex;
    int xdp_link_fd;            /* The program's attachment, or -1. */
    struct bpf_object *obj;
    int map_fd;

    uint8_t *area;              /* The UMEM: N_FRAMES frames. */
    struct xsk_umem *umem;
    struct xsk_ring_prod fill;
    struct xsk_ring_cons comp;
    struct xsk_socket *xsk;
    struct xsk_ring_cons rx;
    struct xsk_ring_prod tx;
    bool zerocopy;

    uint64_t held[LINK_BATCH];  /* Frames the caller has, to give back. */
    unsigned int n_held;
    unsigned int n_peeked;      /* Receive descriptors to release. */
    uint64_t free_tx[N_TX_FRAMES];  /* Free transmit frames. */
    unsigned int n_free_tx;

    uint64_t drops_seen;        /* Of the kernel's counters, as counted. */
    long long int next_stats_ms;
};

static struct afxdp_link *
afxdp_link_cast(const struct link *link)
{
    return LINK_CAST(struct afxdp_link, link);
}

static void
afxdp_link_free(struct afxdp_link *xl)
{
    if (xl->xsk) {
        xsk_socket__delete(xl->xsk);
    }
    if (xl->umem) {
        xsk_umem__delete(xl->umem);
    }
    if (xl->xdp_link_fd >= 0) {
        close(xl->xdp_link_fd);
    }
    if (xl->obj) {
        bpf_object__close(xl->obj);
    }
    if (xl->area) {
        munmap(xl->area, (size_t) N_FRAMES * FRAME_SIZE);
    }
    if (xl->up.name) {
        link_uninit(&xl->up);
    }
    free(xl);
}

/* Loads the XDP program and attaches it to the interface, natively if the
 * driver can, otherwise in generic mode (also where the driver cannot with
 * the interface's MTU).  The attachment is a BPF link: it goes when the
 * process does, however it ends, so a killed ovs-vswitchd leaves no
 * program behind. */
static int
attach_program(struct afxdp_link *xl, const char *name, char **errorp)
{
    LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "ecp_to_xsk");
    struct bpf_program *prog;
    char buf[64];
    int error;

    xl->obj = bpf_object__open_mem(link_afxdp_obj, link_afxdp_obj_len,
                                   &opts);
    if (!xl->obj) {
        error = errno;
        *errorp = xalloc_printf("%s: cannot open the XDP program (%s)",
                                name, link_strerror(error, buf, sizeof buf));
        return error;
    }
    error = -bpf_object__load(xl->obj);
    if (error) {
        *errorp = xalloc_printf("%s: cannot load the XDP program (%s)%s",
                                name, link_strerror(error, buf, sizeof buf),
                                error == EPERM
                                ? ": needs CAP_BPF and CAP_NET_ADMIN" : "");
        return error;
    }
    prog = bpf_object__find_program_by_name(xl->obj, "ecp_to_xsk");
    xl->map_fd = bpf_object__find_map_fd_by_name(xl->obj, "ecp_xsks");
    if (!prog || xl->map_fd < 0) {
        *errorp = xalloc_printf("%s: the XDP program lacks its parts", name);
        return EINVAL;
    }

    for (int i = 0; i < 2 && xl->xdp_link_fd < 0; i++) {
        LIBBPF_OPTS(bpf_link_create_opts, lopts,
                    .flags = i ? XDP_FLAGS_SKB_MODE : 0);

        xl->xdp_link_fd = bpf_link_create(bpf_program__fd(prog), xl->ifindex,
                                          BPF_XDP, &lopts);
        error = xl->xdp_link_fd < 0 ? -xl->xdp_link_fd : 0;
        if (error == EBUSY || error == EEXIST) {
            break;
        }
    }
    if (xl->xdp_link_fd < 0) {
        if (error == EBUSY || error == EEXIST) {
            *errorp = xalloc_printf("%s: the interface has an XDP program "
                                    "already", name);
        } else {
            *errorp = xalloc_printf("%s: cannot attach the XDP program (%s)",
                                    name,
                                    link_strerror(error, buf, sizeof buf));
        }
        return error;
    }
    return 0;
}

/* Creates the UMEM and the socket on 'queue', zero-copy if the driver can,
 * and gives the receive frames to the kernel. */
static int
create_socket(struct afxdp_link *xl, const char *name, const char *ifname,
              unsigned int queue, char **errorp)
{
    struct xsk_umem_config ucfg = {
        .fill_size = N_RX_FRAMES,
        .comp_size = N_TX_FRAMES,
        .frame_size = FRAME_SIZE,
        .frame_headroom = 0,
    };
    char buf[64];
    uint32_t idx;
    void *area;
    int error;

    area = mmap(NULL, (size_t) N_FRAMES * FRAME_SIZE,
                PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED) {
        error = errno;
        *errorp = xalloc_printf("%s: cannot allocate the UMEM (%s)", name,
                                link_strerror(error, buf, sizeof buf));
        return error;
    }
    xl->area = area;
    error = -xsk_umem__create(&xl->umem, area, (size_t) N_FRAMES * FRAME_SIZE,
                              &xl->fill, &xl->comp, &ucfg);
    if (error) {
        *errorp = xalloc_printf("%s: cannot create the UMEM (%s)", name,
                                link_strerror(error, buf, sizeof buf));
        return error;
    }

    for (int zc = 1; zc >= 0; zc--) {
        struct xsk_socket_config cfg = {
            .rx_size = N_RX_FRAMES,
            .tx_size = N_TX_FRAMES,
            .libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
            .bind_flags = XDP_USE_NEED_WAKEUP
                          | (zc ? XDP_ZEROCOPY : XDP_COPY),
        };

        error = -xsk_socket__create(&xl->xsk, ifname, queue, xl->umem,
                                    &xl->rx, &xl->tx, &cfg);
        if (!error) {
            xl->zerocopy = zc;
            break;
        }
    }
    if (error) {
        *errorp = xalloc_printf("%s: cannot create the AF_XDP socket on "
                                "queue %u (%s)", name, queue,
                                link_strerror(error, buf, sizeof buf));
        return error;
    }
    error = -xsk_socket__update_xskmap(xl->xsk, xl->map_fd);
    if (error) {
        *errorp = xalloc_printf("%s: cannot steer frames to the socket (%s)",
                                name, link_strerror(error, buf, sizeof buf));
        return error;
    }

    if (xsk_ring_prod__reserve(&xl->fill, N_RX_FRAMES, &idx)
        != N_RX_FRAMES) {
        *errorp = xalloc_printf("%s: cannot fill the fill ring", name);
        return ENOBUFS;
    }
    for (unsigned int i = 0; i < N_RX_FRAMES; i++) {
        *xsk_ring_prod__fill_addr(&xl->fill, idx + i)
            = (uint64_t) i * FRAME_SIZE;
    }
    xsk_ring_prod__submit(&xl->fill, N_RX_FRAMES);
    for (unsigned int i = 0; i < N_TX_FRAMES; i++) {
        xl->free_tx[i] = (uint64_t) (N_RX_FRAMES + i) * FRAME_SIZE;
    }
    xl->n_free_tx = N_TX_FRAMES;
    return 0;
}

/* Parses "IFNAME[:QUEUE]" into 'ifname' and '*queue'. */
static int
parse_target(const char *name, const char *target, char ifname[IF_NAMESIZE],
             unsigned int *queue, char **errorp)
{
    const char *colon = strchr(target, ':');
    size_t len = colon ? (size_t) (colon - target) : strlen(target);

    *queue = 0;
    if (colon) {
        char *end;
        unsigned long q;

        errno = 0;
        q = strtoul(colon + 1, &end, 10);
        if (colon[1] < '0' || colon[1] > '9' || *end || errno || q > 255) {
            *errorp = xalloc_printf("%s: bad queue \"%s\" (expected 0 to "
                                    "255)", name, colon + 1);
            return EINVAL;
        }
        *queue = q;
    }
    if (len >= IF_NAMESIZE) {
        *errorp = xalloc_printf("%s: interface name too long (at most %d "
                                "characters)", name, IF_NAMESIZE - 1);
        return ENAMETOOLONG;
    }
    memcpy(ifname, target, len);
    ifname[len] = '\0';
    return 0;
}

static int
afxdp_open(const char *name, const char *target, int mtu,
           struct link **linkp, char **errorp)
{
    char ifname[IF_NAMESIZE];
    struct afxdp_link *xl;
    unsigned int queue;
    bool is_ethernet;
    uint8_t mac[6];
    int error;
    int if_mtu;

    error = parse_target(name, target, ifname, &queue, errorp);
    if (error) {
        return error;
    }
    /* The libraries would write to stderr; our messages say what failed. */
    libbpf_set_print(NULL);
    libxdp_set_print(NULL);
    xl = xalloc_zeroed(1, sizeof *xl);
    xl->xdp_link_fd = -1;
    error = link_lookup_interface(name, ifname, &xl->ifindex, &if_mtu, mac,
                                  &is_ethernet, errorp);
    if (error) {
        goto error;
    } else if (!is_ethernet) {
        *errorp = xalloc_printf("%s: not an Ethernet interface", name);
        error = EINVAL;
        goto error;
    }
    if (mtu > if_mtu || mtu > AFXDP_MTU_MAX) {
        *errorp = xalloc_printf("%s: requested MTU %d exceeds the %s %d",
                                name, mtu,
                                mtu > if_mtu ? "interface's MTU"
                                : "largest MTU of an afxdp link",
                                mtu > if_mtu ? if_mtu : AFXDP_MTU_MAX);
        error = EINVAL;
        goto error;
    }
    if (!mtu) {
        mtu = if_mtu < AFXDP_MTU_MAX ? if_mtu : AFXDP_MTU_MAX;
    }
    link_init(&xl->up, &link_afxdp_class, name, mtu, mac);

    error = attach_program(xl, name, errorp);
    if (!error) {
        error = create_socket(xl, name, ifname, queue, errorp);
    }
    if (error) {
        goto error;
    }
    *linkp = &xl->up;
    return 0;

error:
    afxdp_link_free(xl);
    return error;
}

static void
afxdp_close(struct link *link)
{
    afxdp_link_free(afxdp_link_cast(link));
}

static bool
afxdp_is_up(const struct link *link)
{
    (void) link;
    return true;
}

static int
afxdp_fd(const struct link *link)
{
    return xsk_socket__fd(afxdp_link_cast(link)->xsk);
}

/* Gives the frames that the last link_recv() handed out back to the
 * kernel's fill ring, and releases their receive descriptors. */
static void
release_frames(struct afxdp_link *xl)
{
    uint32_t idx;

    if (xl->n_held
        && xsk_ring_prod__reserve(&xl->fill, xl->n_held, &idx)
           == xl->n_held) {
        /* Always room: the fill ring holds every receive frame. */
        for (unsigned int i = 0; i < xl->n_held; i++) {
            *xsk_ring_prod__fill_addr(&xl->fill, idx + i) = xl->held[i];
        }
        xsk_ring_prod__submit(&xl->fill, xl->n_held);
    }
    if (xl->n_peeked) {
        xsk_ring_cons__release(&xl->rx, xl->n_peeked);
    }
    xl->n_held = xl->n_peeked = 0;
}

static int
afxdp_recv(struct link *link, struct link_frame frames[], int max)
{
    struct afxdp_link *xl = afxdp_link_cast(link);
    uint32_t idx;
    unsigned int n;
    int taken = 0;

    release_frames(xl);
    if (xsk_ring_prod__needs_wakeup(&xl->fill)) {
        recvfrom(xsk_socket__fd(xl->xsk), NULL, 0, MSG_DONTWAIT, NULL,
                 NULL);
    }
    if (max > LINK_BATCH) {
        max = LINK_BATCH;
    }
    n = xsk_ring_cons__peek(&xl->rx, max, &idx);
    for (unsigned int i = 0; i < n; i++) {
        const struct xdp_desc *d = xsk_ring_cons__rx_desc(&xl->rx, idx + i);
        uint64_t base = d->addr - d->addr % FRAME_SIZE;

        /* The kernel's descriptor: its frame goes back to the fill ring
         * whatever it holds. */
        xl->held[xl->n_held++] = base;
        if (d->len < LINK_ETH_HEADER_LEN || d->len > link->max_frame_len
            || d->addr >= (uint64_t) N_RX_FRAMES * FRAME_SIZE
            || d->addr % FRAME_SIZE + d->len > FRAME_SIZE) {
            link->stats.rx_errors++;
            continue;
        }
        frames[taken].data = xsk_umem__get_data(xl->area, d->addr);
        frames[taken].len = d->len;
        taken++;
    }
    xl->n_peeked = n;
    return taken;
}

/* Takes back the transmit frames that the kernel has sent. */
static void
reclaim_tx(struct afxdp_link *xl)
{
    uint32_t idx;
    unsigned int n = xsk_ring_cons__peek(&xl->comp, N_TX_FRAMES, &idx);

    for (unsigned int i = 0; i < n && xl->n_free_tx < N_TX_FRAMES; i++) {
        uint64_t addr = *xsk_ring_cons__comp_addr(&xl->comp, idx + i);

        xl->free_tx[xl->n_free_tx++] = addr - addr % FRAME_SIZE;
    }
    if (n) {
        xsk_ring_cons__release(&xl->comp, n);
    }
}

static int
afxdp_send(struct link *link, const struct link_frame frames[], int n)
{
    struct afxdp_link *xl = afxdp_link_cast(link);
    uint32_t idx;
    int k;

    reclaim_tx(xl);
    k = n < (int) xl->n_free_tx ? n : (int) xl->n_free_tx;
    if (k && xsk_ring_prod__reserve(&xl->tx, k, &idx) != (uint32_t) k) {
        k = 0;
    }
    for (int i = 0; i < k; i++) {
        struct xdp_desc *d = xsk_ring_prod__tx_desc(&xl->tx, idx + i);
        uint64_t addr = xl->free_tx[--xl->n_free_tx];

        memcpy(xsk_umem__get_data(xl->area, addr), frames[i].data,
               frames[i].len);
        d->addr = addr;
        d->len = frames[i].len;
        link->stats.tx_frames++;
        link->stats.tx_bytes += frames[i].len;
    }
    if (k) {
        xsk_ring_prod__submit(&xl->tx, k);
    }
    if (xsk_ring_prod__needs_wakeup(&xl->tx)) {
        if (sendto(xsk_socket__fd(xl->xsk), NULL, 0, MSG_DONTWAIT, NULL, 0)
            < 0 && !link_error_is_transient(errno) && errno != EBUSY) {
            link->stats.tx_errors++;
        }
    }
    return k;
}

/* Adds to the link's statistics what the kernel dropped for want of room
 * in the fill or receive ring since the last call. */
static void
count_overruns(struct afxdp_link *xl)
{
    struct xdp_statistics st;
    socklen_t len = sizeof st;

    if (!getsockopt(xsk_socket__fd(xl->xsk), SOL_XDP, XDP_STATISTICS, &st,
                    &len)) {
        uint64_t drops = st.rx_dropped + st.rx_ring_full
                         + st.rx_fill_ring_empty_descs;

        xl->up.stats.rx_overruns += drops - xl->drops_seen;
        xl->drops_seen = drops;
    }
}

static void
afxdp_run(struct link *link)
{
    struct afxdp_link *xl = afxdp_link_cast(link);
    long long int now = link_time_msec();

    if (now >= xl->next_stats_ms) {
        xl->next_stats_ms = now + STATS_INTERVAL_MS;
        count_overruns(xl);
    }
    /* Frames waiting to be sent need a kick in copy mode. */
    if (xsk_ring_prod__needs_wakeup(&xl->tx)) {
        sendto(xsk_socket__fd(xl->xsk), NULL, 0, MSG_DONTWAIT, NULL, 0);
    }
}

const struct link_class link_afxdp_class = {
    .type = "afxdp",
    .open = afxdp_open,
    .close = afxdp_close,
    .run = afxdp_run,
    .is_up = afxdp_is_up,
    .fd = afxdp_fd,
    .recv = afxdp_recv,
    .send = afxdp_send,
};
