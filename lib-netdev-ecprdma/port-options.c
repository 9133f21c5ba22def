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

/* Validation of ecp-rdma port options, by role. */

#include "port-options.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "vdp.h"
#include "xalloc.h"

#define ROLE_BIT(ROLE) (1u << (ROLE))
#define ROLES_VM ROLE_BIT(PORT_ROLE_VM)
#define ROLES_LINK (ROLE_BIT(PORT_ROLE_UPLINK) | ROLE_BIT(PORT_ROLE_SWITCH))
#define ROLES_UPLINK ROLE_BIT(PORT_ROLE_UPLINK)
#define ROLES_SWITCH ROLE_BIT(PORT_ROLE_SWITCH)
#define ROLES_VSI ROLE_BIT(PORT_ROLE_VSI)
#define ROLES_ALL (ROLES_VM | ROLES_LINK | ROLES_VSI)

/* Longest interface name, without the terminating NUL (IFNAMSIZ - 1). */
#define IFNAME_MAX_LEN 15

/* Longest unix socket path, without the terminating NUL. */
#define SOCKET_PATH_MAX_LEN \
    ((int) sizeof ((struct sockaddr_un *) 0)->sun_path - 1)

/* Longest port name accepted for "uplink" and "session". */
#define PORT_NAME_MAX_LEN 255

/* Parses 's' as a decimal integer between 'min' and 'max' inclusive. */
static bool
parse_uint(const char *s, uint32_t min, uint32_t max, uint32_t *value)
{
    unsigned long long x;
    char *end;

    if (!isdigit((unsigned char) s[0])) {
        return false;
    }
    errno = 0;
    x = strtoull(s, &end, 10);
    if (errno || *end || x < min || x > max) {
        return false;
    }
    *value = x;
    return true;
}

static bool
is_printable(const char *s)
{
    for (; *s; s++) {
        if (!isprint((unsigned char) *s)) {
            return false;
        }
    }
    return true;
}

/* Parses a UUID, in the usual 8-4-4-4-12 hex digit form, into 'id'. */
static bool
parse_uuid(const char *s, uint8_t id[16])
{
    static const int dashes[] = { 8, 13, 18, 23 };
    int n = 0;

    if (strlen(s) != 36) {
        return false;
    }
    for (int i = 0; i < 4; i++) {
        if (s[dashes[i]] != '-') {
            return false;
        }
    }
    for (int i = 0; i < 36; i++) {
        int hi, lo;

        if (i == 8 || i == 13 || i == 18 || i == 23) {
            continue;
        }
        if (!isxdigit((unsigned char) s[i])
            || !isxdigit((unsigned char) s[i + 1])) {
            return false;
        }
        hi = isdigit((unsigned char) s[i]) ? s[i] - '0'
             : tolower((unsigned char) s[i]) - 'a' + 10;
        lo = isdigit((unsigned char) s[i + 1]) ? s[i + 1] - '0'
             : tolower((unsigned char) s[i + 1]) - 'a' + 10;
        id[n++] = hi << 4 | lo;
        i++;
    }
    return n == 16;
}

char *
port_vsi_id_format(const uint8_t id[16], char buf[37])
{
    snprintf(buf, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x",
             id[0], id[1], id[2], id[3], id[4], id[5], id[6], id[7],
             id[8], id[9], id[10], id[11], id[12], id[13], id[14], id[15]);
    return buf;
}

/* A unix socket path must fit in sun_path.  A leading '@' names a socket in
 * the abstract namespace. */
static bool
is_valid_socket_path(const char *s)
{
    return s[0] && strlen(s) <= SOCKET_PATH_MAX_LEN && is_printable(s);
}

static bool
is_valid_port_name(const char *s)
{
    return s[0] && strlen(s) <= PORT_NAME_MAX_LEN && is_printable(s);
}

/* Replaces the string in '*field' by a copy of 'value'. */
static void
set_string(char **field, const char *value)
{
    free(*field);
    *field = xalloc_strdup(value);
}

/* Each option's parser returns NULL on success, otherwise an error message
 * that the caller prefixes with the option name and the bad value. */
typedef char *option_parser(struct port_options *, const char *value);

static char *
parse_socket(struct port_options *po, const char *value)
{
    if (!is_valid_socket_path(value)) {
        return xalloc_printf("expected a unix socket path of 1 to %d "
                             "characters", SOCKET_PATH_MAX_LEN);
    }
    set_string(&po->socket, value);
    return NULL;
}

