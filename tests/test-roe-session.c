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

/* Unit tests of RoE sessions: a station and a bridge over an in-memory
 * link pair, on a virtual clock. */

#include "roe-session.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecp.h"
#include "link.h"
#include "mr-table.h"
#include "roe.h"
#include "roe-qp.h"
#include "vdp.h"
#include "vdp-auth.h"
#include "ecprdma-test.h"
#include "xalloc.h"

#define PERIOD 100000           /* Keep-alive period: 100 ms. */
#define RING_IOVA 0x100000
#define DOORBELL_IOVA 0x200000

struct world {
    struct link *la, *lb;
    struct roe_session *station, *bridge;
    bool station_alive, bridge_alive;
    long long now;
    uint8_t ring[8192];         /* Exported read-only. */
    uint8_t doorbell[64];       /* Exported write-only. */
    int vsi;                    /* Station's handle. */
    int bridge_downs;           /* VSI_DOWN events of the bridge. */
    bool hold_events;           /* Leave the events in the sessions. */

    /* A third station on the link, which sees every frame on the way. */
    bool tap;                   /* Copy the frames on their way. */
    uint8_t read[2048];         /* The first READ request to the station. */
    size_t read_len;
    uint8_t response[2048];     /* The first READ response to the bridge. */
    size_t response_len;

    /* VDP requests on their way to the bridge. */
    bool tap_vdp;               /* Look at them. */
    int vdp_signed;             /* With an AUTH TLV. */
    int vdp_unsigned;           /* Without. */
    uint8_t deassoc[2048];      /* The first DEASSOC. */
    size_t deassoc_len;
    uint8_t assoc[2048];        /* The last ASSOC. */
    size_t assoc_len;

    /* VDP responses on their way to the station: every transmission of
     * the next 'drop_responses' ECPDUs is dropped. */
    int drop_responses;
    bool dropping;
    uint16_t drop_seqno;

    /* The secrets of the station and the bridge, or NULL. */
    const char *station_secret, *bridge_secret;
};

/* Caps for the sessions that make_session() makes next, by role. */
static struct roe_session_config caps[2];

/* The third station's MAC. */
static const uint8_t foreign_mac[6] = { 0x02, 0xba, 0xd0, 0, 0, 1 };

static struct roe_session *
make_session(struct link *link, enum roe_session_role role,
             const char *secret)
{
    struct roe_session_config cfg = {
        .role = role,
        .link = link,
        .subtype = ECP_SUBTYPE_ROE_DEFAULT,
        .window = 64,
        .rte = 6,
        .max_tries = 4,
        .crc = true,
        .keepalive_us = PERIOD,
        .manager_id = { 0xfe, 0x80, [15] = 1 },
        .secret = secret,
        .max_vsis = caps[role].max_vsis,
        .max_vsi_bytes = caps[role].max_vsi_bytes,
        .max_session_bytes = caps[role].max_session_bytes,
        .max_regions = caps[role].max_regions,
        .max_assoc_rate = caps[role].max_assoc_rate,
    };
    struct roe_session *s;
    char *error;

    s = roe_session_create(&cfg, &error);
    if (!s) {
        printf("%s\n", error);
        exit(1);
    }
    return s;
}

static const char *
role_name(const struct world *w, const struct roe_session *s)
{
    return s == w->station ? "station" : "bridge";
}

/* Prints the events of 's'. */
static void
print_events(struct world *w, struct roe_session *s)
{
    struct roe_session_event e;

    while (roe_session_poll_event(s, &e)) {
        if (s == w->bridge && e.type == ROE_SESSION_VSI_DOWN) {
            w->bridge_downs++;
        }
        printf("%s: VSI %02x%02x.. %s\n", role_name(w, s), e.vsiid[0],
               e.vsiid[1], e.type == ROE_SESSION_VSI_UP ? "up" : "down");
    }
}

/* Looks at the VDP request 'f' on its way to the bridge. */
static void
tap_vdp(struct world *w, const struct link_frame *frame,
        const struct ecp_frame *f)
{
    struct vdp_message m;

    if (f->op != ECP_OP_REQUEST
        || vdp_decode(f->payload, f->payload_len, &m, NULL)
        || m.vsi.response || frame->len > 2048) {
        return;
    }
    if (m.has_auth) {
        w->vdp_signed++;
    } else {
        w->vdp_unsigned++;
    }
    if (m.vsi.mode == VDP_TLV_DEASSOC && !w->deassoc_len) {
        memcpy(w->deassoc, frame->data, frame->len);
        w->deassoc_len = frame->len;
    } else if (m.vsi.mode == VDP_TLV_ASSOC) {
        memcpy(w->assoc, frame->data, frame->len);
        w->assoc_len = frame->len;
    }
}

/* Whether to drop the VDP frame 'f' on its way to the station (see
 * 'drop_responses'). */
