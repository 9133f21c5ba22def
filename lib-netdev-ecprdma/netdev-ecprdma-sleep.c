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
 * Role "switch": the same for the server's answers, and a vsi port that
 * appends frames for the server (maybe in another PMD thread) kicks the
 * switch's waker: the thread sleeps on an epoll set that watches both.
 *
 * Role "vsi": the switch's thread delivers the frames that it reads from
 * the VSI's VM into the port's sink and kicks the sink's waker.
 *
 * A waker is an eventfd of the sleeping queue's own, armed while the
 * queue's PMD thread may sleep.  The queue arms it and then looks for
 * work; the other thread gives it work and then looks whether it is
 * armed, with a full fence between on both sides, so that one of them
 * sees the other.
 *
 * All of this runs in the PMD thread that polls the queue, but for
 * sleep_waker_kick(). */

#include <config.h>
#include "netdev-ecprdma-private.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "link.h"
#include "memif-server.h"
#include "openvswitch/vlog.h"
#include "ptr-queue.h"
#include "roe-session.h"
#include "timeval.h"
#include "util.h"

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
    rxq_sleep_destroy(rx);
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

void
sleep_waker_init(struct sleep_waker *w)
{
    w->fd = -1;
    w->failed = false;
    atomic_init(&w->armed, false);
}

void
sleep_waker_destroy(struct sleep_waker *w)
{
    if (w->fd >= 0) {
        close(w->fd);
        w->fd = -1;
    }
}

/* Returns the eventfd of 'w', made on first use, or -1 if it cannot be
 * made (then it is not tried again). */
static int
sleep_waker_fd(struct sleep_waker *w, const char *name)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

    if (w->fd < 0 && !w->failed) {
        w->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (w->fd < 0) {
            VLOG_WARN_RL(&rl, "%s: cannot wake up its sleeping PMD thread: "
                         "eventfd: %s", name, ovs_strerror(errno));
            w->failed = true;
        }
    }
    return w->fd;
}

/* The sleeping thread, before it looks for work for the last time. */
static void
sleep_waker_arm(struct sleep_waker *w)
{
    atomic_store(&w->armed, true);          /* Releases 'w->fd'. */
    atomic_thread_fence(memory_order_seq_cst);
}

/* The sleeping thread, awake: returns true if 'w' was kicked. */
static bool
sleep_waker_disarm(struct sleep_waker *w)
{
    uint64_t n;

    atomic_store_relaxed(&w->armed, false);
    return read(w->fd, &n, sizeof n) == sizeof n;
}

/* Another thread, after it gave the queue of 'w' work: wakes up the
 * queue's thread if it may be sleeping, once per sleep. */
