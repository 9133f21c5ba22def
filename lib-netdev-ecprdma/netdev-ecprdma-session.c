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

/* Roles "uplink" and "switch": the link of the port and the RoE session
 * (roe-session.h) on it.  The session is driven by the thread that polls
 * the port's only rxq; reconfigure() changes it only with that rxq
 * quiesced. */

#include <config.h>
#include "netdev-ecprdma-private.h"

#include <string.h>

#include "ecp.h"
#include "link.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "remote-vsi.h"
#include "roe-qp.h"
#include "roe-session.h"
#include "smap.h"
#include "unixctl.h"
#include "util.h"

/* Stops the session of 'dev' (quiesced) and frees what goes with it. */
void
session_port_destroy(struct netdev_ecprdma *dev, struct closing *closing)
    OVS_REQUIRES(ecprdma_mutex)
{
    uplink_port_stop(dev, closing);
    switch_port_stop(dev);
    roe_session_destroy(dev->session.roe);
    dev->session.roe = NULL;
    link_close(dev->session.link);
    dev->session.link = NULL;
}

/* Returns true if 'a' and 'b' need different sessions. */
bool
session_port_options_differ(const struct port_options *a,
                            const struct port_options *b)
{
    return a->role != b->role
           || a->link_type != b->link_type
           || !nullable_string_is_equal(a->link_target, b->link_target)
           || a->mtu != b->mtu || a->window != b->window
           || a->rte != b->rte || a->max_tries != b->max_tries
           || !nullable_string_is_equal(a->secret, b->secret)
           || a->max_vsis != b->max_vsis || a->max_vsi_mb != b->max_vsi_mb
           || a->max_session_mb != b->max_session_mb
           || a->max_regions != b->max_regions
           || a->max_assoc_rate != b->max_assoc_rate;
}

/* Opens the link and starts the session of an uplink or switch port. */
void
session_port_create(struct netdev_ecprdma *dev)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    const struct port_options *po = &dev->options;
    struct roe_session_config cfg;
    char *name, *error = NULL;
    int mtu = po->mtu;

    free(dev->session.error);
    dev->session.error = NULL;
    name = xasprintf("%s:%s", port_link_type_to_string(po->link_type),
                     po->link_target);
    /* Without options:mtu, a link on an interface takes the interface's
     * MTU (link_open()'s 0); a unix link has none to take. */
    if (!mtu && (po->link_type == PORT_LINK_UNIX
                 || po->link_type == PORT_LINK_PUNIX)) {
        mtu = PORT_MTU_UNIX_DEFAULT;
    }
    if (link_open(name, mtu, &dev->session.link, &error)) {
        goto error;
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.role = (po->role == PORT_ROLE_UPLINK ? ROE_SESSION_STATION
                                               : ROE_SESSION_BRIDGE);
    cfg.link = dev->session.link;
    cfg.subtype = ECP_SUBTYPE_ROE_DEFAULT;
    cfg.window = po->window;
    cfg.rte = po->rte;
    cfg.max_tries = po->max_tries + 1;
    cfg.keepalive_us = 1000 * 1000;
    netdev_ecprdma_make_vsiid(netdev_get_name(&dev->up), "manager",
                              cfg.manager_id);
    cfg.secret = po->secret;
    cfg.max_vsis = po->max_vsis;
    cfg.max_vsi_bytes = (uint64_t) po->max_vsi_mb << 20;
    cfg.max_session_bytes = (uint64_t) po->max_session_mb << 20;
    cfg.max_regions = po->max_regions;
    cfg.max_assoc_rate = po->max_assoc_rate;
    if (po->role == PORT_ROLE_SWITCH) {
        cfg.vsi_cost = remote_vsi_memory;
    }
    dev->session.roe = roe_session_create(&cfg, &error);
    dev->session.lapses_seen = 0;
    dev->session.refusals_seen = 0;
    if (!dev->session.roe) {
        link_close(dev->session.link);
        dev->session.link = NULL;
        goto error;
    }
    if (po->role == PORT_ROLE_UPLINK) {
        error = uplink_port_start(dev);
        if (error) {
            goto error;
        }
    } else {
        switch_port_start(dev);
    }
    free(name);
    return;

error:
    VLOG_WARN_RL(&rl, "%s: %s", netdev_get_name(&dev->up), error);
    dev->session.error = xasprintf("%s: %s", name, error);
    free(error);
    free(name);
}

/* Gives the link of 'dev' the faults that ecp-rdma/link-fault asked for,
 * if they changed. */
