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

#ifndef LINK_H
#define LINK_H 1

/* Layer-2 links that carry ECP frames between a server and its switch.
 *
 * A link is named by a string:
 *
 *     afpacket:IFNAME   AF_PACKET socket bound to IFNAME and EtherType
 *                       0x8940 only; mmap'd TPACKET_V2 receive ring,
 *                       batched transmit.  Needs CAP_NET_RAW.
 *     afxdp:IFNAME[:QUEUE]
 *                       AF_XDP socket on receive queue QUEUE (default 0)
 *                       of IFNAME, with an XDP program that steers
 *                       EtherType 0x8940 to it and passes the rest to the
 *                       kernel; zero-copy where the driver can.  MTU at
 *                       most 3822.  Needs root.  Only if built with libxdp.
 *     unix:PATH         SOCK_SEQPACKET client of PATH, one message per
 *                       Ethernet frame; reconnects when the peer goes away.
 *     punix:PATH        SOCK_SEQPACKET server listening on PATH; accepts
 *                       one peer at a time (a new peer replaces the old).
 *
 * link_pair_create() makes two in-memory links connected to each other,
 * for tests.
 *
 * Every link can inject faults on transmit (drop, duplicate, reorder,
 * corrupt) with given probabilities and a seed, so that tests exercise
 * retransmission.
 *
 * Nothing here blocks: link_recv() returns what is there, link_send()
 * accepts what fits.  A link is used by one thread at a time. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct link;

/* One Ethernet frame (no FCS). */
struct link_frame {
    const uint8_t *data;
    size_t len;
};

/* Opens the link called 'name'.  'mtu' is the largest Ethernet payload
 * (octets after the Ethernet header) the caller wants; 0 means the
 * interface's MTU for afpacket and 1500 for unix links.  On success stores
 * the link in '*linkp' and returns 0.  On failure returns a positive errno
 * value and stores in '*errorp' a message for the user (free() it), for
 * example 'afpacket:eth9: no such network interface' or 'afpacket:eth0:
 * opening packet socket needs CAP_NET_RAW (Operation not permitted)'.
 * An afpacket link's 'mtu' may not exceed the interface's.  A unix link
 * opens whether or not its server is there yet. */
int link_open(const char *name, int mtu, struct link **linkp,
              char **errorp);
void link_close(struct link *);

/* Two in-memory links, each receiving what the other sends, queueing up to
 * 'capacity' frames each way; the frames that link_recv() returned count
 * until the next link_recv().  'mtu' 0 means 1500.  Closing one makes the
 * other go down. */
void link_pair_create(int mtu, size_t capacity,
                      struct link **a, struct link **b);

const char *link_name(const struct link *);
int link_mtu(const struct link *);
void link_get_mac(const struct link *, uint8_t mac[6]);

/* Accepts or (re)connects a peer where needed.  Call it periodically. */
void link_run(struct link *);

/* True if frames can currently flow (a unix link has a peer).  An
 * afpacket link is always up. */
bool link_is_up(const struct link *);

/* File descriptor to poll for input, or -1 if there is none.  For a punix
 * link without a peer, the listening socket: call link_run() when it is
 * readable. */
int link_fd(const struct link *);

/* Receives up to 'max' frames into 'frames' and returns how many.  The
 * frames stay valid until the next call to link_recv() or link_close() on
 * this link.  Frames shorter than an Ethernet header, or truncated, or
 * longer than the MTU allows (see link_send()) are counted in rx_errors
 * and not returned. */
int link_recv(struct link *, struct link_frame frames[], int max);

/* Transmits frames[0..n-1] and returns how many of them the link accepted,
 * in order; the caller keeps the rest (the link is full or down).  A frame
 * may be as long as the MTU plus a 14-octet Ethernet header and one 4-octet
 * VLAN tag; frames shorter than an Ethernet header or longer than that are
 * counted in tx_errors and accepted. */
int link_send(struct link *, const struct link_frame frames[], int n);

/* Fault injection, on transmit.  Each probability is in [0, 1].  A frame
 * is dropped (accepted, not sent), or else: one random bit of a copy of it
 * may be flipped, and then it is either held back and sent after the next
 * frame sent (at the next link_send() or link_run() at the latest; one
 * frame at most is held) or sent, possibly twice.  The faults follow from
 * the seed and the sequence of frames accepted, so a test run repeats
 * exactly. */
struct link_faults {
    double drop;
    double duplicate;
    double reorder;             /* Swap a frame with the next one sent. */
    double corrupt;             /* Flip one random bit. */
    uint64_t seed;
};

void link_set_faults(struct link *, const struct link_faults *);

/* Parses "drop=P dup=P reorder=P corrupt=P seed=N" (any subset, in any
 * order, separated by spaces or commas) into 'faults'; what is not given
 * is 0.  Returns NULL on success, otherwise an error message (free() it). */
char *link_faults_parse(const char *, struct link_faults *faults);

struct link_stats {
    uint64_t rx_frames;
    uint64_t rx_bytes;
    uint64_t tx_frames;
    uint64_t tx_bytes;
    uint64_t rx_errors;         /* Truncated or oversized frames. */
    uint64_t rx_overruns;       /* Frames the kernel dropped because the
                                 * receive ring was full (afpacket). */
    uint64_t tx_errors;         /* Oversized frames, send errors. */
    uint64_t reconnects;        /* Peers connected after the first. */
    uint64_t fault_drops;
    uint64_t fault_duplicates;
    uint64_t fault_reorders;
    uint64_t fault_corruptions;
};

void link_get_stats(const struct link *, struct link_stats *);

#endif /* link.h */
