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

/* afpacket:IFNAME links: an AF_PACKET SOCK_RAW socket bound to IFNAME and
 * to EtherType 0x8940 (ECP) only.
 *
 * Receive uses a TPACKET_V2 ring mapped into memory: the kernel hands over
 * each frame as soon as it has written it (TPACKET_V3 would hand over
 * blocks of frames, and a partly filled block only after a timeout of at
 * least a millisecond: RoE's acknowledgements cannot wait that long).
 * link_recv() returns frames that point into the ring and gives their
 * slots back to the kernel at the next link_recv().
 *
 * A socket bound to one EtherType sees a frame only after the kernel has
 * dealt with its VLAN tag, so received frames carry no tag: a frame with
 * VLAN ID 0 arrives without its tag, and the kernel marks a frame tagged
 * for a VLAN that has no device here as for another host.  link_recv()
 * drops frames for other hosts (which also covers unicast frames for
 * other MAC addresses on a promiscuous interface).  For ECP on a VLAN, use
 * the VLAN's device, e.g. afpacket:eth0.100.  Frames sent may carry a tag.
 *
 * Transmit uses sendmmsg(), LINK_BATCH frames per system call, which
 * reports each frame's fate at once.  A PACKET_TX_RING would save copying
 * the payload but needs ring memory of its own and a walk over the ring's
 * status words to learn which frames the kernel refused; one system call
 * per batch costs less than the RoE engine's own work per frame.
 *
 * An afpacket link is always up: while the interface is down, frames sent
 * are counted in tx_errors, and none arrive. */

#define _GNU_SOURCE
#include "link-provider.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/pkt_sched.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ecp.h"
#include "xalloc.h"

enum {
    RING_BYTES = 8 << 20,       /* Size of the receive ring, roughly. */
    MIN_FRAMES = 64,
    PAGE = 4096,
};

struct afpacket_link {
    struct link up;
    int fd;

    /* The receive ring: 'n_frames' slots of 'frame_size' octets, in blocks
     * of 'block_size' octets.  Slot 'next' is the next to look at; the
     * 'n_held' slots before it are the caller's until the next
     * link_recv(). */
    uint8_t *ring;
    size_t ring_size;
    size_t frame_size;
    size_t block_size;
    unsigned int frames_per_block;
    unsigned int n_frames;
    unsigned int next;
    unsigned int n_held;

    long long int next_stats_ms;    /* When to count overruns again. */
};

/* How often the kernel's count of frames dropped for a full ring is read,
 * besides whenever it marks a frame after a drop. */
#define STATS_INTERVAL_MS 100

static struct afpacket_link *
afpacket_link_cast(const struct link *link)
{
    return LINK_CAST(struct afpacket_link, link);
}

static void
afpacket_link_free(struct afpacket_link *al)
{
    if (al->ring) {
        munmap(al->ring, al->ring_size);
    }
    if (al->fd >= 0) {
        close(al->fd);
    }
    link_uninit(&al->up);
    free(al);
}

/* Sets up the TPACKET_V2 receive ring for frames up to 'max_frame_len'. */
static int
setup_ring(struct afpacket_link *al, size_t max_frame_len)
{
    int version = TPACKET_V2;
    struct tpacket_req req;
    unsigned int n_blocks;
    void *ring;

    /* Room for the header, the address, a VLAN tag the kernel may put back
     * and the frame, in frames that never straddle a block. */
    al->frame_size = TPACKET_ALIGN(TPACKET2_HDRLEN + 4 + max_frame_len);
    al->block_size = (al->frame_size + PAGE - 1) / PAGE * PAGE;
    while (al->block_size < 4 * al->frame_size) {
        al->block_size += PAGE;
    }
    al->frames_per_block = al->block_size / al->frame_size;
    n_blocks = RING_BYTES / al->block_size;
    while (n_blocks * al->frames_per_block < MIN_FRAMES) {
        n_blocks++;
    }
    al->n_frames = n_blocks * al->frames_per_block;

    memset(&req, 0, sizeof req);
    req.tp_block_size = al->block_size;
    req.tp_block_nr = n_blocks;
    req.tp_frame_size = al->frame_size;
    req.tp_frame_nr = al->n_frames;

    if (setsockopt(al->fd, SOL_PACKET, PACKET_VERSION, &version,
                   sizeof version)
        || setsockopt(al->fd, SOL_PACKET, PACKET_RX_RING, &req,
                      sizeof req)) {
        return errno;
    }
    al->ring_size = (size_t) al->block_size * n_blocks;
    ring = mmap(NULL, al->ring_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                al->fd, 0);
    if (ring == MAP_FAILED) {
        return errno;
    }
    al->ring = ring;
    return 0;
}

