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

/* Role "switch": the access switch's end of a server's link.  It learns
 * the server's VSIs from its session.  It reads each VM's ring into the
 * sink of the "vsi" port bound to that VSI (by VSI ID, bound in the main
 * thread; the pointer is RCU-protected), reads the server's egress ring
 * into its own sink, and writes what it and its vsi ports send into the
 * server's ingress ring, through a mirror of it in its own memory. */

#include <config.h>
#include "netdev-ecprdma-private.h"

#include <limits.h>
#include <string.h>

#include "ecp-stopwait.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "ovs-rcu.h"
#include "packets.h"
#include "remote-vsi.h"
#include "roe-qp.h"
#include "roe-session.h"
#include "seq.h"
#include "smap.h"
#include "sset.h"
#include "timeval.h"
#include "util.h"

enum {
    IDLE_RUN_MAX_US = 64,       /* See switch_port_next_run(). */
    QUIET_RUN_MAX_US = 1000,
};

void
switch_port_init(struct netdev_ecprdma *dev)
{
    ovs_spin_init(&dev->sw.ingress_lock);
    ovs_mutex_init(&dev->sw.info_mutex);
    dev->sw.info_seq = seq_create();
    for (int i = 0; i < ROE_SESSION_MAX_VSIS; i++) {
        ovsrcu_init(&dev->sw.sinks[i], NULL);
    }
    atomic_init(&dev->sw.stale_ring, 0);
    atomic_init(&dev->sw.vm_unacked, 0);
    atomic_init(&dev->sw.kick, false);
    sleep_waker_init(&dev->sw.waker);
    dev->sw.quiet_until = LLONG_MIN;
}

void
switch_port_destroy(struct netdev_ecprdma *dev)
{
    ovs_spin_destroy(&dev->sw.ingress_lock);
    ovs_mutex_destroy(&dev->sw.info_mutex);
    seq_destroy(dev->sw.info_seq);
    sleep_waker_destroy(&dev->sw.waker);
}

/* Prepares switch 'dev' for its new session. */
void
switch_port_start(struct netdev_ecprdma *dev)
{
    /* Whole segments, about 32 KiB, and half the window at most, so that
     * a READ or WRITE never fills it. */
    uint32_t seg = roe_segment_size_for_mtu(link_mtu(dev->session.link));

    dev->sw.max_xfer = seg * MAX(1, MIN(dev->options.window / 2,
                                        DIV_ROUND_UP(32768, seg)));
    /* Within the peer's acknowledgement timeout, 10 us x 2^rte (assuming
     * the peer's rte is ours), with a quarter of it left for a PMD
     * iteration, so that the peer does not send its VDP messages again. */
    dev->sw.quiet_us = MIN(QUIET_RUN_MAX_US,
                           ecp_sw_ack_timeout_us(dev->options.rte) * 3 / 4);
    packet_sink_init(&dev->sw.rx_sink);
    dev->sw.has_rx_sink = true;
    dev->sw.next_run = 0;
    dev->sw.quiet_until = LLONG_MIN;
}

/* Destroys switch 'dev''s remote VSI 'rv', counting the frames that it
 * delivered from VM rings and that the server will receive again. */
static void
switch_destroy_rv(struct netdev_ecprdma *dev, struct remote_vsi *rv)
{
    if (rv) {
        uint64_t orig;

        atomic_add_relaxed(&dev->sw.vm_unacked, remote_vsi_vm_unacked(rv),
                           &orig);
        remote_vsi_destroy(rv);
    }
}

/* Frees what the session of switch 'dev' (quiesced) made, which is about to
 * go, and forgets its VSIs. */
void
switch_port_stop(struct netdev_ecprdma *dev)
{
    ovs_spin_lock(&dev->sw.ingress_lock);
    dev->sw.ingress_mirror = NULL;
    ovs_spin_unlock(&dev->sw.ingress_lock);
    for (int i = 0; i < ROE_SESSION_MAX_VSIS; i++) {
        switch_destroy_rv(dev, dev->sw.rvs[i]);
        dev->sw.rvs[i] = NULL;
    }
    remote_vsi_destroy(dev->sw.old_uplink);
    dev->sw.old_uplink = NULL;
    if (dev->sw.has_rx_sink) {
        packet_sink_destroy(&dev->sw.rx_sink);
        dev->sw.has_rx_sink = false;
    }
    ovs_mutex_lock(&dev->sw.info_mutex);
    memset(dev->sw.info, 0, sizeof dev->sw.info);
    ovs_mutex_unlock(&dev->sw.info_mutex);
    memset(dev->sw.info_local, 0, sizeof dev->sw.info_local);
    dev->sw.info_dirty = false;
    seq_change(dev->sw.info_seq);
}

