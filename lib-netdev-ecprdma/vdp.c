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

#include "vdp.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ecprdma-byte-order.h"
#include "xalloc.h"

/* Room for any error message produced here. */
#define ERR_LEN 160

static int fail(char err[ERR_LEN], const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Formats an error message into 'err' and returns EINVAL. */
static int
fail(char err[ERR_LEN], const char *format, ...)
{
    va_list args;

    va_start(args, format);
    vsnprintf(err, ERR_LEN, format, args);
    va_end(args);
    return EINVAL;
}

static uint8_t *
put_u8(uint8_t *p, uint8_t x)
{
    *p = x;
    return p + 1;
}

static uint8_t *
put_bytes(uint8_t *p, const void *data, size_t n)
{
    memcpy(p, data, n);
    return p + n;
}

static uint8_t *
put_tlv_header(uint8_t *p, unsigned int type, size_t len)
{
    return put_be16(p, (type & 0x7f) << 9 | (len & VDP_TLV_MAX_LEN));
}

const char *
vdp_tlv_type_to_string(unsigned int type)
{
    switch (type) {
    case VDP_TLV_END:
        return "END";
    case VDP_TLV_PREASSOC:
        return "PREASSOC";
    case VDP_TLV_PREASSOC_RR:
        return "PREASSOC-RR";
    case VDP_TLV_ASSOC:
        return "ASSOC";
    case VDP_TLV_DEASSOC:
        return "DEASSOC";
    case VDP_TLV_MANAGER_ID:
        return "Manager ID";
    case VDP_TLV_ORG:
        return "organizationally specific";
    }
    return "unknown";
}

const char *
vdp_status_to_string(unsigned int status)
{
    switch (status) {
    case VDP_STATUS_SUCCESS:
        return "success";
    case VDP_STATUS_INVALID_FORMAT:
        return "invalid-format";
    case VDP_STATUS_INSUFFICIENT_RESOURCES:
        return "insufficient-resources";
    case VDP_STATUS_UNABLE_TO_CONTACT_MANAGER:
        return "unable-to-contact-manager";
    case VDP_STATUS_OTHER:
        return "other";
    case VDP_STATUS_INVALID_FILTER:
        return "invalid-filter";
    }
    return "unknown";
}

static const char *
vsiid_format_to_string(unsigned int format)
{
    switch (format) {
    case VDP_VSIID_IPV4:
        return "ipv4";
    case VDP_VSIID_IPV6:
        return "ipv6";
    case VDP_VSIID_MAC:
        return "mac";
    case VDP_VSIID_LOCAL:
        return "local";
    case VDP_VSIID_UUID:
        return "uuid";
    }
    return "unknown";
}

static const char *
filter_format_to_string(unsigned int format)
{
    switch (format) {
    case VDP_FILTER_VID:
        return "vid";
    case VDP_FILTER_MAC_VID:
        return "mac-vid";
    case VDP_FILTER_GROUP_VID:
        return "group-vid";
    case VDP_FILTER_GROUP_MAC_VID:
        return "group-mac-vid";
    }
    return "unknown";
}

static const char *
ring_kind_to_string(unsigned int kind)
{
    switch (kind) {
    case VDP_RING_VM_TX:
        return "vm-tx";
    case VDP_RING_VM_RX:
        return "vm-rx";
    case VDP_RING_INGRESS:
        return "ingress";
    case VDP_RING_EGRESS:
        return "egress";
    }
    return "unknown";
}

/* Returns the size of one filter entry in 'format', or 0 if 'format' is not
 * defined. */
static size_t
filter_entry_len(unsigned int format)
{
    switch (format) {
    case VDP_FILTER_VID:
        return 2;
    case VDP_FILTER_MAC_VID:
        return 8;
    case VDP_FILTER_GROUP_VID:
        return 6;
    case VDP_FILTER_GROUP_MAC_VID:
        return 12;
    }
    return 0;
}

static bool
filter_has_group(unsigned int format)
{
    return (format == VDP_FILTER_GROUP_VID
            || format == VDP_FILTER_GROUP_MAC_VID);
}

static bool
filter_has_mac(unsigned int format)
{
    return (format == VDP_FILTER_MAC_VID
            || format == VDP_FILTER_GROUP_MAC_VID);
}

/* Semantic checks, shared by the decoder (on what it decoded) and the
 * encoder (on what it is asked to encode). */

static int
check_vsi(const struct vdp_vsi *vsi, char err[ERR_LEN])
{
    if (vsi->mode < VDP_TLV_PREASSOC || vsi->mode > VDP_TLV_DEASSOC) {
        return fail(err, "VSI TLV: mode %u is not defined", vsi->mode);
    }
    if (vsi->flags & ~(VDP_REQ_M | VDP_REQ_S)) {
        return fail(err, "VSI TLV: flags 0x%02x are not defined",
                    vsi->flags);
    }
    if (vsi->status > VDP_STATUS_MAX) {
        return fail(err, "VSI TLV: status code %u is not defined",
                    vsi->status);
    }
    if (!vsi->response && vsi->status) {
        return fail(err, "VSI TLV: status code %u in a request",
                    vsi->status);
    }
    if (vsi->type_id > 0xffffff) {
        return fail(err, "VSI TLV: type ID 0x%"PRIx32" is wider than "
                    "24 bits", vsi->type_id);
    }
    if (vsi->vsiid_format < VDP_VSIID_IPV4
        || vsi->vsiid_format > VDP_VSIID_UUID) {
        return fail(err, "VSI TLV: VSIID format %u is not defined",
                    vsi->vsiid_format);
    }
    if (!filter_entry_len(vsi->filter_format)) {
        return fail(err, "VSI TLV: filter format %u is not defined",
                    vsi->filter_format);
    }
    if (!vsi->n_filters) {
        return fail(err, "VSI TLV: no filter entries");
    }
    if (vsi->n_filters > VDP_MAX_FILTERS) {
        return fail(err, "VSI TLV: %zu filter entries, at most %d "
                    "supported", vsi->n_filters, VDP_MAX_FILTERS);
    }
    for (size_t i = 0; i < vsi->n_filters; i++) {
        const struct vdp_filter *f = &vsi->filters[i];

        if (f->pcp > 7) {
            return fail(err, "VSI TLV: filter %zu: PCP %u is above 7",
                        i, f->pcp);
        }
        if (f->vid > 0xfff) {
            return fail(err, "VSI TLV: filter %zu: VID %u is above 4095",
                        i, f->vid);
        }
    }
    return 0;
}

static int
check_qp(const struct vdp_qp *qp, char err[ERR_LEN])
{
    if (qp->qpn > VDP_QPN_MAX) {
        return fail(err, "RoE QP TLV: reserved bits set in QPN 0x%08"PRIx32,
                    qp->qpn);
    }
    if (!qp->segment_size) {
        return fail(err, "RoE QP TLV: segment size 0");
    }
    if (!qp->window || qp->window > VDP_WINDOW_MAX) {
        return fail(err, "RoE QP TLV: window %u is not between 1 and %d",
                    qp->window, VDP_WINDOW_MAX);
    }
    if (qp->rte > VDP_RTE_MAX) {
        return fail(err, "RoE QP TLV: RTE %u is above %d", qp->rte,
                    VDP_RTE_MAX);
    }
    if (qp->max_tries > VDP_RETRY_MAX) {
        return fail(err, "RoE QP TLV: max tries %u is above %d",
                    qp->max_tries, VDP_RETRY_MAX);
    }
    if (qp->rnr_retry > VDP_RETRY_MAX) {
        return fail(err, "RoE QP TLV: RNR retry %u is above %d",
                    qp->rnr_retry, VDP_RETRY_MAX);
    }
    return 0;
}

/* Checks 'roe->mrs[i]', including against the MRs before it. */
static int
check_mr(const struct vdp_roe *roe, size_t i, char err[ERR_LEN])
{
    const struct vdp_mr *mr = &roe->mrs[i];

    if (mr->access & ~(uint32_t) (VDP_MR_REMOTE_WRITE
                                  | VDP_MR_REMOTE_READ)) {
        return fail(err, "RoE MR 0x%08"PRIx32": reserved access bits "
                    "0x%08"PRIx32" set", mr->rkey,
                    mr->access & ~(uint32_t) (VDP_MR_REMOTE_WRITE
                                              | VDP_MR_REMOTE_READ));
    }
    if (!mr->length) {
        return fail(err, "RoE MR 0x%08"PRIx32": length 0", mr->rkey);
    }
    if (mr->length - 1 > UINT64_MAX - mr->iova) {
        return fail(err, "RoE MR 0x%08"PRIx32": iova 0x%"PRIx64
                    " + length 0x%"PRIx64" overflows", mr->rkey,
                    mr->iova, mr->length);
    }
    for (size_t j = 0; j < i; j++) {
        if (roe->mrs[j].rkey == mr->rkey) {
            return fail(err, "RoE MR 0x%08"PRIx32": rkey appears twice",
                        mr->rkey);
        }
    }
    return 0;
}

/* Checks 'roe->rings[i]', including against the rings before it. */
static int
check_ring(const struct vdp_roe *roe, size_t i, char err[ERR_LEN])
{
    const struct vdp_ring *r = &roe->rings[i];
    uint64_t size;

    if (r->kind > VDP_RING_EGRESS) {
        return fail(err, "RoE ring %u: kind %u is not defined",
                    r->id, r->kind);
    }
    if (r->log2_entry_size < VDP_RING_LOG2_ENTRY_SIZE_MIN
        || r->log2_entry_size > VDP_RING_LOG2_ENTRY_SIZE_MAX) {
        return fail(err, "RoE ring %u: log2 entry size %u is not between "
                    "%d and %d", r->id, r->log2_entry_size,
                    VDP_RING_LOG2_ENTRY_SIZE_MIN,
                    VDP_RING_LOG2_ENTRY_SIZE_MAX);
    }
    if (r->log2_entries < VDP_RING_LOG2_ENTRIES_MIN
        || r->log2_entries > VDP_RING_LOG2_ENTRIES_MAX) {
        return fail(err, "RoE ring %u: log2 entries %u is not between "
                    "%d and %d", r->id, r->log2_entries,
                    VDP_RING_LOG2_ENTRIES_MIN, VDP_RING_LOG2_ENTRIES_MAX);
    }
    if (r->flags) {
        return fail(err, "RoE ring %u: reserved flags 0x%02x set",
                    r->id, r->flags);
    }
    size = UINT64_C(1) << (r->log2_entry_size + r->log2_entries);
    if (size - 1 > UINT64_MAX - r->base_iova) {
        return fail(err, "RoE ring %u: base iova 0x%"PRIx64" + size 0x%"
                    PRIx64" overflows", r->id, r->base_iova, size);
    }
    for (size_t j = 0; j < i; j++) {
        if (roe->rings[j].id == r->id) {
            return fail(err, "RoE ring %u: ring id appears twice", r->id);
        }
    }
    return 0;
}

static int
check_auth(const struct vdp_auth *auth, char err[ERR_LEN])
{
    if (auth->flags & ~VDP_AUTH_FLAGS) {
        return fail(err, "RoE AUTH TLV: reserved flags 0x%02x set",
                    auth->flags & ~VDP_AUTH_FLAGS);
    }
    if (auth->algorithm != VDP_AUTH_HMAC_SHA256) {
        return fail(err, "RoE AUTH TLV: algorithm %u is not defined",
                    auth->algorithm);
    }
    if (!auth->session_id || !auth->nonce || !auth->counter) {
        return fail(err, "RoE AUTH TLV: session ID, nonce or counter is 0");
    }
    return 0;
}

/* True if 'c' may be in an IFACE-ID or a VM-ID. */
static bool
is_name_char(uint8_t c)
{
    return c > ' ' && c <= '~';
}

bool
vdp_name_is_valid(const char *name)
{
    size_t len = strnlen(name, VDP_NAME_MAX + 1);

    if (!len || len > VDP_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!is_name_char(name[i])) {
            return false;
        }
    }
    return true;
}

