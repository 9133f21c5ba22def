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

#include "roe-session.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "ecp-stopwait.h"
#include "link.h"
#include "mr-table.h"
#include "roe.h"
#include "roe-qp.h"
#include "vdp-auth.h"
#include "xalloc.h"

#define BATCH 32
#define N_EVENTS (4 * ROE_SESSION_MAX_VSIS)    /* 4 per VSI at most. */
#define LAPSE_PERIODS 3
#define VDP_RESENDS_MAX 3       /* Per VSI, until the peer is heard. */
#define MAX(A, B) ((A) > (B) ? (A) : (B))
#define MIN(A, B) ((A) < (B) ? (A) : (B))
#define RX_IDLE_MAX_US 64       /* See next_rx. */

enum vsi_state {
    VSI_FREE,
    VSI_DISCOVERING,            /* Station: ASSOC sent, no answer yet. */
    VSI_UP,
};

struct vsi {
    enum vsi_state state;
    uint32_t qpn;               /* Ours: index in low 8 bits. */
    uint16_t sq_psn;            /* Our first PSN. */
    struct roe_qp *qp;          /* Once up. */
    struct vdp_message assoc;   /* Station: what we send.  Bridge: what
                                 * the station sent. */
    struct vdp_qp peer;         /* The peer's QP parameters. */
    long long last_heard;       /* Last answer (station) or ASSOC
                                 * (bridge). */
    long long next_assoc;       /* Station: when to send the ASSOC. */
    uint64_t cost;              /* Counted against the session's caps. */
    bool hold;                  /* Station: hold each new QP. */
    unsigned int vdp_resends;   /* VDP messages that ECP gave up on and
                                 * that were sent again, since the peer
                                 * was last heard about this VSI. */
};

struct roe_session {
    struct roe_session_config cfg;
    struct ecp_sw *vdp;
    bool auth;                  /* Authenticate VDP. */
    struct vdp_auth_state auth_state;
    struct mr_table *mrs;
    struct ecp_l2 l2;
    uint16_t segment_size;

    struct vsi vsis[ROE_SESSION_MAX_VSIS];
    int n_slots;                /* vsis[n_slots] on are free: what the
                                 * loops of every run need to visit. */

    /* Caps (see the configuration), and why the last VSI was refused. */
    int max_vsis;
    uint64_t max_vsi_bytes;
    uint64_t max_session_bytes;
    int max_regions;
    long long assoc_interval;   /* Bridge: 1 s / max_assoc_rate. */
    long long assoc_tat;        /* Bridge: when the next association is
                                 * due at the full rate (GCRA). */
    char refusal[128];

    /* The peer station, once a VSI is up: frames from any other source MAC
     * are dropped until no VSI is up any more. */
    bool pinned;
    uint8_t peer_mac[6];

    struct roe_session_event events[N_EVENTS];
    unsigned int ev_head, ev_tail;

    /* Frames built and not yet taken by the link. */
    uint8_t *frame_mem;
    size_t frame_size;
    struct link_frame out[BATCH];
    int n_out, out_first;

    /* A link that had nothing for us is looked at again after a delay
     * that doubles, up to RX_IDLE_MAX_US, while it stays so. */
    long long next_rx;
    int rx_idle_us;
    uint64_t n_frames;          /* Received and sent. */

    struct roe_session_stats stats;
    struct roe_qp_stats retired;    /* Of the QPs destroyed so far. */
    long long next_stats;           /* When to sum up QP statistics. */
};

/* Adds the counters of 'b' to 'a'. */
static void
add_qp_stats(struct roe_qp_stats *a, const struct roe_qp_stats *b)
{
    uint64_t *x = (uint64_t *) a;
    const uint64_t *y = (const uint64_t *) b;

    _Static_assert(sizeof *a % sizeof *x == 0, "counters only");
    for (size_t i = 0; i < sizeof *a / sizeof *x; i++) {
        x[i] += y[i];
    }
}

/* Destroys 'qp', keeping its counters. */
static void
retire_qp(struct roe_session *s, struct roe_qp *qp)
{
    if (qp) {
        struct roe_qp_stats st;

        roe_qp_get_stats(qp, &st);
        add_qp_stats(&s->retired, &st);
        roe_qp_destroy(qp);
    }
}

static uint32_t
random_u32(void)
{
    uint32_t x = 0;

    if (getrandom(&x, sizeof x, 0) != sizeof x) {
        static uint32_t fallback = 0x2545f491;

        fallback = fallback * 1103515245 + 12345;
        x = fallback;
    }
    return x;
}