/* Runs switch 'sw' at its next poll, however idle it was, and wakes up its
 * PMD thread if it sleeps.  Any thread. */
static void
switch_port_kick(struct netdev_ecprdma *sw)
{
    atomic_store(&sw->sw.kick, true);
    sleep_waker_kick(&sw->sw.waker);
}

/* Binds the vsi ports of switch 'sw' to the VSIs that its session knows.
 * A port whose VSI is not associated now keeps its tag (see struct
 * vsi_sink). */
void
switch_port_bind(struct netdev_ecprdma *sw, bool force)
    OVS_REQUIRES(ecprdma_mutex)
{
    struct netdev_ecprdma *dev;
    uint64_t seq;

    seq = seq_read(sw->sw.info_seq);
    if (seq == sw->sw.info_seq_seen && !force) {
        return;
    }
    sw->sw.info_seq_seen = seq;
    ovs_mutex_lock(&sw->sw.info_mutex);
    for (int h = 0; h < ROE_SESSION_MAX_VSIS; h++) {
        struct vsi_sink *sink = NULL;

        if (sw->sw.info[h].up && sw->sw.info[h].vm) {
            LIST_FOR_EACH (dev, list_node, &ecprdma_list) {
                if (dev->vsi.switch_dev == sw && dev->vsi.sink
                    && !dev->vsi.runs_to_bind
                    && !memcmp(dev->options.vsi_id, sw->sw.info[h].vsiid,
                               VDP_VSIID_LEN)) {
                    sink = dev->vsi.sink;
                    break;
                }
            }
        }
        if (sink) {
            atomic_store(&sink->tag, sw->sw.info[h].qpn);
            atomic_store(&sink->bound, true);
        }
        ovsrcu_set(&sw->sw.sinks[h], sink);
    }
    LIST_FOR_EACH (dev, list_node, &ecprdma_list) {
        if (dev->vsi.switch_dev == sw && dev->vsi.sink) {
            bool bound = false;

            for (int h = 0; h < ROE_SESSION_MAX_VSIS; h++) {
                bound |= (ovsrcu_get_protected(struct vsi_sink *,
                                               &sw->sw.sinks[h])
                          == dev->vsi.sink);
            }
            if (!bound) {
                atomic_store(&dev->vsi.sink->bound, false);
            }
            netdev_change_seq_changed(&dev->up);
        }
    }
    ovs_mutex_unlock(&sw->sw.info_mutex);
    switch_port_kick(sw);                   /* To read the new sinks. */
    netdev_change_seq_changed(&sw->up);
}

/* Appends the packets of 'batch' to the ingress ring of switch 'sw', as
 * records tagged 'tag'.  Returns the number appended, and stores in
 * '*has_ring' whether there was a ring to append to: the mirror of the
 * server uplink's current association or, while it is down, of its last
 * one. */
int
switch_port_push(struct netdev_ecprdma *sw, uint32_t tag,
                 struct dp_packet_batch *batch, uint64_t *bytes,
                 bool *has_ring)
{
    int sent = 0;

    ovs_spin_lock(&sw->sw.ingress_lock);
    *has_ring = sw->sw.ingress_mirror != NULL;
    if (sw->sw.ingress_mirror) {
        struct frame_ring *mirror = sw->sw.ingress_mirror;
        uint64_t prod = frame_ring_producer(mirror);

        /* The mirror is the switch's own memory: its indexes are good. */
        sent = frame_ring_push(mirror, &prod, frame_ring_consumer(mirror),
                               tag, batch, bytes);
    }
    ovs_spin_unlock(&sw->sw.ingress_lock);
    if (sent) {
        switch_port_kick(sw);
    }
    return sent;
}

