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

#ifndef ROE_SESSION_H
#define ROE_SESSION_H 1

/* A RoE session: one host's RDMA over ECP endpoint on one link.
 *
 * The server end (the "station", in 802.1Qbg's words) exports, for each of
 * its VSIs (VM ports), memory regions and the geometry of rings in them.
 * It associates each VSI with the switch over VDP: an ASSOC request
 * carries the VSI's MAC and VLAN and, in organizationally specific TLVs,
 * the parameters of the VSI's queue pair, its regions (with their rkeys)
 * and its rings.  The station sends the ASSOC again every keep-alive
 * period, and a DEASSOC when the VSI goes; it serves the switch's RDMA
 * requests on the VSI's queue pair.
 *
 * The switch end (the "bridge") answers each ASSOC with its own queue pair
 * parameters, and reports associated VSIs to its owner, who reads and
 * writes the exported regions through the VSI's queue pair.  An
 * association lapses after three keep-alive periods without an ASSOC; an
 * ASSOC whose parameters changed (the station restarted) replaces the
 * association.  On the station, a VSI whose ASSOCs go unanswered for three
 * periods goes back to discovering; an answer with other parameters (the
 * switch restarted) gets a new queue pair.
 *
 * The first peer whose VDP message brings a VSI up pins the session to
 * its source MAC: from then on, every frame from another source (VDP and
 * its ECP acks, RoE requests and responses) is dropped and counted in
 * 'foreign_frames', until no VSI is up any more (DEASSOC or lapse).
 *
 * With a secret, every VDP message carries an AUTH TLV (vdp-auth.h): an
 * HMAC-SHA256 keyed by the secret, and a session ID, nonces and a counter
 * that make a replayed message fail.  Messages without it, with a wrong
 * MAC or replayed are dropped and counted in 'vdp_auth_failures'.  Without
 * a secret, VDP is not authenticated, and messages that carry an AUTH TLV
 * are dropped and counted the same way: both ends need the same secret.
 *
 * Either end reports a VSI coming up or going down as an event.  A VSI's
 * regions are invalidated before roe_session_vsi_remove() returns, so the
 * caller may unmap the memory afterwards.
 *
 * VDP runs over standard stop-and-wait ECP (subtype 1); RoE over its own
 * subtype, demultiplexed by destination QP.  Frames go to the ECP group
 * address 01:80:c2:00:00:00.  The session does its own I/O on the link it
 * is given, without blocking; its owner calls roe_session_run() whenever
 * the link's file descriptor is readable or roe_session_next_timeout()
 * has passed, from one thread at a time. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "roe-qp.h"
#include "vdp.h"

struct link;
struct roe_qp;

enum roe_session_role {
    ROE_SESSION_STATION,        /* Server: exports VSIs. */
    ROE_SESSION_BRIDGE,         /* Switch: accesses them. */
};

struct roe_session_config {
    enum roe_session_role role;
    struct link *link;          /* Not owned; must outlive the session. */
    uint16_t subtype;           /* RoE subtype. */
    uint16_t window;            /* Queue pairs' window. */
    uint8_t rte;                /* Retransmit timeout 10 us x 2^rte. */
    uint8_t max_tries;          /* Queue pairs' transmissions, 0: no limit. */
    bool crc;                   /* CRC-32C trailers on RoE frames. */
    long long keepalive_us;     /* ASSOC period. */
    uint8_t manager_id[VDP_MANAGER_ID_LEN];
    const char *secret;         /* VDP authentication key, NULL for none;
                                 * at most ROE_SESSION_SECRET_MAX octets;
                                 * copied. */

    /* Caps on what a peer, or the station's own VSIs, may make the
     * session hold (0: the default, which for bytes is no cap).  A station
     * refuses a VSI beyond them in roe_session_vsi_add(); a bridge refuses
     * the ASSOC with status "insufficient resources", counts it in
     * 'vsis_refused' and keeps the reason for roe_session_refusal(). */
    int max_vsis;               /* VSIs at once, at most
                                 * ROE_SESSION_MAX_VSIS (the default). */
    uint64_t max_vsi_bytes;     /* A VSI's cost, at most. */
    uint64_t max_session_bytes; /* The costs of all VSIs, at most. */
    int max_regions;            /* Station: registered regions, at most
                                 * ROE_SESSION_MAX_REGIONS (the
                                 * default). */
    int max_assoc_rate;         /* Bridge: new associations per second,
                                 * in bursts of up to 'max_vsis'
                                 * (default ROE_SESSION_ASSOC_RATE). */