struct roe_session *
roe_session_create(const struct roe_session_config *cfg, char **errorp)
{
    struct ecp_sw_config sw;
    struct roe_session *s;
    struct roe_qp_config qp;
    const char *sw_error;

    *errorp = NULL;
    if (cfg->keepalive_us <= 0) {
        *errorp = xalloc_printf("keep-alive period must be positive");
        return NULL;
    }
    if (cfg->secret && (!cfg->secret[0]
                        || strlen(cfg->secret) > ROE_SESSION_SECRET_MAX)) {
        *errorp = xalloc_printf("secret must have 1 to %d octets",
                                ROE_SESSION_SECRET_MAX);
        return NULL;
    }
    if (cfg->max_vsis < 0 || cfg->max_vsis > ROE_SESSION_MAX_VSIS
        || cfg->max_regions < 0
        || cfg->max_regions > ROE_SESSION_MAX_REGIONS
        || cfg->max_assoc_rate < 0) {
        *errorp = xalloc_printf("at most %d VSIs and %d regions",
                                ROE_SESSION_MAX_VSIS,
                                ROE_SESSION_MAX_REGIONS);
        return NULL;
    }
    s = xalloc_zeroed(1, sizeof *s);
    s->cfg = *cfg;
    s->cfg.secret = NULL;
    s->max_vsis = cfg->max_vsis ? cfg->max_vsis : ROE_SESSION_MAX_VSIS;
    s->max_vsi_bytes = cfg->max_vsi_bytes ? cfg->max_vsi_bytes : UINT64_MAX;
    s->max_session_bytes = (cfg->max_session_bytes ? cfg->max_session_bytes
                            : UINT64_MAX);
    s->max_regions = (cfg->max_regions ? cfg->max_regions
                      : ROE_SESSION_MAX_REGIONS);
    s->assoc_interval = 1000000 / (cfg->max_assoc_rate
                                   ? cfg->max_assoc_rate
                                   : ROE_SESSION_ASSOC_RATE);
    if (cfg->secret) {
        s->auth = true;
        vdp_auth_init(&s->auth_state, cfg->secret, strlen(cfg->secret),
                      cfg->role == ROE_SESSION_BRIDGE);
    }
    memcpy(s->l2.dst, ecp_nearest_customer_bridge, 6);
    link_get_mac(cfg->link, s->l2.src);
    s->segment_size = roe_segment_size_for_mtu(link_mtu(cfg->link));

    ecp_sw_config_init(&sw);
    sw.l2 = s->l2;
    sw.queue_len = 4 * ROE_SESSION_MAX_VSIS;
    s->vdp = ecp_sw_create(&sw, &sw_error);
    if (!s->vdp) {
        *errorp = xalloc_printf("%s", sw_error);
        free(s);
        return NULL;
    }
    s->mrs = mr_table_create();

    memset(&qp, 0, sizeof qp);
    qp.l2 = s->l2;
    qp.segment_size = s->segment_size;
    s->frame_size = roe_qp_max_frame_len(&qp);
    if (s->frame_size < ecp_sw_max_frame_len(s->vdp)) {
        s->frame_size = ecp_sw_max_frame_len(s->vdp);
    }
    s->frame_mem = xalloc(BATCH * s->frame_size);
    return s;
}

static void
vsi_clear(struct roe_session *s, int handle)
{
    struct vsi *v = &s->vsis[handle];

    mr_invalidate_pd(s->mrs, handle);
    retire_qp(s, v->qp);
    memset(v, 0, sizeof *v);
}

/* Forgets the peer station once no VSI is up, so that the next one to
 * associate may be another. */
static void
unpin_if_idle(struct roe_session *s)
{
    for (int i = 0; i < ROE_SESSION_MAX_VSIS; i++) {
        if (s->vsis[i].state == VSI_UP) {
            return;
        }
    }
    s->pinned = false;
}

void
roe_session_destroy(struct roe_session *s)
{
    if (s) {
        for (int i = 0; i < ROE_SESSION_MAX_VSIS; i++) {
            vsi_clear(s, i);
        }
        ecp_sw_destroy(s->vdp);
        mr_table_destroy(s->mrs);
        free(s->frame_mem);
        memset(&s->auth_state, 0, sizeof s->auth_state);
        free(s);
    }
}

static void
push_event(struct roe_session *s, enum roe_session_event_type type,
           int handle)
{
    struct roe_session_event *e;

    if (s->ev_tail - s->ev_head >= 4 * s->max_vsis) {
        s->ev_head++;           /* Lose the oldest rather than the news. */
        s->stats.events_lost++;
    }
    e = &s->events[s->ev_tail++ % N_EVENTS];
    e->type = type;
    e->handle = handle;
    memcpy(e->vsiid, s->vsis[handle].assoc.vsi.vsiid, VDP_VSIID_LEN);
}

uint64_t
roe_session_lapses(const struct roe_session *s)
{
    return s->stats.lapses;
}

bool
roe_session_poll_event(struct roe_session *s, struct roe_session_event *e)
{
    while (s->ev_head != s->ev_tail) {
        const struct vsi *v;

        *e = s->events[s->ev_head++ % N_EVENTS];
        v = &s->vsis[e->handle];
        if (e->type == ROE_SESSION_VSI_DOWN
            || (v->state == VSI_UP
                && !memcmp(v->assoc.vsi.vsiid, e->vsiid, VDP_VSIID_LEN))) {
            return true;
        }
        /* The VSI went down again, or its handle is another VSI's, before
         * the owner polled: an event that says so follows. */
    }
    return false;
}