static bool
drop_response(struct world *w, const struct ecp_frame *f)
{
    struct vdp_message m;

    if (f->op != ECP_OP_REQUEST
        || vdp_decode(f->payload, f->payload_len, &m, NULL)
        || !m.vsi.response) {
        return false;
    }
    if (w->dropping && f->seqno != w->drop_seqno) {
        w->dropping = false;
        w->drop_responses--;
    }
    if (!w->drop_responses) {
        return false;
    }
    w->dropping = true;
    w->drop_seqno = f->seqno;
    return true;
}

/* Takes the frames queued for 'to' and queues them again through 'from'.
 * If 'copy' is nonnull and '*lenp' is 0, copies the first frame with RoE
 * opcode 'opcode' among them into 'copy' and its length into '*lenp'.
 * With 'w->tap_vdp', looks at the VDP requests to the bridge; with
 * 'w->drop_responses', drops VDP responses to the station.  Returns the
 * number of RoE frames seen. */
static int
tap(struct world *w, struct link *to, struct link *from, uint8_t opcode,
    uint8_t *copy, size_t *lenp)
{
    struct link_frame in[64];
    int n = link_recv(to, in, 64);
    int n_roe = 0;
    int n_kept = 0;

    for (int i = 0; i < n; i++) {
        struct roe_packet p;
        struct ecp_frame f;

        if (ecp_parse(in[i].data, in[i].len, &f) != ECP_PARSE_OK) {
            in[n_kept++] = in[i];
            continue;
        }
        if (f.subtype == ECP_SUBTYPE_VDP && w->drop_responses
            && to == w->la && drop_response(w, &f)) {
            continue;
        }
        in[n_kept++] = in[i];
        if (f.subtype == ECP_SUBTYPE_VDP && w->tap_vdp && to == w->lb) {
            tap_vdp(w, &in[i], &f);
        }
        if (f.subtype != ECP_SUBTYPE_ROE_DEFAULT
            || roe_parse(&f, &p) != ROE_PARSE_OK) {
            continue;
        }
        n_roe++;
        if (copy && !*lenp && p.opcode == opcode && in[i].len <= 2048) {
            memcpy(copy, in[i].data, in[i].len);
            *lenp = in[i].len;
        }
    }
    link_send(from, in, n_kept);
    return n_roe;
}

/* Runs both ends until 'until_us' (virtual), jumping from timeout to
 * timeout when nothing moves. */
static void
run_until(struct world *w, long long until_us)
{
    while (w->now < until_us) {
        long long t = LLONG_MAX;

        if (w->tap || w->drop_responses) {
            tap(w, w->la, w->lb, ROE_READ_REQUEST,
                w->tap ? w->read : NULL, &w->read_len);
        }
        if (w->station_alive) {
            roe_session_run(w->station, w->now);
            t = roe_session_next_timeout(w->station);
        }
        if (w->tap || w->tap_vdp) {
            tap(w, w->lb, w->la, ROE_READ_RESPONSE_FIRST,
                w->tap ? w->response : NULL, &w->response_len);
        }
        if (w->bridge_alive) {
            long long tb;

            roe_session_run(w->bridge, w->now);
            tb = roe_session_next_timeout(w->bridge);
            t = tb < t ? tb : t;
        }
        if (!w->hold_events) {
            print_events(w, w->station);
            print_events(w, w->bridge);
        }
        w->now = t <= w->now ? w->now + 1 : t < until_us ? t : until_us;
    }
}

/* Exports VSI abcd.. (or, for 'n' > 0, VSI n0cd..) and stores its handle
 * in '*handlep'.  Returns NULL or why the station refused it. */
static char *
try_add_vsi(struct world *w, int n, int *handlep)
{
    struct roe_vsi_spec spec = {
        .vsiid = { n ? n << 4 : 0xab, 0xcd, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                   13, 14 },
        .mac = { 0x52, 0x54, 0, 0, 0, 1 },
        .vlan_tci = 100,
        .n_regions = 2,
        .regions = {
            { w->ring, RING_IOVA, sizeof w->ring, MR_ACCESS_REMOTE_READ },
            { w->doorbell, DOORBELL_IOVA, sizeof w->doorbell,
              MR_ACCESS_REMOTE_WRITE },
        },
        .n_rings = 1,
        .rings = { {
            .id = 0, .kind = VDP_RING_VM_TX, .log2_entry_size = 11,
            .log2_entries = 2, .base_iova = RING_IOVA,
            .producer_iova = DOORBELL_IOVA,
            .consumer_iova = DOORBELL_IOVA + 8,
        } },
        .ring_region = { 0 },
    };
    char *error;

    return (roe_session_vsi_add(w->station, &spec, handlep, &error)
            ? error : NULL);
}

static void
add_vsi(struct world *w)
{
    char *error = try_add_vsi(w, 0, &w->vsi);

    if (error) {
        printf("%s\n", error);
        exit(1);
    }
}