/* Checks the IFACE-ID or VM-ID 'name' of a message to encode, absent if
 * "". */
static int
check_name(const char *what, const char *name, char err[ERR_LEN])
{
    return (!name[0] || vdp_name_is_valid(name) ? 0
            : fail(err, "RoE %s: expected 1 to %d printable characters "
                   "other than space", what, VDP_NAME_MAX));
}

static int
validate(const struct vdp_message *msg, char err[ERR_LEN])
{
    const struct vdp_roe *roe = &msg->roe;
    int error;

    error = check_vsi(&msg->vsi, err);
    if (!error && roe->has_qp) {
        error = check_qp(&roe->qp, err);
    }
    if (!error && roe->n_mrs > VDP_MAX_MRS) {
        error = fail(err, "RoE: %zu MRs, at most %d supported",
                     roe->n_mrs, VDP_MAX_MRS);
    }
    for (size_t i = 0; !error && i < roe->n_mrs; i++) {
        error = check_mr(roe, i, err);
    }
    if (!error && roe->n_rings > VDP_MAX_RINGS) {
        error = fail(err, "RoE: %zu rings, at most %d supported",
                     roe->n_rings, VDP_MAX_RINGS);
    }
    for (size_t i = 0; !error && i < roe->n_rings; i++) {
        error = check_ring(roe, i, err);
    }
    if (!error) {
        error = check_name("IFACE-ID", roe->iface_id, err);
    }
    if (!error) {
        error = check_name("VM-ID", roe->vm_id, err);
    }
    if (!error && msg->has_auth) {
        error = check_auth(&msg->auth, err);
    }
    return error;
}