/* Queues 'm' for the peer, with an AUTH TLV with 'auth_flags' if the
 * session has a secret. */
static void
send_vdp_flags(struct roe_session *s, const struct vdp_message *m,
               uint8_t auth_flags)
{
    uint8_t buf[VDP_MESSAGE_MAX_LEN];
    struct vdp_message copy;
    int len;

    if (s->auth) {
        copy = *m;
        vdp_auth_prepare(&s->auth_state, &copy, auth_flags);
        m = &copy;
    }
    len = vdp_encode(m, buf, sizeof buf, NULL);
    if (len > 0 && s->auth) {
        vdp_auth_sign(s->auth_state.key, s->auth_state.key_len, buf, len);
    }
    if (len > 0 && !ecp_sw_send(s->vdp, buf, len)) {
        s->stats.vdp_tx++;
    } else {
        s->stats.vdp_lost++;
    }
}

static void
send_vdp(struct roe_session *s, const struct vdp_message *m)
{
    send_vdp_flags(s, m, 0);
}

static int
free_slot(const struct roe_session *s)
{
    for (int i = 0; i < ROE_SESSION_MAX_VSIS; i++) {
        if (s->vsis[i].state == VSI_FREE) {
            return i;
        }
    }
    return -1;
}

/* Picks a new QP number and first PSN for 'v'. */
static void
vsi_init_qp_params(struct vsi *v, int handle)
{
    do {
        /* Never 0: the uplink's ingress ring uses 0 for "no VSI". */
        v->qpn = (random_u32() << 8 | handle) & ROE_QPN_MASK;
    } while (!v->qpn);
    v->sq_psn = random_u32();
}

static struct vdp_qp
own_qp_params(const struct roe_session *s, const struct vsi *v)
{
    return (struct vdp_qp) {
        .qpn = v->qpn,
        .initial_psn = v->sq_psn,
        .segment_size = s->segment_size,
        .window = s->cfg.window,
        .rte = s->cfg.rte,
        .max_tries = s->cfg.max_tries > VDP_RETRY_MAX ? VDP_RETRY_MAX
                                                      : s->cfg.max_tries,
        .max_rd_atomic = ROE_QP_DEFAULT_MAX_READS,
    };
}

static uint64_t
add_saturated(uint64_t a, uint64_t b)
{
    return a + b < a ? UINT64_MAX : a + b;
}

/* Checks that one more VSI, which costs 'cost', stays within the caps of
 * 's'.  If not, records why in 's->refusal' and returns false. */
static bool
vsi_admissible(struct roe_session *s, uint64_t cost)
{
    uint64_t total = 0;
    int n = 0;

    for (int i = 0; i < ROE_SESSION_MAX_VSIS; i++) {
        if (s->vsis[i].state != VSI_FREE) {
            total = add_saturated(total, s->vsis[i].cost);
            n++;
        }
    }
    if (n >= s->max_vsis) {
        snprintf(s->refusal, sizeof s->refusal,
                 "too many VSIs (at most %d)", s->max_vsis);
    } else if (cost > s->max_vsi_bytes) {
        snprintf(s->refusal, sizeof s->refusal,
                 "VSI needs %"PRIu64" bytes, more than %"PRIu64,
                 cost, s->max_vsi_bytes);
    } else if (add_saturated(total, cost) > s->max_session_bytes) {
        snprintf(s->refusal, sizeof s->refusal,
                 "VSI needs %"PRIu64" bytes, %"PRIu64" of %"PRIu64
                 " are taken", cost, total, s->max_session_bytes);
    } else {
        return true;
    }
    return false;
}

/* Bridge: whether a new association is within the rate cap, in which case
 * it takes its share of the rate.  A cell rate algorithm: bursts of up to
 * 'max_vsis' associations, then one per 'assoc_interval'. */
static bool
assoc_rate_allows(struct roe_session *s, long long now)
{
    long long burst = (long long) (s->max_vsis - 1) * s->assoc_interval;

    if (s->assoc_tat < now) {
        s->assoc_tat = now;
    }
    if (s->assoc_tat - now > burst) {
        snprintf(s->refusal, sizeof s->refusal,
                 "more than %lld associations per second",
                 1000000 / s->assoc_interval);
        return false;
    }
    s->assoc_tat += s->assoc_interval;
    return true;
}

/* The length of the regions of 'assoc', together. */
static uint64_t
assoc_region_bytes(const struct vdp_message *assoc)
{
    uint64_t n = 0;

    for (size_t i = 0; i < assoc->roe.n_mrs; i++) {
        n = add_saturated(n, assoc->roe.mrs[i].length);
    }
    return n;
}

uint64_t
roe_session_refusals(const struct roe_session *s)
{
    return s->stats.vsis_refused;
}

const char *
roe_session_refusal(const struct roe_session *s)
{
    return s->refusal;
}