static void
world_init(struct world *w, const struct link_faults *faults,
           const char *station_secret, const char *bridge_secret)
{
    memset(w, 0, sizeof *w);
    link_pair_create(1500, 1024, &w->la, &w->lb);
    if (faults) {
        link_set_faults(w->la, faults);
        link_set_faults(w->lb, faults);
    }
    w->station_secret = station_secret;
    w->bridge_secret = bridge_secret;
    w->station = make_session(w->la, ROE_SESSION_STATION, station_secret);
    w->bridge = make_session(w->lb, ROE_SESSION_BRIDGE, bridge_secret);
    w->station_alive = w->bridge_alive = true;
    for (size_t i = 0; i < sizeof w->ring; i++) {
        w->ring[i] = i * 13 + 1;
    }
    w->now = 1;
}

static void
world_destroy(struct world *w)
{
    roe_session_destroy(w->station);
    roe_session_destroy(w->bridge);
    link_close(w->la);
    link_close(w->lb);
}

/* The bridge's handle of the one VSI it knows, or -1. */
static int
bridge_vsi(const struct world *w)
{
    for (int i = 0; i < ROE_SESSION_MAX_VSIS; i++) {
        if (roe_session_vsi_is_up(w->bridge, i)) {
            return i;
        }
    }
    return -1;
}

/* Posts 'wr' on the bridge's QP of its VSI and runs until it completes;
 * prints the outcome. */
static void
bridge_op(struct world *w, const char *what, enum roe_wr_opcode opcode,
          void *local, uint32_t length, uint64_t va, int region)
{
    int h = bridge_vsi(w);
    const struct vdp_message *m = h >= 0 ? roe_session_vsi_assoc(w->bridge,
                                                                  h)
                                         : NULL;
    struct roe_qp *qp = h >= 0 ? roe_session_vsi_qp(w->bridge, h) : NULL;
    struct roe_send_wr wr = {
        .opcode = opcode, .local = local, .length = length,
        .remote_va = va,
    };
    struct roe_completion c;
    long long deadline = w->now + 10 * PERIOD;
    int downs = w->bridge_downs;

    if (!qp) {
        printf("%s: no VSI\n", what);
        return;
    }
    wr.rkey = m->roe.mrs[region].rkey;
    if (roe_qp_post_send(qp, &wr)) {
        printf("%s: cannot post\n", what);
        return;
    }
    while (w->now < deadline) {
        run_until(w, w->now + 10);
        if (w->bridge_downs != downs) {
            printf("%s: VSI went down\n", what);
            return;
        }
        if (roe_qp_poll_send(qp, &c, 1)) {
            printf("%s: %s\n", what, roe_wc_status_to_string(c.status));
            return;
        }
    }
    printf("%s: no completion\n", what);
}

/* Sends 'len' octets of 'frame' to the bridge, or to the station, from the
 * third station. */
static void
inject(struct world *w, bool to_bridge, const uint8_t *frame, size_t len)
{
    struct link_frame f = { .data = frame, .len = len };

    link_send(to_bridge ? w->la : w->lb, &f, 1);
}

/* A third station sends the bridge the station's ASSOC or a DEASSOC of
 * the station's VSI, from 'src' (its own MAC, or the station's).  With a
 * 'secret', the message carries an AUTH TLV signed with it, as a station
 * that just started would send it. */
static void
forge_vdp_from(struct world *w, uint8_t mode, const uint8_t src[6],
               const char *secret)
{
    struct vdp_message m = *roe_session_vsi_assoc(w->station, w->vsi);
    struct ecp_l2 l2 = { .has_vlan = false };
    static uint16_t seqno = 0x4242;
    struct vdp_auth_state auth;
    uint8_t frame[2048];
    size_t hlen;
    int len;

    memcpy(l2.dst, ecp_nearest_customer_bridge, 6);
    memcpy(l2.src, src, 6);
    if (mode == VDP_TLV_DEASSOC) {
        m.vsi.mode = VDP_TLV_DEASSOC;
        memset(&m.roe, 0, sizeof m.roe);
    }
    if (secret) {
        vdp_auth_init(&auth, secret, strlen(secret), false);
        vdp_auth_prepare(&auth, &m, 0);
    }
    hlen = ecp_put_headers(frame, &l2, ECP_OP_REQUEST, ECP_SUBTYPE_VDP,
                           seqno++);
    len = vdp_encode(&m, frame + hlen, sizeof frame - hlen, NULL);
    if (len <= 0) {
        printf("VDP message does not encode\n");
        exit(1);
    }
    if (secret) {
        vdp_auth_sign(secret, strlen(secret), frame + hlen, len);
    }
    len += hlen;
    if (len < ECP_MIN_FRAME_LEN) {
        memset(frame + len, 0, ECP_MIN_FRAME_LEN - len);
        len = ECP_MIN_FRAME_LEN;
    }
    inject(w, true, frame, len);
}