/* Checks that 'msg' may be encoded: every field in range, as vdp_decode()
 * requires.  Returns NULL if so, otherwise an error message that the
 * caller must free(). */
char *
vdp_validate(const struct vdp_message *msg)
{
    char err[ERR_LEN];

    return validate(msg, err) ? xalloc_strdup(err) : NULL;
}

static size_t
encoded_len(const struct vdp_message *msg)
{
    const struct vdp_roe *roe = &msg->roe;
    size_t org = VDP_TLV_HEADER_LEN + 4;

    return (VDP_TLV_HEADER_LEN + VDP_MANAGER_ID_LEN
            + VDP_TLV_HEADER_LEN + VDP_VSI_FIXED_LEN
            + msg->vsi.n_filters * filter_entry_len(msg->vsi.filter_format)
            + (roe->has_qp ? org + VDP_ROE_QP_LEN : 0)
            + roe->n_mrs * (org + VDP_ROE_MR_LEN)
            + roe->n_rings * (org + VDP_ROE_RING_LEN)
            + (roe->has_port ? org + VDP_ROE_PORT_LEN : 0)
            + (roe->iface_id[0] ? org + strlen(roe->iface_id) : 0)
            + (roe->vm_id[0] ? org + strlen(roe->vm_id) : 0)
            + (msg->has_auth ? org + VDP_ROE_AUTH_LEN : 0)
            + VDP_TLV_HEADER_LEN);
}

static uint8_t *
put_roe_header(uint8_t *p, enum vdp_roe_subtype subtype, size_t data_len)
{
    p = put_tlv_header(p, VDP_TLV_ORG, 4 + data_len);
    p = put_be24(p, VDP_ROE_OUI);
    return put_u8(p, subtype);
}

/* Puts the VSI TLV of 'vsi', its filter entries included, at 'p'. */
static uint8_t *
put_vsi(uint8_t *p, const struct vdp_vsi *vsi)
{
    p = put_tlv_header(p, vsi->mode, VDP_VSI_FIXED_LEN
                       + vsi->n_filters
                         * filter_entry_len(vsi->filter_format));
    p = put_u8(p, ((vsi->response ? VDP_RESP_ACK : 0) | vsi->flags
                   | vsi->status));
    p = put_be24(p, vsi->type_id);
    p = put_u8(p, vsi->type_version);
    p = put_u8(p, vsi->vsiid_format);
    p = put_bytes(p, vsi->vsiid, VDP_VSIID_LEN);
    p = put_u8(p, vsi->filter_format);
    p = put_be16(p, vsi->n_filters);
    for (size_t i = 0; i < vsi->n_filters; i++) {
        const struct vdp_filter *f = &vsi->filters[i];

        if (filter_has_group(vsi->filter_format)) {
            p = put_be32(p, f->group_id);
        }
        if (filter_has_mac(vsi->filter_format)) {
            p = put_bytes(p, f->mac, 6);
        }
        p = put_be16(p, (f->ps ? 0x8000 : 0) | f->pcp << 12 | f->vid);
    }
    return p;
}

/* put_roe_qp(), put_roe_mr(), put_roe_ring() and put_roe_auth() put the
 * RoE TLV of their subtype at 'p' and return the octet after it. */
static uint8_t *
put_roe_qp(uint8_t *p, const struct vdp_qp *qp)
{
    p = put_roe_header(p, VDP_ROE_QP, VDP_ROE_QP_LEN);
    p = put_be32(p, qp->qpn);
    p = put_be16(p, qp->initial_psn);
    p = put_be16(p, qp->segment_size);
    p = put_be16(p, qp->window);
    p = put_u8(p, qp->rte);
    p = put_u8(p, qp->max_tries << 5 | qp->rnr_retry << 2);
    return put_be16(p, qp->max_rd_atomic);
}

