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
 * Receive uses a TPACKET_V3 ring mapped into memory: the kernel fills
 * blocks of frames and hands a block over when it is full or after
 * RETIRE_MS.  link_recv() returns frames that point into the ring and
 * gives the blocks it used up back to the kernel at the next link_recv().
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
    RETIRE_MS = 1,              /* Hand over partly filled blocks after. */
    RING_BYTES = 4 << 20,       /* Size of the receive ring, roughly. */
    MIN_BLOCK_SIZE = 128 << 10,
    MIN_BLOCKS = 4,
    FRAMES_PER_BLOCK = 8,       /* At least this many of the largest. */
};

struct afpacket_link {
    struct link up;
    int fd;

    /* The receive ring: 'n_blocks' blocks of 'block_size' octets. */
    uint8_t *ring;
    size_t block_size;
    unsigned int n_blocks;

    /* Receive position: block 'block', if 'block_open', has 'pkts_left'
     * frames left from offset 'pkt_offset'.  The 'n_done' blocks before
     * 'block' are used up and go back to the kernel at the next
     * link_recv(). */
    unsigned int block;
    bool block_open;
    uint32_t pkts_left;
    size_t pkt_offset;
    unsigned int n_done;
};

static struct afpacket_link *
afpacket_link_cast(const struct link *link)
{
    return LINK_CAST(struct afpacket_link, link);
}

static void
afpacket_link_free(struct afpacket_link *al)
{
    if (al->ring) {
        munmap(al->ring, al->block_size * al->n_blocks);
    }
    if (al->fd >= 0) {
        close(al->fd);
    }
    link_uninit(&al->up);
    free(al);
}

/* Sets up the TPACKET_V3 receive ring for frames up to 'max_frame_len'. */
static int
setup_ring(struct afpacket_link *al, size_t max_frame_len)
{
    size_t room = TPACKET_ALIGN(TPACKET3_HDRLEN + 16) + max_frame_len;
    int version = TPACKET_V3;
    struct tpacket_req3 req;
    void *ring;

    al->block_size = MIN_BLOCK_SIZE;
    while (al->block_size < FRAMES_PER_BLOCK * room) {
        al->block_size *= 2;
    }
    al->n_blocks = RING_BYTES / al->block_size;
    if (al->n_blocks < MIN_BLOCKS) {
        al->n_blocks = MIN_BLOCKS;
    }

    memset(&req, 0, sizeof req);
    req.tp_block_size = al->block_size;
    req.tp_block_nr = al->n_blocks;
    req.tp_frame_size = al->block_size;
    req.tp_frame_nr = al->n_blocks;
    req.tp_retire_blk_tov = RETIRE_MS;

    if (setsockopt(al->fd, SOL_PACKET, PACKET_VERSION, &version,
                   sizeof version)
        || setsockopt(al->fd, SOL_PACKET, PACKET_RX_RING, &req,
                      sizeof req)) {
        return errno;
    }
    ring = mmap(NULL, al->block_size * al->n_blocks, PROT_READ | PROT_WRITE,
                MAP_SHARED, al->fd, 0);
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
    struct ifreq ifr;
    unsigned int ifindex;
    char buf[64];
    int error, opt;

    if (!ifname[0]) {
        *errorp = xalloc_printf("afpacket: missing interface name");
        return EINVAL;
    }
    if (strlen(ifname) >= IFNAMSIZ) {
        *errorp = xalloc_printf("%s: interface name too long (at most %d "
                                "characters)", name, IFNAMSIZ - 1);
        return ENAMETOOLONG;
    }
    ifindex = if_nametoindex(ifname);
    if (!ifindex) {
        error = errno;
        if (error == ENODEV || error == ENXIO) {
            *errorp = xalloc_printf("%s: no such network interface", name);
        } else {
            *errorp = xalloc_printf("%s: cannot look up interface (%s)",
                                    name,
                                    link_strerror(error, buf, sizeof buf));
        }
        return error;
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

    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, ifname, strlen(ifname));
    if (ioctl(al->fd, SIOCGIFMTU, &ifr)) {
        error = errno;
        *errorp = xalloc_printf("%s: cannot get the interface's MTU (%s)",
                                name, link_strerror(error, buf, sizeof buf));
        goto error;
    }
    if (mtu > ifr.ifr_mtu) {
        *errorp = xalloc_printf("%s: requested MTU %d exceeds the "
                                "interface's MTU %d", name, mtu,
                                ifr.ifr_mtu);
        error = EINVAL;
        goto error;
    }
    if (!mtu) {
        mtu = ifr.ifr_mtu < LINK_MTU_MAX ? ifr.ifr_mtu : LINK_MTU_MAX;
    }
    if (mtu <= 0) {
        *errorp = xalloc_printf("%s: the interface's MTU %d is unusable",
                                name, mtu);
        error = EINVAL;
        goto error;
    }
    if (ioctl(al->fd, SIOCGIFHWADDR, &ifr)) {
        error = errno;
        *errorp = xalloc_printf("%s: cannot get the interface's Ethernet "
                                "address (%s)", name,
                                link_strerror(error, buf, sizeof buf));
        goto error;
    }
    if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
        *errorp = xalloc_printf("%s: not an Ethernet interface", name);
        error = EINVAL;
        goto error;
    }
    link_init(&al->up, &link_afpacket_class, name, mtu,
              (const uint8_t *) ifr.ifr_hwaddr.sa_data);

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

