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

/* What ecp-rdma ports report: Interface:statistics (the standard counters
 * and one custom counter for every reason to drop a frame or to end an
 * association), Interface:status, and "ovs-appctl ecp-rdma/show". */

#include <config.h>
#include "netdev-ecprdma-private.h"

#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "smap.h"
#include "unixctl.h"
#include "util.h"

/* The packet sink of 'dev', a vsi or switch port, or NULL. */
static struct packet_sink *
port_sink(struct netdev_ecprdma *dev)
{
    return dev->vsi.sink ? &dev->vsi.sink->packets : switch_port_sink(dev);
}

static void
get_stats__(struct netdev_ecprdma *dev, struct netdev_stats *stats)
    OVS_REQUIRES(ecprdma_mutex)
{
    struct packet_sink *sink = port_sink(dev);

    atomic_read_relaxed(&dev->rx_packets, &stats->rx_packets);
    atomic_read_relaxed(&dev->rx_bytes, &stats->rx_bytes);
    atomic_read_relaxed(&dev->tx_packets, &stats->tx_packets);
    atomic_read_relaxed(&dev->tx_bytes, &stats->tx_bytes);
    atomic_read_relaxed(&dev->tx_dropped, &stats->tx_dropped);
    atomic_read_relaxed(&dev->rx_errors, &stats->rx_errors);
    atomic_read_relaxed(&dev->rx_dropped, &stats->rx_dropped);
    stats->tx_errors = 0;
    if (sink) {
        uint64_t too_long, overflows;

        atomic_read_relaxed(&sink->too_long, &too_long);
        atomic_read_relaxed(&sink->overflows, &overflows);
        stats->rx_errors += too_long;
        stats->rx_dropped += overflows;
    }
}

int
netdev_ecprdma_get_stats(const struct netdev *netdev,
                         struct netdev_stats *stats)
    OVS_EXCLUDED(ecprdma_mutex)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);

    ovs_mutex_lock(&ecprdma_mutex);
    get_stats__(dev, stats);
    ovs_mutex_unlock(&ecprdma_mutex);
    return 0;
}

void
custom_stat(struct custom_stats *cs, const char *name, uint64_t value)
{
    if (cs->n >= cs->allocated) {
        cs->counters = x2nrealloc(cs->counters, &cs->allocated,
                                  sizeof *cs->counters);
    }
    ovs_strlcpy(cs->counters[cs->n].name, name,
                sizeof cs->counters[cs->n].name);
    cs->counters[cs->n++].value = value;
}

int
netdev_ecprdma_get_custom_stats(const struct netdev *netdev,
                                struct netdev_custom_stats *stats)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);
    struct custom_stats cs = { .counters = NULL };
    enum port_role role;
    uint64_t value;

    ovs_mutex_lock(&ecprdma_mutex);
    role = dev->options.role;
    if (role != PORT_ROLE_UPLINK) {
        atomic_read_relaxed(&dev->rx_dropped, &value);
        custom_stat(&cs, "rx_ecp_drops", value);
    }
    if (role == PORT_ROLE_VM) {
        vm_port_get_custom_stats(dev, &cs);
    } else if (role == PORT_ROLE_SWITCH) {
        switch_port_get_custom_stats(dev, &cs);
    } else if (role == PORT_ROLE_VSI) {
        vsi_port_get_custom_stats(dev, &cs);
    }
    if (role == PORT_ROLE_SWITCH || role == PORT_ROLE_VSI) {
        atomic_read_relaxed(&dev->tx_unbound, &value);
        custom_stat(&cs, "tx_unbound_drops", value);
        atomic_read_relaxed(&dev->tx_ring_full, &value);
        custom_stat(&cs, "tx_ring_full_drops", value);
    }
    if (role == PORT_ROLE_UPLINK) {
        uplink_port_get_custom_stats(dev, &cs);
    }
    if (dev->session.roe) {
        session_port_get_custom_stats(dev, &cs);
    }
    ovs_mutex_unlock(&ecprdma_mutex);

    stats->counters = cs.counters;
    stats->size = cs.n;
    return 0;
}