static char *
parse_secret(struct port_options *po, const char *value)
{
    size_t len = strlen(value);

    if (!len || len > PORT_SECRET_MAX_LEN || !is_printable(value)) {
        return xalloc_printf("expected 1 to %d printable characters",
                             PORT_SECRET_MAX_LEN);
    }
    set_string(&po->secret, value);
    return NULL;
}

/* The secret that authenticates the VDP messages of an uplink's or a
 * switch's session.  Both ends must have the same. */
static char *
parse_session_secret(struct port_options *po, const char *value)
{
    size_t len = strlen(value);

    if (len < PORT_SESSION_SECRET_MIN_LEN
        || len > PORT_SESSION_SECRET_MAX_LEN || !is_printable(value)) {
        return xalloc_printf("expected %d to %d printable characters, the "
                             "same at both ends of the link",
                             PORT_SESSION_SECRET_MIN_LEN,
                             PORT_SESSION_SECRET_MAX_LEN);
    }
    set_string(&po->secret, value);
    return NULL;
}

/* The name of the VM's interface, or of the VM, in the management system
 * (OVN's logical port, OVS's external_ids:iface-id and vm-id), which the
 * uplink tells the switch in the VSI's association. */
static char *
parse_vdp_name(char **field, const char *value)
{
    if (!vdp_name_is_valid(value)) {
        return xalloc_printf("expected 1 to %d printable characters other "
                             "than space", VDP_NAME_MAX);
    }
    set_string(field, value);
    return NULL;
}

/* The VM's MAC address: the port's Ethernet address, which the uplink
 * tells the switch in the VSI's filter. */
static char *
parse_mac(struct port_options *po, const char *value)
{
    unsigned int b[6];
    char end;

    if (sscanf(value, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
               &b[3], &b[4], &b[5], &end) != 6
        || strlen(value) != 17 || b[0] & 1
        || !(b[0] | b[1] | b[2] | b[3] | b[4] | b[5])) {
        return xalloc_printf("expected a unicast MAC address "
                             "(xx:xx:xx:xx:xx:xx)");
    }
    for (int i = 0; i < 6; i++) {
        po->mac[i] = b[i];
    }
    po->has_mac = true;
    return NULL;
}

static char *
parse_iface_id(struct port_options *po, const char *value)
{
    return parse_vdp_name(&po->iface_id, value);
}

static char *
parse_vm_id(struct port_options *po, const char *value)
{
    return parse_vdp_name(&po->vm_id, value);
}

static char *
parse_ring_size(struct port_options *po, const char *value)
{
    uint32_t x;

    if (!parse_uint(value, PORT_RING_SIZE_MIN, PORT_RING_SIZE_MAX, &x)
        || x & (x - 1)) {
        return xalloc_printf("expected a power of two from %d to %d",
                             PORT_RING_SIZE_MIN, PORT_RING_SIZE_MAX);
    }
    po->ring_size = x;
    return NULL;
}

static char *
parse_switching(struct port_options *po, const char *value)
{
    if (!strcmp(value, "auto")) {
        po->switching = PORT_SWITCHING_AUTO;
    } else if (!strcmp(value, "local")) {
        po->switching = PORT_SWITCHING_LOCAL;
    } else if (!strcmp(value, "remote")) {
        po->switching = PORT_SWITCHING_REMOTE;
    } else {
        return xalloc_printf("expected auto, local or remote");
    }
    return NULL;
}

