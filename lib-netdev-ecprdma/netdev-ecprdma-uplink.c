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

/* Role "uplink": the server's ECP endpoint.  It exports each "vm" port that
 * names it and whose client is connected (unless switching=local) as a
 * VSI: the client's regions READ-only, each C2S ring's tail writable.  It
 * also exports a VSI of its own with an ingress ring, which the switch
 * fills and whose frames go into a VM's S2C ring (a record tagged with the
 * VM's QP number) or into the bridge (untagged), and an egress ring, which
 * takes what the bridge sends to the uplink and which the switch reads.  A
 * vm port whose VSI set changes asks for the uplink's reconfiguration
 * too, so that both are quiesced when regions come and go. */

#include <config.h>
#include "netdev-ecprdma-private.h"

#include <string.h>

#include "memif-server.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "remote-vsi.h"
#include "roe-session.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

enum { UPLINK_RING_SIZE = 1 << 23 };

/* Describes the uplink's own ingress and egress rings as a VSI. */
static void
uplink_vsi_spec(struct netdev_ecprdma *dev, struct roe_vsi_spec *spec)
{
    struct eth_addr mac;

    memset(spec, 0, sizeof *spec);
    netdev_ecprdma_make_vsiid(netdev_get_name(&dev->up), "uplink",
                              spec->vsiid);
    mac = netdev_ecprdma_get_hwaddr(dev);
    memcpy(spec->mac, mac.ea, ETH_ADDR_LEN);
    frame_ring_describe_uplink(&dev->uplink.ingress, &dev->uplink.egress,
                               spec);
}

/* Adds to the vm port of 'uv' the C2S slots that the switch consumed since
 * the last call, as the moves of the rings' tails show (only the switch
 * moves them while it has the rings), if 'count', and remembers the
 * tails. */
static void
uplink_count_switch_rx(struct uplink_vm *uv, bool count)
{
    int n = MIN(uv->conn->n_c2s, VDP_MAX_RINGS);
    uint64_t slots = 0;

    for (int i = 0; i < n; i++) {
        uint16_t tail = memif_queue_rx_tail(&uv->conn->c2s[i]);

        slots += (uint16_t) (tail - uv->tails[i]);
        uv->tails[i] = tail;
    }
    if (count && slots) {
        vm_port_count_switch_rx(uv->port, slots);
    }
}

/* Lets the switch access the rings of the VM of 'uv', whose VSI has just
 * associated, once each of the vm port's receive queues has stored the
 * value of 'switching' that handed the rings to the switch, which proves
 * that it has finished the last receive call that could write a ring's
 * tail. */
static void
uplink_release(struct netdev_ecprdma *dev, struct uplink_vm *uv)
{
    int n = MIN(uv->conn->n_c2s, VDP_MAX_RINGS);

    /* Never while the vm port receives. */
    if (!(uv->switching & 1)
        || !vm_port_rxqs_saw(uv->port, uv->switching, n)) {
        return;
    }
    uplink_count_switch_rx(uv, false);
    uv->switch_has_rings = true;
    roe_session_vsi_release(dev->session.roe, uv->handle);
    uv->held = false;
}

/* Stops exporting the VM of 'dev->uplink.vms[i]' and appends it to
 * 'closing'. */
static void
uplink_drop_vm(struct netdev_ecprdma *dev, size_t i, struct closing *closing)
{
    struct uplink_vm *uv = &dev->uplink.vms[i];

    roe_session_vsi_remove(dev->session.roe, uv->handle);
    vm_port_set_remote(uv->port, false);
    closing_add(closing, uv->port);
    dev->uplink.vms[i] = dev->uplink.vms[--dev->uplink.n_vms];
}

/* Returns true if the association of 'uv' on uplink 'dev' tells the
 * switch another MAC address or other names than its vm port now has. */
static bool
uplink_vm_assoc_stale(const struct netdev_ecprdma *dev,
                      const struct uplink_vm *uv)
{
    const struct vdp_message *m = roe_session_vsi_assoc(dev->session.roe,
                                                        uv->handle);
    const struct port_options *po = &uv->port->options;
    struct eth_addr mac = netdev_ecprdma_get_hwaddr(uv->port);

    return m && (memcmp(m->roe.port.mac, mac.ea, ETH_ADDR_LEN)
                 || strcmp(m->roe.iface_id, po->iface_id ? po->iface_id : "")
                 || strcmp(m->roe.vm_id, po->vm_id ? po->vm_id : ""));
}