static void
forge_vdp(struct world *w, uint8_t mode)
{
    forge_vdp_from(w, mode, foreign_mac, NULL);
}

/* The third station sends the RoE frame 'frame' again from its own MAC,
 * with its PSN advanced by 'psn_delta' and, if 'syndrome' is nonzero,
 * turned into an ACK with that syndrome. */
static void
forge_roe(struct world *w, bool to_bridge, const uint8_t *frame, size_t len,
          uint16_t psn_delta, uint8_t syndrome)
{
    uint8_t out[2048];
    struct roe_packet p;
    struct ecp_frame f;

    if (!len || ecp_parse(frame, len, &f) != ECP_PARSE_OK
        || roe_parse(&f, &p) != ROE_PARSE_OK) {
        printf("nothing to forge\n");
        exit(1);
    }
    memcpy(f.l2.src, foreign_mac, 6);
    p.psn += psn_delta;
    if (syndrome) {
        p.opcode = ROE_ACK;
        p.syndrome = syndrome;
        p.payload_len = 0;
    }
    inject(w, to_bridge, out,
           roe_put_frame(out, &f.l2, ECP_SUBTYPE_ROE_DEFAULT, &p));
}

/* Runs the station alone and returns the number of RoE frames it sends. */
static int
station_answers(struct world *w)
{
    int n;

    roe_session_run(w->station, w->now);
    n = tap(w, w->lb, w->la, 0, NULL, NULL);
    print_events(w, w->station);
    return n;
}

static void
print_foreign(const struct world *w)
{
    struct roe_session_stats ss, bs;

    roe_session_get_stats(w->station, &ss);
    roe_session_get_stats(w->bridge, &bs);
    printf("foreign frames dropped: station %"PRIu64", bridge %"PRIu64"\n",
           ss.foreign_frames, bs.foreign_frames);
}

/* A third station, with another MAC, forges frames of both ends once they
 * are associated. */
static void
hostile_foreign(struct world *w)
{
    uint8_t buf[8192];
    uint16_t seg = roe_segment_size_for_mtu(1500);
    int n_psns = (sizeof w->ring + seg - 1) / seg;

    forge_vdp(w, VDP_TLV_DEASSOC);
    run_until(w, w->now + PERIOD);
    printf("after a forged DEASSOC: bridge VSIs %d\n", bridge_vsi(w) >= 0);

    w->tap = true;
    bridge_op(w, "READ the ring", ROE_WR_READ, buf, sizeof w->ring,
              RING_IOVA, 0);
    w->tap = false;

    /* The READ again (a replay), then the next one (a new READ). */
    forge_roe(w, false, w->read, w->read_len, 0, 0);
    forge_roe(w, false, w->read, w->read_len, n_psns, 0);
    printf("forged READs answered with %d frames\n", station_answers(w));

    /* A NAK of the last PSN the bridge sent. */
    forge_roe(w, true, w->response, w->response_len, n_psns - 1,
              ROE_SYN_NAK_ACCESS);
    run_until(w, w->now + PERIOD);
    printf("after a forged NAK: bridge VSIs %d\n", bridge_vsi(w) >= 0);
    print_foreign(w);

    bridge_op(w, "READ after the forgeries", ROE_WR_READ, buf,
              sizeof w->ring, RING_IOVA, 0);
    printf("data: %s\n", memcmp(buf, w->ring, sizeof w->ring)
                         ? "WRONG" : "exact");
}

/* Prints whether the bridge's VSI stayed up since the last call. */
static void
print_stayed_up(struct world *w, const char *after)
{
    printf("after %s: bridge VSI %s\n", after,
           w->bridge_downs ? "went down" : bridge_vsi(w) >= 0 ? "stayed up"
                                                               : "is gone");
    w->bridge_downs = 0;
}

static void
print_auth(const struct world *w)
{
    struct roe_session_stats ss, bs;

    roe_session_get_stats(w->station, &ss);
    roe_session_get_stats(w->bridge, &bs);
    printf("VDP refused: station %"PRIu64", bridge %"PRIu64"\n",
           ss.vdp_auth_failures, bs.vdp_auth_failures);
}

/* The station's MAC, which a third station forges. */
static void
station_mac(const struct world *w, uint8_t mac[6])
{
    link_get_mac(w->la, mac);
}

/* With the same secret at both ends: every VDP message is signed, the VSI
 * associates and its memory can be read. */
static void
hostile_auth_same(struct world *w)
{
    uint8_t buf[8192];

    bridge_op(w, "READ the ring", ROE_WR_READ, buf, sizeof w->ring,
              RING_IOVA, 0);
    printf("data: %s\n", memcmp(buf, w->ring, sizeof w->ring)
                         ? "WRONG" : "exact");
    run_until(w, w->now + 10 * PERIOD);
    printf("after 10 periods: %s\n",
           roe_session_vsi_is_up(w->station, w->vsi) ? "up" : "down");
    printf("VDP requests: %s signed, %d unsigned\n",
           w->vdp_signed > 10 ? "all" : "too few", w->vdp_unsigned);
    print_auth(w);
}

