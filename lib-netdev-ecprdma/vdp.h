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

#ifndef VDP_H
#define VDP_H 1

/* VDP, the VSI Discovery and Configuration Protocol of IEEE 802.1Qbg (ECP
 * subtype 1): encoding and strict decoding of one VDP ECPDU payload, laid
 * out as the ratified standard ("VDP22" in lldpad) has it.
 *
 * A payload is a list of TLVs, each with a 2-octet header, 7-bit type and
 * 9-bit length of the information that follows, ended by an END TLV (type
 * 0, length 0).  ECP has no length field, so whatever follows the END TLV
 * (Ethernet padding) is ignored.  The payloads handled here carry:
 *
 *   - one VSI Manager ID TLV (type 5, 16 octets), first;
 *   - one VSI TLV, whose type is the request or response kind
 *     (PRE-ASSOCIATE 1, PRE-ASSOCIATE with resource reservation 2,
 *     ASSOCIATE 3, DE-ASSOCIATE 4):
 *
 *         u8  status     request: M 0x10, S 0x20; response: ACK 0x40,
 *                        KEEP 0x20, HARD 0x10, status code in bits 3-0
 *         u24 VSI type ID
 *         u8  VSI type version
 *         u8  VSIID format (VDP_VSIID_*)
 *         16  VSIID
 *         u8  filter info format (VDP_FILTER_*)
 *         u16 number of filter entries, then the entries:
 *             [u32 group ID] [6-octet MAC] u16 PS(15) PCP(14-12) VID(11-0)
 *
 *   - optionally, after the VSI TLV, organizationally specific TLVs (type
 *     127: 3-octet OUI, 1-octet subtype, data) with the OUI VDP_ROE_OUI
 *     that carry the RoE parameters of the association, one item per TLV:
 *
 *         1 QP    (at most one)  u32 QPN (bits 31-24 zero), u16 initial
 *                 PSN, u16 segment size (not 0), u16 window (1..32767),
 *                 u8 RTE (0..31), u8 max tries (bits 7-5) and RNR retry
 *                 (bits 4-2; bits 1-0 zero), u16 max outstanding READs
 *         2 MR    (repeatable)   u32 rkey, u32 access (VDP_MR_*), u64 iova,
 *                 u64 length (not 0, iova + length at most 2^64)
 *         3 RING  (repeatable)   u16 ring id, u8 kind (VDP_RING_*), u8 log2
 *                 entry size (3..16), u8 log2 entries (1..15), u8 flags
 *                 (zero), u64 base iova, u32 rkey, u64 producer index
 *                 iova, u64 consumer index iova
 *         4 PORT  (at most one)  6-octet MAC, u16 VLAN TCI
 *         5 AUTH  (at most one, the last TLV before END)  u8 flags
 *                 (VDP_AUTH_*), u8 algorithm (VDP_AUTH_HMAC_SHA256), u64
 *                 session ID (not 0), u64 nonce (not 0), u64 echo, u64
 *                 counter (not 0), 32-octet MAC
 *         6 IFACE (at most one)  the name of the VM's interface in the
 *                 management system (OVN's logical port, OVS's
 *                 external_ids "iface-id"): 1 to VDP_NAME_MAX printable
 *                 ASCII characters other than space, no terminator
 *         7 VM    (at most one)  the VM's name or id ("vm-id"), the same
 *                 way
 *
 *     Organizationally specific TLVs of other OUIs are skipped.
 *
 *   - The AUTH TLV protects the whole payload, from the first octet to the
 *     END TLV, with an HMAC-SHA256 computed over it with the MAC field
 *     zeroed (vdp-auth.h); see Documentation/roe.rst for the scheme.
 *
 * All integers are in network byte order.  Nothing here does I/O or keeps
 * state. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The OUI of the RoE organizationally specific TLV.  0A-EC-DA is a
 * CID-format value (its second nibble is 0xA), NOT assigned by the IEEE to
 * this project: the RoE TLVs are experimental.  Define VDP_ROE_OUI at build
 * time to use another value; both ends must agree. */
#ifndef VDP_ROE_OUI
#define VDP_ROE_OUI 0x0aecda
#endif

enum vdp_tlv_type {
    VDP_TLV_END = 0,
    VDP_TLV_PREASSOC = 1,
    VDP_TLV_PREASSOC_RR = 2,
    VDP_TLV_ASSOC = 3,
    VDP_TLV_DEASSOC = 4,
    VDP_TLV_MANAGER_ID = 5,
    VDP_TLV_ORG = 127,
};

#define VDP_TLV_HEADER_LEN 2
#define VDP_TLV_MAX_LEN 511         /* 9 bits. */
#define VDP_MANAGER_ID_LEN 16
#define VDP_VSIID_LEN 16
#define VDP_VSI_FIXED_LEN 25        /* VSI TLV information before entries. */