static int
afpacket_open(const char *name, const char *ifname, int mtu,
              struct link **linkp, char **errorp)
{
    struct afpacket_link *al;
    struct sockaddr_ll sll;
    unsigned int ifindex;
    bool is_ethernet;
    uint8_t mac[6];
    char buf[64];
    int error, opt;
    int if_mtu;

    error = link_lookup_interface(name, ifname, &ifindex, &if_mtu, mac,
                                  &is_ethernet, errorp);
    if (error) {
        return error;
    }
    if (mtu > if_mtu) {
        *errorp = xalloc_printf("%s: requested MTU %d exceeds the "
                                "interface's MTU %d", name, mtu, if_mtu);
        return EINVAL;
    }

    /* Protocol 0: no frames arrive before bind(). */
    al = xalloc_zeroed(1, sizeof *al);
    al->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (al->fd < 0) {
        error = errno;
        if (error == EPERM || error == EACCES) {
            *errorp = xalloc_printf("%s: opening packet socket needs "
                                    "CAP_NET_RAW (%s)", name,
                                    link_strerror(error, buf, sizeof buf));
        } else {
            *errorp = xalloc_printf("%s: cannot create packet socket (%s)",
                                    name,
                                    link_strerror(error, buf, sizeof buf));
        }
        free(al);
        return error;
    }
    if (!is_ethernet) {
        *errorp = xalloc_printf("%s: not an Ethernet interface", name);
        error = EINVAL;
        goto error;
    }
    link_init(&al->up, &link_afpacket_class, name, mtu ? mtu : if_mtu,
              mac);

    error = setup_ring(al, al->up.max_frame_len);
    if (error) {
        *errorp = xalloc_printf("%s: cannot set up the receive ring (%s)",
                                name, link_strerror(error, buf, sizeof buf));
        goto error;
    }

    /* Best effort: the kernel has these since 4.20 and 2.6. */
    opt = 1;
    setsockopt(al->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &opt, sizeof opt);
    opt = TC_PRIO_CONTROL;
    setsockopt(al->fd, SOL_SOCKET, SO_PRIORITY, &opt, sizeof opt);

    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ECP_ETH_TYPE);
    sll.sll_ifindex = ifindex;
    if (bind(al->fd, (struct sockaddr *) &sll, sizeof sll)) {
        error = errno;
        *errorp = xalloc_printf("%s: cannot bind packet socket (%s)", name,
                                link_strerror(error, buf, sizeof buf));
        goto error;
    }

    *linkp = &al->up;
    return 0;

error:
    afpacket_link_free(al);
    return error;
}

static void
afpacket_close(struct link *link)
{
    afpacket_link_free(afpacket_link_cast(link));
}

static bool
afpacket_is_up(const struct link *link)
{
    (void) link;
    return true;
}

static int
afpacket_fd(const struct link *link)
{
    return afpacket_link_cast(link)->fd;
}

static struct tpacket2_hdr *
slot(const struct afpacket_link *al, unsigned int i)
{
    return (struct tpacket2_hdr *) (al->ring
                                    + (size_t) (i / al->frames_per_block)
                                      * al->block_size
                                    + (size_t) (i % al->frames_per_block)
                                      * al->frame_size);
}

