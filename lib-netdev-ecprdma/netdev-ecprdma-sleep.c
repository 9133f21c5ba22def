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

/* A sleeping PMD thread woken up by a port's input.
 *
 * With other_config:pmd-maxsleep, a PMD thread that finds little to
 * receive sleeps, up to pmd-maxsleep microseconds at a time, and input
 * that comes meanwhile waits for the end of the sleep (ovs-patches/0004).
 * Before it sleeps, the thread asks each receive queue that it polls
 * whether it can wake it up, and sleeps in poll() on the file descriptors
 * that they give it.
 *
 * Role "vm": the queue asks its client to write the C2S ring's eventfd
 * when it publishes frames (clears MASK_INT), looks at the ring once more
 * (a frame published before the client saw the flag: then the thread does
 * not sleep), and gives the thread a file descriptor to sleep on.  When
 * the thread wakes up, the queue masks the client's kicks again: a VM
 * that sends while the thread runs makes no system call for it.  The
 * client's eventfd is not ours to read (the client may make a read
 * block): the queue watches it through an epoll set of its own,
 * edge-triggered, which the thread sleeps on and which is readable after
 * each write of the client.  The queue's connection is the same for the
 * queue's whole life: the port changes connections only in reconfigure(),
 * with its queues closed.
 *
 * Role "uplink": the server's side of RDMA over ECP does its work when
 * the switch's requests come, which the link's file descriptor tells.
 *
 * All of this runs in the PMD thread that polls the queue. */

#include <config.h>
#include "netdev-ecprdma-private.h"

#include <errno.h>
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "link.h"
#include "memif-server.h"
#include "openvswitch/vlog.h"
#include "roe-session.h"

/* Returns the C2S queue of 'rxq' of vm port 'dev' if it can wake up a
 * sleeping thread now: its own (not the switch's) and with an eventfd. */
static struct memif_queue *
sleep_queue(struct netdev_ecprdma *dev, const struct netdev_rxq *rxq)
{
    const struct memif_connection *conn = dev->vm.conn;
    uint32_t switching;

    if (!conn || rxq->queue_id >= MIN(conn->n_c2s, PORT_N_RXQ_MAX)) {
        return NULL;
    }
    atomic_read_relaxed(&dev->vm.switching, &switching);
    if (switching & 1) {
        return NULL;
    }
    return conn->c2s[rxq->queue_id].eventfd >= 0
           ? &conn->c2s[rxq->queue_id] : NULL;
}

/* Creates the epoll set of 'rx', which watches the eventfd of 'q', if it
 * has none yet.  Returns false if it cannot; then it does not try again
 * for the life of 'rx'. */
static bool
watch_kicks(struct netdev_rxq_ecprdma *rx, const struct memif_queue *q)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
    const char *where;

    if (rx->sleep_epfd >= 0 || rx->sleep_failed) {
        return !rx->sleep_failed;
    }
    rx->sleep_epfd = epoll_create1(EPOLL_CLOEXEC);
    if (rx->sleep_epfd < 0) {
        where = "epoll_create1";
    } else if (epoll_ctl(rx->sleep_epfd, EPOLL_CTL_ADD, q->eventfd, &ev)) {
        where = "epoll_ctl";
    } else {
        return true;
    }
    VLOG_WARN_RL(&rl, "%s: receive queue %d cannot wake up its sleeping "
                 "PMD thread: %s: %s", netdev_rxq_get_name(&rx->up),
                 rx->up.queue_id, where, ovs_strerror(errno));
    vm_rxq_sleep_destroy(rx);
    rx->sleep_failed = true;
    return false;
}

/* Asks the client of vm queue 'rxq' to kick its eventfd and returns the
 * epoll set that sees the kick, unless the ring has frames already
 * (EAGAIN). */
static int
vm_rxq_sleep_prepare(struct netdev_rxq *rxq, int *fd)
{
    struct netdev_rxq_ecprdma *rx = netdev_rxq_ecprdma_cast(rxq);
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(rxq->netdev);
    struct memif_queue *q = sleep_queue(dev, rxq);

    if (!q || !watch_kicks(rx, q)) {
        return EOPNOTSUPP;
    }
    vm_ring_want_kicks(dev, rxq->queue_id, VM_KICKS_FOR_SLEEP, true);
    if (memif_queue_rx_pending(q)) {
        vm_ring_want_kicks(dev, rxq->queue_id, VM_KICKS_FOR_SLEEP, false);
        return EAGAIN;
    }
    q->sleeps++;
    *fd = rx->sleep_epfd;
    return 0;
}

/* Masks the kicks of the client of vm queue 'rxq' again and consumes the
 * kick that woke the thread, if one did. */
static void
vm_rxq_sleep_end(struct netdev_rxq *rxq)
{
    struct netdev_rxq_ecprdma *rx = netdev_rxq_ecprdma_cast(rxq);
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(rxq->netdev);
    struct memif_queue *q = &dev->vm.conn->c2s[rxq->queue_id];
    struct epoll_event ev;

    vm_ring_want_kicks(dev, rxq->queue_id, VM_KICKS_FOR_SLEEP, false);
    if (epoll_wait(rx->sleep_epfd, &ev, 1, 0) > 0) {
        q->sleep_wakeups++;
    }
}

/* Gives the thread the link of uplink 'dev' to sleep on. */
static int
uplink_sleep_prepare(struct netdev_ecprdma *dev, int *fd)
{
    int link = dev->session.roe ? link_fd(dev->session.link) : -1;

    if (link < 0) {
        return EOPNOTSUPP;
    }
    dev->session.rx_sleeps++;
    *fd = link;
    return 0;
}

/* Looks at the link of uplink 'dev' at once if it has frames, which may
 * have woken the thread up. */
static void
uplink_sleep_end(struct netdev_ecprdma *dev)
{
    struct pollfd pfd = { .fd = link_fd(dev->session.link),
                          .events = POLLIN };

    if (pfd.fd >= 0 && poll(&pfd, 1, 0) > 0) {
        dev->session.rx_sleep_wakeups++;
        roe_session_rx_now(dev->session.roe);
    }
}

/* Implements the netdev class's rxq_sleep_prepare(). */
int
netdev_ecprdma_rxq_sleep_prepare(struct netdev_rxq *rxq, int *fd)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(rxq->netdev);

    switch (dev->options.role) {
    case PORT_ROLE_VM:
        return vm_rxq_sleep_prepare(rxq, fd);
    case PORT_ROLE_UPLINK:
        return uplink_sleep_prepare(dev, fd);
    case PORT_ROLE_SWITCH:
    case PORT_ROLE_VSI:
    default:
        return EOPNOTSUPP;
    }
}

/* Implements the netdev class's rxq_sleep_end(). */
void
netdev_ecprdma_rxq_sleep_end(struct netdev_rxq *rxq)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(rxq->netdev);

    if (dev->options.role == PORT_ROLE_VM) {
        vm_rxq_sleep_end(rxq);
    } else if (dev->options.role == PORT_ROLE_UPLINK) {
        uplink_sleep_end(dev);
    }
}

/* Closes the epoll set of 'rx', if it has one. */
void
vm_rxq_sleep_destroy(struct netdev_rxq_ecprdma *rx)
{
    if (rx->sleep_epfd >= 0) {
        close(rx->sleep_epfd);
        rx->sleep_epfd = -1;
    }
}