int
roe_session_vsi_add(struct roe_session *s, const struct roe_vsi_spec *spec,
                    int *handlep, char **errorp)
{
    struct vdp_message *m;
    uint64_t cost = 0;
    struct vsi *v;
    int handle;
    char *error;

    *errorp = NULL;
    if (s->cfg.role != ROE_SESSION_STATION) {
        *errorp = xalloc_printf("only a station exports VSIs");
        return EINVAL;
    }
    handle = free_slot(s);
    if (handle < 0) {
        *errorp = xalloc_printf("too many VSIs (at most %d)",
                                ROE_SESSION_MAX_VSIS);
        return ENOSPC;
    }
    if (spec->n_regions > VDP_MAX_MRS || spec->n_rings > VDP_MAX_RINGS) {
        *errorp = xalloc_printf("too many regions or rings");
        return EINVAL;
    }
    for (size_t i = 0; i < spec->n_regions; i++) {
        cost = add_saturated(cost, spec->regions[i].length);
    }
    if (!vsi_admissible(s, cost)) {
        *errorp = xalloc_strdup(s->refusal);
        return ENOSPC;
    }
    if (mr_table_count(s->mrs) + spec->n_regions > s->max_regions) {
        *errorp = xalloc_printf("too many regions (at most %d)",
                                s->max_regions);
        return ENOSPC;
    }
    v = &s->vsis[handle];
    m = &v->assoc;
    memset(m, 0, sizeof *m);
    memcpy(m->manager_id, s->cfg.manager_id, VDP_MANAGER_ID_LEN);
    m->vsi.mode = VDP_TLV_ASSOC;
    m->vsi.vsiid_format = VDP_VSIID_UUID;
    memcpy(m->vsi.vsiid, spec->vsiid, VDP_VSIID_LEN);
    m->vsi.filter_format = VDP_FILTER_MAC_VID;
    m->vsi.n_filters = 1;
    memcpy(m->vsi.filters[0].mac, spec->mac, 6);
    m->vsi.filters[0].vid = spec->vlan_tci & 0xfff;
    m->vsi.filters[0].pcp = spec->vlan_tci >> 13;

    for (size_t i = 0; i < spec->n_regions; i++) {
        const struct roe_region *r = &spec->regions[i];
        uint32_t rkey = mr_register(s->mrs, handle, r->addr, r->iova,
                                    r->length, r->access);

        if (!rkey) {
            mr_invalidate_pd(s->mrs, handle);
            memset(v, 0, sizeof *v);
            *errorp = xalloc_printf("region %zu cannot be registered", i);
            return EINVAL;
        }
        m->roe.mrs[i] = (struct vdp_mr) {
            .rkey = rkey, .access = r->access,
            .iova = r->iova, .length = r->length,
        };
    }
    m->roe.n_mrs = spec->n_regions;
    for (size_t i = 0; i < spec->n_rings; i++) {
        m->roe.rings[i] = spec->rings[i];
        m->roe.rings[i].rkey = (spec->ring_region[i] < spec->n_regions
                                ? m->roe.mrs[spec->ring_region[i]].rkey : 0);
    }
    m->roe.n_rings = spec->n_rings;
    m->roe.has_port = true;
    memcpy(m->roe.port.mac, spec->mac, 6);
    m->roe.port.vlan_tci = spec->vlan_tci;
    memcpy(m->roe.iface_id, spec->iface_id, sizeof m->roe.iface_id);
    memcpy(m->roe.vm_id, spec->vm_id, sizeof m->roe.vm_id);

    vsi_init_qp_params(v, handle);
    m->roe.has_qp = true;
    m->roe.qp = own_qp_params(s, v);
    error = vdp_validate(m);
    if (error) {
        mr_invalidate_pd(s->mrs, handle);
        memset(v, 0, sizeof *v);
        *errorp = error;
        return EINVAL;
    }
    v->state = VSI_DISCOVERING;
    s->n_slots = MAX(s->n_slots, handle + 1);
    v->next_assoc = 0;
    v->cost = cost;
    v->hold = spec->hold;
    *handlep = handle;
    return 0;
}

void
roe_session_vsi_remove(struct roe_session *s, int handle)
{
    struct vsi *v;
    struct vdp_message m;

    if (handle < 0 || handle >= ROE_SESSION_MAX_VSIS
        || s->vsis[handle].state == VSI_FREE) {
        return;
    }
    v = &s->vsis[handle];
    mr_invalidate_pd(s->mrs, handle);
    m = v->assoc;
    m.vsi.mode = VDP_TLV_DEASSOC;
    memset(&m.roe, 0, sizeof m.roe);
    send_vdp(s, &m);
    if (v->state == VSI_UP) {
        push_event(s, ROE_SESSION_VSI_DOWN, handle);
    }
    vsi_clear(s, handle);
    unpin_if_idle(s);
}

static const struct vsi *
vsi_get(const struct roe_session *s, int handle)
{
    return (handle >= 0 && handle < ROE_SESSION_MAX_VSIS
            ? &s->vsis[handle] : NULL);
}

bool
roe_session_vsi_is_up(const struct roe_session *s, int handle)
{
    const struct vsi *v = vsi_get(s, handle);

    return v && v->state == VSI_UP;
}