static void
get_status__(struct netdev_ecprdma *dev, struct smap *status)
    OVS_REQUIRES(ecprdma_mutex)
{
    const struct port_options *po = &dev->options;

    smap_add(status, "role", port_role_to_string(po->role));
    smap_add(status, "state", dev->configured ? "configured" : "new");
    switch (po->role) {
    case PORT_ROLE_VM:
        vm_port_get_status(dev, status);
        break;
    case PORT_ROLE_UPLINK:
    case PORT_ROLE_SWITCH:
        session_port_get_status(dev, status);
        break;
    case PORT_ROLE_VSI:
        vsi_port_get_status(dev, status);
        break;
    }
}

int
netdev_ecprdma_get_status(const struct netdev *netdev, struct smap *status)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);

    ovs_mutex_lock(&ecprdma_mutex);
    get_status__(dev, status);
    ovs_mutex_unlock(&ecprdma_mutex);
    return 0;
}

/* Appends to 's' the pairs of 'smap', but "role", sorted, as " key=value"
 * with 'quote' around the values. */
static void
show_smap(struct ds *s, const struct smap *smap, const char *quote)
{
    const struct smap_node **nodes = smap_sort(smap);
    size_t n = smap_count(smap);

    for (size_t i = 0; i < n; i++) {
        if (strcmp(nodes[i]->key, "role")) {
            ds_put_format(s, " %s=%s%s%s", nodes[i]->key, quote,
                          nodes[i]->value, quote);
        }
    }
    free(nodes);
}

static void
show_port(struct ds *s, struct netdev_ecprdma *dev)
    OVS_REQUIRES(ecprdma_mutex)
{
    struct smap config = SMAP_INITIALIZER(&config);
    struct smap status = SMAP_INITIALIZER(&status);
    struct packet_sink *sink = port_sink(dev);
    struct netdev_stats stats;
    uint64_t reused;

    netdev_ecprdma_get_config__(dev, &config);
    get_status__(dev, &status);
    memset(&stats, 0, sizeof stats);
    get_stats__(dev, &stats);

    ds_put_format(s, "%s: role=%s\n", netdev_get_name(&dev->up),
                  smap_get_def(&config, "role", "vm"));
    ds_put_cstr(s, "  config:");
    show_smap(s, &config, "");
    ds_put_cstr(s, "\n  status:");
    show_smap(s, &status, "\"");
    atomic_read_relaxed(&dev->rx_reused, &reused);
    if (sink) {
        uint64_t n;

        atomic_read_relaxed(&sink->reused, &n);
        reused += n;
    }
    ds_put_format(s, "\n  rx: packets=%"PRIu64" bytes=%"PRIu64
                  " ecp-dropped=%"PRIu64" recycled-buffers=%"PRIu64"\n"
                  "  tx: packets=%"PRIu64" bytes=%"PRIu64
                  " dropped=%"PRIu64"\n",
                  stats.rx_packets, stats.rx_bytes, stats.rx_dropped, reused,
                  stats.tx_packets, stats.tx_bytes, stats.tx_dropped);
    if (dev->options.role == PORT_ROLE_VM) {
        vm_port_show(s, dev);
    } else if (dev->options.role == PORT_ROLE_SWITCH) {
        switch_port_show(s, dev);
    }
    uplink_port_show(s, dev);
    if (dev->session.roe) {
        session_port_show(s, dev);
    }
    smap_destroy(&config);
    smap_destroy(&status);
}

static void
netdev_ecprdma_show(struct unixctl_conn *conn, int argc,
                    const char *argv[], void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct netdev_ecprdma *dev;

    ovs_mutex_lock(&ecprdma_mutex);
    if (argc > 1) {
        dev = netdev_ecprdma_find(argv[1]);
        if (!dev) {
            ovs_mutex_unlock(&ecprdma_mutex);
            unixctl_command_reply_error(conn, "no such ecp-rdma port");
            return;
        }
        show_port(&s, dev);
    } else {
        LIST_FOR_EACH (dev, list_node, &ecprdma_list) {
            show_port(&s, dev);
        }
    }
    ovs_mutex_unlock(&ecprdma_mutex);

    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

void
netdev_ecprdma_register_show(void)
{
    unixctl_command_register("ecp-rdma/show", "[port]", 0, 1,
                             netdev_ecprdma_show, NULL);
}