static uint8_t *
put_roe_mr(uint8_t *p, const struct vdp_mr *mr)
{
    p = put_roe_header(p, VDP_ROE_MR, VDP_ROE_MR_LEN);
    p = put_be32(p, mr->rkey);
    p = put_be32(p, mr->access);
    p = put_be64(p, mr->iova);
    return put_be64(p, mr->length);
}

static uint8_t *
put_roe_ring(uint8_t *p, const struct vdp_ring *r)
{
    p = put_roe_header(p, VDP_ROE_RING, VDP_ROE_RING_LEN);
    p = put_be16(p, r->id);
    p = put_u8(p, r->kind);
    p = put_u8(p, r->log2_entry_size);
    p = put_u8(p, r->log2_entries);
    p = put_u8(p, r->flags);
    p = put_be64(p, r->base_iova);
    p = put_be32(p, r->rkey);
    p = put_be64(p, r->producer_iova);
    return put_be64(p, r->consumer_iova);
}

/* Puts the IFACE-ID or VM-ID TLV of 'subtype' that carries 'name' at
 * 'p', if 'name' is not "". */
static uint8_t *
put_roe_name(uint8_t *p, enum vdp_roe_subtype subtype, const char *name)
{
    size_t len = strlen(name);

    if (len) {
        p = put_roe_header(p, subtype, len);
        p = put_bytes(p, name, len);
    }
    return p;
}

static uint8_t *
put_roe_auth(uint8_t *p, const struct vdp_auth *a)
{
    p = put_roe_header(p, VDP_ROE_AUTH, VDP_ROE_AUTH_LEN);
    p = put_u8(p, a->flags);
    p = put_u8(p, a->algorithm);
    p = put_be64(p, a->session_id);
    p = put_be64(p, a->nonce);
    p = put_be64(p, a->echo);
    p = put_be64(p, a->counter);
    return put_bytes(p, a->mac, VDP_AUTH_MAC_LEN);
}

/* Encodes 'msg' into the 'size' octets at 'buf': Manager ID TLV, VSI TLV,
 * RoE TLVs (QP, MRs, rings, port, IFACE-ID, VM-ID, AUTH), END TLV.  The
 * AUTH TLV's MAC is written as it is in 'msg', normally zeros, for
 * vdp_auth_sign() to fill in at VDP_AUTH_MAC_OFS() of the length.
 * Returns the encoded length (at most VDP_MESSAGE_MAX_LEN), or -EINVAL if
 * 'msg' is not valid (see vdp_validate()) or -ENOSPC if 'size' is too
 * small.  On error, if 'errorp' is nonnull, stores in '*errorp' a message
 * that the caller must free(); on success stores NULL there. */
int
vdp_encode(const struct vdp_message *msg, void *buf, size_t size,
           char **errorp)
{
    const struct vdp_roe *roe = &msg->roe;
    char err[ERR_LEN];
    uint8_t *p = buf;
    size_t len;

    if (errorp) {
        *errorp = NULL;
    }
    if (validate(msg, err)) {
        if (errorp) {
            *errorp = xalloc_strdup(err);
        }
        return -EINVAL;
    }
    len = encoded_len(msg);
    if (len > size) {
        if (errorp) {
            *errorp = xalloc_printf("VDP message of %zu octets does not "
                                    "fit in %zu", len, size);
        }
        return -ENOSPC;
    }

    p = put_tlv_header(p, VDP_TLV_MANAGER_ID, VDP_MANAGER_ID_LEN);
    p = put_bytes(p, msg->manager_id, VDP_MANAGER_ID_LEN);
    p = put_vsi(p, &msg->vsi);
    if (roe->has_qp) {
        p = put_roe_qp(p, &roe->qp);
    }
    for (size_t i = 0; i < roe->n_mrs; i++) {
        p = put_roe_mr(p, &roe->mrs[i]);
    }
    for (size_t i = 0; i < roe->n_rings; i++) {
        p = put_roe_ring(p, &roe->rings[i]);
    }
    if (roe->has_port) {
        p = put_roe_header(p, VDP_ROE_PORT, VDP_ROE_PORT_LEN);
        p = put_bytes(p, roe->port.mac, 6);
        p = put_be16(p, roe->port.vlan_tci);
    }
    p = put_roe_name(p, VDP_ROE_IFACE_ID, roe->iface_id);
    p = put_roe_name(p, VDP_ROE_VM_ID, roe->vm_id);
    if (msg->has_auth) {
        p = put_roe_auth(p, &msg->auth);
    }
    p = put_tlv_header(p, VDP_TLV_END, 0);
    return p - (uint8_t *) buf;
}

/* Decodes the VSI TLV of type 'mode' whose 'len' octets of information are
 * at 'p'. */
static int
decode_vsi(unsigned int mode, const uint8_t *p, size_t len,
           struct vdp_vsi *vsi, char err[ERR_LEN])
{
    size_t entry_len, count;
    uint8_t status;