    /* A VSI's cost.  The station's is the length of its regions, together.
     * The bridge's is what 'vsi_cost' returns for the station's ASSOC (the
     * memory its owner will allocate for the VSI), or the length of the
     * regions that the ASSOC announces if it is NULL. */
    uint64_t (*vsi_cost)(const struct vdp_message *assoc);
};

#define ROE_SESSION_SECRET_MAX 64

#define ROE_SESSION_MAX_VSIS 64
#define ROE_SESSION_MAX_REGIONS 256     /* MR_TABLE_SIZE. */
#define ROE_SESSION_ASSOC_RATE 16

struct roe_session *roe_session_create(const struct roe_session_config *,
                                       char **errorp);
void roe_session_destroy(struct roe_session *);

/* Station: a VSI to export.  Each ring's 'rkey' is ignored: it names the
 * region by index in 'ring_region' instead, and the session fills in the
 * region's rkey. */
struct roe_vsi_spec {
    uint8_t vsiid[VDP_VSIID_LEN];       /* A UUID. */
    uint8_t mac[6];
    uint16_t vlan_tci;                  /* VID 0: untagged. */
    size_t n_regions;
    struct roe_region {
        void *addr;
        uint64_t iova;
        uint64_t length;
        uint32_t access;                /* MR_ACCESS_* bits. */
    } regions[VDP_MAX_MRS];
    size_t n_rings;
    struct vdp_ring rings[VDP_MAX_RINGS];
    size_t ring_region[VDP_MAX_RINGS];
    bool hold;                          /* Hold each new association's QP
                                         * until roe_session_vsi_release(). */
    char iface_id[VDP_NAME_MAX + 1];    /* Told to the bridge, if not "". */
    char vm_id[VDP_NAME_MAX + 1];       /* The same. */
};

/* The I/O virtual address that a server gives region I of a VSI that it
 * exports: each region in a space of its own. */
#define ROE_REGION_IOVA(I) ((uint64_t) ((I) + 1) << 40)

/* Registers the regions of 'spec' and starts associating it.  Returns 0
 * and stores a handle in '*handlep', or a positive errno value with a
 * message in '*errorp' (free() it). */
int roe_session_vsi_add(struct roe_session *, const struct roe_vsi_spec *,
                        int *handlep, char **errorp);

/* Invalidates the VSI's regions, sends a DEASSOC and forgets the VSI. */
void roe_session_vsi_remove(struct roe_session *, int handle);

/* Station: ends the association of a VSI that is up, as a lapse would,
 * and associates it again with a new QP.  For a VSI whose peer broke the
 * rules of its rings, e.g. wrote an index that cannot be: the peer's
 * requests on the old QP are refused from then on.  Counted in 'resets'. */
void roe_session_vsi_reset(struct roe_session *, int handle);

/* Station: lets the peer access VSI 'handle''s regions through the QP of
 * its current association.  For a VSI added with 'hold', the QP of each
 * new association answers the peer's requests with RNR NAKs, which the
 * peer retries without limit, until the owner calls this: for memory
 * that the owner still has to hand over, e.g. a ring whose consumer index
 * a local thread writes until it has seen the association.  Does nothing
 * if the VSI is not up. */
void roe_session_vsi_release(struct roe_session *, int handle);

/* Either end. */
bool roe_session_vsi_is_up(const struct roe_session *, int handle);
struct roe_qp *roe_session_vsi_qp(const struct roe_session *, int handle);

/* The ASSOC that brought the VSI up: on the bridge, the station's regions
 * and rings, with rkeys, and the VSI's MAC, VLAN and names.  On the
 * station, the ASSOC it sends.  NULL if there is no such VSI. */