/* Without the same secret at both ends, nothing associates. */
static void
hostile_auth_differ(struct world *w)
{
    struct roe_session_stats bs;

    run_until(w, w->now + 10 * PERIOD);
    roe_session_get_stats(w->bridge, &bs);
    printf("after 10 periods: station %s, bridge VSIs %d\n",
           roe_session_vsi_is_up(w->station, w->vsi) ? "up" : "down",
           bridge_vsi(w) >= 0);
    printf("bridge refused every ASSOC: %s\n",
           bs.vdp_auth_failures > 10 && bs.vdp_auth_failures == bs.vdp_rx
           ? "yes" : "no");
}

/* Sends the captured VDP request 'frame' to the bridge again, with a new
 * ECP sequence number, so that ECP does not take it for a duplicate: the
 * ECP header is not protected, and an attacker can choose any. */
static void
replay_vdp(struct world *w, uint8_t *frame, size_t len)
{
    static uint16_t seqno = 0x7000;
    struct ecp_frame f;

    if (ecp_parse(frame, len, &f) != ECP_PARSE_OK) {
        printf("nothing to replay\n");
        exit(1);
    }
    seqno++;
    frame[f.payload - frame - 2] = seqno >> 8;
    frame[f.payload - frame - 1] = seqno;
    inject(w, true, frame, len);
}

/* A third station forges the station's MAC: a DEASSOC without an AUTH
 * TLV, an ASSOC signed with another secret, and the station's own last
 * ASSOC with an MR made longer. */
static void
hostile_auth_forged(struct world *w)
{
    uint8_t mac[6];

    station_mac(w, mac);
    w->tap_vdp = true;
    run_until(w, w->now + PERIOD);
    w->tap_vdp = false;

    w->bridge_downs = 0;
    forge_vdp_from(w, VDP_TLV_DEASSOC, mac, NULL);
    run_until(w, w->now + PERIOD);
    print_stayed_up(w, "a DEASSOC without AUTH TLV");

    forge_vdp_from(w, VDP_TLV_DEASSOC, mac, "not-the-secret");
    run_until(w, w->now + PERIOD);
    print_stayed_up(w, "a DEASSOC signed with another secret");

    if (w->assoc_len) {
        struct ecp_frame f;
        struct vdp_message m;

        /* Lengthen the first MR (its last octet of length is 33 octets
         * into the first MR TLV's data) and replay it. */
        if (ecp_parse(w->assoc, w->assoc_len, &f) != ECP_PARSE_OK
            || vdp_decode(f.payload, f.payload_len, &m, NULL)
            || !m.roe.n_mrs) {
            printf("captured ASSOC does not decode\n");
            exit(1);
        }
        for (size_t ofs = 0; ofs + 4 < f.payload_len; ofs++) {
            const uint8_t *p = f.payload + ofs;

            if (p[0] == 0xfe && p[1] == 0x1c && p[5] == VDP_ROE_MR) {
                w->assoc[(p - w->assoc) + 2 + 4 + 23] ^= 0x80;
                break;
            }
        }
        replay_vdp(w, w->assoc, w->assoc_len);
        run_until(w, w->now + PERIOD);
        print_stayed_up(w, "the station's ASSOC with a longer MR");
        printf("bridge's MR length: 0x%"PRIx64"\n",
               bridge_vsi(w) >= 0
               ? roe_session_vsi_assoc(w->bridge,
                                       bridge_vsi(w))->roe.mrs[0].length
               : 0);
    }
    print_auth(w);
}

/* The station's DEASSOC, captured, is sent again: once the VSI has
 * associated again, then after the station restarted. */
static void
hostile_auth_replay(struct world *w)
{
    struct roe_session_stats before, after;
    uint8_t buf[64];

    w->tap_vdp = true;
    roe_session_vsi_remove(w->station, w->vsi);
    run_until(w, w->now + PERIOD);
    w->tap_vdp = false;
    printf("captured a DEASSOC: %s\n", w->deassoc_len ? "yes" : "no");
    add_vsi(w);
    run_until(w, w->now + PERIOD);
    w->bridge_downs = 0;

    replay_vdp(w, w->deassoc, w->deassoc_len);
    run_until(w, w->now + PERIOD);
    print_stayed_up(w, "the DEASSOC again");
    print_auth(w);

    printf("the station restarts\n");
    roe_session_destroy(w->station);
    w->station = make_session(w->la, ROE_SESSION_STATION,
                              w->station_secret);
    add_vsi(w);
    run_until(w, w->now + 2 * PERIOD);
    w->bridge_downs = 0;
    roe_session_get_stats(w->bridge, &before);
    replay_vdp(w, w->deassoc, w->deassoc_len);
    run_until(w, w->now + PERIOD);
    roe_session_get_stats(w->bridge, &after);
    print_stayed_up(w, "the old session's DEASSOC");
    printf("stale messages ignored: %"PRIu64"\n",
           after.vdp_auth_stale - before.vdp_auth_stale);
    print_auth(w);
    bridge_op(w, "READ", ROE_WR_READ, buf, 64, RING_IOVA, 0);
}

