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

/* Role "vm": parking of idle receive queues.
 *
 * A PMD thread polls each of its receive queues in every iteration, and
 * each poll of an empty ring costs it the cache lines of the queue (OVS's
 * and this port's): with hundreds of idle VMs, more than the packets of
 * the busy ones.  So a receive queue whose C2S ring has stayed empty for
 * options:rx-park-after milliseconds is parked: rxq_enabled() says false,
 * and dpif-netdev stops polling the queue once it sees the port's
 * change_seq.  Before that, the client is asked to write the ring's
 * eventfd when it publishes frames (MASK_INT cleared), as memif clients
 * do for a server that sleeps.  Its first write wakes the queue up, and so
 * does a head that moved (a client that does not write: seen at the next
 * check of the port, within 100 ms), or the switch taking the ring over.
 *
 * The client's eventfd is not ours to read (the client may make a read
 * block): the port watches it through an epoll set of its own,
 * edge-triggered, that holds only the eventfds of its parked rings.  So a
 * client can wake the main thread once per parking, no more.
 *
 * All of this runs in the main thread; the PMD threads only read
 * 'parked', and ask for kicks too before they sleep
 * (netdev-ecprdma-sleep.c). */

#include <config.h>
#include "netdev-ecprdma-private.h"

#include <errno.h>
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "memif-server.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"

/* The rings of 'dev' that can be parked: those that a receive queue
 * polls. */
static int
n_park_rings(const struct netdev_ecprdma *dev)
{
    const struct memif_connection *conn = dev->vm.conn;

    return conn ? MIN(conn->n_c2s, dev->options.n_rxq) : 0;
}

static bool
is_parked(const struct vm_rx_park *p)
{
    bool parked;

    atomic_read_relaxed(&CONST_CAST(struct vm_rx_park *, p)->parked,
                        &parked);
    return parked;
}

/* Whether receive queue 'qid' of 'dev' is to be polled.  Any thread. */
bool
vm_port_rxq_enabled(const struct netdev_ecprdma *dev, int qid)
{
    return qid >= PORT_N_RXQ_MAX || !is_parked(&dev->vm.park[qid]);
}

/* Returns the rings of 'dev' whose client wrote their eventfd since the
 * last call, as a bitmap. */
static uint32_t
kicked_rings(struct netdev_ecprdma *dev)
{
    struct epoll_event evs[PORT_N_RXQ_MAX];
    uint32_t kicked = 0;
    int n;

    if (dev->vm.park_epfd < 0) {
        return 0;
    }
    while ((n = epoll_wait(dev->vm.park_epfd, evs, ARRAY_SIZE(evs), 0))
           > 0) {
        for (int j = 0; j < n; j++) {
            if (evs[j].data.u32 < PORT_N_RXQ_MAX) {
                kicked |= 1u << evs[j].data.u32;
            }
        }
    }
    return kicked;
}

/* Watches the eventfd of 'q', ring 'i' of 'dev', from now on.  Returns
 * false if it cannot: the ring is then not parked. */
static bool
watch_kicks(struct netdev_ecprdma *dev, const struct memif_queue *q, int i)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u32 = i };

    if (q->eventfd < 0) {
        return false;
    }
    if (dev->vm.park_epfd < 0) {
        dev->vm.park_epfd = epoll_create1(EPOLL_CLOEXEC);
        if (dev->vm.park_epfd < 0) {
            VLOG_WARN_RL(&rl, "%s: cannot park idle receive queues: "
                         "epoll_create1: %s", netdev_get_name(&dev->up),
                         ovs_strerror(errno));
            return false;
        }
    }
    if (epoll_ctl(dev->vm.park_epfd, EPOLL_CTL_ADD, q->eventfd, &ev)) {
        VLOG_WARN_RL(&rl, "%s: cannot park receive queue %d: epoll_ctl: %s",
                     netdev_get_name(&dev->up), i, ovs_strerror(errno));
        return false;
    }
    /* An eventfd that the client wrote earlier is readable at once: that
     * is no kick for the parking to come.  The other rings' kicks stay. */
    dev->vm.park_kicks |= kicked_rings(dev) & ~(1u << i);
    return true;
}

static void
unwatch_kicks(struct netdev_ecprdma *dev, const struct memif_queue *q)
{
    if (dev->vm.park_epfd >= 0) {
        epoll_ctl(dev->vm.park_epfd, EPOLL_CTL_DEL, q->eventfd, NULL);
    }
}

/* Asks the client of C2S ring 'i' of 'dev' to write the ring's eventfd when
 * it publishes frames, on behalf of 'who' (one of VM_KICKS_*), or, if 'want'
 * is false, stops asking on its behalf: the ring's MASK_INT is clear while
 * anyone asks.  Returns the ring's head, read after the flag was written.
 * Any thread. */
uint16_t
vm_ring_want_kicks(struct netdev_ecprdma *dev, int i, unsigned int who,
                   bool want)
{
    struct vm_rx_park *p = &dev->vm.park[i];
    uint16_t head;

    ovs_spin_lock(&p->kicks_lock);
    if (want) {
        p->kicks_wanted |= who;
    } else {
        p->kicks_wanted &= ~who;
    }
    head = memif_queue_rx_want_kicks(&dev->vm.conn->c2s[i],
                                     p->kicks_wanted != 0);
    ovs_spin_unlock(&p->kicks_lock);
    return head;
}