/* Publishes what the switch's session thread knows of its VSIs. */
static void
switch_publish(struct netdev_ecprdma *dev)
{
    if (dev->sw.info_dirty && !ovs_mutex_trylock(&dev->sw.info_mutex)) {
        memcpy(dev->sw.info, dev->sw.info_local, sizeof dev->sw.info);
        ovs_mutex_unlock(&dev->sw.info_mutex);
        dev->sw.info_dirty = false;
        /* Wakes the main thread, which binds vsi ports (a rare event). */
        seq_change(dev->sw.info_seq);
    }
}

/* Makes 'mirror' the ring that the ports of switch 'dev' append to. */
static void
switch_set_mirror(struct netdev_ecprdma *dev, struct frame_ring *mirror)
{
    ovs_spin_lock(&dev->sw.ingress_lock);
    dev->sw.ingress_mirror = mirror;
    ovs_spin_unlock(&dev->sw.ingress_lock);
}

/* The association of VSI 'h' of switch 'dev' went.  The server uplink's
 * remote VSI is kept for what it holds for the server: the vsi ports go on
 * filling its mirror, which the server uplink's next association takes
 * over. */
static void
switch_vsi_down(struct netdev_ecprdma *dev, int h)
{
    struct remote_vsi *rv = dev->sw.rvs[h];

    if (!rv) {
        return;
    }
    if (remote_vsi_has_ingress(rv)) {
        switch_set_mirror(dev, remote_vsi_ingress(rv));
        remote_vsi_destroy(dev->sw.old_uplink);
        dev->sw.old_uplink = rv;
    } else {
        switch_destroy_rv(dev, rv);
    }
    dev->sw.rvs[h] = NULL;
}

/* The server uplink's new association 'rv' takes over the ingress records
 * of its previous one. */
static void
switch_carry_ingress(struct netdev_ecprdma *dev, struct remote_vsi *rv)
{
    uint64_t stale, orig;

    ovs_spin_lock(&dev->sw.ingress_lock);
    stale = remote_vsi_carry_ingress(rv, dev->sw.old_uplink);
    atomic_add_relaxed(&dev->sw.stale_ring, stale, &orig);
    dev->sw.ingress_mirror = remote_vsi_ingress(rv);
    ovs_spin_unlock(&dev->sw.ingress_lock);
    remote_vsi_destroy(dev->sw.old_uplink);
    dev->sw.old_uplink = NULL;
}

/* VSI 'h' of switch 'dev' associated: makes its remote VSI and notes what
 * the main thread needs to know of it in 'info'. */
static void
switch_vsi_up(struct netdev_ecprdma *dev, int h,
              struct switch_vsi_info *info)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    const struct vdp_message *m = roe_session_vsi_assoc(dev->session.roe, h);
    struct remote_vsi *rv;
    char *error;

    rv = remote_vsi_create(roe_session_vsi_qp(dev->session.roe, h), m,
                           dev->sw.max_xfer, &error);
    if (!rv) {
        VLOG_WARN_RL(&rl, "%s: VSI refused: %s", netdev_get_name(&dev->up),
                     error);
        free(error);
        return;
    }
    remote_vsi_set_release(rv, release_packet);
    if (dev->sw.old_uplink && remote_vsi_has_ingress(rv)) {
        switch_carry_ingress(dev, rv);
    }
    dev->sw.rvs[h] = rv;
    info->up = true;
    info->vm = remote_vsi_has_vm_rings(rv);
    memcpy(info->vsiid, m->vsi.vsiid, VDP_VSIID_LEN);
    memcpy(info->mac, m->roe.port.mac, 6);
    info->vlan_tci = m->roe.port.vlan_tci;
    info->qpn = m->roe.qp.qpn;
    ovs_strlcpy_arrays(info->iface_id, m->roe.iface_id);
    ovs_strlcpy_arrays(info->vm_id, m->roe.vm_id);
}

/* Follows the session's associations of VSIs. */
static void
switch_handle_events(struct netdev_ecprdma *dev)
{
    struct roe_session_event ev;

    while (roe_session_poll_event(dev->session.roe, &ev)) {
        struct switch_vsi_info *info = &dev->sw.info_local[ev.handle];

        switch_vsi_down(dev, ev.handle);
        memset(info, 0, sizeof *info);
        if (ev.type == ROE_SESSION_VSI_UP) {
            switch_vsi_up(dev, ev.handle, info);
        }
        dev->sw.info_dirty = true;
    }
    switch_publish(dev);
}