/* VSI TLV status octet. */
#define VDP_REQ_M 0x10              /* Request: migrate to. */
#define VDP_REQ_S 0x20              /* Request: suspended (migrate from). */
#define VDP_RESP_ACK 0x40           /* This is a response. */
#define VDP_RESP_KEEP 0x20          /* Response: keep the previous state. */
#define VDP_RESP_HARD 0x10          /* Response: hard error. */
#define VDP_STATUS_MASK 0x0f
#define VDP_STATUS_RESERVED 0x80

enum vdp_status {
    VDP_STATUS_SUCCESS = 0,
    VDP_STATUS_INVALID_FORMAT = 1,
    VDP_STATUS_INSUFFICIENT_RESOURCES = 2,
    VDP_STATUS_UNABLE_TO_CONTACT_MANAGER = 3,
    VDP_STATUS_OTHER = 4,
    VDP_STATUS_INVALID_FILTER = 5,  /* Invalid VID, GroupID or MAC. */
    VDP_STATUS_MAX = 5,
};

enum vdp_vsiid_format {
    VDP_VSIID_IPV4 = 1,
    VDP_VSIID_IPV6 = 2,
    VDP_VSIID_MAC = 3,
    VDP_VSIID_LOCAL = 4,
    VDP_VSIID_UUID = 5,
};

enum vdp_filter_format {
    VDP_FILTER_VID = 1,
    VDP_FILTER_MAC_VID = 2,
    VDP_FILTER_GROUP_VID = 3,
    VDP_FILTER_GROUP_MAC_VID = 4,
};

/* Limits of struct vdp_message; longer lists are refused. */
#define VDP_MAX_FILTERS 16
#define VDP_MAX_MRS 16
#define VDP_MAX_RINGS 8

/* RoE organizationally specific TLV subtypes. */
enum vdp_roe_subtype {
    VDP_ROE_QP = 1,
    VDP_ROE_MR = 2,
    VDP_ROE_RING = 3,
    VDP_ROE_PORT = 4,
    VDP_ROE_AUTH = 5,
    VDP_ROE_IFACE_ID = 6,
    VDP_ROE_VM_ID = 7,
};

/* Longest IFACE-ID or VM-ID. */
#define VDP_NAME_MAX 128

/* Length of each RoE TLV's data, after OUI and subtype. */
#define VDP_ROE_QP_LEN 14
#define VDP_ROE_MR_LEN 24
#define VDP_ROE_RING_LEN 34
#define VDP_ROE_PORT_LEN 8
#define VDP_ROE_AUTH_LEN 66

/* MR access bits (as IBV_ACCESS_REMOTE_*). */
#define VDP_MR_REMOTE_WRITE 2
#define VDP_MR_REMOTE_READ 4

enum vdp_ring_kind {
    VDP_RING_VM_TX = 0,
    VDP_RING_VM_RX = 1,
    VDP_RING_INGRESS = 2,
    VDP_RING_EGRESS = 3,
};

#define VDP_RING_LOG2_ENTRY_SIZE_MIN 3
#define VDP_RING_LOG2_ENTRY_SIZE_MAX 16
#define VDP_RING_LOG2_ENTRIES_MIN 1
#define VDP_RING_LOG2_ENTRIES_MAX 15

#define VDP_QPN_MAX 0xffffff
#define VDP_WINDOW_MAX 32767
#define VDP_RTE_MAX 31
#define VDP_RETRY_MAX 7

/* One filter entry.  Which of 'group_id' and 'mac' are meaningful depends
 * on the filter format; the others are zero when decoded and ignored when
 * encoded. */
struct vdp_filter {
    uint32_t group_id;
    uint8_t mac[6];
    bool ps;                    /* Priority present. */
    uint8_t pcp;                /* 0..7. */
    uint16_t vid;               /* 0..4095. */
};

struct vdp_vsi {
    uint8_t mode;               /* VDP_TLV_PREASSOC..VDP_TLV_DEASSOC. */
    bool response;              /* ACK bit. */
    uint8_t flags;              /* Request: VDP_REQ_M, VDP_REQ_S; response:
                                 * VDP_RESP_KEEP, VDP_RESP_HARD. */
    uint8_t status;             /* enum vdp_status; zero in requests. */
    uint32_t type_id;           /* 24 bits. */
    uint8_t type_version;
    uint8_t vsiid_format;       /* enum vdp_vsiid_format. */
    uint8_t vsiid[VDP_VSIID_LEN];
    uint8_t filter_format;      /* enum vdp_filter_format. */
    size_t n_filters;           /* 1..VDP_MAX_FILTERS. */
    struct vdp_filter filters[VDP_MAX_FILTERS];
};

struct vdp_qp {
    uint32_t qpn;               /* 24 bits. */
    uint16_t initial_psn;
    uint16_t segment_size;      /* Not 0. */
    uint16_t window;            /* 1..VDP_WINDOW_MAX. */
    uint8_t rte;                /* 0..VDP_RTE_MAX. */
    uint8_t max_tries;          /* 0..VDP_RETRY_MAX. */
    uint8_t rnr_retry;          /* 0..VDP_RETRY_MAX. */
    uint16_t max_rd_atomic;     /* Outstanding READs. */
};

