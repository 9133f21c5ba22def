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

#ifndef LINK_PROVIDER_H
#define LINK_PROVIDER_H 1

/* The interface between the generic link layer (link.c) and the classes
 * of link that implement it (link-unix.c, link-afpacket.c, link-pair.c).
 *
 * The generic layer checks frame lengths, injects faults and counts frames
 * and octets.  A class moves frames and counts only what it alone can see:
 * rx_errors (truncated or oversized frames received), tx_errors (frames
 * the system refused) and reconnects. */

#include "link.h"

#include <stddef.h>

/* Ethernet header, and one 802.1Q tag. */
#define LINK_ETH_HEADER_LEN 14
#define LINK_VLAN_HEADER_LEN 4

/* The longest frame a link with 'mtu' carries: the MTU, an Ethernet header
 * and one VLAN tag. */
#define LINK_MAX_FRAME_LEN(MTU) \
    ((size_t) (MTU) + LINK_ETH_HEADER_LEN + LINK_VLAN_HEADER_LEN)

/* Frames are moved in batches of at most this many. */
#define LINK_BATCH 32

/* Default MTU of links that have no interface to ask. */
#define LINK_DEFAULT_MTU 1500

/* The largest MTU a link accepts (IP's 16-bit total length). */
#define LINK_MTU_MAX 65535

struct link_class;

/* The part of every link that the generic layer owns.  A class embeds it in
 * its own structure and finds that structure with LINK_CAST. */
struct link {
    const struct link_class *class;
    char *name;                 /* "unix:PATH" and so on. */
    int mtu;
    size_t max_frame_len;       /* LINK_MAX_FRAME_LEN(mtu). */
    uint8_t mac[6];
    struct link_stats stats;

    /* Fault injection; see link.c. */
    struct link_faults faults;
    bool faults_active;         /* Some probability is nonzero. */
    uint64_t rng[4];            /* xoshiro256** state. */
    uint8_t *scratch;           /* A corrupted copy of a frame. */
    uint8_t *held;              /* A frame held back for reordering. */
    size_t held_len;            /* 0 if no frame is held. */
    uint64_t n_holds;           /* Frames held so far. */
};

#define LINK_CAST(TYPE, LINK) \
    ((TYPE *) (void *) ((char *) (LINK) - offsetof(TYPE, up)))

/* A class of link.  Only 'open' may block (briefly); nothing else does. */
struct link_class {
    const char *type;           /* "unix", "punix", "afpacket", "pair". */

    /* Opens a link to 'target' (the part of the name after the colon) with
     * the given 'mtu' (0 for the class's default) and initializes it with
     * link_init().  On failure returns a positive errno value and stores a
     * message that starts with 'name' in '*errorp'.  NULL for classes
     * whose links are made otherwise (the in-memory pair). */
    int (*open)(const char *name, const char *target, int mtu,
                struct link **linkp, char **errorp);

    /* Frees the link: the generic part with link_uninit(), then what the
     * class allocated. */
    void (*close)(struct link *);

    /* Optional.  Accepts or (re)connects a peer. */
    void (*run)(struct link *);

    bool (*is_up)(const struct link *);
    int (*fd)(const struct link *);

    /* Like link_recv(), but frames too short, too long or truncated are
     * counted in rx_errors and not returned. */
    int (*recv)(struct link *, struct link_frame[], int max);

    /* Like link_send(), except that every frame is at least an Ethernet
     * header and at most max_frame_len long.  Frames the system refuses
     * for good are counted in tx_errors and accepted; frames that do not
     * fit now are not accepted.  Counts tx_frames and tx_bytes for the
     * frames actually sent. */
    int (*send)(struct link *, const struct link_frame[], int n);
};

extern const struct link_class link_unix_class;
extern const struct link_class link_punix_class;
extern const struct link_class link_afpacket_class;
extern const struct link_class link_afxdp_class;
extern const struct link_class link_pair_class;

/* For classes. */
void link_init(struct link *, const struct link_class *, const char *name,
               int mtu, const uint8_t mac[6]);
void link_uninit(struct link *);
void link_random_mac(uint8_t mac[6]);
long long int link_time_msec(void);
const char *link_strerror(int error, char *buf, size_t size);
int link_sendmmsg(struct link *, int fd, const struct link_frame[], int n,
                  int flags, int *errorp);
bool link_error_is_transient(int error);
int link_lookup_interface(const char *name, const char *ifname,
                          unsigned int *ifindex, int *mtu, uint8_t mac[6],
                          bool *is_ethernet, char **errorp);

#endif /* link-provider.h */