static void
session_port_take_faults(struct netdev_ecprdma *dev)
{
    bool changed;

    atomic_read_relaxed(&dev->session.faults_changed, &changed);
    if (OVS_UNLIKELY(changed)) {
        struct link_faults faults;

        ovs_spin_lock(&dev->session.faults_lock);
        faults = dev->session.faults;
        atomic_store_relaxed(&dev->session.faults_changed, false);
        ovs_spin_unlock(&dev->session.faults_lock);
        link_set_faults(dev->session.link, &faults);
    }
}

/* Receives what the link of 'dev' (a switch whose session is idle) has,
 * and returns the number of frames: if any, session_port_run() is due. */
int
session_port_poll_link(struct netdev_ecprdma *dev, long long now)
{
    session_port_take_faults(dev);
    return roe_session_poll_link(dev->session.roe, now);
}

/* Runs the session of 'dev' (an uplink or a switch), first giving its link
 * the faults that ecp-rdma/link-fault asked for. */
void
session_port_run(struct netdev_ecprdma *dev, long long now)
{
    session_port_take_faults(dev);
    roe_session_run(dev->session.roe, now);
    if (OVS_UNLIKELY(roe_session_lapses(dev->session.roe)
                     != dev->session.lapses_seen)) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
        uint64_t lapses = roe_session_lapses(dev->session.roe);

        VLOG_WARN_RL(&rl, "%s: %"PRIu64" association(s) lapsed: the peer "
                     "was not heard for 3 keep-alive periods, or a queue "
                     "pair gave up retrying", netdev_get_name(&dev->up),
                     lapses - dev->session.lapses_seen);
        dev->session.lapses_seen = lapses;
    }
    if (OVS_UNLIKELY(roe_session_refusals(dev->session.roe)
                     != dev->session.refusals_seen)) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

        dev->session.refusals_seen = roe_session_refusals(dev->session.roe);
        VLOG_WARN_RL(&rl, "%s: VSI association refused (%"PRIu64" so far): "
                     "%s", netdev_get_name(&dev->up),
                     dev->session.refusals_seen,
                     roe_session_refusal(dev->session.roe));
    }
}

void
session_port_get_custom_stats(const struct netdev_ecprdma *dev,
                              struct custom_stats *cs)
{
    struct roe_session_stats st;
    struct link_stats ls;
    uint64_t rejected = 0;

    /* Counters of the session's thread, read as they are. */
    roe_session_get_stats(dev->session.roe, &st);
    link_get_stats(dev->session.link, &ls);
    for (int i = 0; i < N_ROE_REJECTS; i++) {
        rejected += st.qp.rejects[i];
    }
    custom_stat(cs, "rx_sleeps", dev->session.rx_sleeps);
    custom_stat(cs, "rx_sleep_wakeups", dev->session.rx_sleep_wakeups);
    custom_stat(cs, "session_associations", st.associations);
    custom_stat(cs, "session_lapses", st.lapses);
    custom_stat(cs, "session_resets", st.resets);
    custom_stat(cs, "session_vsis_refused", st.vsis_refused);
    custom_stat(cs, "session_events_lost", st.events_lost);
    custom_stat(cs, "session_foreign_frames", st.foreign_frames);
    custom_stat(cs, "vdp_bad", st.vdp_bad);
    custom_stat(cs, "vdp_lost", st.vdp_lost);
    custom_stat(cs, "vdp_auth_failures", st.vdp_auth_failures);
    custom_stat(cs, "roe_unknown_qp", st.roe_unknown_qp);
    custom_stat(cs, "roe_rejected", rejected);
    custom_stat(cs, "roe_read_replays_refused", st.qp.read_replays_refused);
    custom_stat(cs, "roe_retransmits", st.qp.retransmits);
    if (dev->options.role == PORT_ROLE_UPLINK) {
        custom_stat(cs, "switchover_held_requests", st.qp.held);
    }
    custom_stat(cs, "link_rx_errors", ls.rx_errors);
    custom_stat(cs, "link_rx_overruns", ls.rx_overruns);
    custom_stat(cs, "link_tx_errors", ls.tx_errors);
    custom_stat(cs, "link_tx_dropped", st.tx_dropped);
}

/* ecp-rdma/link-fault PORT SPEC: for tests, makes the link of an uplink or
 * switch port drop, duplicate or reorder what it sends. */
static void
netdev_ecprdma_link_fault(struct unixctl_conn *conn, int argc OVS_UNUSED,
                          const char *argv[], void *aux OVS_UNUSED)
{
    struct link_faults faults;
    struct netdev_ecprdma *dev;
    char *error;

    error = link_faults_parse(argv[2], &faults);
    if (!error && faults.corrupt) {
        error = xstrdup("corrupt: not on ports (RoE frames carry no CRC "
                        "there)");
    }
    if (error) {
        unixctl_command_reply_error(conn, error);
        free(error);
        return;
    }
    ovs_mutex_lock(&ecprdma_mutex);
    dev = netdev_ecprdma_find(argv[1]);
    if (!dev || (dev->options.role != PORT_ROLE_UPLINK
                 && dev->options.role != PORT_ROLE_SWITCH)) {
        ovs_mutex_unlock(&ecprdma_mutex);
        unixctl_command_reply_error(conn, "no such uplink or switch port");
        return;
    }
    ovs_spin_lock(&dev->session.faults_lock);
    dev->session.faults = faults;
    atomic_store_relaxed(&dev->session.faults_changed, true);
    ovs_spin_unlock(&dev->session.faults_lock);
    ovs_mutex_unlock(&ecprdma_mutex);
    unixctl_command_reply(conn, NULL);
}