/* Exports the vm ports that name uplink 'dev' and have a client, and stops
 * exporting the others. */
void
uplink_port_reconcile(struct netdev_ecprdma *dev, struct closing *closing)
    OVS_REQUIRES(ecprdma_mutex)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    const char *name = netdev_get_name(&dev->up);
    struct netdev_ecprdma *vm;

    for (size_t i = 0; i < dev->uplink.n_vms;) {
        struct uplink_vm *uv = &dev->uplink.vms[i];

        vm = uv->port;
        if (vm->options.role != PORT_ROLE_VM || uv->conn != vm->vm.conn
            || !nullable_string_is_equal(vm->options.uplink, name)
            || vm->options.switching == PORT_SWITCHING_LOCAL
            || vm->up.ref_cnt == 1
            || uplink_vm_assoc_stale(dev, uv)) {
            uplink_drop_vm(dev, i, closing);
        } else {
            i++;
        }
    }
    if (!dev->session.roe) {
        return;
    }
    LIST_FOR_EACH (vm, list_node, &ecprdma_list) {
        struct roe_vsi_spec spec;
        struct uplink_vm *uv;
        char *error, *old_error;
        size_t i;

        if (vm->options.role != PORT_ROLE_VM
            || !nullable_string_is_equal(vm->options.uplink, name)
            || vm->options.switching == PORT_SWITCHING_LOCAL
            || closing_has(closing, vm)) {
            /* (A port just dropped because OVS closed it stays in the
             * list until 'closing' is closed.) */
            continue;
        }
        for (i = 0; i < dev->uplink.n_vms; i++) {
            if (dev->uplink.vms[i].port == vm) {
                break;
            }
        }
        if (i < dev->uplink.n_vms || !vm->vm.conn) {
            continue;
        }
        old_error = vm->vm.uplink_error;
        vm->vm.uplink_error = vm_port_vsi_spec(vm, vm->vm.conn, &spec);
        uv = &dev->uplink.vms[dev->uplink.n_vms];
        if (!vm->vm.uplink_error
            && roe_session_vsi_add(dev->session.roe, &spec, &uv->handle,
                                   &error)) {
            vm->vm.uplink_error = error;
        }
        if (!nullable_string_is_equal(old_error, vm->vm.uplink_error)) {
            /* Interface:status shows it. */
            netdev_change_seq_changed(&vm->up);
        }
        free(old_error);
        if (vm->vm.uplink_error) {
            VLOG_WARN_RL(&rl, "%s: cannot export %s: %s", name,
                         netdev_get_name(&vm->up), vm->vm.uplink_error);
            continue;
        }
        uv->port = vm;
        uv->conn = vm->vm.conn;
        uv->held = false;
        uv->qpn = roe_session_vsi_assoc(dev->session.roe,
                                        uv->handle)->roe.qp.qpn;
        uv->prev_qpn = 0;
        uv->switch_has_rings = false;
        netdev_ref(&vm->up);
        dev->uplink.n_vms++;
    }
}

/* A "vm" port's client memory changed: an uplink that exports the old
 * memory stops now, while both are quiesced, and the uplink that should
 * export the new memory is asked to, in its next reconfigure().  Returns
 * true if an uplink goes on exporting the same memory. */
bool
uplink_vm_changed(struct netdev_ecprdma *vm, struct closing *closing)
    OVS_REQUIRES(ecprdma_mutex)
{
    struct netdev_ecprdma *dev;
    bool kept = false;

    LIST_FOR_EACH (dev, list_node, &ecprdma_list) {
        bool exported = false;

        for (size_t i = 0; i < dev->uplink.n_vms; i++) {
            if (dev->uplink.vms[i].port == vm) {
                if (dev->uplink.vms[i].conn != vm->vm.conn
                    || !nullable_string_is_equal(vm->options.uplink,
                                                 netdev_get_name(&dev->up))
                    || vm->options.switching == PORT_SWITCHING_LOCAL) {
                    uplink_drop_vm(dev, i, closing);
                    netdev_request_reconfigure(&dev->up);
                } else {
                    exported = kept = true;
                }
                break;
            }
        }
        if (!exported && vm->vm.conn && dev->options.role == PORT_ROLE_UPLINK
            && nullable_string_is_equal(vm->options.uplink,
                                        netdev_get_name(&dev->up))
            && vm->options.switching != PORT_SWITCHING_LOCAL) {
            netdev_request_reconfigure(&dev->up);
        }
    }
    return kept;
}