    if (len < VDP_VSI_FIXED_LEN) {
        return fail(err, "VSI TLV: length %zu is shorter than %d", len,
                    VDP_VSI_FIXED_LEN);
    }
    vsi->mode = mode;
    status = p[0];
    if (status & VDP_STATUS_RESERVED) {
        return fail(err, "VSI TLV: reserved status bit 0x%02x set",
                    VDP_STATUS_RESERVED);
    }
    vsi->response = (status & VDP_RESP_ACK) != 0;
    vsi->flags = status & (VDP_RESP_KEEP | VDP_RESP_HARD);
    vsi->status = status & VDP_STATUS_MASK;
    if (vsi->response) {
        if (vsi->status > VDP_STATUS_MAX) {
            return fail(err, "VSI TLV: status code %u is not defined",
                        vsi->status);
        }
    } else if (vsi->status) {
        return fail(err, "VSI TLV: reserved status bits 0x%02x set in a "
                    "request", vsi->status);
    }
    vsi->type_id = get_be24(p + 1);
    vsi->type_version = p[4];
    vsi->vsiid_format = p[5];
    if (vsi->vsiid_format < VDP_VSIID_IPV4
        || vsi->vsiid_format > VDP_VSIID_UUID) {
        return fail(err, "VSI TLV: VSIID format %u is not defined",
                    vsi->vsiid_format);
    }
    memcpy(vsi->vsiid, p + 6, VDP_VSIID_LEN);
    vsi->filter_format = p[22];
    entry_len = filter_entry_len(vsi->filter_format);
    if (!entry_len) {
        return fail(err, "VSI TLV: filter format %u is not defined",
                    vsi->filter_format);
    }
    count = get_be16(p + 23);
    if (count * entry_len != len - VDP_VSI_FIXED_LEN) {
        return fail(err, "VSI TLV: filter count %zu does not match length "
                    "%zu", count, len);
    }
    if (!count) {
        return fail(err, "VSI TLV: no filter entries");
    }
    if (count > VDP_MAX_FILTERS) {
        return fail(err, "VSI TLV: %zu filter entries, at most %d "
                    "supported", count, VDP_MAX_FILTERS);
    }

    p += VDP_VSI_FIXED_LEN;
    vsi->n_filters = count;
    for (size_t i = 0; i < count; i++) {
        struct vdp_filter *f = &vsi->filters[i];
        uint16_t tci;

        if (filter_has_group(vsi->filter_format)) {
            f->group_id = get_be32(p);
            p += 4;
        }
        if (filter_has_mac(vsi->filter_format)) {
            memcpy(f->mac, p, 6);
            p += 6;
        }
        tci = get_be16(p);
        p += 2;
        f->ps = (tci & 0x8000) != 0;
        f->pcp = (tci >> 12) & 7;
        f->vid = tci & 0xfff;
    }
    return check_vsi(vsi, err);
}

/* Checks that a RoE TLV of 'name' has 'len' octets of information,
 * 'data_len' after OUI and subtype. */
static int
check_roe_len(const char *name, size_t len, size_t data_len,
              char err[ERR_LEN])
{
    return (len == 4 + data_len ? 0
            : fail(err, "RoE %s TLV: length %zu, expected %zu", name, len,
                   4 + data_len));
}

/* decode_roe_qp(), decode_roe_mr(), decode_roe_ring(), decode_roe_port()
 * and decode_roe_auth() decode the RoE TLV of their subtype whose 'len'
 * octets of information, OUI and subtype included, are at 'p' - 4. */
static int
decode_roe_qp(const uint8_t *p, size_t len, struct vdp_roe *roe,
              char err[ERR_LEN])
{
    struct vdp_qp *qp = &roe->qp;
    int error;

    if (roe->has_qp) {
        return fail(err, "two RoE QP TLVs");
    }
    error = check_roe_len("QP", len, VDP_ROE_QP_LEN, err);
    if (error) {
        return error;
    }
    roe->has_qp = true;
    qp->qpn = get_be32(p);
    qp->initial_psn = get_be16(p + 4);
    qp->segment_size = get_be16(p + 6);
    qp->window = get_be16(p + 8);
    qp->rte = p[10];
    qp->max_tries = p[11] >> 5;
    qp->rnr_retry = (p[11] >> 2) & 7;
    if (p[11] & 3) {
        return fail(err, "RoE QP TLV: reserved bits 0x%02x set in "
                    "retry octet", p[11] & 3);
    }
    qp->max_rd_atomic = get_be16(p + 12);
    return check_qp(qp, err);
}

static int
decode_roe_mr(const uint8_t *p, size_t len, struct vdp_roe *roe,
              char err[ERR_LEN])
{
    struct vdp_mr *mr;
    int error;

    error = check_roe_len("MR", len, VDP_ROE_MR_LEN, err);
    if (error) {
        return error;
    }
    if (roe->n_mrs >= VDP_MAX_MRS) {
        return fail(err, "RoE MR TLV: more than %d MRs", VDP_MAX_MRS);
    }
    mr = &roe->mrs[roe->n_mrs++];
    mr->rkey = get_be32(p);
    mr->access = get_be32(p + 4);
    mr->iova = get_be64(p + 8);
    mr->length = get_be64(p + 16);
    return check_mr(roe, roe->n_mrs - 1, err);
}

static int
decode_roe_ring(const uint8_t *p, size_t len, struct vdp_roe *roe,
                char err[ERR_LEN])
{
    struct vdp_ring *r;
    int error;

    error = check_roe_len("RING", len, VDP_ROE_RING_LEN, err);
    if (error) {
        return error;
    }
    if (roe->n_rings >= VDP_MAX_RINGS) {
        return fail(err, "RoE RING TLV: more than %d rings",
                    VDP_MAX_RINGS);
    }
    r = &roe->rings[roe->n_rings++];
    r->id = get_be16(p);
    r->kind = p[2];
    r->log2_entry_size = p[3];
    r->log2_entries = p[4];
    r->flags = p[5];
    r->base_iova = get_be64(p + 6);
    r->rkey = get_be32(p + 14);
    r->producer_iova = get_be64(p + 18);
    r->consumer_iova = get_be64(p + 26);
    return check_ring(roe, roe->n_rings - 1, err);
}

static int
decode_roe_port(const uint8_t *p, size_t len, struct vdp_roe *roe,
                char err[ERR_LEN])
{
    int error;

    if (roe->has_port) {
        return fail(err, "two RoE PORT TLVs");
    }
    error = check_roe_len("PORT", len, VDP_ROE_PORT_LEN, err);
    if (error) {
        return error;
    }
    roe->has_port = true;
    memcpy(roe->port.mac, p, 6);
    roe->port.vlan_tci = get_be16(p + 6);
    return 0;
}