/* Prints how many VSIs each end has up. */
static void
print_up(const struct world *w, const char *when)
{
    int ns = 0, nb = 0;

    for (int i = 0; i < ROE_SESSION_MAX_VSIS; i++) {
        ns += roe_session_vsi_is_up(w->station, i);
        nb += roe_session_vsi_is_up(w->bridge, i);
    }
    printf("%s: station %d up, bridge %d up\n", when, ns, nb);
}

static void
print_refusals(const struct world *w)
{
    struct roe_session_stats ss, sb;

    roe_session_get_stats(w->station, &ss);
    roe_session_get_stats(w->bridge, &sb);
    printf("bridge refused %s: %s\n", sb.vsis_refused ? "some" : "none",
           roe_session_refusal(w->bridge));
    printf("station refused %s: %s\n", ss.vsis_refused ? "some" : "none",
           roe_session_refusal(w->station));
}

/* Exports VSIs 1 to 'n'. */
static void
add_vsis(struct world *w, int n, int handles[])
{
    for (int i = 0; i < n; i++) {
        char *error = try_add_vsi(w, i + 1, &handles[i]);

        if (error) {
            printf("VSI %d: %s\n", i + 1, error);
            free(error);
            handles[i] = -1;
        }
    }
}

/* Starts a world with the caps set so far, exports 'n' VSIs into it, runs
 * 3 periods, prints what came up, as 'what', and the refusals. */
static void
caps_world(struct world *w, int n, int handles[], const char *what)
{
    world_init(w, NULL, NULL, NULL);
    add_vsis(w, n, handles);
    run_until(w, w->now + 3 * PERIOD);
    print_up(w, what);
    print_refusals(w);
}

/* The bridge takes at most one VSI; the second gets in when the first
 * leaves. */
static void
caps_vsis(void)
{
    struct world w;
    int h[2];

    caps[ROE_SESSION_BRIDGE].max_vsis = 1;
    caps_world(&w, 2, h, "two VSIs");
    roe_session_vsi_remove(w.station, roe_session_vsi_is_up(w.station, h[0])
                                      ? h[0] : h[1]);
    run_until(&w, w.now + 3 * PERIOD);
    print_up(&w, "after the first left");
    world_destroy(&w);
}

/* The bridge refuses a VSI that would cost more than it allows, for one
 * VSI and for the session. */
static void
caps_bytes(void)
{
    struct world w;
    int h[2];

    caps[ROE_SESSION_BRIDGE].max_vsi_bytes = 8192;
    caps_world(&w, 1, h, "a VSI of 8256 bytes");
    world_destroy(&w);

    caps[ROE_SESSION_BRIDGE].max_vsi_bytes = 0;
    caps[ROE_SESSION_BRIDGE].max_session_bytes = 10000;
    caps_world(&w, 2, h, "two VSIs of 8256 bytes");
    world_destroy(&w);
}

/* Associations beyond the bridge's rate wait for their turn. */
static void
caps_rate(void)
{
    struct roe_session_stats before, after;
    struct world w;
    int h[2];

    caps[ROE_SESSION_BRIDGE].max_vsis = 2;
    caps[ROE_SESSION_BRIDGE].max_assoc_rate = 1;
    world_init(&w, NULL, NULL, NULL);
    add_vsis(&w, 2, h);
    run_until(&w, w.now + 3 * PERIOD);
    print_up(&w, "a burst of two");
    roe_session_get_stats(w.station, &before);
    roe_session_vsi_reset(w.station, h[0]);
    roe_session_vsi_reset(w.station, h[1]);
    run_until(&w, w.now + 5 * PERIOD);
    print_up(&w, "both again at once, 0.5 s later");
    print_refusals(&w);
    run_until(&w, w.now + 25 * PERIOD);
    print_up(&w, "3 s later");
    roe_session_get_stats(w.station, &after);
    printf("ASSOCs sent meanwhile: %s\n",
           after.vdp_tx - before.vdp_tx <= 2 * 32 ? "one per VSI and period"
                                                  : "TOO MANY");
    world_destroy(&w);
}

/* The bridge keeps 4 events per VSI of its max-vsis; beyond, it loses the
 * oldest and counts them. */