void
roe_session_vsi_release(struct roe_session *s, int handle)
{
    const struct vsi *v = vsi_get(s, handle);

    if (v && v->state == VSI_UP) {
        roe_qp_set_hold(v->qp, false);
    }
}

struct roe_qp *
roe_session_vsi_qp(const struct roe_session *s, int handle)
{
    const struct vsi *v = vsi_get(s, handle);

    return v && v->state == VSI_UP ? v->qp : NULL;
}

const struct vdp_message *
roe_session_vsi_assoc(const struct roe_session *s, int handle)
{
    const struct vsi *v = vsi_get(s, handle);

    return v && v->state != VSI_FREE ? &v->assoc : NULL;
}

/* Brings 'v' up with a new QP towards 'peer'. */
static void
vsi_up(struct roe_session *s, int handle, const struct vdp_qp *peer,
       long long now)
{
    struct vsi *v = &s->vsis[handle];
    struct roe_qp_config cfg = {
        .l2 = s->l2,
        .subtype = s->cfg.subtype,
        .dest_qpn = peer->qpn,
        .sq_psn = v->sq_psn,
        .rq_psn = peer->initial_psn,
        .segment_size = s->segment_size,
        .window = s->cfg.window,
        .rte = s->cfg.rte,
        .peer_rte = (peer->rte < ROE_QP_RTE_MAX ? peer->rte
                     : ROE_QP_RTE_MAX),
        .max_tries = s->cfg.max_tries,
        .max_reads = ROE_QP_DEFAULT_MAX_READS,
        .crc = s->cfg.crc,
        .mrs = s->mrs,
        .pd = handle,
    };
    char *error;

    retire_qp(s, v->qp);
    v->qp = roe_qp_create(&cfg, &error);
    if (!v->qp) {
        /* The configuration was checked when the session was made. */
        free(error);
        v->state = VSI_DISCOVERING;
        return;
    }
    if (v->hold) {
        roe_qp_set_hold(v->qp, true);
    }
    v->peer = *peer;
    v->state = VSI_UP;
    s->n_slots = MAX(s->n_slots, handle + 1);
    v->last_heard = now;
    s->stats.associations++;
    push_event(s, ROE_SESSION_VSI_UP, handle);
}

/* Ends the association of VSI 'handle'.  A bridge forgets the VSI.  A
 * station keeps it and associates it again; with 'renew' it picks new QP
 * parameters, so that a bridge that may still hold the old QP sees a new
 * association (not when the bridge itself already made a new one). */
static void
vsi_down(struct roe_session *s, int handle, bool renew)
{
    struct vsi *v = &s->vsis[handle];

    if (v->state == VSI_UP) {
        push_event(s, ROE_SESSION_VSI_DOWN, handle);
    }
    retire_qp(s, v->qp);
    v->qp = NULL;
    if (s->cfg.role == ROE_SESSION_STATION) {
        v->state = VSI_DISCOVERING;
        if (renew) {
            vsi_init_qp_params(v, handle);
            v->assoc.roe.qp = own_qp_params(s, v);
            v->next_assoc = 0;
        }
    } else {
        memset(v, 0, sizeof *v);
    }
    unpin_if_idle(s);
}

void
roe_session_vsi_reset(struct roe_session *s, int handle)
{
    if (s->cfg.role == ROE_SESSION_STATION
        && handle >= 0 && handle < ROE_SESSION_MAX_VSIS
        && s->vsis[handle].state == VSI_UP) {
        s->stats.resets++;
        vsi_down(s, handle, true);
    }
}

static int
find_vsi(const struct roe_session *s, const uint8_t vsiid[VDP_VSIID_LEN])
{
    for (int i = 0; i < ROE_SESSION_MAX_VSIS; i++) {
        if (s->vsis[i].state != VSI_FREE
            && !memcmp(s->vsis[i].assoc.vsi.vsiid, vsiid, VDP_VSIID_LEN)) {
            return i;
        }
    }
    return -1;
}

static bool
same_qp(const struct vdp_qp *a, const struct vdp_qp *b)
{
    return (a->qpn == b->qpn && a->initial_psn == b->initial_psn
            && a->segment_size == b->segment_size);
}

/* True if 'a' and 'b' encode to the same octets. */
static bool
same_message(const struct vdp_message *a, const struct vdp_message *b)
{
    uint8_t ea[VDP_MESSAGE_MAX_LEN], eb[VDP_MESSAGE_MAX_LEN];
    int na = vdp_encode(a, ea, sizeof ea, NULL);
    int nb = vdp_encode(b, eb, sizeof eb, NULL);

    return na > 0 && na == nb && !memcmp(ea, eb, na);
}

static void
respond(struct roe_session *s, const struct vdp_message *request,
        uint8_t status, const struct vsi *v)
{
    struct vdp_message response;

    if (vdp_make_response(request, status,
                          status ? VDP_RESP_HARD : 0, &response)) {
        return;
    }
    memset(&response.roe, 0, sizeof response.roe);
    if (v) {
        response.roe.has_qp = true;
        response.roe.qp = own_qp_params(s, v);
    }
    send_vdp(s, &response);
}