/* The uplink that exports vm port 'vm', or NULL.  There is at most one:
 * uplink_vm_changed() stops an uplink that 'vm' no longer names. */
struct netdev_ecprdma *
uplink_exporting(const struct netdev_ecprdma *vm)
    OVS_REQUIRES(ecprdma_mutex)
{
    struct netdev_ecprdma *dev;

    LIST_FOR_EACH (dev, list_node, &ecprdma_list) {
        for (size_t i = 0; i < dev->uplink.n_vms; i++) {
            if (dev->uplink.vms[i].port == vm) {
                return dev;
            }
        }
    }
    return NULL;
}

/* Test hook: if ecp-rdma/test-check-quiesced asked for it, watches for
 * 200 ms whether the session thread of uplink 'dev' delivers frames to its
 * VMs while 'vm', one of them, reconfigures, and logs what it saw. */
void
uplink_check_quiesced(struct netdev_ecprdma *dev,
                      const struct netdev_ecprdma *vm)
    OVS_REQUIRES(ecprdma_mutex)
{
    bool intruded = false;

    if (!dev->uplink.watch_request) {
        return;
    }
    dev->uplink.watch_request = false;
    atomic_store(&dev->uplink.intruded, false);
    atomic_store(&dev->uplink.watching, true);
    for (int i = 0; i < 200 && !intruded; i++) {
        xnanosleep(1000 * 1000);
        atomic_read(&dev->uplink.intruded, &intruded);
    }
    atomic_store(&dev->uplink.watching, false);
    if (intruded) {
        VLOG_WARN("%s: delivered to its VMs while %s reconfigured (test)",
                  netdev_get_name(&dev->up), netdev_get_name(&vm->up));
    } else {
        VLOG_INFO("%s: kept out while %s reconfigured (test)",
                  netdev_get_name(&dev->up), netdev_get_name(&vm->up));
    }
}

/* Records that the switch wrote index 'what' of one of uplink 'dev''s own
 * rings with a value that cannot be.  The session thread then resets the
 * association of the uplink's own VSI (see uplink_reset_rings()). */
static void
uplink_ring_error(struct netdev_ecprdma *dev, const char *what,
                  uint64_t prod, uint64_t cons)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    uint64_t orig;

    atomic_add_relaxed(&dev->uplink.ring_errors, 1, &orig);
    atomic_store_relaxed(&dev->uplink.rings_bad, true);
    VLOG_WARN_RL(&rl, "%s: the switch wrote a bad %s index (producer %"
                 PRIu64", consumer %"PRIu64"): resetting the association",
                 netdev_get_name(&dev->up), what, prod, cons);
}

/* Appends the packets of 'batch' to uplink 'dev''s egress ring. */
int
uplink_port_send(struct netdev_ecprdma *dev, struct dp_packet_batch *batch,
                 uint64_t *bytes)
{
    struct uplink_port *u = &dev->uplink;
    int sent = 0;

    if (u->egress.data) {
        uint64_t cons;

        ovs_spin_lock(&u->egress_lock);
        cons = frame_ring_consumer(&u->egress);
        if (u->egress_bad) {
            /* Until the session thread has reset the association. */
        } else if (frame_ring_indexes_ok(&u->egress, u->egress_prod, cons)) {
            u->egress_cons = cons;
            sent = frame_ring_push(&u->egress, &u->egress_prod, cons, 0,
                                   batch, bytes);
        } else {
            u->egress_bad = true;
            uplink_ring_error(dev, "egress consumer", u->egress_prod, cons);
        }
        ovs_spin_unlock(&u->egress_lock);
    }
    return sent;
}

/* Ingress frames for one VM of an uplink, on their way into its S2C ring
 * in one burst. */
struct uplink_burst {
    struct uplink_vm *uv;
    int n;
    struct memif_tx_pkt pkts[NETDEV_MAX_BURST];
};

/* Whether the switch tags ingress frames for 'uv' with 'tag': the QP
 * number of the VM's association, or of its previous one. */
static bool
uplink_vm_has_tag(const struct uplink_vm *uv, uint32_t tag)
{
    return uv->qpn == tag || (uv->prev_qpn && uv->prev_qpn == tag);
}

/* Returns the VM of uplink 'dev' whose ingress frames the switch tags with
 * 'tag', or NULL. */
