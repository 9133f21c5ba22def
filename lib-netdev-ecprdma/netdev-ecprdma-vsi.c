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
 * server's ingress ring, tagged for the VM.
 *
 * Parking: an access switch has a vsi port per VM of every server, most of
 * them idle at any time, and a PMD thread polls each of its receive queues
 * in every iteration.  So, as on a vm port, a vsi port whose receive queue
 * has taken no frame for options:rx-park-after milliseconds is parked:
 * rxq_enabled() says false and dpif-netdev stops polling it.  The switch's
 * thread, which fills the port's sink, wakes the main thread (through
 * 'park_latch', once per parking) when it delivers frames to a parked
 * port; the main thread then unparks it.  A frame delivered as the port
 * parks is found by the main thread's next check, within 100 ms.  Frames
 * wait in the sink meanwhile: nothing is lost. */

#include <config.h>
#include "netdev-ecprdma-private.h"

#include <errno.h>
#include <string.h>

#include "latch.h"
#include "openvswitch/poll-loop.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "smap.h"
#include "timeval.h"
#include "util.h"

enum { PARK_CHECK_MS = 100 };

static struct latch park_latch;

static void
park_latch_init(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;

    if (ovsthread_once_start(&once)) {
        latch_init(&park_latch);
        ovsthread_once_done(&once);
    }
}

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
    sleep_waker_destroy(&sink->waker);
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
        park_latch_init();
        dev->vsi.sink = xzalloc(sizeof *dev->vsi.sink);
        packet_sink_init(&dev->vsi.sink->packets);
        atomic_init(&dev->vsi.sink->tag, 0);
        atomic_init(&dev->vsi.sink->bound, false);
        atomic_init(&dev->vsi.sink->parked, false);
        atomic_init(&dev->vsi.sink->wake, false);
        atomic_init(&dev->vsi.sink->last_rx, time_msec());
        sleep_waker_init(&dev->vsi.sink->waker);
        dev->vsi.runs_to_bind = 2;
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
    struct vsi_sink *sink = dev->vsi.sink;

    if (sink) {
        size_t n = batch->count;
        int ecp = packet_sink_recv(&sink->packets, batch);

        if (ecp) {
            uint64_t orig;

            atomic_add_relaxed(&dev->rx_dropped, ecp, &orig);
        }
        if (batch->count != n || ecp) {
            atomic_store_relaxed(&sink->last_rx, time_msec());
        }
    }
}

static bool
sink_is_parked(const struct vsi_sink *sink)
{
    bool parked;

    atomic_read_relaxed(&CONST_CAST(struct vsi_sink *, sink)->parked,
                        &parked);
    return parked;
}

/* Whether PMD threads are to poll the receive queue of 'dev'.  Any
 * thread. */
bool
vsi_port_rxq_enabled(const struct netdev_ecprdma *dev)
{
    return !dev->vsi.sink || !sink_is_parked(dev->vsi.sink);
}

/* The switch's thread, after it delivered into 'sink', if 'sink' holds
 * frames: wakes up the PMD thread of the port's receive queue if it may be
 * sleeping, or the main thread if the queue is parked, once per parking. */
void
vsi_sink_check_wake(struct vsi_sink *sink)
{
    bool wake;

    if (!ptr_queue_published(&sink->packets.queue)) {
        return;
    }
    sleep_waker_kick(&sink->waker);
    if (OVS_UNLIKELY(sink_is_parked(sink))) {
        atomic_read_relaxed(&sink->wake, &wake);
        if (!wake) {
            atomic_store_relaxed(&sink->wake, true);
            latch_set(&park_latch);
        }
    }
}

/* Parks the receive queue of 'dev' if it has been idle long enough, or
 * wakes it up if frames came.  Returns true if either happened. */
static bool
vsi_port_park_run(struct netdev_ecprdma *dev)
    OVS_REQUIRES(ecprdma_mutex)
{
    struct vsi_sink *sink = dev->vsi.sink;
    long long now = time_msec();
    long long last_rx;
    bool wake;

    if (!sink) {
        return false;
    }
    atomic_read_relaxed(&sink->wake, &wake);
    if (sink_is_parked(sink)) {
        if (!wake) {
            if (now < dev->vsi.next_park_check) {
                return false;
            }
            dev->vsi.next_park_check = now + PARK_CHECK_MS;
            if (!ptr_queue_published(&sink->packets.queue)) {
                return false;
            }
        }
        atomic_store_relaxed(&sink->parked, false);
        atomic_store_relaxed(&sink->wake, false);
        atomic_store_relaxed(&sink->last_rx, now);
        dev->vsi.rx_wakeups++;
        return true;
    }
    if (!dev->options.rx_park_after || now < dev->vsi.next_park_check) {
        return false;
    }
    dev->vsi.next_park_check = now + PARK_CHECK_MS;
    atomic_read_relaxed(&sink->last_rx, &last_rx);
    if (now - last_rx < dev->options.rx_park_after
        || ptr_queue_published(&sink->packets.queue)) {
        return false;
    }
    atomic_store_relaxed(&sink->wake, false);
    atomic_store_relaxed(&sink->parked, true);
    dev->vsi.rx_parks++;
    return true;
}

/* Once per run of the class: clears the latch that the switches' threads
 * set to wake parked ports. */
void
vsi_ports_poll_wake(void)
{
    park_latch_init();
    latch_poll(&park_latch);
}

void
vsi_port_wait(const struct netdev_ecprdma *dev)
    OVS_REQUIRES(ecprdma_mutex)
{
    if (dev->vsi.runs_to_bind) {
        poll_immediate_wake();
    }
    if (dev->vsi.sink) {
        latch_wait(&park_latch);
        if (dev->options.rx_park_after || sink_is_parked(dev->vsi.sink)) {
            poll_timer_wait_until(dev->vsi.next_park_check);
        }
    }
}

void
vsi_port_get_custom_stats(const struct netdev_ecprdma *dev,
                          struct custom_stats *cs)
    OVS_REQUIRES(ecprdma_mutex)
{
    custom_stat(cs, "rx_parks", dev->vsi.rx_parks);
    custom_stat(cs, "rx_wakeups", dev->vsi.rx_wakeups);
    custom_stat(cs, "rx_sleeps", dev->vsi.rx_sleeps);
    custom_stat(cs, "rx_sleep_wakeups", dev->vsi.rx_sleep_wakeups);
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
 * another.
 *
 * A new port is bound to its VSI, so that the switch reads the VM's frames
 * into it, only at its second run: ovs-vswitchd adds a port at the end of
 * bridge_run(), and OpenFlow's translation learns it in the next
 * bridge_run(), before the next run of the netdev classes.  A frame that
 * the port received before would find no port to come from, and would be
 * dropped (coverage counter "datapath_drop_upcall_error"). */
void
vsi_port_run(struct netdev_ecprdma *dev)
    OVS_REQUIRES(ecprdma_mutex)
{
    if (!dev->vsi.switch_dev && dev->configured && vsi_find_switch(dev)) {
        netdev_request_reconfigure(&dev->up);
    }
    if (dev->vsi.runs_to_bind && !--dev->vsi.runs_to_bind
        && dev->vsi.switch_dev) {
        switch_port_bind(dev->vsi.switch_dev, true);
    }
    if (vsi_port_park_run(dev)) {
        netdev_change_seq_changed(&dev->up);
    }
}