static void
caps_events(void)
{
    struct roe_session_stats st;
    struct world w;
    int h[1];
    int n = 0;

    caps[ROE_SESSION_BRIDGE].max_vsis = 1;
    world_init(&w, NULL, NULL, NULL);
    w.hold_events = true;
    add_vsis(&w, 1, h);
    run_until(&w, w.now + 3 * PERIOD);
    for (int i = 0; i < 3; i++) {
        /* The bridge sees the VSI go down and come up again. */
        roe_session_vsi_reset(w.station, h[0]);
        run_until(&w, w.now + 3 * PERIOD);
    }
    while (roe_session_poll_event(w.bridge, &(struct roe_session_event) {
                                      .handle = 0 })) {
        n++;
    }
    roe_session_get_stats(w.bridge, &st);
    printf("7 events: %d kept, %"PRIu64" lost\n", n, st.events_lost);
    world_destroy(&w);
}

/* The station refuses to export beyond its own caps. */
static void
caps_station(void)
{
    struct world w;
    int h[2];

    caps[ROE_SESSION_STATION].max_vsis = 1;
    world_init(&w, NULL, NULL, NULL);
    add_vsis(&w, 2, h);
    world_destroy(&w);

    caps[ROE_SESSION_STATION].max_vsis = 0;
    caps[ROE_SESSION_STATION].max_regions = 3;
    world_init(&w, NULL, NULL, NULL);
    add_vsis(&w, 2, h);
    world_destroy(&w);

    caps[ROE_SESSION_STATION].max_regions = 0;
    caps[ROE_SESSION_STATION].max_vsi_bytes = 8000;
    world_init(&w, NULL, NULL, NULL);
    add_vsis(&w, 1, h);
    world_destroy(&w);

    caps[ROE_SESSION_STATION].max_vsi_bytes = 0;
    caps[ROE_SESSION_STATION].max_session_bytes = 10000;
    world_init(&w, NULL, NULL, NULL);
    add_vsis(&w, 2, h);
    run_until(&w, w.now + 3 * PERIOD);
    print_up(&w, "the first");
    world_destroy(&w);
}