static struct uplink_vm *
uplink_find_vm(struct netdev_ecprdma *dev, uint32_t tag)
{
    for (size_t i = 0; i < dev->uplink.n_vms; i++) {
        if (uplink_vm_has_tag(&dev->uplink.vms[i], tag)) {
            return &dev->uplink.vms[i];
        }
    }
    return NULL;
}

/* Puts the frames of 'b' into its VM's S2C ring, publishing the ring's
 * head once, and marks the VM in 'kick' if it got any. */
static void
uplink_burst_flush(struct netdev_ecprdma *dev, struct uplink_burst *b,
                   bool kick[])
{
    if (b->n && vm_port_tx_burst(b->uv->port, b->uv->conn, b->pkts, b->n)) {
        kick[b->uv - dev->uplink.vms] = true;
    }
    b->n = 0;
}

/* Adds an ingress frame tagged for one of uplink 'dev''s VMs to 'b',
 * flushing 'b' first if it holds frames for another VM or is full. */
static void
uplink_deliver(struct netdev_ecprdma *dev, const struct frame_ring_frame *f,
               struct uplink_burst *b, bool kick[])
{
    if (b->n && (!uplink_vm_has_tag(b->uv, f->tag)
                 || b->n == NETDEV_MAX_BURST)) {
        uplink_burst_flush(dev, b, kick);
    }
    if (!b->n && (!b->uv || !uplink_vm_has_tag(b->uv, f->tag))) {
        b->uv = uplink_find_vm(dev, f->tag);
        if (!b->uv) {
            /* For a VM that went, or of an association that ended. */
            uint64_t orig;

            atomic_add_relaxed(&dev->rx_errors, 1, &orig);
            atomic_add_relaxed(&dev->uplink.unknown_tag, 1, &orig);
            return;
        }
    }
    b->pkts[b->n++] = (struct memif_tx_pkt) { .data = f->data,
                                              .len = f->len };
}

/* After the switch wrote a bad index into one of uplink 'dev''s own rings:
 * resets the association of the uplink's own VSI and writes the uplink's
 * indexes into the rings' headers again, so that the next association
 * starts from them.  Ingress records the switch had not yet published
 * are lost (the switch's next association carries them over); egress
 * records past the last good consumer index are read again. */
static void
uplink_reset_rings(struct netdev_ecprdma *dev)
{
    bool bad;

    atomic_read_relaxed(&dev->uplink.rings_bad, &bad);
    if (!bad) {
        return;
    }
    roe_session_vsi_reset(dev->session.roe, dev->uplink.own_vsi);
    frame_ring_set_consumer(&dev->uplink.ingress, dev->uplink.ingress_cons);
    frame_ring_set_producer(&dev->uplink.ingress, dev->uplink.ingress_cons);
    ovs_spin_lock(&dev->uplink.egress_lock);
    frame_ring_set_consumer(&dev->uplink.egress, dev->uplink.egress_cons);
    frame_ring_set_producer(&dev->uplink.egress, dev->uplink.egress_prod);
    dev->uplink.egress_bad = false;
    ovs_spin_unlock(&dev->uplink.egress_lock);
    atomic_store_relaxed(&dev->uplink.rings_bad, false);
}

/* The association of the VSI of 'uv', a VM of uplink 'dev', came 'up' or
 * went. */
static void
uplink_vm_event(struct netdev_ecprdma *dev, struct uplink_vm *uv, bool up)
{
    /* A new association has a new QP number, which the switch tags the
     * VM's ingress frames with.  Frames that the switch tagged with the
     * previous one, which it held while the association was down, are the
     * VM's too. */
    const struct vdp_message *m = roe_session_vsi_assoc(dev->session.roe,
                                                        uv->handle);

    if (uv->switch_has_rings) {
        /* The association's queue pair is gone: the switch moved the
         * tails for the last time. */
        uplink_count_switch_rx(uv, true);
        uv->switch_has_rings = false;
    }
    if (m && m->roe.qp.qpn != uv->qpn) {
        uv->prev_qpn = uv->qpn;
        uv->qpn = m->roe.qp.qpn;
    }
    /* Going down, the session has already refused the QP that the switch
     * wrote the tails with. */
    uv->switching = vm_port_set_remote(uv->port, up);
    uv->held = up;
}

/* Follows the session's associations: of the uplink's own VSI, which
 * Interface:status shows, and of its VMs', whose rings go to the switch
 * and back. */
