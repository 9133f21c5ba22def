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

/* Role "vsi": one remote VM on the access switch.  The switch port named
 * by options:session reads the VM's frames into the port's sink, once the
 * main thread has bound the port to the VM's VSI (by VSI ID, see
 * switch_port_bind()); what the bridge sends to the port goes into the
 * server's ingress ring, tagged for the VM. */

#include <config.h>
#include "netdev-ecprdma-private.h"

#include <errno.h>
#include <string.h>

#include "ovs-rcu.h"
#include "smap.h"
#include "util.h"

/* Unbinds vsi port 'dev' from its switch. */
void
vsi_port_unbind(struct netdev_ecprdma *dev)
    OVS_REQUIRES(ecprdma_mutex)
{
    struct netdev_ecprdma *sw = dev->vsi.switch_dev;

    if (!sw) {
        return;
    }
    for (int h = 0; h < ROE_SESSION_MAX_VSIS; h++) {
        if (ovsrcu_get_protected(struct vsi_sink *, &sw->sw.sinks[h])
            == dev->vsi.sink) {
            ovsrcu_set(&sw->sw.sinks[h], NULL);
        }
    }
    atomic_store(&dev->vsi.sink->tag, 0);
    atomic_store(&dev->vsi.sink->bound, false);
}

static void
vsi_sink_free(struct vsi_sink *sink)
{
    packet_sink_destroy(&sink->packets);
    free(sink);
}

void
vsi_port_destroy(struct netdev_ecprdma *dev, struct closing *closing)
    OVS_REQUIRES(ecprdma_mutex)
{
    if (dev->vsi.sink) {
        vsi_port_unbind(dev);
        ovsrcu_postpone(vsi_sink_free, dev->vsi.sink);
        dev->vsi.sink = NULL;
    }
    if (dev->vsi.switch_dev) {
        closing_add(closing, dev->vsi.switch_dev);
        dev->vsi.switch_dev = NULL;
    }
}

/* Before 'dev' takes options 'new': leaves its switch if 'new' names
 * another or another role, and unbinds from its VSI if 'new' names another
 * (setting '*rebind'): frames must not go on with the last one's tag. */
void
vsi_port_detach(struct netdev_ecprdma *dev, const struct port_options *new,
                struct closing *closing, bool *rebind)
    OVS_REQUIRES(ecprdma_mutex)
{
    struct netdev_ecprdma *sw = dev->vsi.switch_dev;

    *rebind = false;
    if (!sw) {
        return;
    }
    if (new->role != PORT_ROLE_VSI
        || strcmp(new->session, netdev_get_name(&sw->up))) {
        vsi_port_unbind(dev);
        closing_add(closing, sw);
        dev->vsi.switch_dev = NULL;
    } else if (memcmp(dev->options.vsi_id, new->vsi_id,
                      sizeof dev->options.vsi_id)) {
        vsi_port_unbind(dev);
        *rebind = true;
    }
}

/* Returns the switch port that vsi port 'dev' names, if it is one. */
static struct netdev_ecprdma *
vsi_find_switch(const struct netdev_ecprdma *dev)
    OVS_REQUIRES(ecprdma_mutex)
{
    struct netdev_ecprdma *sw = netdev_ecprdma_find(dev->options.session);

    return sw && sw->options.role == PORT_ROLE_SWITCH ? sw : NULL;
}

/* Applies the options of vsi port 'dev': makes its sink and joins its
 * switch, which binds it to its VSI. */
void
vsi_port_reconfigure(struct netdev_ecprdma *dev, bool rebind)
    OVS_REQUIRES(ecprdma_mutex)
{
    if (!dev->vsi.sink) {
        dev->vsi.sink = xzalloc(sizeof *dev->vsi.sink);
        packet_sink_init(&dev->vsi.sink->packets);
        atomic_init(&dev->vsi.sink->tag, 0);
        atomic_init(&dev->vsi.sink->bound, false);
    }
    if (!dev->vsi.switch_dev) {
        struct netdev_ecprdma *sw = vsi_find_switch(dev);

        if (sw) {
            dev->vsi.switch_dev = sw;
            netdev_ref(&sw->up);
            switch_port_bind(sw, true);
        }
    } else if (rebind) {
        switch_port_bind(dev->vsi.switch_dev, true);
    }
}

/* Appends the packets of 'batch' to the server's ingress ring, tagged for
 * the VSI's VM: with the tag of the VSI's last association, also while it
 * is down. */
int
vsi_port_send(struct netdev_ecprdma *dev, struct dp_packet_batch *batch,
              uint64_t *bytes, bool *has_ring)
{
    uint32_t tag;

    atomic_read(&dev->vsi.sink->tag, &tag);
    if (dev->vsi.switch_dev && tag) {
        return switch_port_push(dev->vsi.switch_dev, tag, batch, bytes,
                                has_ring);
    }
    return 0;
}

/* Receives what the switch read from the VSI's VM. */
void
vsi_port_recv(struct netdev_ecprdma *dev, struct dp_packet_batch *batch)
{
    if (dev->vsi.sink) {
        int ecp = packet_sink_recv(&dev->vsi.sink->packets, batch);

        if (ecp) {
            uint64_t orig;

            atomic_add_relaxed(&dev->rx_dropped, ecp, &orig);
        }
    }
}

void
vsi_port_get_status(const struct netdev_ecprdma *dev, struct smap *status)
{
    bool bound = false;

    if (dev->vsi.sink) {
        atomic_read(&dev->vsi.sink->bound, &bound);
    }
    smap_add(status, "vsi", bound ? "bound" : "unbound");
}

/* A vsi port whose switch has come since its last reconfigure() asks for
 * another. */
void
vsi_port_run(struct netdev_ecprdma *dev)
    OVS_REQUIRES(ecprdma_mutex)
{
    if (!dev->vsi.switch_dev && dev->configured && vsi_find_switch(dev)) {
        netdev_request_reconfigure(&dev->up);
    }
}