struct vdp_mr {
    uint32_t rkey;              /* Unique within a message. */
    uint32_t access;            /* VDP_MR_* bits only. */
    uint64_t iova;
    uint64_t length;            /* Not 0; iova + length <= 2^64. */
};

struct vdp_ring {
    uint16_t id;                /* Unique within a message. */
    uint8_t kind;               /* enum vdp_ring_kind. */
    uint8_t log2_entry_size;
    uint8_t log2_entries;
    uint8_t flags;              /* None defined: zero. */
    uint64_t base_iova;         /* Ring must not wrap around 2^64. */
    uint32_t rkey;
    uint64_t producer_iova;
    uint64_t consumer_iova;
};

struct vdp_port {
    uint8_t mac[6];
    uint16_t vlan_tci;
};

/* AUTH TLV flags. */
#define VDP_AUTH_BRIDGE 0x80        /* Sent by the bridge (switch); clear
                                     * when sent by the station. */
#define VDP_AUTH_CHALLENGE 0x40     /* Carries only the sender's nonce: the
                                     * rest of the message is to be
                                     * ignored. */
#define VDP_AUTH_FLAGS (VDP_AUTH_BRIDGE | VDP_AUTH_CHALLENGE)

/* AUTH TLV algorithms. */
#define VDP_AUTH_HMAC_SHA256 1

#define VDP_AUTH_MAC_LEN 32

/* The integrity TLV. */
struct vdp_auth {
    uint8_t flags;              /* VDP_AUTH_* bits only. */
    uint8_t algorithm;          /* VDP_AUTH_HMAC_SHA256. */
    uint64_t session_id;        /* The sender's session: not 0. */
    uint64_t nonce;             /* The sender's current nonce: not 0. */
    uint64_t echo;              /* The receiver's nonce, as last heard by
                                 * the sender; 0 if none. */
    uint64_t counter;           /* Per sender session, from 1 up. */
    uint8_t mac[VDP_AUTH_MAC_LEN];

    /* Set by vdp_decode(), ignored by vdp_encode(): where the MAC field
     * is in the payload, and the length of the payload through its END
     * TLV, which the MAC covers. */
    size_t mac_ofs;
    size_t signed_len;
};

/* The RoE parameters: all optional. */
struct vdp_roe {
    bool has_qp;
    struct vdp_qp qp;
    size_t n_mrs;
    struct vdp_mr mrs[VDP_MAX_MRS];
    size_t n_rings;
    struct vdp_ring rings[VDP_MAX_RINGS];
    bool has_port;
    struct vdp_port port;
    char iface_id[VDP_NAME_MAX + 1];    /* "" if absent. */
    char vm_id[VDP_NAME_MAX + 1];       /* "" if absent. */
};

/* A whole VDP ECPDU payload. */
struct vdp_message {
    uint8_t manager_id[VDP_MANAGER_ID_LEN];
    struct vdp_vsi vsi;
    struct vdp_roe roe;
    bool has_auth;              /* The AUTH TLV, encoded last. */
    struct vdp_auth auth;
};

/* Largest encoding of a struct vdp_message: every list full, filters of the
 * largest format. */
#define VDP_MESSAGE_MAX_LEN                                             \
    (VDP_TLV_HEADER_LEN + VDP_MANAGER_ID_LEN                            \
     + VDP_TLV_HEADER_LEN + VDP_VSI_FIXED_LEN + VDP_MAX_FILTERS * 12    \
     + 6 + VDP_ROE_QP_LEN                                               \
     + VDP_MAX_MRS * (6 + VDP_ROE_MR_LEN)                               \
     + VDP_MAX_RINGS * (6 + VDP_ROE_RING_LEN)                           \
     + 6 + VDP_ROE_PORT_LEN                                             \
     + 2 * (6 + VDP_NAME_MAX)                                           \
     + 6 + VDP_ROE_AUTH_LEN                                             \
     + VDP_TLV_HEADER_LEN)

/* The offset of the AUTH TLV's MAC in an encoding of 'len' octets that
 * vdp_encode() returned for a message with an AUTH TLV. */
#define VDP_AUTH_MAC_OFS(LEN) \
    ((LEN) - VDP_TLV_HEADER_LEN - VDP_AUTH_MAC_LEN)

int vdp_encode(const struct vdp_message *, void *buf, size_t size,
               char **errorp);
int vdp_decode(const void *buf, size_t len, struct vdp_message *,
               char **errorp);
char *vdp_validate(const struct vdp_message *)
    __attribute__((warn_unused_result));
int vdp_make_response(const struct vdp_message *request, uint8_t status,
                      uint8_t flags, struct vdp_message *response);
size_t vdp_format(const struct vdp_message *, char *buf, size_t size);
char *vdp_to_string(const struct vdp_message *);

/* True if 'name' may be an IFACE-ID or a VM-ID: 1 to VDP_NAME_MAX
 * printable ASCII characters other than space. */
bool vdp_name_is_valid(const char *name);

const char *vdp_tlv_type_to_string(unsigned int type);
const char *vdp_status_to_string(unsigned int status);

#endif /* vdp.h */