static void
uplink_handle_events(struct netdev_ecprdma *dev)
{
    struct roe_session_event ev;

    while (roe_session_poll_event(dev->session.roe, &ev)) {
        bool up = ev.type == ROE_SESSION_VSI_UP;

        if (ev.handle == dev->uplink.own_vsi) {
            netdev_ecprdma_status_changed(dev);
        }
        for (size_t i = 0; i < dev->uplink.n_vms; i++) {
            struct uplink_vm *uv = &dev->uplink.vms[i];

            if (uv->handle == ev.handle) {
                uplink_vm_event(dev, uv, up);
            }
        }
    }
    for (size_t i = 0; i < dev->uplink.n_vms; i++) {
        if (dev->uplink.vms[i].held) {
            uplink_release(dev, &dev->uplink.vms[i]);
        } else if (dev->uplink.vms[i].switch_has_rings) {
            uplink_count_switch_rx(&dev->uplink.vms[i], true);
        }
    }
}

/* Receives from the ingress ring: frames for a VM go straight into its S2C
 * ring, the others into 'batch'.  Marks in 'kick' the VMs that got
 * frames. */
static void
uplink_read_ingress(struct netdev_ecprdma *dev, struct dp_packet_batch *batch,
                    bool kick[])
{
    struct packet_cache *cache = packet_cache_get();
    struct frame_ring *ring = &dev->uplink.ingress;
    struct uplink_burst burst = { .uv = NULL, .n = 0 };
    uint64_t prod = frame_ring_producer(ring);
    uint64_t cons = dev->uplink.ingress_cons;
    struct frame_ring_frame f;
    enum frame_ring_status st;
    uint64_t reused = 0;
    uint64_t orig;

    while (batch->count < NETDEV_MAX_BURST) {
        st = frame_ring_get(ring, &cons, prod, &f);
        if (st == FRAME_RING_EMPTY) {
            break;
        } else if (st == FRAME_RING_BAD) {
            /* The switch wrote nonsense: what it wrote is lost, and the
             * association goes. */
            atomic_add_relaxed(&dev->rx_errors, 1, &orig);
            uplink_ring_error(dev, "ingress producer", prod, cons);
            break;
        }
        if (f.tag) {
            uplink_deliver(dev, &f, &burst, kick);
        } else if (OVS_UNLIKELY(f.len > RX_MAX_FRAME)) {
            atomic_add_relaxed(&dev->rx_errors, 1, &orig);
        } else {
            struct dp_packet *packet = new_rx_packet(cache, f.len, &reused);

            memcpy(dp_packet_data(packet), f.data, f.len);
            dp_packet_set_size(packet, f.len);
            batch->packets[batch->count++] = packet;
        }
    }
    if (burst.n) {
        bool watching;

        /* Test hook, see uplink_check_quiesced(). */
        atomic_read_relaxed(&dev->uplink.watching, &watching);
        if (OVS_UNLIKELY(watching)) {
            atomic_store(&dev->uplink.intruded, true);
        }
    }
    uplink_burst_flush(dev, &burst, kick);
    if (cons != dev->uplink.ingress_cons) {
        dev->uplink.ingress_cons = cons;
        frame_ring_set_consumer(ring, cons);
    }
    if (reused) {
        atomic_add_relaxed(&dev->rx_reused, reused, &orig);
    }
}

/* Runs the uplink's session, then receives from the ingress ring. */
void
uplink_port_recv(struct netdev_ecprdma *dev, struct dp_packet_batch *batch)
{
    bool kick[ROE_SESSION_MAX_VSIS] = { false };

    session_port_run(dev, time_usec());
    uplink_handle_events(dev);
    uplink_reset_rings(dev);
    uplink_read_ingress(dev, batch, kick);
    for (size_t i = 0; i < dev->uplink.n_vms; i++) {
        if (kick[i]) {
            vm_port_kick(dev->uplink.vms[i].port, dev->uplink.vms[i].conn);
        }
    }
}

static void
netdev_ecprdma_test_check_quiesced(struct unixctl_conn *conn,
                                   int argc OVS_UNUSED, const char *argv[],
                                   void *aux OVS_UNUSED)
{
    struct netdev_ecprdma *dev;

    ovs_mutex_lock(&ecprdma_mutex);
    dev = netdev_ecprdma_find(argv[1]);
    if (!dev || dev->options.role != PORT_ROLE_UPLINK) {
        ovs_mutex_unlock(&ecprdma_mutex);
        unixctl_command_reply_error(conn, "no such uplink port");
        return;
    }
    dev->uplink.watch_request = true;
    ovs_mutex_unlock(&ecprdma_mutex);
    unixctl_command_reply(conn, NULL);
}