/* Decodes the IFACE-ID or VM-ID TLV 'what' into 'name'. */
static int
decode_roe_name(const char *what, const uint8_t *p, size_t len,
                char name[VDP_NAME_MAX + 1], char err[ERR_LEN])
{
    size_t n = len - 4;

    if (name[0]) {
        return fail(err, "two RoE %s TLVs", what);
    }
    if (!n || n > VDP_NAME_MAX) {
        return fail(err, "RoE %s TLV: length %zu, expected 5 to %d", what,
                    len, 4 + VDP_NAME_MAX);
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_name_char(p[i])) {
            memset(name, 0, VDP_NAME_MAX + 1);
            return fail(err, "RoE %s TLV: octet %zu (0x%02x) is not a "
                        "printable character other than space", what, i,
                        p[i]);
        }
        name[i] = p[i];
    }
    name[n] = '\0';
    return 0;
}

static int
decode_roe_auth(const uint8_t *p, size_t len, struct vdp_message *msg,
                char err[ERR_LEN])
{
    struct vdp_auth *a = &msg->auth;
    int error;

    /* The decoder refuses any TLV after this one but END. */
    error = check_roe_len("AUTH", len, VDP_ROE_AUTH_LEN, err);
    if (error) {
        return error;
    }
    msg->has_auth = true;
    a->flags = p[0];
    a->algorithm = p[1];
    a->session_id = get_be64(p + 2);
    a->nonce = get_be64(p + 10);
    a->echo = get_be64(p + 18);
    a->counter = get_be64(p + 26);
    memcpy(a->mac, p + 34, VDP_AUTH_MAC_LEN);
    return check_auth(a, err);
}

/* Decodes the RoE TLV whose 'len' octets of information, OUI included, are
 * at 'p'. */
static int
decode_roe(const uint8_t *p, size_t len, struct vdp_message *msg,
           char err[ERR_LEN])
{
    uint8_t subtype = p[3];

    p += 4;
    switch (subtype) {
    case VDP_ROE_QP:
        return decode_roe_qp(p, len, &msg->roe, err);
    case VDP_ROE_MR:
        return decode_roe_mr(p, len, &msg->roe, err);
    case VDP_ROE_RING:
        return decode_roe_ring(p, len, &msg->roe, err);
    case VDP_ROE_PORT:
        return decode_roe_port(p, len, &msg->roe, err);
    case VDP_ROE_AUTH:
        return decode_roe_auth(p, len, msg, err);
    case VDP_ROE_IFACE_ID:
        return decode_roe_name("IFACE-ID", p, len, msg->roe.iface_id, err);
    case VDP_ROE_VM_ID:
        return decode_roe_name("VM-ID", p, len, msg->roe.vm_id, err);
    default:
        return fail(err, "RoE TLV: subtype %u is not defined", subtype);
    }
}

/* A TLV of a message being decoded: its type, the offsets of its header
 * and of the octet after it, and its 'len' octets of information. */
struct tlv {
    unsigned int type;
    size_t ofs;
    size_t end;
    const uint8_t *info;
    size_t len;
};

/* The TLVs that every message has, which decode() has seen so far. */
struct seen_tlvs {
    bool manager;
    bool vsi;
};

/* Reads the TLV at offset '*ofs' of the 'len' octets at 'buf' into '*tlv'
 * and advances '*ofs' past it. */
static int
next_tlv(const uint8_t *buf, size_t len, size_t *ofs, struct tlv *tlv,
         char err[ERR_LEN])
{
    uint16_t head;

    *tlv = (struct tlv) { .ofs = *ofs };
    if (*ofs == len) {
        return fail(err, "missing END TLV");
    }
    if (len - *ofs < VDP_TLV_HEADER_LEN) {
        return fail(err, "truncated TLV header at offset %zu", *ofs);
    }
    head = get_be16(buf + *ofs);
    tlv->type = head >> 9;
    tlv->len = head & VDP_TLV_MAX_LEN;
    *ofs += VDP_TLV_HEADER_LEN;
    if (tlv->len > len - *ofs) {
        return fail(err, "TLV type %u at offset %zu: length %zu runs "
                    "past the end (%zu octets left)", tlv->type, tlv->ofs,
                    tlv->len, len - *ofs);
    }
    tlv->info = buf + *ofs;
    *ofs += tlv->len;
    tlv->end = *ofs;
    return 0;
}

/* Checks END TLV 'tlv', which ends a message that has had the TLVs in
 * 'seen'. */
static int
decode_end(const struct tlv *tlv, const struct seen_tlvs *seen,
           struct vdp_message *msg, char err[ERR_LEN])
{
    if (tlv->len) {
        return fail(err, "END TLV: length %zu, expected 0", tlv->len);
    }
    if (!seen->manager) {
        return fail(err, "missing Manager ID TLV");
    }
    if (!seen->vsi) {
        return fail(err, "missing VSI TLV");
    }
    if (msg->has_auth) {
        msg->auth.signed_len = tlv->end;
    }
    return 0;
}

static int
decode_manager_id(const struct tlv *tlv, struct seen_tlvs *seen,
                  struct vdp_message *msg, char err[ERR_LEN])
{
    if (seen->manager) {
        return fail(err, "two Manager ID TLVs");
    }
    if (tlv->len != VDP_MANAGER_ID_LEN) {
        return fail(err, "Manager ID TLV: length %zu, expected %d",
                    tlv->len, VDP_MANAGER_ID_LEN);
    }
    memcpy(msg->manager_id, tlv->info, VDP_MANAGER_ID_LEN);
    seen->manager = true;
    return 0;
}

static int
decode_vsi_tlv(const struct tlv *tlv, struct seen_tlvs *seen,
               struct vdp_message *msg, char err[ERR_LEN])
{
    int error;

    if (seen->vsi) {
        return fail(err, "two VSI TLVs");
    }
    if (!seen->manager) {
        return fail(err, "VSI TLV before the Manager ID TLV");
    }
    error = decode_vsi(tlv->type, tlv->info, tlv->len, &msg->vsi, err);
    if (!error) {
        seen->vsi = true;
    }
    return error;
}