void
session_port_init(struct netdev_ecprdma *dev)
{
    ovs_spin_init(&dev->session.faults_lock);
    atomic_init(&dev->session.faults_changed, false);
}

void
session_port_get_status(struct netdev_ecprdma *dev, struct smap *status)
    OVS_REQUIRES(ecprdma_mutex)
{
    const struct port_options *po = &dev->options;

    if (dev->session.error) {
        smap_add(status, "session", "DOWN");
        smap_add(status, "session_error", dev->session.error);
        return;
    }
    smap_add(status, "session",
             !dev->session.roe ? "DOWN"
             : po->role == PORT_ROLE_UPLINK
             ? (roe_session_vsi_is_up(dev->session.roe, dev->uplink.own_vsi)
                ? "ASSOCIATED" : "DISCOVERING")
             : "LISTENING");
    if (dev->session.link) {
        smap_add(status, "link",
                 link_is_up(dev->session.link) ? "up" : "down");
    }
    if (po->role == PORT_ROLE_UPLINK) {
        smap_add_format(status, "exported_vms", "%"PRIuSIZE,
                        dev->uplink.n_vms);
    } else {
        switch_port_get_status(dev, status);
    }
}

static void
show_rejects(struct ds *s, const struct roe_session_stats *st)
{
    const char *sep = "";

    ds_put_cstr(s, "    rejected: ");
    for (int i = 0; i < N_ROE_REJECTS; i++) {
        if (st->qp.rejects[i]) {
            ds_put_format(s, "%s%s=%"PRIu64, sep,
                          roe_reject_to_string(i), st->qp.rejects[i]);
            sep = ", ";
        }
    }
    ds_put_char(s, '\n');
}

/* Shows the counters of the session of 'dev'. */
void
session_port_show(struct ds *s, const struct netdev_ecprdma *dev)
{
    struct roe_session_stats st;
    uint64_t rejected = 0;

    /* Counters of the session's thread, read as they are. */
    roe_session_get_stats(dev->session.roe, &st);
    for (int i = 0; i < N_ROE_REJECTS; i++) {
        rejected += st.qp.rejects[i];
    }
    ds_put_format(s, "  session: vdp rx=%"PRIu64" tx=%"PRIu64
                  " bad=%"PRIu64" lost=%"PRIu64" auth-failures=%"PRIu64
                  " associations=%"PRIu64
                  " lapses=%"PRIu64" resets=%"PRIu64"\n"
                  "    roe: rx=%"PRIu64" unknown-qp=%"PRIu64
                  " tx-bytes=%"PRIu64" rx-bytes=%"PRIu64
                  " reads=%"PRIu64" writes=%"PRIu64
                  " retransmits=%"PRIu64" rejected=%"PRIu64"\n",
                  st.vdp_rx, st.vdp_tx, st.vdp_bad, st.vdp_lost,
                  st.vdp_auth_failures, st.associations, st.lapses,
                  st.resets, st.roe_rx, st.roe_unknown_qp,
                  st.qp.tx_payload_bytes, st.qp.rx_payload_bytes,
                  st.qp.reads, st.qp.writes,
                  st.qp.retransmits, rejected);
    ds_put_format(s, "    hostile: foreign-frames=%"PRIu64
                  " read-replays-refused=%"PRIu64
                  " vsis-refused=%"PRIu64"\n",
                  st.foreign_frames, st.qp.read_replays_refused,
                  st.vsis_refused);
    if (st.vsis_refused) {
        /* Written by the session's thread: a diagnostic, bounded. */
        ds_put_format(s, "    last refusal: %.100s\n",
                      roe_session_refusal(dev->session.roe));
    }
    if (dev->options.role == PORT_ROLE_UPLINK) {
        ds_put_format(s, "    switchovers: held-requests=%"PRIu64"\n",
                      st.qp.held);
    }
    if (rejected) {
        show_rejects(s, &st);
    }
}

void
session_port_register_commands(void)
{
    unixctl_command_register("ecp-rdma/link-fault",
                             "port \"[drop=P] [dup=P] [reorder=P] [seed=N]\"",
                             2, 2, netdev_ecprdma_link_fault, NULL);
}