const struct vdp_message *roe_session_vsi_assoc(const struct roe_session *,
                                                int handle);

enum roe_session_event_type {
    ROE_SESSION_VSI_UP,
    ROE_SESSION_VSI_DOWN,
};

struct roe_session_event {
    enum roe_session_event_type type;
    int handle;
    uint8_t vsiid[VDP_VSIID_LEN];
};

/* The number of associations that lapsed so far (as 'lapses' in the
 * statistics), cheaply, for the session's thread. */
uint64_t roe_session_lapses(const struct roe_session *);

/* Takes the oldest event.  Returns false if there is none.  The session
 * keeps 4 per VSI of 'max_vsis'; when they overflow, the oldest are lost
 * (counted in 'events_lost').  An UP event is given only if its VSI is
 * still up when it is taken, so that the owner may look at the VSI's
 * association and QP; an UP that a peer undid before the owner polled
 * (ASSOC right followed by DEASSOC) is skipped. */
bool roe_session_poll_event(struct roe_session *, struct roe_session_event *);

/* The frames that the session received and sent so far, cheaply, for the
 * session's thread: a run that leaves it unchanged did nothing. */
uint64_t roe_session_frames(const struct roe_session *);

/* 'vsis_refused' of the statistics, cheaply, for the session's thread. */
uint64_t roe_session_refusals(const struct roe_session *);

/* Why the bridge last refused an ASSOC, or the station's peer its ASSOC,
 * for a log message; "" if never. */
const char *roe_session_refusal(const struct roe_session *);

/* Receives and sends what there is, runs the timers. */
void roe_session_run(struct roe_session *, long long now_us);
long long roe_session_next_timeout(const struct roe_session *);

/* Runs the link and receives what it has, without running the timers or
 * sending anything: for a caller that runs an idle session only when it
 * has something to do (see roe_session_is_idle()), to learn whether the
 * peer sent something.  Returns the number of frames received; if any,
 * roe_session_run() is due. */
int roe_session_poll_link(struct roe_session *, long long now_us);

/* Makes the next run look at the link at once, however long the link has
 * had nothing: for a caller that learned otherwise that frames came (a
 * poll() on link_fd()). */
void roe_session_rx_now(struct roe_session *);

/* True if the session waits for nothing on its link: no frame to send, no
 * VDP message unacknowledged, no queue pair with work outstanding.  Only
 * what the peer sends unasked can come (VDP requests and keep-alives). */
bool roe_session_is_idle(const struct roe_session *);

struct roe_session_stats {
    uint64_t vdp_rx;            /* VDP messages received. */
    uint64_t vdp_tx;            /* VDP messages queued. */
    uint64_t vdp_bad;           /* VDP messages that did not decode. */
    uint64_t vdp_lost;          /* VDP messages ECP gave up on. */
    uint64_t vdp_auth_failures; /* VDP messages dropped: AUTH TLV missing
                                 * (or present without a secret), wrong
                                 * MAC, reflected or replayed. */
    uint64_t vdp_auth_stale;    /* VDP messages of a peer session not yet
                                 * accepted, dropped (normal once when
                                 * either end starts). */
    uint64_t associations;      /* VSIs that came up. */
    uint64_t lapses;            /* Associations ended by the timer. */
    uint64_t resets;            /* Associations ended by
                                 * roe_session_vsi_reset(). */
    uint64_t vsis_refused;      /* Bridge: ASSOCs refused at a cap.
                                 * Station: ASSOCs the bridge refused. */
    uint64_t events_lost;       /* Events dropped because nobody polled
                                 * them in time. */
    uint64_t roe_rx;            /* RoE frames to a QP. */
    uint64_t roe_unknown_qp;    /* RoE frames to no QP. */
    uint64_t rx_dropped;        /* Frames that are neither. */
    uint64_t foreign_frames;    /* Frames from another station than the
                                 * associated peer. */
    uint64_t tx_dropped;        /* Frames the link did not take. */
    struct roe_qp_stats qp;     /* All QPs' together, as of at most 100 ms
                                 * ago. */
};

void roe_session_get_stats(const struct roe_session *,
                           struct roe_session_stats *);

#endif /* roe-session.h */
