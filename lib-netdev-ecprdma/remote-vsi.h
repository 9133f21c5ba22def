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


#ifndef REMOTE_VSI_H
#define REMOTE_VSI_H 1

/* The switch's data path for one associated VSI: it moves frames between
 * the rings that the server exported for the VSI (as described by its VDP
 * ASSOC) and local frame rings, through the VSI's queue pair.
 *
 * A VM's transmit ring (kind VDP_RING_VM_TX) is a memif ring in the VM's
 * memory.  Per batch the switch READs the ring's head index (and, after a
 * busy batch, the next descriptors with it), READs the descriptors of
 * [tail, head) if it did not have them, checks each descriptor against the
 * exported regions, takes a buffer from the caller's sink for each frame,
 * READs the frames' octets with scatter READs (one segment per
 * descriptor, or per run of adjacent ones) that land each frame in its
 * buffer, and WRITEs the new tail index once the frames are delivered.
 * The head and descriptors of the next batch are read right behind the
 * buffers of this one.
 * A descriptor's 'region' is the index of an MR in the ASSOC.  The memif
 * indexes are 16-bit integers in the server's byte order (little-endian).
 *
 * The server's egress ring (VDP_RING_EGRESS) is a frame ring
 * (frame-ring.h): the switch READs its producer index and the records up
 * to it, then WRITEs the consumer index.  The server's ingress ring
 * (VDP_RING_INGRESS) is a frame ring that the switch fills from a local
 * mirror of it: WRITE of the new records at the same offsets, then WRITE
 * of the producer index; the switch READs the consumer index to learn of
 * free room.
 *
 * Frames read from the VSI go into the caller's sink, whose consumer is
 * another thread; when it is full the switch stops reading, which
 * back-pressures the VM.  Everything here runs in the one thread that
 * drives the VSI's queue pair. */

#include <stdbool.h>
#include <stdint.h>

#include "frame-ring.h"

struct roe_qp;
struct vdp_message;

struct remote_vsi;

/* Where the switch puts the frames that it reads from a VSI: buffers that
 * the caller lends, so that each frame is read straight into the buffer in
 * which it leaves the switch (in OVS, a packet).  The switch calls these
 * in its own thread.  All the sinks given to one remote VSI have the same
 * kind of buffers: a buffer taken from one may be delivered to another. */
struct remote_vsi_sink {
    /* How many more frames the sink takes now, counting the buffers that
     * the switch holds: the switch takes no more than that. */
    size_t (*room)(void *aux);

    /* Returns a buffer for a frame of 'len' octets (1 to
     * FRAME_RING_MAX_FRAME), with the address of its octets in '*datap',
     * or NULL if the sink does not take such a frame (it counts why): the
     * switch then drops the frame. */
    void *(*get_buffer)(void *aux, uint32_t len, uint8_t **datap);

    /* Hands over 'buffer', which holds its frame now. */
    void (*deliver)(void *aux, void *buffer);

    /* Frees 'buffer', which get_buffer() returned and which will not be
     * delivered. */
    void (*put_buffer)(void *buffer);

    void *aux;
};

/* Returns NULL, with a message in '*errorp', if 'assoc' (the station's
 * ASSOC) describes rings that the switch cannot use.  No READ or WRITE
 * will be longer than 'max_xfer' octets, which must fit in the QP's
 * window. */
struct remote_vsi *remote_vsi_create(struct roe_qp *,
                                     const struct vdp_message *assoc,
                                     uint32_t max_xfer, char **errorp);
void remote_vsi_destroy(struct remote_vsi *);

/* The memory that 'assoc' can make the switch use: the buffers of a
 * batch per VM ring, and a mirror of each frame ring. */
uint64_t remote_vsi_memory(const struct vdp_message *assoc);

/* What the ASSOC exported. */
bool remote_vsi_has_vm_rings(const struct remote_vsi *);
bool remote_vsi_has_ingress(const struct remote_vsi *);
bool remote_vsi_has_egress(const struct remote_vsi *);

