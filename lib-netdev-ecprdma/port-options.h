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

#ifndef PORT_OPTIONS_H
#define PORT_OPTIONS_H 1

/* The options of an ecp-rdma port.
 *
 * A port has one role (vm, uplink, switch or vsi), and each role accepts its
 * own set of options.  port_options_parse() validates a complete set of
 * key/value pairs, as found in the Interface table's "options" column, and
 * either fills in a 'struct port_options' or explains, naming the option and
 * the accepted values, why the set is not acceptable.  This module knows
 * nothing of Open vSwitch. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum port_role {
    PORT_ROLE_VM,               /* A VM's memif port on a server. */
    PORT_ROLE_UPLINK,           /* The server's ECP endpoint on one link. */
    PORT_ROLE_SWITCH,           /* The switch's end of one server link. */
    PORT_ROLE_VSI,              /* One remote VM, on the switch. */
};

enum port_switching {
    PORT_SWITCHING_AUTO,        /* Remote while associated, else local. */
    PORT_SWITCHING_LOCAL,       /* Always switched by the server's bridge. */
    PORT_SWITCHING_REMOTE,      /* Always switched by the access switch. */
};

enum port_link_type {
    PORT_LINK_NONE,
    PORT_LINK_AFPACKET,         /* "afpacket:IFNAME". */
    PORT_LINK_AFXDP,            /* "afxdp:IFNAME[:QUEUE]". */
    PORT_LINK_UNIX,             /* "unix:PATH", connects. */
    PORT_LINK_PUNIX,            /* "punix:PATH", listens. */
};

/* Limits and defaults. */
enum {
    PORT_ID_MAX = UINT32_MAX,
    PORT_SECRET_MAX_LEN = 23,       /* memif's secret is 24 bytes with NUL. */
    PORT_SESSION_SECRET_MIN_LEN = 8,    /* VDP authentication secret. */
    PORT_SESSION_SECRET_MAX_LEN = 64,
    PORT_RING_SIZE_MIN = 2,
    PORT_RING_SIZE_MAX = 1 << 14,   /* memif's maximum log2 ring size is 14. */
    PORT_RING_SIZE_DEFAULT = 1024,
    PORT_BUFFER_SIZE_MIN = 128,
    PORT_BUFFER_SIZE_MAX = 65535,   /* memif descriptor lengths are 16 bits. */
    PORT_BUFFER_SIZE_DEFAULT = 2048,
    PORT_N_RXQ_MAX = 16,
    PORT_TX_RETRIES_MAX = 32,       /* As OVS-DPDK's vhost ports. */
    PORT_TX_RETRIES_DEFAULT = 8,
    PORT_RX_PARK_AFTER_MAX = 3600 * 1000,   /* One hour, in ms. */
    PORT_RX_PARK_AFTER_DEFAULT = 1000,
    PORT_MTU_MIN = 576,
    PORT_MTU_MAX = 9216,
    PORT_MTU_UNIX_DEFAULT = 9000,
    PORT_WINDOW_MAX = (1 << 15) - 1,
    PORT_WINDOW_DEFAULT = 128,
    PORT_RTE_MAX = 31,              /* 5 bits in the EVB TLV. */
    PORT_RTE_DEFAULT = 8,           /* 10 us * 2^8 = 2.56 ms. */
    PORT_MAX_TRIES_MAX = 7,         /* 3 bits in the EVB TLV. */
    PORT_MAX_TRIES_DEFAULT = 3,

    /* Caps on a session (see roe-session.h). */
    PORT_MAX_VSIS_MAX = 64,             /* ROE_SESSION_MAX_VSIS. */
    PORT_MAX_REGIONS_MAX = 256,         /* ROE_SESSION_MAX_REGIONS. */
    PORT_MAX_ASSOC_RATE_MAX = 1000000,
    PORT_MAX_ASSOC_RATE_DEFAULT = 16,
    PORT_MAX_MB_MAX = 1 << 30,          /* 1 PiB. */
    /* Uplink: what a VSI, and all of them, may export (MiB). */
    PORT_UPLINK_MAX_VSI_MB_DEFAULT = 64 * 1024,
    PORT_UPLINK_MAX_SESSION_MB_DEFAULT = 1024 * 1024,
    /* Switch: what it allocates for a station's VSI, and for all of the
     * station's VSIs (MiB). */
    PORT_SWITCH_MAX_VSI_MB_DEFAULT = 64,
    PORT_SWITCH_MAX_SESSION_MB_DEFAULT = 1024,
};

struct port_options {
    enum port_role role;

    /* Role "vm". */
    char *socket;               /* memif socket; NULL for the default. */
    uint32_t id;                /* memif interface id. */
    char *secret;               /* Role "vm": memif secret.  Roles "uplink"
                                 * and "switch": the session's VDP
                                 * authentication secret.  NULL for
                                 * none. */
    uint32_t ring_size;         /* Largest ring a client may use. */
    uint32_t buffer_size;       /* Largest frame accepted from a client. */
    uint32_t n_rxq;             /* Number of queue pairs. */
    uint32_t tx_retries;        /* Tries again when a client's ring is
                                 * full. */
    uint32_t rx_park_after;     /* Milliseconds that a C2S ring stays empty
                                 * before the PMD threads stop polling it,
                                 * 0 for never. */
    char *uplink;               /* Name of the uplink port, or NULL. */
    enum port_switching switching;
    bool has_mac;               /* 'mac' is the VM's. */
    uint8_t mac[6];             /* The VM's MAC address, told to the
                                 * switch. */
    char *iface_id;             /* Told to the switch, or NULL. */
    char *vm_id;                /* The same. */

    /* Roles "uplink" and "switch". */
    enum port_link_type link_type;
    char *link_target;          /* Interface name or socket path. */
    uint32_t mtu;               /* 0: the interface's MTU. */
    uint32_t window;            /* RoE PSNs in flight. */
    uint32_t rte;               /* Retransmit timeout is 10 us * 2^rte. */
    uint32_t max_tries;         /* Retransmissions before the QP fails. */
    uint32_t max_vsis;          /* VSIs in the session at once. */
    uint32_t max_vsi_mb;        /* Uplink: memory a VSI exports.  Switch:
                                 * memory it allocates for a VSI.  MiB. */
    uint32_t max_session_mb;    /* The same, for all VSIs together. */
    uint32_t max_regions;       /* Uplink: registered regions. */
    uint32_t max_assoc_rate;    /* Switch: associations per second. */

    /* Role "vsi". */
    char *session;              /* Name of the switch port. */
    uint8_t vsi_id[16];         /* VDP VSI ID (a UUID). */
};

void port_options_init(struct port_options *);
/* The defaults of 'role'. */
void port_options_init_for_role(struct port_options *, enum port_role);
void port_options_destroy(struct port_options *);
void port_options_clone(struct port_options *dst,
                        const struct port_options *src);
char *port_options_parse(struct port_options *, size_t n,
                         const char *const keys[], const char *const values[])
    __attribute__((warn_unused_result));
bool port_options_equal(const struct port_options *,
                        const struct port_options *);

const char *port_role_to_string(enum port_role);
const char *port_switching_to_string(enum port_switching);
const char *port_link_type_to_string(enum port_link_type);

/* Formats 'id' as a UUID string into 'buf', which must have room for 37
 * bytes, and returns 'buf'. */
char *port_vsi_id_format(const uint8_t id[16], char buf[37]);

#endif /* port-options.h */