static int
test_roe_session(int argc, char *argv[])
{
    const char *name = argc > 1 ? argv[1] : "";
    struct link_faults faults = {
        .drop = 0.1, .reorder = 0.1,
        .seed = 7,
    };
    const char *secret = "s3cret-of-the-link";
    const char *station_secret = NULL, *bridge_secret = NULL;
    struct world w;
    uint8_t buf[8192];

    if (!strcmp(name, "caps-vsis")) {
        caps_vsis();
        return 0;
    } else if (!strcmp(name, "caps-bytes")) {
        caps_bytes();
        return 0;
    } else if (!strcmp(name, "caps-rate")) {
        caps_rate();
        return 0;
    } else if (!strcmp(name, "caps-events")) {
        caps_events();
        return 0;
    } else if (!strcmp(name, "caps-station")) {
        caps_station();
        return 0;
    }

    /* "CASE secret" runs CASE with the same secret at both ends. */
    if (argc > 2 && !strcmp(argv[2], "secret")) {
        station_secret = bridge_secret = secret;
    } else if (!strcmp(name, "hostile-auth-station-only")) {
        station_secret = secret;
    } else if (!strcmp(name, "hostile-auth-bridge-only")) {
        bridge_secret = secret;
    } else if (!strcmp(name, "hostile-auth-differ")) {
        station_secret = secret;
        bridge_secret = "another-secret";
    } else if (!strncmp(name, "hostile-auth", 12)) {
        station_secret = bridge_secret = secret;
    }
    world_init(&w, !strcmp(name, "lossy") ? &faults : NULL,
               station_secret, bridge_secret);
    w.tap_vdp = !strcmp(name, "hostile-auth-same");
    add_vsi(&w);
    if (!strcmp(name, "hostile-first-wins")) {
        /* The third station's copy of the ASSOC reaches the bridge
         * first. */
        forge_vdp(&w, VDP_TLV_ASSOC);
    }
    run_until(&w, PERIOD / 2);
    if (bridge_vsi(&w) >= 0) {
        const struct vdp_message *m;

        m = roe_session_vsi_assoc(w.bridge, bridge_vsi(&w));
        printf("bridge sees MAC %02x:..:%02x VLAN %u, %zu regions, "
               "%zu ring (rkey %s)\n", m->roe.port.mac[0],
               m->roe.port.mac[5], m->roe.port.vlan_tci, m->roe.n_mrs,
               m->roe.n_rings,
               m->roe.rings[0].rkey == m->roe.mrs[0].rkey ? "of region 0"
                                                         : "WRONG");
    }

    if (!strcmp(name, "associate") || !strcmp(name, "lossy")) {
        uint64_t doorbell = 0x1122334455667788ULL;

        bridge_op(&w, "READ the ring", ROE_WR_READ, buf, sizeof w.ring,
                  RING_IOVA, 0);
        printf("data: %s\n", memcmp(buf, w.ring, sizeof w.ring)
                             ? "WRONG" : "exact");
        bridge_op(&w, "WRITE the doorbell", ROE_WR_WRITE, &doorbell, 8,
                  DOORBELL_IOVA, 1);
        printf("doorbell: %s\n",
               memcmp(w.doorbell, &doorbell, 8) ? "WRONG" : "written");
        run_until(&w, w.now + 10 * PERIOD);
        printf("after 10 periods: %s\n",
               roe_session_vsi_is_up(w.station, w.vsi) ? "up" : "down");
    } else if (!strcmp(name, "refused")) {
        bridge_op(&w, "WRITE to the read-only ring", ROE_WR_WRITE, buf, 8,
                  RING_IOVA, 0);
        run_until(&w, w.now + PERIOD);
        printf("ring: %s\n", w.ring[0] == 1 ? "untouched" : "WRITTEN");
        bridge_op(&w, "READ after re-association", ROE_WR_READ, buf, 8,
                  RING_IOVA, 0);
    } else if (!strcmp(name, "deassoc")) {
        roe_session_vsi_remove(w.station, w.vsi);
        run_until(&w, w.now + PERIOD);
        printf("bridge VSIs: %d\n", bridge_vsi(&w) >= 0);
    } else if (!strcmp(name, "station-silent")) {
        w.station_alive = false;
        run_until(&w, w.now + 4 * PERIOD);
        w.station_alive = true;
        run_until(&w, w.now + 2 * PERIOD);
        bridge_op(&w, "READ", ROE_WR_READ, buf, 64, RING_IOVA, 0);
    } else if (!strcmp(name, "hostile-foreign")) {
        hostile_foreign(&w);
    } else if (!strcmp(name, "hostile-first-wins")) {
        struct roe_session_stats st;

        run_until(&w, w.now + 5 * PERIOD);
        roe_session_get_stats(w.bridge, &st);
        printf("bridge dropped the station's frames while pinned: %s\n",
               st.foreign_frames ? "yes" : "no");
        bridge_op(&w, "READ", ROE_WR_READ, buf, 64, RING_IOVA, 0);
    } else if (!strcmp(name, "bridge-restart")) {
        roe_session_destroy(w.bridge);
        w.bridge = make_session(w.lb, ROE_SESSION_BRIDGE, w.bridge_secret);
        run_until(&w, w.now + 2 * PERIOD);
        bridge_op(&w, "READ", ROE_WR_READ, buf, 64, RING_IOVA, 0);
    } else if (!strcmp(name, "lost-answer")) {
        long long start = w.now;
        struct roe_session_stats st;

        /* The bridge restarts (as after a lapse on its side, it knows
         * nothing of the VSI), and every transmission of its answer to
         * the station's next ASSOC, which brings the VSI up with new
         * parameters, is lost.  The station must not go on with its old
         * queue pair: the bridge's new one would run out of retries and
         * the association lapse, for one lost VDP message. */
        roe_session_destroy(w.bridge);
        w.bridge = make_session(w.lb, ROE_SESSION_BRIDGE, w.bridge_secret);
        w.drop_responses = 1;
        do {
            run_until(&w, w.now + 100);
            roe_session_get_stats(w.bridge, &st);
        } while (!st.vdp_lost && w.now < start + 3 * PERIOD);
        printf("bridge's answers lost: %"PRIu64"\n", st.vdp_lost);
        bridge_op(&w, "READ", ROE_WR_READ, buf, 64, RING_IOVA, 0);
        run_until(&w, w.now + PERIOD / 2);
        roe_session_get_stats(w.bridge, &st);
        printf("bridge: associations %"PRIu64", lapses %"PRIu64"\n",
               st.associations, st.lapses);
    } else if (!strcmp(name, "station-restart")) {
        roe_session_destroy(w.station);
        w.station = make_session(w.la, ROE_SESSION_STATION,
                                 w.station_secret);
        add_vsi(&w);
        run_until(&w, w.now + 2 * PERIOD);
        bridge_op(&w, "READ", ROE_WR_READ, buf, 64, RING_IOVA, 0);
    } else if (!strcmp(name, "hostile-auth-same")) {
        hostile_auth_same(&w);
    } else if (!strcmp(name, "hostile-auth-differ")
               || !strcmp(name, "hostile-auth-station-only")
               || !strcmp(name, "hostile-auth-bridge-only")) {
        hostile_auth_differ(&w);
    } else if (!strcmp(name, "hostile-auth-forged")) {
        hostile_auth_forged(&w);
    } else if (!strcmp(name, "hostile-auth-replay")) {
        hostile_auth_replay(&w);
    } else {
        fprintf(stderr, "unknown case \"%s\"\n", name);
        return 2;
    }
    world_destroy(&w);
    return 0;
}

ECPRDMA_TEST_REGISTER("roe-session", "CASE [secret]", test_roe_session);