/* Bridge: an ASSOC or DEASSOC request from the station. */
static void
bridge_request(struct roe_session *s, const struct vdp_message *m,
               long long now)
{
    int handle = find_vsi(s, m->vsi.vsiid);
    uint64_t cost;
    struct vsi *v;

    if (m->vsi.mode == VDP_TLV_DEASSOC) {
        if (handle >= 0) {
            vsi_down(s, handle, false);
        }
        respond(s, m, VDP_STATUS_SUCCESS, NULL);
        return;
    }
    if (m->vsi.mode != VDP_TLV_ASSOC || !m->roe.has_qp
        || m->roe.qp.segment_size != s->segment_size) {
        respond(s, m, VDP_STATUS_INVALID_FORMAT, NULL);
        return;
    }
    if (handle >= 0) {
        v = &s->vsis[handle];
        if (same_message(&v->assoc, m)) {
            v->last_heard = now;            /* A keep-alive. */
            v->vdp_resends = 0;
            respond(s, m, VDP_STATUS_SUCCESS, v);
            return;
        }
        vsi_down(s, handle, false);         /* The station restarted. */
    }
    cost = (s->cfg.vsi_cost ? s->cfg.vsi_cost(m) : assoc_region_bytes(m));
    handle = free_slot(s);
    if (handle < 0 || !vsi_admissible(s, cost)
        || !assoc_rate_allows(s, now)) {
        s->stats.vsis_refused++;
        respond(s, m, VDP_STATUS_INSUFFICIENT_RESOURCES, NULL);
        return;
    }
    v = &s->vsis[handle];
    v->assoc = *m;
    v->cost = cost;
    vsi_init_qp_params(v, handle);
    vsi_up(s, handle, &m->roe.qp, now);
    respond(s, m, v->state == VSI_UP ? VDP_STATUS_SUCCESS
                                     : VDP_STATUS_INSUFFICIENT_RESOURCES,
            v->state == VSI_UP ? v : NULL);
    if (v->state != VSI_UP) {
        memset(v, 0, sizeof *v);
    }
}

/* Station: the bridge's answer to an ASSOC. */
static void
station_response(struct roe_session *s, const struct vdp_message *m,
                 long long now)
{
    int handle = find_vsi(s, m->vsi.vsiid);
    struct vsi *v;

    if (handle < 0 || m->vsi.mode != VDP_TLV_ASSOC) {
        return;                 /* A DEASSOC's answer, or a stale one. */
    }
    v = &s->vsis[handle];
    v->vdp_resends = 0;
    if (m->vsi.status != VDP_STATUS_SUCCESS || !m->roe.has_qp) {
        s->stats.vsis_refused++;
        snprintf(s->refusal, sizeof s->refusal,
                 "the bridge refused the VSI: %s",
                 vdp_status_to_string(m->vsi.status));
        vsi_down(s, handle, true);
        v->next_assoc = now + s->cfg.keepalive_us;  /* Not at once. */
        return;
    }
    if (v->state == VSI_UP && same_qp(&v->peer, &m->roe.qp)) {
        v->last_heard = now;
        return;
    }
    if (v->state == VSI_UP) {
        vsi_down(s, handle, false);     /* The switch restarted. */
    }
    vsi_up(s, handle, &m->roe.qp, now);
}

/* Checks the AUTH TLV of 'm', decoded from 'payload', and takes it out of
 * 'm'.  Returns true if 'm' is to be acted on. */
static bool
authenticate_vdp(struct roe_session *s, const uint8_t *payload,
                 struct vdp_message *m, long long now)
{
    bool challenge = m->has_auth && m->auth.flags & VDP_AUTH_CHALLENGE;
    enum vdp_auth_result r;

    if (!s->auth) {
        if (m->has_auth) {
            /* The peer has a secret and we do not. */
            s->stats.vdp_auth_failures++;
            return false;
        }
        return true;
    }
    r = vdp_auth_check(&s->auth_state, payload, m);
    m->has_auth = false;
    memset(&m->auth, 0, sizeof m->auth);
    if (r == VDP_AUTH_STALE) {
        s->stats.vdp_auth_stale++;
        if (s->cfg.role == ROE_SESSION_BRIDGE && !m->vsi.response
            && !challenge) {
            /* Tell the station our nonce, so that it may ask again. */
            struct vdp_message response;

            if (!vdp_make_response(m, VDP_STATUS_OTHER, VDP_RESP_KEEP,
                                   &response)) {
                memset(&response.roe, 0, sizeof response.roe);
                send_vdp_flags(s, &response, VDP_AUTH_CHALLENGE);
            }
        }
        return false;
    } else if (r != VDP_AUTH_OK) {
        s->stats.vdp_auth_failures++;
        return false;
    }
    if (challenge) {
        /* The bridge did not know us: ask again now, not a period later. */
        if (s->cfg.role == ROE_SESSION_STATION) {
            for (int i = 0; i < ROE_SESSION_MAX_VSIS; i++) {
                if (s->vsis[i].state != VSI_FREE) {
                    s->vsis[i].next_assoc = now;
                }
            }
        }
        return false;
    }
    return true;
}