/* Runs the data path of the server uplink's own remote VSI 'rv': its
 * egress into the switch's sink, the ingress mirror to the server. */
static void
switch_run_uplink_vsi(struct netdev_ecprdma *dev, struct remote_vsi *rv,
                      long long now)
{
    if (OVS_UNLIKELY(remote_vsi_ingress_settling(rv))) {
        ovs_spin_lock(&dev->sw.ingress_lock);
        packet_sink_run(&dev->sw.rx_sink, rv, now);
        ovs_spin_unlock(&dev->sw.ingress_lock);
    } else {
        packet_sink_run(&dev->sw.rx_sink, rv, now);
    }
    /* Only this thread changes 'ingress_mirror' while the port runs, so it
     * reads it without the lock. */
    if (!dev->sw.ingress_mirror && remote_vsi_ingress(rv)) {
        switch_set_mirror(dev, remote_vsi_ingress(rv));
    }
}

/* When switch 'dev', whose link carried no frame in the run that just
 * ended at 'now', is to run next.
 *
 * An access switch has a session per server, most of them idle at any
 * time, and a PMD thread polls each in every iteration.  While a session
 * waits for frames (responses, acknowledgements), it runs again after a
 * delay that doubles from 1 us up to IDLE_RUN_MAX_US.  Once it waits for
 * nothing, it runs again at its next timer or ring poll ('quiet_until');
 * until then, every 'quiet_us', it only looks for frames that the peer
 * sends unasked (VDP requests and keep-alives), and runs if there are
 * any.  A frame that a vsi port appends for the server runs it at once
 * (switch_port_push()). */
static long long
switch_port_next_run(struct netdev_ecprdma *dev, long long now)
{
    long long t;

    if (!roe_session_is_idle(dev->session.roe)) {
        dev->sw.idle_us = MIN(MAX(1, 2 * dev->sw.idle_us), IDLE_RUN_MAX_US);
        dev->sw.quiet_until = LLONG_MIN;
        return now + dev->sw.idle_us;
    }
    dev->sw.idle_us = 0;
    t = roe_session_next_timeout(dev->session.roe);
    for (int h = 0; h < ROE_SESSION_MAX_VSIS; h++) {
        const struct remote_vsi *rv = dev->sw.rvs[h];

        if (rv) {
            bool reading = (!remote_vsi_has_vm_rings(rv)
                            || ovsrcu_get(struct vsi_sink *,
                                          &dev->sw.sinks[h]));

            t = MIN(t, remote_vsi_next_run(rv, reading));
        }
    }
    dev->sw.quiet_until = t;
    return MIN(now + dev->sw.quiet_us, t);
}

/* Runs the switch's session and its VSIs' data paths. */
static void
switch_port_run(struct netdev_ecprdma *dev, long long now)
{
    uint64_t frames;

    session_port_run(dev, now);
    switch_handle_events(dev);
    for (int h = 0; h < ROE_SESSION_MAX_VSIS; h++) {
        struct remote_vsi *rv = dev->sw.rvs[h];

        if (!rv) {
            continue;
        } else if (remote_vsi_has_vm_rings(rv)) {
            struct vsi_sink *sink = ovsrcu_get(struct vsi_sink *,
                                               &dev->sw.sinks[h]);

            if (sink) {
                packet_sink_run(&sink->packets, rv, now);
                vsi_sink_check_wake(sink);
            } else {
                remote_vsi_run(rv, now, NULL);
            }
        } else {
            switch_run_uplink_vsi(dev, rv, now);
        }
    }
    frames = roe_session_frames(dev->session.roe);
    if (frames != dev->sw.frames_seen) {
        dev->sw.frames_seen = frames;
        dev->sw.idle_us = 0;
        dev->sw.quiet_until = LLONG_MIN;
        dev->sw.next_run = now;
    } else {
        dev->sw.next_run = switch_port_next_run(dev, now);
    }
}

/* Runs the switch's session, if it is due, then receives what the server's
 * uplink sent. */