void
uplink_port_init(struct netdev_ecprdma *dev)
{
    ovs_mutex_init(&dev->uplink.vms_mutex);
    atomic_init(&dev->uplink.watching, false);
    atomic_init(&dev->uplink.intruded, false);
    ovs_spin_init(&dev->uplink.egress_lock);
    atomic_init(&dev->uplink.rings_bad, false);
    dev->uplink.own_vsi = -1;
    atomic_init(&dev->uplink.ring_errors, 0);
    atomic_init(&dev->uplink.unknown_tag, 0);
}

void
uplink_port_destroy(struct netdev_ecprdma *dev)
{
    ovs_mutex_destroy(&dev->uplink.vms_mutex);
    ovs_spin_destroy(&dev->uplink.egress_lock);
}

/* Makes the rings of uplink 'dev' for its new session and exports them as
 * the uplink's own VSI.  Returns NULL, or an error message to free(). */
char *
uplink_port_start(struct netdev_ecprdma *dev)
{
    struct roe_vsi_spec spec;
    char *error;

    frame_ring_alloc(&dev->uplink.ingress, UPLINK_RING_SIZE);
    frame_ring_alloc(&dev->uplink.egress, UPLINK_RING_SIZE);
    dev->uplink.ingress_cons = 0;
    ovs_spin_lock(&dev->uplink.egress_lock);
    dev->uplink.egress_prod = dev->uplink.egress_cons = 0;
    dev->uplink.egress_bad = false;
    ovs_spin_unlock(&dev->uplink.egress_lock);
    atomic_store_relaxed(&dev->uplink.rings_bad, false);
    uplink_vsi_spec(dev, &spec);
    if (roe_session_vsi_add(dev->session.roe, &spec, &dev->uplink.own_vsi,
                            &error)) {
        return error;
    }
    return NULL;
}

/* Stops exporting the VMs of uplink 'dev', whose session is about to go,
 * and frees its rings. */
void
uplink_port_stop(struct netdev_ecprdma *dev, struct closing *closing)
    OVS_REQUIRES(ecprdma_mutex)
{
    while (dev->uplink.n_vms) {
        uplink_drop_vm(dev, 0, closing);
    }
    dev->uplink.own_vsi = -1;
    frame_ring_free(&dev->uplink.ingress);
    frame_ring_free(&dev->uplink.egress);
}

void
uplink_port_get_custom_stats(const struct netdev_ecprdma *dev_,
                             struct custom_stats *cs)
{
    struct netdev_ecprdma *dev = CONST_CAST(struct netdev_ecprdma *, dev_);
    uint64_t value;

    atomic_read_relaxed(&dev->uplink.ring_errors, &value);
    custom_stat(cs, "ring_index_errors", value);
    atomic_read_relaxed(&dev->uplink.unknown_tag, &value);
    custom_stat(cs, "rx_unknown_vm_drops", value);
}

void
uplink_port_show(struct ds *s, const struct netdev_ecprdma *dev_)
{
    struct netdev_ecprdma *dev = CONST_CAST(struct netdev_ecprdma *, dev_);
    uint64_t ring_errors, unknown;

    if (dev->uplink.ingress.data) {
        atomic_read_relaxed(&dev->uplink.ring_errors, &ring_errors);
        atomic_read_relaxed(&dev->uplink.unknown_tag, &unknown);
        ds_put_format(s, "  rings: bad-index=%"PRIu64" unknown-vm=%"PRIu64
                      "\n", ring_errors, unknown);
    }
}

/* An exported vm port that only the uplink still has is gone: the uplink
 * asks for the reconfiguration that stops exporting it. */
void
uplink_port_run(struct netdev_ecprdma *dev)
    OVS_REQUIRES(ecprdma_mutex)
{
    for (size_t i = 0; i < dev->uplink.n_vms; i++) {
        if (dev->uplink.vms[i].port->up.ref_cnt == 1) {
            netdev_request_reconfigure(&dev->up);
        }
    }
}

void
uplink_port_register_commands(void)
{
    unixctl_command_register("ecp-rdma/test-check-quiesced", "port", 1, 1,
                             netdev_ecprdma_test_check_quiesced, NULL);
}