/* Decodes organizationally specific TLV 'tlv': a RoE TLV, or someone
 * else's extension, which is skipped. */
static int
decode_org(const struct tlv *tlv, const struct seen_tlvs *seen,
           struct vdp_message *msg, char err[ERR_LEN])
{
    int error;

    if (tlv->len < 4) {
        return fail(err, "organizationally specific TLV: length "
                    "%zu is shorter than 4", tlv->len);
    }
    if (get_be24(tlv->info) != VDP_ROE_OUI) {
        return 0;
    }
    if (!seen->vsi) {
        return fail(err, "RoE TLV before the VSI TLV");
    }
    error = decode_roe(tlv->info, tlv->len, msg, err);
    if (!error && msg->has_auth) {
        msg->auth.mac_ofs = tlv->end - VDP_AUTH_MAC_LEN;
    }
    return error;
}

static int
decode(const uint8_t *buf, size_t len, struct vdp_message *msg,
       char err[ERR_LEN])
{
    struct seen_tlvs seen = { false, false };
    size_t ofs = 0;

    memset(msg, 0, sizeof *msg);
    for (;;) {
        struct tlv tlv;
        int error;

        error = next_tlv(buf, len, &ofs, &tlv, err);
        if (error) {
            return error;
        }
        if (msg->has_auth && tlv.type != VDP_TLV_END) {
            return fail(err, "TLV type %u at offset %zu after the RoE AUTH "
                        "TLV", tlv.type, tlv.ofs);
        }

        switch (tlv.type) {
        case VDP_TLV_END:
            return decode_end(&tlv, &seen, msg, err);

        case VDP_TLV_MANAGER_ID:
            error = decode_manager_id(&tlv, &seen, msg, err);
            break;

        case VDP_TLV_PREASSOC:
        case VDP_TLV_PREASSOC_RR:
        case VDP_TLV_ASSOC:
        case VDP_TLV_DEASSOC:
            error = decode_vsi_tlv(&tlv, &seen, msg, err);
            break;

        case VDP_TLV_ORG:
            error = decode_org(&tlv, &seen, msg, err);
            break;

        default:
            return fail(err, "unknown TLV type %u at offset %zu", tlv.type,
                        tlv.ofs);
        }
        if (error) {
            return error;
        }
    }
}

/* Decodes the VDP ECPDU payload of 'len' octets at 'buf' into '*msg'.
 * Decoding stops at the END TLV; anything after it (Ethernet padding) is
 * ignored.  Every length is checked before it is read, and anything that
 * vdp_encode() would not produce is refused, except organizationally
 * specific TLVs of other OUIs, which are skipped.
 *
 * Returns 0 on success, otherwise EINVAL, with '*msg' unspecified.  If
 * 'errorp' is nonnull, stores in '*errorp' NULL on success, otherwise a
 * message naming the problem that the caller must free(). */
int
vdp_decode(const void *buf, size_t len, struct vdp_message *msg,
           char **errorp)
{
    char err[ERR_LEN];
    int error = decode(buf, len, msg, err);

    if (errorp) {
        *errorp = error ? xalloc_strdup(err) : NULL;
    }
    return error;
}

/* Makes '*response' the response to 'request': the same TLVs, with the ACK
 * bit, status code 'status' and 'flags' (VDP_RESP_KEEP, VDP_RESP_HARD) in
 * the VSI TLV.  Returns 0, or EINVAL if 'request' is itself a response or
 * 'status' or 'flags' are not defined. */
int
vdp_make_response(const struct vdp_message *request, uint8_t status,
                  uint8_t flags, struct vdp_message *response)
{
    if (request->vsi.response || status > VDP_STATUS_MAX
        || flags & ~(VDP_RESP_KEEP | VDP_RESP_HARD)) {
        return EINVAL;
    }
    *response = *request;
    response->vsi.response = true;
    response->vsi.status = status;
    response->vsi.flags = flags;
    return 0;
}

/* Formatting into a bounded buffer, counting what does not fit. */
struct out {
    char *buf;
    size_t size;
    size_t len;                 /* Wanted, may exceed 'size'. */
};

static void out_printf(struct out *, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void
out_printf(struct out *out, const char *format, ...)
{
    size_t avail = out->len < out->size ? out->size - out->len : 0;
    va_list args;
    int n;

    va_start(args, format);
    n = vsnprintf(avail ? out->buf + out->len : NULL, avail, format, args);
    va_end(args);
    if (n > 0) {
        out->len += n;
    }
}

static void
out_hex(struct out *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out_printf(out, "%02x", p[i]);
    }
}