void
switch_port_recv(struct netdev_ecprdma *dev, struct dp_packet_batch *batch)
{
    long long now = time_usec();
    bool kick;
    int ecp;

    atomic_read_explicit(&dev->sw.kick, &kick, memory_order_acquire);
    if (OVS_UNLIKELY(kick)) {
        atomic_store_relaxed(&dev->sw.kick, false);
        switch_port_run(dev, now);
    } else if (now < dev->sw.next_run) {
        if (!dev->sw.rx_sink_pending) {
            return;             /* Nothing came into the sink since. */
        }
    } else if (now < dev->sw.quiet_until
               && !session_port_poll_link(dev, now)) {
        /* Idle, and the peer sent nothing. */
        dev->sw.next_run = MIN(now + dev->sw.quiet_us, dev->sw.quiet_until);
        if (!dev->sw.rx_sink_pending) {
            return;
        }
    } else {
        switch_port_run(dev, now);
    }
    ecp = packet_sink_recv(&dev->sw.rx_sink, batch);
    if (ecp) {
        uint64_t orig;

        atomic_add_relaxed(&dev->rx_dropped, ecp, &orig);
    }
    dev->sw.rx_sink_pending = batch->count + ecp == NETDEV_MAX_BURST;
}

/* The packet sink of switch 'dev', or NULL. */
struct packet_sink *
switch_port_sink(struct netdev_ecprdma *dev)
{
    return dev->sw.has_rx_sink ? &dev->sw.rx_sink : NULL;
}

void
switch_port_get_status(struct netdev_ecprdma *dev, struct smap *status)
    OVS_REQUIRES(ecprdma_mutex)
{
    struct ds vsis = DS_EMPTY_INITIALIZER;
    struct sset ids = SSET_INITIALIZER(&ids);
    const char **sorted;

    ovs_mutex_lock(&dev->sw.info_mutex);
    for (int h = 0; h < ROE_SESSION_MAX_VSIS; h++) {
        const struct switch_vsi_info *info = &dev->sw.info[h];
        char key[5 + 37];
        char uuid[37];

        if (!info->up) {
            continue;
        }
        port_vsi_id_format(info->vsiid, uuid);
        if (!info->vm) {
            smap_add_format(status, "uplink", "mac="ETH_ADDR_FMT,
                            ETH_ADDR_BYTES_ARGS(info->mac));
            continue;
        }
        sset_add(&ids, uuid);
        snprintf(key, sizeof key, "vsi-%s", uuid);
        smap_add_format(status, key,
                        "mac="ETH_ADDR_FMT" vlan=%d%s%s%s%s",
                        ETH_ADDR_BYTES_ARGS(info->mac),
                        info->vlan_tci & 0xfff,
                        info->iface_id[0] ? " iface-id=" : "",
                        info->iface_id,
                        info->vm_id[0] ? " vm-id=" : "", info->vm_id);
    }
    ovs_mutex_unlock(&dev->sw.info_mutex);
    sorted = sset_sort(&ids);
    for (size_t i = 0; i < sset_count(&ids); i++) {
        ds_put_format(&vsis, "%s%s", i ? " " : "", sorted[i]);
    }
    free(sorted);
    if (vsis.length) {
        smap_add(status, "vsis", ds_cstr(&vsis));
    }
    ds_destroy(&vsis);
    sset_destroy(&ids);
}

void
switch_port_get_custom_stats(const struct netdev_ecprdma *dev_,
                             struct custom_stats *cs)
{
    struct netdev_ecprdma *dev = CONST_CAST(struct netdev_ecprdma *, dev_);
    uint64_t value;

    atomic_read_relaxed(&dev->sw.vm_unacked, &value);
    custom_stat(cs, "switchover_unacked", value);
    atomic_read_relaxed(&dev->sw.stale_ring, &value);
    custom_stat(cs, "tx_stale_ring_drops", value);
}

void
switch_port_show(struct ds *s, const struct netdev_ecprdma *dev_)
{
    struct netdev_ecprdma *dev = CONST_CAST(struct netdev_ecprdma *, dev_);
    uint64_t unacked, stale;

    atomic_read_relaxed(&dev->sw.vm_unacked, &unacked);
    atomic_read_relaxed(&dev->sw.stale_ring, &stale);
    ds_put_format(s, "  switchovers: unacked=%"PRIu64"\n"
                  "  ingress: stale-ring-drops=%"PRIu64"\n",
                  unacked, stale);
}

void
switch_port_wait(const struct netdev_ecprdma *dev)
{
    seq_wait(dev->sw.info_seq, dev->sw.info_seq_seen);
}