/* Parks ring 'i' of 'dev', empty since 'p->head', unless the client
 * publishes more meanwhile.  Returns true if it did. */
static bool
park(struct netdev_ecprdma *dev, int i, long long int now)
{
    struct memif_queue *q = &dev->vm.conn->c2s[i];
    struct vm_rx_park *p = &dev->vm.park[i];
    uint16_t head;

    if (!watch_kicks(dev, q, i)) {
        p->since = now;
        return false;
    }
    head = vm_ring_want_kicks(dev, i, VM_KICKS_FOR_PARK, true);
    if (head != p->head) {
        vm_ring_want_kicks(dev, i, VM_KICKS_FOR_PARK, false);
        unwatch_kicks(dev, q);
        p->head = head;
        p->since = now;
        return false;
    }
    atomic_store_relaxed(&p->parked, true);
    dev->vm.rx_parks++;
    return true;
}

static void
unpark(struct netdev_ecprdma *dev, int i, long long int now)
{
    struct memif_queue *q = &dev->vm.conn->c2s[i];
    struct vm_rx_park *p = &dev->vm.park[i];

    p->head = vm_ring_want_kicks(dev, i, VM_KICKS_FOR_PARK, false);
    unwatch_kicks(dev, q);
    p->since = now;
    dev->vm.park_kicks &= ~(1u << i);
    atomic_store_relaxed(&p->parked, false);
}

/* Parks the receive queues of vm port 'dev' whose rings have been empty
 * for options:rx-park-after milliseconds and wakes up those whose client
 * sent something.  Returns true if a queue changed: the caller then tells
 * dpif-netdev (the port's change_seq). */
bool
vm_port_park_run(struct netdev_ecprdma *dev)
    OVS_REQUIRES(ecprdma_mutex)
{
    long long int after = dev->options.rx_park_after;
    long long int now = time_msec();
    uint32_t switching;
    bool changed = false;

    /* While the switch has the rings, the queues must poll: they tell the
     * uplink that they left the ring (see vm_rxq_yields()). */
    atomic_read(&dev->vm.switching, &switching);
    dev->vm.park_kicks |= kicked_rings(dev);
    for (int i = 0; i < n_park_rings(dev); i++) {
        struct memif_queue *q = &dev->vm.conn->c2s[i];
        struct vm_rx_park *p = &dev->vm.park[i];
        uint16_t head = memif_queue_rx_head(q);
        bool stay = !after || switching & 1;

        if (is_parked(p)) {
            if (stay || head != p->head
                || dev->vm.park_kicks & (1u << i)) {
                unpark(dev, i, now);
                dev->vm.rx_wakeups++;
                changed = true;
            }
        } else if (stay || head != p->head
                   || head != memif_queue_rx_tail(q)) {
            p->head = head;
            p->since = now;
        } else if (now - p->since >= after) {
            changed |= park(dev, i, now);
        }
    }
    return changed;
}

/* Arranges for vm_port_park_run() to run when a parked ring's client
 * writes its eventfd or when an empty ring is due to be parked. */
void
vm_port_park_wait(const struct netdev_ecprdma *dev)
    OVS_REQUIRES(ecprdma_mutex)
{
    long long int after = dev->options.rx_park_after;
    bool any_parked = false;

    for (int i = 0; i < n_park_rings(dev); i++) {
        const struct vm_rx_park *p = &dev->vm.park[i];

        if (is_parked(p)) {
            any_parked = true;
        } else if (after) {
            poll_timer_wait_until(p->since + after);
        }
    }
    if (any_parked) {
        poll_fd_wait(dev->vm.park_epfd, POLLIN);
    }
    if (dev->vm.park_kicks) {
        /* Kicks that parking another ring drained from the epoll set. */
        poll_immediate_wake();
    }
}

/* Starts watching the rings of the connection that 'dev' just attached:
 * none parked, all as if they had just received. */
void
vm_port_park_start(struct netdev_ecprdma *dev)
{
    long long int now = time_msec();

    for (int i = 0; i < n_park_rings(dev); i++) {
        struct vm_rx_park *p = &dev->vm.park[i];

        p->head = memif_queue_rx_head(&dev->vm.conn->c2s[i]);
        p->since = now;
        p->kicks_wanted = 0;
    }
}

/* Wakes up every parked ring of 'dev', whose connection is about to be
 * detached (its rings are still mapped), and forgets their eventfds. */
void
vm_port_park_stop(struct netdev_ecprdma *dev)
{
    const struct memif_connection *conn = dev->vm.conn;
    long long int now = time_msec();

    for (int i = 0; i < PORT_N_RXQ_MAX; i++) {
        if (is_parked(&dev->vm.park[i])) {
            if (conn && i < conn->n_c2s) {
                unpark(dev, i, now);
            }
            atomic_store_relaxed(&dev->vm.park[i].parked, false);
        }
    }
    dev->vm.park_kicks = 0;
    if (dev->vm.park_epfd >= 0) {
        close(dev->vm.park_epfd);
        dev->vm.park_epfd = -1;
    }
}