static struct tpacket_block_desc *
block_desc(const struct afpacket_link *al, unsigned int block)
{
    return (struct tpacket_block_desc *) (al->ring + block * al->block_size);
}

/* Gives the used-up blocks back to the kernel. */
static void
release_blocks(struct afpacket_link *al)
{
    for (unsigned int i = 1; i <= al->n_done; i++) {
        unsigned int block = (al->block + al->n_blocks - i) % al->n_blocks;

        __atomic_store_n(&block_desc(al, block)->hdr.bh1.block_status,
                         TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    }
    al->n_done = 0;
}

/* Moves on from the current block, which is used up. */
static void
next_block(struct afpacket_link *al)
{
    al->block_open = false;
    al->n_done++;
    al->block = (al->block + 1) % al->n_blocks;
}

/* Takes the next frame out of the current block into 'frame'.  Returns
 * true if it is a frame to hand to the caller. */
static bool
take_frame(struct afpacket_link *al, struct link_frame *frame)
{
    uint8_t *block = (uint8_t *) block_desc(al, al->block);
    size_t room = al->block_size - al->pkt_offset;
    const struct sockaddr_ll *sll;
    struct tpacket3_hdr *h;
    size_t len;

    if (al->pkt_offset > al->block_size || room < TPACKET3_HDRLEN) {
        goto bad_block;
    }
    h = (struct tpacket3_hdr *) (block + al->pkt_offset);
    if (h->tp_mac < TPACKET3_HDRLEN || h->tp_mac > room
        || h->tp_snaplen > room - h->tp_mac
        || (al->pkts_left > 1 && !h->tp_next_offset)) {
        goto bad_block;
    }
    al->pkt_offset += h->tp_next_offset;
    al->pkts_left--;

    sll = (const struct sockaddr_ll *) ((uint8_t *) h
                                        + TPACKET_ALIGN(sizeof *h));
    if (sll->sll_pkttype == PACKET_OUTGOING
        || sll->sll_pkttype == PACKET_OTHERHOST) {
        /* Our own frame on its way out, or a frame for another host. */
        return false;
    }
    len = h->tp_snaplen;
    if (len < h->tp_len || len < LINK_ETH_HEADER_LEN
        || len > al->up.max_frame_len) {
        al->up.stats.rx_errors++;
        return false;
    }
    frame->data = (uint8_t *) h + h->tp_mac;
    frame->len = len;
    return true;

bad_block:
    /* The kernel does not write such blocks; skip the rest of it. */
    al->up.stats.rx_errors++;
    al->pkts_left = 0;
    return false;
}

static int
afpacket_recv(struct link *link, struct link_frame frames[], int max)
{
    struct afpacket_link *al = afpacket_link_cast(link);
    int n = 0;

    release_blocks(al);
    while (n < max) {
        if (!al->block_open) {
            struct tpacket_block_desc *bd = block_desc(al, al->block);

            if (al->n_done >= al->n_blocks
                || !(__atomic_load_n(&bd->hdr.bh1.block_status,
                                     __ATOMIC_ACQUIRE) & TP_STATUS_USER)) {
                break;
            }
            al->block_open = true;
            al->pkts_left = bd->hdr.bh1.num_pkts;
            al->pkt_offset = bd->hdr.bh1.offset_to_first_pkt;
        }
        if (al->pkts_left && take_frame(al, &frames[n])) {
            n++;
        }
        if (!al->pkts_left) {
            next_block(al);
        }
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

const struct link_class link_afpacket_class = {
    .type = "afpacket",
    .open = afpacket_open,
    .close = afpacket_close,
    .is_up = afpacket_is_up,
    .fd = afpacket_fd,
    .recv = afpacket_recv,
    .send = afpacket_send,
};
