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
#include "roe-qp.h"
#include "vdp.h"
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
};

static struct roe_session *
make_session(struct link *link, enum roe_session_role role)
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

/* Runs both ends until 'until_us' (virtual), jumping from timeout to
 * timeout when nothing moves. */
static void
run_until(struct world *w, long long until_us)
{
    while (w->now < until_us) {
        long long t = LLONG_MAX;

        if (w->station_alive) {
            roe_session_run(w->station, w->now);
            t = roe_session_next_timeout(w->station);
        }
        if (w->bridge_alive) {
            long long tb;

            roe_session_run(w->bridge, w->now);
            tb = roe_session_next_timeout(w->bridge);
            t = tb < t ? tb : t;
        }
        print_events(w, w->station);
        print_events(w, w->bridge);
        w->now = t <= w->now ? w->now + 1 : t < until_us ? t : until_us;
    }
}

static void
add_vsi(struct world *w)
{
    struct roe_vsi_spec spec = {
        .vsiid = { 0xab, 0xcd, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 },
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

    if (roe_session_vsi_add(w->station, &spec, &w->vsi, &error)) {
        printf("%s\n", error);
        exit(1);
    }
}

static void
world_init(struct world *w, const struct link_faults *faults)
{
    memset(w, 0, sizeof *w);
    link_pair_create(1500, 1024, &w->la, &w->lb);
    if (faults) {
        link_set_faults(w->la, faults);
        link_set_faults(w->lb, faults);
    }
    w->station = make_session(w->la, ROE_SESSION_STATION);
    w->bridge = make_session(w->lb, ROE_SESSION_BRIDGE);
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

static int
test_roe_session(int argc, char *argv[])
{
    const char *name = argc > 1 ? argv[1] : "";
    struct link_faults faults = {
        .drop = 0.1, .reorder = 0.1,
        .seed = 7,
    };
    struct world w;
    uint8_t buf[8192];

    world_init(&w, !strcmp(name, "lossy") ? &faults : NULL);
    add_vsi(&w);
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
    } else if (!strcmp(name, "bridge-restart")) {
        roe_session_destroy(w.bridge);
        w.bridge = make_session(w.lb, ROE_SESSION_BRIDGE);
        run_until(&w, w.now + 2 * PERIOD);
        bridge_op(&w, "READ", ROE_WR_READ, buf, 64, RING_IOVA, 0);
    } else {
        fprintf(stderr, "unknown case \"%s\"\n", name);
        return 2;
    }
    world_destroy(&w);
    return 0;
}

ECPRDMA_TEST_REGISTER("roe-session", "CASE", test_roe_session);