static char *
parse_link(struct port_options *po, const char *value)
{
    const char *colon = strchr(value, ':');
    enum port_link_type type = PORT_LINK_NONE;
    const char *target;

    if (colon) {
        size_t n = colon - value;

        if (n == 8 && !strncmp(value, "afpacket", n)) {
            type = PORT_LINK_AFPACKET;
        } else if (n == 5 && !strncmp(value, "afxdp", n)) {
            type = PORT_LINK_AFXDP;
        } else if (n == 4 && !strncmp(value, "unix", n)) {
            type = PORT_LINK_UNIX;
        } else if (n == 5 && !strncmp(value, "punix", n)) {
            type = PORT_LINK_PUNIX;
        }
    }
    if (type == PORT_LINK_NONE) {
        return xalloc_printf("expected afpacket:IFNAME, "
                             "afxdp:IFNAME[:QUEUE], unix:PATH or "
                             "punix:PATH");
    }

    target = colon + 1;
    if (type == PORT_LINK_AFPACKET || type == PORT_LINK_AFXDP) {
        const char *queue = type == PORT_LINK_AFXDP ? strchr(target, ':')
                                                     : NULL;
        size_t len = queue ? (size_t) (queue - target) : strlen(target);
        char *ifname = xalloc_printf("%.*s", (int) len, target);
        bool ok = (len && len <= IFNAME_MAX_LEN && !strchr(ifname, '/')
                   && is_printable(ifname) && !strchr(ifname, ' '));
        uint32_t q;

        free(ifname);
        if (!ok) {
            return xalloc_printf("expected an interface name of 1 to %d "
                                 "characters after %s:", IFNAME_MAX_LEN,
                                 port_link_type_to_string(type));
        }
        if (queue && !parse_uint(queue + 1, 0, 255, &q)) {
            return xalloc_printf("expected a queue from 0 to 255 after the "
                                 "interface name");
        }
    } else if (!is_valid_socket_path(target)) {
        return xalloc_printf("expected a unix socket path of 1 to %d "
                             "characters after %s:", SOCKET_PATH_MAX_LEN,
                             type == PORT_LINK_UNIX ? "unix" : "punix");
    }
    po->link_type = type;
    set_string(&po->link_target, target);
    return NULL;
}