static void
receive_vdp(struct roe_session *s, const struct ecp_frame *f, long long now)
{
    struct ecp_sw_ulpdu ulpdu;
    struct vdp_message m;

    if (ecp_sw_receive(s->vdp, f, &ulpdu) != ECP_SW_RX_DELIVER) {
        return;
    }
    s->stats.vdp_rx++;
    if (vdp_decode(ulpdu.data, ulpdu.len, &m, NULL)) {
        s->stats.vdp_bad++;
        return;
    }
    if (!authenticate_vdp(s, ulpdu.data, &m, now)) {
        return;
    }
    if (s->cfg.role == ROE_SESSION_BRIDGE && !m.vsi.response) {
        bridge_request(s, &m, now);
    } else if (s->cfg.role == ROE_SESSION_STATION && m.vsi.response) {
        station_response(s, &m, now);
    }

    /* The first peer whose message brings a VSI up is the peer. */
    if (!s->pinned) {
        for (int i = 0; i < ROE_SESSION_MAX_VSIS; i++) {
            if (s->vsis[i].state == VSI_UP) {
                s->pinned = true;
                memcpy(s->peer_mac, f->l2.src, 6);
                break;
            }
        }
    }
}

static int
receive(struct roe_session *s, long long now)
{
    struct link_frame in[BATCH];
    int n;

    if (now < s->next_rx) {
        return 0;
    }
    n = link_recv(s->cfg.link, in, BATCH);
    if (n) {
        s->n_frames += n;
        s->rx_idle_us = 0;
    } else {
        s->rx_idle_us = MIN(MAX(1, 2 * s->rx_idle_us), RX_IDLE_MAX_US);
        s->next_rx = now + s->rx_idle_us;
    }

    for (int i = 0; i < n; i++) {
        unsigned int index;
        struct roe_packet p;
        struct ecp_frame f;

        if (ecp_parse(in[i].data, in[i].len, &f) != ECP_PARSE_OK) {
            s->stats.rx_dropped++;
            continue;
        } else if (s->pinned && memcmp(f.l2.src, s->peer_mac, 6)) {
            s->stats.foreign_frames++;
            continue;
        } else if (f.subtype == ECP_SUBTYPE_VDP) {
            receive_vdp(s, &f, now);
            continue;
        } else if (f.subtype != s->cfg.subtype
                   || roe_parse(&f, &p) != ROE_PARSE_OK) {
            s->stats.rx_dropped++;
            continue;
        }
        index = p.dqpn & 0xff;
        if (index >= ROE_SESSION_MAX_VSIS
            || s->vsis[index].state != VSI_UP
            || s->vsis[index].qpn != p.dqpn) {
            s->stats.roe_unknown_qp++;
        } else {
            s->stats.roe_rx++;
            roe_qp_receive(s->vsis[index].qp, &p, now);
        }
    }
    return n;
}

/* ECP gave up on the VDP message in 'f': none of its transmissions was
 * acknowledged.  If it still matters, sends it again, rather than leave
 * the peer without it until the next keep-alive.
 *
 * This matters most for the bridge's answer to an ASSOC that brought a
 * VSI up with new parameters (after a lapse on the bridge's side, or a
 * restart): without it, the station goes on with its previous queue pair,
 * the bridge's new one gets no answers and runs out of retries, and the
 * association lapses again, for a single lost message.  The station sends
 * a lost ASSOC again at once.  At most VDP_RESENDS_MAX times per VSI
 * until the peer is heard about it again, so that a peer that acks
 * nothing costs no more than its keep-alives do. */
static void
resend_lost_vdp(struct roe_session *s, const struct ecp_sw_failure *f,
                long long now)
{
    struct vdp_message m;
    struct vdp_qp own;
    struct vsi *v;
    int handle;

    if (vdp_decode(f->data, f->len, &m, NULL)
        || m.vsi.mode != VDP_TLV_ASSOC) {
        return;
    }
    handle = find_vsi(s, m.vsi.vsiid);
    if (handle < 0 || s->vsis[handle].vdp_resends >= VDP_RESENDS_MAX) {
        return;
    }
    v = &s->vsis[handle];
    if (s->cfg.role == ROE_SESSION_STATION) {
        if (!m.vsi.response) {
            v->vdp_resends++;
            v->next_assoc = now;        /* The current ASSOC, at once. */
        }
    } else if (m.vsi.response && m.vsi.status == VDP_STATUS_SUCCESS
               && m.roe.has_qp && v->state == VSI_UP) {
        own = own_qp_params(s, v);
        if (same_qp(&m.roe.qp, &own)) {
            /* The association it answered still stands. */
            v->vdp_resends++;
            respond(s, &v->assoc, VDP_STATUS_SUCCESS, v);
        }
    }
}