void
sleep_waker_kick(struct sleep_waker *w)
{
    static const uint64_t one = 1;
    bool armed;

    atomic_thread_fence(memory_order_seq_cst);
    atomic_read_relaxed(&w->armed, &armed);
    if (OVS_UNLIKELY(armed) && atomic_exchange(&w->armed, false)) {
        ignore(write(w->fd, &one, sizeof one));
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

/* Whether the link of uplink or switch 'dev' has frames to receive, which
 * may have woken the thread up. */
static bool
link_has_frames(const struct netdev_ecprdma *dev)
{
    struct pollfd pfd = { .fd = link_fd(dev->session.link),
                          .events = POLLIN };

    return pfd.fd >= 0 && poll(&pfd, 1, 0) > 0;
}

/* Looks at the link of uplink 'dev' at once if it has frames. */
static void
uplink_sleep_end(struct netdev_ecprdma *dev)
{
    if (link_has_frames(dev)) {
        dev->session.rx_sleep_wakeups++;
        roe_session_rx_now(dev->session.roe);
    }
}

/* Creates the epoll set of switch queue 'rx', which watches 'link', the
 * waker's eventfd 'wake' and a timer of its own, if it has none yet.
 * Returns false if it cannot; then it does not try again for the life of
 * 'rx'. */
static bool
switch_watch(struct netdev_rxq_ecprdma *rx, int link, int wake)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    struct epoll_event ev = { .events = EPOLLIN };

    if (rx->sleep_epfd >= 0 || rx->sleep_failed) {
        return !rx->sleep_failed;
    }
    rx->sleep_epfd = epoll_create1(EPOLL_CLOEXEC);
    rx->sleep_timerfd = timerfd_create(CLOCK_MONOTONIC,
                                       TFD_NONBLOCK | TFD_CLOEXEC);
    if (rx->sleep_epfd >= 0 && rx->sleep_timerfd >= 0
        && !epoll_ctl(rx->sleep_epfd, EPOLL_CTL_ADD, link, &ev)
        && !epoll_ctl(rx->sleep_epfd, EPOLL_CTL_ADD, wake, &ev)
        && !epoll_ctl(rx->sleep_epfd, EPOLL_CTL_ADD, rx->sleep_timerfd,
                      &ev)) {
        return true;
    }
    VLOG_WARN_RL(&rl, "%s: cannot wake up its sleeping PMD thread: %s",
                 netdev_rxq_get_name(&rx->up), ovs_strerror(errno));
    rxq_sleep_destroy(rx);
    rx->sleep_failed = true;
    return false;
}

/* When switch 'dev' is to run next, on its own: its next timer or ring
 * poll while its session waits for nothing (its link tells the rest), else
 * its next look at the session. */
static long long
switch_next_due(const struct netdev_ecprdma *dev)
{
    return (dev->sw.quiet_until != LLONG_MIN ? dev->sw.quiet_until
                                             : dev->sw.next_run);
}

/* Gives the thread the link of switch 'dev', its waker and a timer for
 * its next run to sleep on, unless it has work already (EAGAIN).  The
 * link's descriptor is the same for the queue's whole life: the port
 * opens its link only in reconfigure(), with its queues closed. */
static int
switch_sleep_prepare(struct netdev_rxq *rxq, int *fd)
{
    struct netdev_rxq_ecprdma *rx = netdev_rxq_ecprdma_cast(rxq);
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(rxq->netdev);
    int link = dev->session.roe ? link_fd(dev->session.link) : -1;
    int wake = sleep_waker_fd(&dev->sw.waker, netdev_get_name(&dev->up));
    long long due = switch_next_due(dev);
    struct itimerspec its;
    bool kick;

    if (link < 0 || wake < 0 || !switch_watch(rx, link, wake)) {
        return EOPNOTSUPP;
    }
    sleep_waker_arm(&dev->sw.waker);
    atomic_read_relaxed(&dev->sw.kick, &kick);
    if (kick || dev->sw.rx_sink_pending || due <= time_usec()) {
        sleep_waker_disarm(&dev->sw.waker);
        return EAGAIN;
    }
    /* time_usec() is CLOCK_MONOTONIC's, unless a test warps the time:
     * then the timer goes off late or early, and the thread sleeps its
     * whole time or looks once more.  Setting the timer clears what it
     * counted of its last expiry: no need to read it. */
    memset(&its, 0, sizeof its);
    its.it_value.tv_sec = due / (1000 * 1000);
    its.it_value.tv_nsec = due % (1000 * 1000) * 1000;
    if (timerfd_settime(rx->sleep_timerfd, TFD_TIMER_ABSTIME, &its, NULL)) {
        sleep_waker_disarm(&dev->sw.waker);
        return EOPNOTSUPP;
    }
    dev->session.rx_sleeps++;
    *fd = rx->sleep_epfd;
    return 0;
}

/* Runs switch 'dev' at once if its link has frames or a vsi port kicked
 * it (its timer needs nothing: the switch runs when it is due). */
static void
switch_sleep_end(struct netdev_ecprdma *dev)
{
    if (sleep_waker_disarm(&dev->sw.waker) || link_has_frames(dev)) {
        dev->session.rx_sleep_wakeups++;
        atomic_store_relaxed(&dev->sw.kick, true);
    }
}

/* Gives the thread the waker of the sink of vsi port 'dev', unless the
 * sink has frames already (EAGAIN). */
static int
vsi_sleep_prepare(struct netdev_ecprdma *dev, int *fd)
{
    struct vsi_sink *sink = dev->vsi.sink;

    if (!sink || sleep_waker_fd(&sink->waker, netdev_get_name(&dev->up)) < 0) {
        return EOPNOTSUPP;
    }
    sleep_waker_arm(&sink->waker);
    if (ptr_queue_published(&sink->packets.queue)) {
        sleep_waker_disarm(&sink->waker);
        return EAGAIN;
    }
    dev->vsi.rx_sleeps++;
    *fd = sink->waker.fd;
    return 0;
}

static void
vsi_sleep_end(struct netdev_ecprdma *dev)
{
    if (sleep_waker_disarm(&dev->vsi.sink->waker)) {
        dev->vsi.rx_sleep_wakeups++;
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
        return switch_sleep_prepare(rxq, fd);
    case PORT_ROLE_VSI:
        return vsi_sleep_prepare(dev, fd);
    default:
        return EOPNOTSUPP;
    }
}

/* Implements the netdev class's rxq_sleep_end(). */
void
netdev_ecprdma_rxq_sleep_end(struct netdev_rxq *rxq)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(rxq->netdev);

    switch (dev->options.role) {
    case PORT_ROLE_VM:
        vm_rxq_sleep_end(rxq);
        break;
    case PORT_ROLE_UPLINK:
        uplink_sleep_end(dev);
        break;
    case PORT_ROLE_SWITCH:
        switch_sleep_end(dev);
        break;
    case PORT_ROLE_VSI:
        vsi_sleep_end(dev);
        break;
    }
}

/* Closes the epoll set and timer of 'rx', if it has them. */
void
rxq_sleep_destroy(struct netdev_rxq_ecprdma *rx)
{
    if (rx->sleep_epfd >= 0) {
        close(rx->sleep_epfd);
        rx->sleep_epfd = -1;
    }
    if (rx->sleep_timerfd >= 0) {
        close(rx->sleep_timerfd);
        rx->sleep_timerfd = -1;
    }
}