static char *
parse_vsi(struct port_options *po, const char *value)
{
    return parse_uuid(value, po->vsi_id)
           ? NULL
           : xalloc_printf("expected a VSI ID in UUID form "
                           "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
}

/* An option whose value is an integer in [min, max], stored at offset
 * 'ofs' of struct port_options; 'what' and 'note' name it in errors. */
struct uint_option {
    size_t ofs;
    uint32_t min, max;
    const char *what;
    const char *note;
};

#define UINT_OPTION(FIELD, MIN, MAX, WHAT, NOTE) \
    .uint = { offsetof(struct port_options, FIELD), MIN, MAX, WHAT, NOTE }

/* An option whose value is the name of another ecp-rdma port, one with
 * role 'role', stored at offset 'ofs' of struct port_options. */
struct port_name_option {
    size_t ofs;
    const char *role;
};

#define PORT_NAME_OPTION(FIELD, ROLE) \
    .port_name = { offsetof(struct port_options, FIELD), ROLE }

struct option_def {
    const char *name;
    unsigned int roles;         /* Bitmap of ROLE_BIT(PORT_ROLE_*). */
    option_parser *parse;       /* NULL for "role", handled first, and for
                                 * integers and port names, which 'uint'
                                 * and 'port_name' describe. */
    struct uint_option uint;
    struct port_name_option port_name;
};

static char *
parse_uint_option(struct port_options *po, const struct uint_option *u,
                  const char *value)
{
    uint32_t *field = (uint32_t *) ((char *) po + u->ofs);

    return parse_uint(value, u->min, u->max, field)
           ? NULL
           : xalloc_printf("expected %s from %"PRIu32" to %"PRIu32"%s",
                           u->what, u->min, u->max, u->note);
}

static char *
parse_port_name_option(struct port_options *po,
                       const struct port_name_option *pn, const char *value)
{
    if (!is_valid_port_name(value)) {
        return xalloc_printf("expected the name of an ecp-rdma port with "
                             "role=%s", pn->role);
    }
    set_string((char **) ((char *) po + pn->ofs), value);
    return NULL;
}

/* Parses 'value' for option 'def' into 'po'.  Returns NULL on success,
 * otherwise an error message, as an option_parser does. */
static char *
parse_option_value(struct port_options *po, const struct option_def *def,
                   const char *value)
{
    if (def->parse) {
        return def->parse(po, value);
    } else if (def->uint.what) {
        return parse_uint_option(po, &def->uint, value);
    } else if (def->port_name.role) {
        return parse_port_name_option(po, &def->port_name, value);
    }
    return NULL;                /* "role", parsed before the others. */
}

static const struct option_def option_defs[] = {
    { .name = "role", .roles = ROLES_ALL },
    { .name = "socket", .roles = ROLES_VM, .parse = parse_socket },
    { .name = "id", .roles = ROLES_VM,
      UINT_OPTION(id, 0, PORT_ID_MAX, "an interface id", "") },
    { .name = "secret", .roles = ROLES_VM, .parse = parse_secret },
    { .name = "ring-size", .roles = ROLES_VM, .parse = parse_ring_size },
    { .name = "buffer-size", .roles = ROLES_VM,
      UINT_OPTION(buffer_size, PORT_BUFFER_SIZE_MIN, PORT_BUFFER_SIZE_MAX,
                  "a size in bytes", "") },
    { .name = "n-rxq", .roles = ROLES_VM,
      UINT_OPTION(n_rxq, 1, PORT_N_RXQ_MAX, "a number of queues", "") },
    { .name = "tx-retries", .roles = ROLES_VM,
      UINT_OPTION(tx_retries, 0, PORT_TX_RETRIES_MAX, "a number of retries",
                  "") },
    { .name = "rx-park-after", .roles = ROLES_VM | ROLES_VSI,
      UINT_OPTION(rx_park_after, 0, PORT_RX_PARK_AFTER_MAX,
                  "a number of milliseconds", " (0: never)") },
    { .name = "uplink", .roles = ROLES_VM,
      PORT_NAME_OPTION(uplink, "uplink") },
    { .name = "switching", .roles = ROLES_VM, .parse = parse_switching },
    { .name = "mac", .roles = ROLES_VM, .parse = parse_mac },
    { .name = "iface-id", .roles = ROLES_VM, .parse = parse_iface_id },
    { .name = "vm-id", .roles = ROLES_VM, .parse = parse_vm_id },
    { .name = "link", .roles = ROLES_LINK, .parse = parse_link },
    { .name = "mtu", .roles = ROLES_LINK,
      UINT_OPTION(mtu, PORT_MTU_MIN, PORT_MTU_MAX, "an MTU", "") },
    { .name = "window", .roles = ROLES_LINK,
      UINT_OPTION(window, 1, PORT_WINDOW_MAX, "a number of PSNs", "") },
    { .name = "rte", .roles = ROLES_LINK,
      UINT_OPTION(rte, 0, PORT_RTE_MAX, "an exponent",
                  " (timeout 10 us * 2^rte)") },
    { .name = "max-tries", .roles = ROLES_LINK,
      UINT_OPTION(max_tries, 1, PORT_MAX_TRIES_MAX, "a number of retries",
                  "") },
    { .name = "secret", .roles = ROLES_LINK, .parse = parse_session_secret },
    { .name = "max-vsis", .roles = ROLES_LINK,
      UINT_OPTION(max_vsis, 1, PORT_MAX_VSIS_MAX, "a number of VSIs", "") },
    { .name = "max-vsi-mb", .roles = ROLES_LINK,
      UINT_OPTION(max_vsi_mb, 1, PORT_MAX_MB_MAX, "a number of MiB", "") },
    { .name = "max-session-mb", .roles = ROLES_LINK,
      UINT_OPTION(max_session_mb, 1, PORT_MAX_MB_MAX, "a number of MiB",
                  "") },
    { .name = "max-regions", .roles = ROLES_UPLINK,
      UINT_OPTION(max_regions, 1, PORT_MAX_REGIONS_MAX, "a number of regions",
                  "") },
    { .name = "max-assoc-rate", .roles = ROLES_SWITCH,
      UINT_OPTION(max_assoc_rate, 1, PORT_MAX_ASSOC_RATE_MAX,
                  "associations per second", "") },
    { .name = "session", .roles = ROLES_VSI,
      PORT_NAME_OPTION(session, "switch") },
    { .name = "vsi", .roles = ROLES_VSI, .parse = parse_vsi },
};

/* Returns the definition of option 'name' for 'role' or, if 'role' has no
 * such option, NULL. */
static const struct option_def *
find_option(const char *name, enum port_role role)
{
    for (size_t i = 0; i < sizeof option_defs / sizeof *option_defs; i++) {
        if (!strcmp(option_defs[i].name, name)
            && option_defs[i].roles & ROLE_BIT(role)) {
            return &option_defs[i];
        }
    }
    return NULL;
}

/* Returns a malloc()'d, comma-separated list of the options of 'role'. */
static char *
options_of_role(enum port_role role)
{
    size_t len = 0;
    char *s;

    for (size_t i = 0; i < sizeof option_defs / sizeof *option_defs; i++) {
        len += strlen(option_defs[i].name) + 2;
    }
    s = xalloc_zeroed(1, len + 1);
    for (size_t i = 0; i < sizeof option_defs / sizeof *option_defs; i++) {
        if (option_defs[i].roles & ROLE_BIT(role)) {
            if (s[0]) {
                strcat(s, ", ");
            }
            strcat(s, option_defs[i].name);
        }
    }
    return s;
}

const char *
port_role_to_string(enum port_role role)
{
    switch (role) {
    case PORT_ROLE_VM:
        return "vm";
    case PORT_ROLE_UPLINK:
        return "uplink";
    case PORT_ROLE_SWITCH:
        return "switch";
    case PORT_ROLE_VSI:
        return "vsi";
    }
    return "unknown";
}

const char *
port_switching_to_string(enum port_switching switching)
{
    switch (switching) {
    case PORT_SWITCHING_AUTO:
        return "auto";
    case PORT_SWITCHING_LOCAL:
        return "local";
    case PORT_SWITCHING_REMOTE:
        return "remote";
    }
    return "unknown";
}

const char *
port_link_type_to_string(enum port_link_type type)
{
    switch (type) {
    case PORT_LINK_NONE:
        return "none";
    case PORT_LINK_AFPACKET:
        return "afpacket";
    case PORT_LINK_AFXDP:
        return "afxdp";
    case PORT_LINK_UNIX:
        return "unix";
    case PORT_LINK_PUNIX:
        return "punix";
    }
    return "unknown";
}

/* Sets the role of 'po' and the defaults that depend on it. */
static void
port_options_set_role(struct port_options *po, enum port_role role)
{
    po->role = role;
    if (role == PORT_ROLE_SWITCH) {
        po->max_vsi_mb = PORT_SWITCH_MAX_VSI_MB_DEFAULT;
        po->max_session_mb = PORT_SWITCH_MAX_SESSION_MB_DEFAULT;
    } else {
        po->max_vsi_mb = PORT_UPLINK_MAX_VSI_MB_DEFAULT;
        po->max_session_mb = PORT_UPLINK_MAX_SESSION_MB_DEFAULT;
    }
}

void
port_options_init(struct port_options *po)
{
    memset(po, 0, sizeof *po);
    po->role = PORT_ROLE_VM;
    po->ring_size = PORT_RING_SIZE_DEFAULT;
    po->buffer_size = PORT_BUFFER_SIZE_DEFAULT;
    po->n_rxq = 1;
    po->tx_retries = PORT_TX_RETRIES_DEFAULT;
    po->rx_park_after = PORT_RX_PARK_AFTER_DEFAULT;
    po->switching = PORT_SWITCHING_AUTO;
    po->link_type = PORT_LINK_NONE;
    po->window = PORT_WINDOW_DEFAULT;
    po->rte = PORT_RTE_DEFAULT;
    po->max_tries = PORT_MAX_TRIES_DEFAULT;
    po->max_vsis = PORT_MAX_VSIS_MAX;
    po->max_regions = PORT_MAX_REGIONS_MAX;
    po->max_assoc_rate = PORT_MAX_ASSOC_RATE_DEFAULT;
    port_options_set_role(po, PORT_ROLE_VM);
}

void
port_options_init_for_role(struct port_options *po, enum port_role role)
{
    port_options_init(po);
    port_options_set_role(po, role);
}

void
port_options_destroy(struct port_options *po)
{
    if (po) {
        free(po->socket);
        free(po->secret);
        free(po->uplink);
        free(po->iface_id);
        free(po->vm_id);
        free(po->link_target);
        free(po->session);
        memset(po, 0, sizeof *po);
    }
}

/* Initializes 'dst' as a deep copy of 'src'. */
void
port_options_clone(struct port_options *dst, const struct port_options *src)
{
    *dst = *src;
    dst->socket = xalloc_nullable_strdup(src->socket);
    dst->secret = xalloc_nullable_strdup(src->secret);
    dst->uplink = xalloc_nullable_strdup(src->uplink);
    dst->iface_id = xalloc_nullable_strdup(src->iface_id);
    dst->vm_id = xalloc_nullable_strdup(src->vm_id);
    dst->link_target = xalloc_nullable_strdup(src->link_target);
    dst->session = xalloc_nullable_strdup(src->session);
}

static char *
parse_role(const char *value, enum port_role *role)
{
    if (!strcmp(value, "vm")) {
        *role = PORT_ROLE_VM;
    } else if (!strcmp(value, "uplink")) {
        *role = PORT_ROLE_UPLINK;
    } else if (!strcmp(value, "switch")) {
        *role = PORT_ROLE_SWITCH;
    } else if (!strcmp(value, "vsi")) {
        *role = PORT_ROLE_VSI;
    } else {
        return xalloc_printf("options:role: unsupported value \"%s\" "
                             "(expected vm, uplink, switch or vsi)", value);
    }
    return NULL;
}

/* Checks the options that a role cannot do without, and those that cannot
 * go together. */
static char *
check_required(const struct port_options *po)
{
    switch (po->role) {
    case PORT_ROLE_VM:
        if (po->uplink && po->switching != PORT_SWITCHING_LOCAL
            && po->n_rxq > VDP_MAX_RINGS) {
            /* The switch could not read the rings past the last. */
            return xalloc_printf("options:n-rxq: at most %d queues with "
                                 "options:uplink, unless "
                                 "options:switching=local (a VSI exports "
                                 "at most %d rings)", VDP_MAX_RINGS,
                                 VDP_MAX_RINGS);
        }
        break;
    case PORT_ROLE_UPLINK:
    case PORT_ROLE_SWITCH:
        if (po->link_type == PORT_LINK_NONE) {
            return xalloc_printf("options:link is required for role=%s "
                                 "(afpacket:IFNAME, afxdp:IFNAME[:QUEUE], "
                                 "unix:PATH or punix:PATH)",
                                 port_role_to_string(po->role));
        }
        break;
    case PORT_ROLE_VSI:
        if (!po->session) {
            return xalloc_printf("options:session is required for role=vsi "
                                 "(the name of the role=switch port)");
        }
        for (int i = 0; i < 16; i++) {
            if (po->vsi_id[i]) {
                return NULL;
            }
        }
        return xalloc_printf("options:vsi is required for role=vsi "
                             "(a nonzero VSI ID in UUID form)");
    }
    return NULL;
}

/* Parses the 'n' options given by 'keys' and 'values' into 'po', which must
 * have been initialized with port_options_init() and is reset first.
 *
 * Returns NULL if the options are valid.  Otherwise returns a malloc()'d
 * message that names the offending option and the accepted values; 'po' is
 * then left in its initial state. */
char *
port_options_parse(struct port_options *po, size_t n,
                   const char *const keys[], const char *const values[])
{
    char *error = NULL;

    port_options_destroy(po);
    port_options_init(po);

    for (size_t i = 0; i < n; i++) {
        if (!strcmp(keys[i], "role")) {
            enum port_role role;

            error = parse_role(values[i], &role);
            if (error) {
                goto exit;
            }
            port_options_set_role(po, role);
        }
    }

    for (size_t i = 0; i < n && !error; i++) {
        const struct option_def *def = find_option(keys[i], po->role);

        if (!def) {
            char *accepted = options_of_role(po->role);

            error = xalloc_printf("options:%s: unknown option for role=%s "
                                  "(accepted: %s)", keys[i],
                                  port_role_to_string(po->role), accepted);
            free(accepted);
        } else {
            char *why = parse_option_value(po, def, values[i]);

            if (why) {
                error = xalloc_printf("options:%s: bad value \"%s\" (%s)",
                                      keys[i], values[i], why);
                free(why);
            }
        }
    }
    if (!error) {
        error = check_required(po);
    }

exit:
    if (error) {
        port_options_destroy(po);
        port_options_init(po);
    }
    return error;
}

static bool
string_equal(const char *a, const char *b)
{
    return a && b ? !strcmp(a, b) : a == b;
}

bool
port_options_equal(const struct port_options *a,
                   const struct port_options *b)
{
    return a->role == b->role
           && string_equal(a->socket, b->socket)
           && a->id == b->id
           && string_equal(a->secret, b->secret)
           && a->ring_size == b->ring_size
           && a->buffer_size == b->buffer_size
           && a->n_rxq == b->n_rxq
           && a->tx_retries == b->tx_retries
           && a->rx_park_after == b->rx_park_after
           && string_equal(a->uplink, b->uplink)
           && a->switching == b->switching
           && a->has_mac == b->has_mac
           && !memcmp(a->mac, b->mac, sizeof a->mac)
           && string_equal(a->iface_id, b->iface_id)
           && string_equal(a->vm_id, b->vm_id)
           && a->link_type == b->link_type
           && string_equal(a->link_target, b->link_target)
           && a->mtu == b->mtu
           && a->window == b->window
           && a->rte == b->rte
           && a->max_tries == b->max_tries
           && a->max_vsis == b->max_vsis
           && a->max_vsi_mb == b->max_vsi_mb
           && a->max_session_mb == b->max_session_mb
           && a->max_regions == b->max_regions
           && a->max_assoc_rate == b->max_assoc_rate
           && string_equal(a->session, b->session)
           && !memcmp(a->vsi_id, b->vsi_id, sizeof a->vsi_id);
}