/* Gives the slots handed out by the last link_recv() back to the
 * kernel. */
static void
release_slots(struct afpacket_link *al)
{
    for (unsigned int i = 1; i <= al->n_held; i++) {
        unsigned int k = (al->next + al->n_frames - i) % al->n_frames;

        __atomic_store_n(&slot(al, k)->tp_status, TP_STATUS_KERNEL,
                         __ATOMIC_RELEASE);
    }
    al->n_held = 0;
}

/* Checks the frame in slot 'h' and, if it is one to hand to the caller,
 * stores it in 'frame' and returns true. */
static bool
take_frame(struct afpacket_link *al, const struct tpacket2_hdr *h,
           struct link_frame *frame)
{
    const struct sockaddr_ll *sll;
    size_t len = h->tp_snaplen;

    if (h->tp_mac < TPACKET2_HDRLEN || h->tp_mac > al->frame_size
        || len > al->frame_size - h->tp_mac) {
        /* The kernel does not write such slots. */
        al->up.stats.rx_errors++;
        return false;
    }
    sll = (const struct sockaddr_ll *) ((const uint8_t *) h
                                        + TPACKET_ALIGN(sizeof *h));
    if (sll->sll_pkttype == PACKET_OUTGOING
        || sll->sll_pkttype == PACKET_OTHERHOST) {
        /* Our own frame on its way out, or a frame for another host. */
        return false;
    }
    if (len < h->tp_len || len < LINK_ETH_HEADER_LEN
        || len > al->up.max_frame_len) {
        al->up.stats.rx_errors++;
        return false;
    }
    frame->data = (const uint8_t *) h + h->tp_mac;
    frame->len = len;
    return true;
}

/* Adds the frames that the kernel dropped for want of room in the ring
 * since the last call to the link's statistics.  The kernel marks the
 * next frame it stores after a drop with TP_STATUS_LOSING; the drops of a
 * burst that no frame follows are counted by afpacket_run(), a little
 * later. */
static void
count_overruns(struct afpacket_link *al)
{
    struct tpacket_stats st;
    socklen_t len = sizeof st;

    if (!getsockopt(al->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len)) {
        al->up.stats.rx_overruns += st.tp_drops;
    }
}

static int
afpacket_recv(struct link *link, struct link_frame frames[], int max)
{
    struct afpacket_link *al = afpacket_link_cast(link);
    int n = 0;

    release_slots(al);
    while (n < max && al->n_held < al->n_frames) {
        struct tpacket2_hdr *h = slot(al, al->next);
        uint32_t status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);

        if (!(status & TP_STATUS_USER)) {
            break;
        }
        if (status & TP_STATUS_LOSING) {
            count_overruns(al);
        }
        if (take_frame(al, h, &frames[n])) {
            n++;
        }
        al->next = (al->next + 1) % al->n_frames;
        al->n_held++;
    }
    return n;
}

static int
afpacket_send(struct link *link, const struct link_frame frames[], int n)
{
    struct afpacket_link *al = afpacket_link_cast(link);
    int i = 0;

    while (i < n) {
        int error;

        i += link_sendmmsg(link, al->fd, &frames[i], n - i, 0, &error);
        if (!error || link_error_is_transient(error)) {
            break;
        }
        /* This frame cannot be sent: too long for the interface, or the
         * interface is down or gone. */
        link->stats.tx_errors++;
        i++;
    }
    return i;
}

static void
afpacket_run(struct link *link)
{
    struct afpacket_link *al = afpacket_link_cast(link);
    long long int now = link_time_msec();

    if (now >= al->next_stats_ms) {
        al->next_stats_ms = now + STATS_INTERVAL_MS;
        count_overruns(al);
    }
}

const struct link_class link_afpacket_class = {
    .type = "afpacket",
    .open = afpacket_open,
    .close = afpacket_close,
    .run = afpacket_run,
    .is_up = afpacket_is_up,
    .fd = afpacket_fd,
    .recv = afpacket_recv,
    .send = afpacket_send,
};