static void
run_timers(struct roe_session *s, long long now)
{
    long long period = s->cfg.keepalive_us;
    struct ecp_sw_failure failure;

    if (ecp_sw_run(s->vdp, now, &failure)) {
        s->stats.vdp_lost++;
        resend_lost_vdp(s, &failure, now);
    }
    for (int i = 0; i < s->n_slots; i++) {
        struct vsi *v = &s->vsis[i];

        if (v->state == VSI_UP
            && (now - v->last_heard > LAPSE_PERIODS * period
                || roe_qp_get_state(v->qp) == ROE_QP_ERROR)) {
            s->stats.lapses++;
            vsi_down(s, i, true);
        }
    }
    for (int i = 0; i < s->n_slots; i++) {
        struct vsi *v = &s->vsis[i];

        if (s->cfg.role == ROE_SESSION_STATION && v->state != VSI_FREE
            && now >= v->next_assoc) {
            v->next_assoc = now + period;
            send_vdp(s, &v->assoc);
        }
    }
}

/* Fills the transmit batch: VDP first, then every QP's frames. */
static void
build_frames(struct roe_session *s, long long now)
{
    int n = 0;

    while (n < BATCH) {
        uint8_t *buf = s->frame_mem + n * s->frame_size;
        int len = ecp_sw_pull(s->vdp, now, buf, s->frame_size);

        if (len <= 0) {
            break;
        }
        s->out[n].data = buf;
        s->out[n++].len = len;
    }
    for (int i = 0; i < s->n_slots && n < BATCH; i++) {
        struct roe_frame frames[BATCH];
        int k;

        if (s->vsis[i].state != VSI_UP) {
            continue;
        }
        for (int j = 0; j < BATCH - n; j++) {
            frames[j].data = s->frame_mem + (n + j) * s->frame_size;
        }
        k = roe_qp_transmit(s->vsis[i].qp, now, frames, BATCH - n);
        for (int j = 0; j < k; j++) {
            s->out[n].data = frames[j].data;
            s->out[n++].len = frames[j].len;
        }
    }
    s->n_out = n;
    s->out_first = 0;
}

void
roe_session_run(struct roe_session *s, long long now)
{
    link_run(s->cfg.link);
    receive(s, now);
    run_timers(s, now);
    if (now >= s->next_stats) {
        while (s->n_slots && s->vsis[s->n_slots - 1].state == VSI_FREE) {
            s->n_slots--;
        }
        s->stats.qp = s->retired;
        for (int i = 0; i < s->n_slots; i++) {
            if (s->vsis[i].qp) {
                struct roe_qp_stats st;

                roe_qp_get_stats(s->vsis[i].qp, &st);
                add_qp_stats(&s->stats.qp, &st);
            }
        }
        s->next_stats = now + 100 * 1000;
    }
    for (int round = 0; round < 4; round++) {
        int sent;

        if (!s->n_out) {
            build_frames(s, now);
            if (!s->n_out) {
                break;
            }
        }
        sent = link_send(s->cfg.link, s->out + s->out_first, s->n_out);
        s->n_frames += sent;
        s->out_first += sent;
        s->n_out -= sent;
        if (s->n_out) {
            break;              /* The link is full: try again later. */
        }
    }
}

int
roe_session_poll_link(struct roe_session *s, long long now)
{
    link_run(s->cfg.link);
    return receive(s, now);
}

uint64_t
roe_session_frames(const struct roe_session *s)
{
    return s->n_frames;
}

long long
roe_session_next_timeout(const struct roe_session *s)
{
    long long t = ecp_sw_next_deadline(s->vdp);

    for (int i = 0; i < s->n_slots; i++) {
        const struct vsi *v = &s->vsis[i];

        if (s->cfg.role == ROE_SESSION_STATION && v->state != VSI_FREE
            && v->next_assoc < t) {
            t = v->next_assoc;
        }
        if (v->state == VSI_UP) {
            long long lapse = v->last_heard
                              + LAPSE_PERIODS * s->cfg.keepalive_us + 1;
            long long qp = roe_qp_next_timeout(v->qp);

            t = lapse < t ? lapse : t;
            t = qp < t ? qp : t;
        }
    }
    if (s->n_out || ecp_sw_want_pull(s->vdp)) {
        t = 0;
    }
    return t;
}

void
roe_session_rx_now(struct roe_session *s)
{
    s->next_rx = 0;
    s->rx_idle_us = 0;
}

bool
roe_session_is_idle(const struct roe_session *s)
{
    if (s->n_out || ecp_sw_queued(s->vdp) || ecp_sw_want_pull(s->vdp)) {
        return false;
    }
    for (int i = 0; i < s->n_slots; i++) {
        const struct vsi *v = &s->vsis[i];

        if (v->state == VSI_UP && !roe_qp_is_idle(v->qp)) {
            return false;
        }
    }
    return true;
}

void
roe_session_get_stats(const struct roe_session *s,
                      struct roe_session_stats *stats)
{
    *stats = s->stats;
}