static void
out_mac(struct out *out, const uint8_t mac[6])
{
    out_printf(out, "%02x:%02x:%02x:%02x:%02x:%02x",
               mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

static void
format_vsi(struct out *out, const struct vdp_vsi *vsi)
{
    out_printf(out, "%s", vdp_tlv_type_to_string(vsi->mode));
    if (vsi->response) {
        out_printf(out, " response %s",
                   vdp_status_to_string(vsi->status));
        out_printf(out, "%s", vsi->flags & VDP_RESP_KEEP ? " KEEP" : "");
        out_printf(out, "%s", vsi->flags & VDP_RESP_HARD ? " HARD" : "");
    } else {
        out_printf(out, " request");
        out_printf(out, "%s", vsi->flags & VDP_REQ_M ? " M" : "");
        out_printf(out, "%s", vsi->flags & VDP_REQ_S ? " S" : "");
    }
}

static void
format_vsiid(struct out *out, const struct vdp_vsi *vsi)
{
    out_printf(out, " vsiid=%s:", vsiid_format_to_string(vsi->vsiid_format));
    if (vsi->vsiid_format == VDP_VSIID_UUID) {
        const uint8_t *u = vsi->vsiid;

        out_hex(out, u, 4);
        out_printf(out, "-");
        out_hex(out, u + 4, 2);
        out_printf(out, "-");
        out_hex(out, u + 6, 2);
        out_printf(out, "-");
        out_hex(out, u + 8, 2);
        out_printf(out, "-");
        out_hex(out, u + 10, 6);
    } else {
        out_hex(out, vsi->vsiid, VDP_VSIID_LEN);
    }
}

static void
format_filters(struct out *out, const struct vdp_vsi *vsi)
{
    size_t n_filters;

    out_printf(out, " filter=%s",
               filter_format_to_string(vsi->filter_format));
    n_filters = vsi->n_filters < VDP_MAX_FILTERS ? vsi->n_filters
                                                 : VDP_MAX_FILTERS;
    for (size_t i = 0; i < n_filters; i++) {
        const struct vdp_filter *f = &vsi->filters[i];

        out_printf(out, "%s", i ? "," : "{");
        if (filter_has_group(vsi->filter_format)) {
            out_printf(out, "group=%"PRIu32" ", f->group_id);
        }
        if (filter_has_mac(vsi->filter_format)) {
            out_printf(out, "mac=");
            out_mac(out, f->mac);
            out_printf(out, " ");
        }
        out_printf(out, "vid=%u pcp=%u%s", f->vid, f->pcp,
                   f->ps ? " ps" : "");
    }
    out_printf(out, "%s", n_filters ? "}" : "");
}

static void
format_roe_mr(struct out *out, const struct vdp_mr *mr)
{
    out_printf(out, " mr={rkey=0x%08"PRIx32" access=%s%s", mr->rkey,
               mr->access & VDP_MR_REMOTE_READ ? "r" : "",
               mr->access & VDP_MR_REMOTE_WRITE ? "w" : "");
    if (mr->access & ~(uint32_t) (VDP_MR_REMOTE_READ
                                  | VDP_MR_REMOTE_WRITE)) {
        out_printf(out, "+0x%"PRIx32, mr->access);
    }
    out_printf(out, " iova=0x%"PRIx64" len=0x%"PRIx64"}", mr->iova,
               mr->length);
}

/* Formats the RoE TLVs of 'roe' but AUTH. */
static void
format_roe(struct out *out, const struct vdp_roe *roe)
{
    if (roe->has_qp) {
        const struct vdp_qp *qp = &roe->qp;

        out_printf(out, " qp={qpn=0x%06"PRIx32" psn=%u seg=%u window=%u "
                   "rte=%u tries=%u rnr=%u rd=%u}", qp->qpn,
                   qp->initial_psn, qp->segment_size, qp->window, qp->rte,
                   qp->max_tries, qp->rnr_retry, qp->max_rd_atomic);
    }
    for (size_t i = 0; i < roe->n_mrs && i < VDP_MAX_MRS; i++) {
        format_roe_mr(out, &roe->mrs[i]);
    }
    for (size_t i = 0; i < roe->n_rings && i < VDP_MAX_RINGS; i++) {
        const struct vdp_ring *r = &roe->rings[i];

        out_printf(out, " ring={id=%u kind=%s entry=2^%u entries=2^%u "
                   "flags=0x%02x base=0x%"PRIx64" rkey=0x%08"PRIx32
                   " pi=0x%"PRIx64" ci=0x%"PRIx64"}", r->id,
                   ring_kind_to_string(r->kind), r->log2_entry_size,
                   r->log2_entries, r->flags, r->base_iova, r->rkey,
                   r->producer_iova, r->consumer_iova);
    }
    if (roe->has_port) {
        out_printf(out, " port={mac=");
        out_mac(out, roe->port.mac);
        out_printf(out, " tci=0x%04x}", roe->port.vlan_tci);
    }
    if (roe->iface_id[0]) {
        out_printf(out, " iface-id=%.*s", VDP_NAME_MAX, roe->iface_id);
    }
    if (roe->vm_id[0]) {
        out_printf(out, " vm-id=%.*s", VDP_NAME_MAX, roe->vm_id);
    }
}

static void
format_auth(struct out *out, const struct vdp_auth *a)
{
    out_printf(out, " auth={%s%salg=%u sid=0x%016"PRIx64
               " nonce=0x%016"PRIx64" echo=0x%016"PRIx64
               " counter=%"PRIu64" mac=",
               a->flags & VDP_AUTH_BRIDGE ? "bridge " : "",
               a->flags & VDP_AUTH_CHALLENGE ? "challenge " : "",
               a->algorithm, a->session_id, a->nonce, a->echo,
               a->counter);
    out_hex(out, a->mac, 4);
    out_printf(out, "..}");
}

/* Formats 'msg' as one line of text, without a new-line, into 'buf' of
 * 'size' octets, truncating (but always null-terminating if 'size' is
 * nonzero) as snprintf() does.  Returns the length of the whole line, which
 * may be 'size' or more if it was truncated. */
size_t
vdp_format(const struct vdp_message *msg, char *buf, size_t size)
{
    const struct vdp_vsi *vsi = &msg->vsi;
    struct out out = { buf, size, 0 };

    if (size) {
        buf[0] = '\0';
    }
    format_vsi(&out, vsi);
    out_printf(&out, " mgr=");
    out_hex(&out, msg->manager_id, VDP_MANAGER_ID_LEN);
    out_printf(&out, " type=0x%06"PRIx32"/%u", vsi->type_id,
               vsi->type_version);
    format_vsiid(&out, vsi);
    format_filters(&out, vsi);
    format_roe(&out, &msg->roe);
    if (msg->has_auth) {
        format_auth(&out, &msg->auth);
    }
    return out.len;
}

/* Returns 'msg' formatted as by vdp_format(), in a string that the caller
 * must free(). */
char *
vdp_to_string(const struct vdp_message *msg)
{
    size_t len = vdp_format(msg, NULL, 0);
    char *s = xalloc(len + 1);

    vdp_format(msg, s, len + 1);
    return s;
}