/* The local mirror of the server's ingress ring: producers append records
 * with frame_ring_put(), taking the indexes from the mirror's header and
 * publishing with frame_ring_set_producer().  NULL if there is no ingress
 * ring, or until the switch has read the ring's indexes (a new session
 * continues where the server's consumer is) unless 'v' took over the
 * mirror of a previous association (remote_vsi_carry_ingress()).  The
 * mirror of a VSI that went down stays valid, with its records, until it
 * is destroyed or handed over. */
struct frame_ring *remote_vsi_ingress(struct remote_vsi *);

/* Lets the producers of 'v''s ingress mirror put records that refer to
 * their frames (frame_ring_put_ref()), whose buffers 'release' frees once
 * the server has consumed the records, or they are dropped.  The WRITEs
 * then copy such a frame straight from its buffer.  Call before the
 * producers may see the mirror. */
void remote_vsi_set_release(struct remote_vsi *, void (*release)(void *));

/* Takes over what 'old', the previous association of the same server VSI
 * (no longer run), holds in its ingress mirror: once 'v' has read the
 * ring's indexes, it writes the records that the server did not receive.
 * Call before running 'v'; 'old' may then be destroyed.  Records keep
 * their tags, which stay valid while the VMs' associations do.
 *
 * Only if 'v''s ingress ring is the same memory as 'old''s: a server that
 * restarted, or made its uplink anew, has a new ring whose indexes say
 * nothing of what it received before.  Then the records that the server
 * was not known to have consumed are dropped instead, and their number
 * returned (otherwise 0). */
uint64_t remote_vsi_carry_ingress(struct remote_vsi *v,
                                  struct remote_vsi *old);

/* Whether 'v' took over a previous association's ingress mirror and has
 * not read the ring's indexes yet.  Its run may then reset the mirror's
 * producer index (if the server's indexes show that the server started
 * afresh), so it must run while the mirror's producers are kept out. */
bool remote_vsi_ingress_settling(const struct remote_vsi *);

/* Polls the QP's completions and posts the next requests.  Frames read
 * from the VM's rings or from the egress ring go into 'sink'; if 'sink' is
 * NULL, nothing is read (the buffers of a batch in flight wait for the
 * next run with a sink). */
void remote_vsi_run(struct remote_vsi *, long long now_us,
                    const struct remote_vsi_sink *sink);

/* When remote_vsi_run() has something to do next, unless a completion
 * comes first: the next poll of an idle ring (already past if it is due
 * but its sink is full), LLONG_MAX if there is none, or LLONG_MIN if a
 * ring is in the middle of a batch or the ingress ring has records to
 * write or an index to learn.
 * 'reading' is whether the run has a sink, without which no ring is
 * read. */
long long remote_vsi_next_run(const struct remote_vsi *, bool reading);

/* The number of frames read from the VM's rings and delivered whose tail
 * WRITE has not completed (not posted yet, in flight, or failed).  When
 * the association ends, the server takes its rings back from the tail as
 * it last saw it, and so receives these frames again, unless a WRITE
 * reached it whose acknowledgement did not come back: an upper bound of
 * the frames that are delivered twice. */
uint64_t remote_vsi_vm_unacked(const struct remote_vsi *);

struct remote_vsi_stats {
    uint64_t rx_frames;         /* Frames delivered into a sink. */
    uint64_t rx_bytes;
    uint64_t rx_bad;            /* Descriptors or records refused. */
    uint64_t reads;             /* READ requests posted. */
    uint64_t writes;            /* WRITE requests posted. */
    uint64_t tx_carried;        /* Associations that took over records
                                 * from the previous one. */
    uint64_t errors;            /* Failed work requests. */
};

void remote_vsi_get_stats(const struct remote_vsi *,
                          struct remote_vsi_stats *);

#endif /* remote-vsi.h */
