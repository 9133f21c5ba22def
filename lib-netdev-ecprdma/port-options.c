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
    free(po->socket);
    po->socket = xalloc_strdup(value);
    return NULL;
}

static char *
parse_id(struct port_options *po, const char *value)
{
    return parse_uint(value, 0, PORT_ID_MAX, &po->id)
           ? NULL
           : xalloc_printf("expected an interface id from 0 to %"PRIu32,
                           (uint32_t) PORT_ID_MAX);
}

static char *
parse_secret(struct port_options *po, const char *value)
{
    size_t len = strlen(value);

    if (!len || len > PORT_SECRET_MAX_LEN || !is_printable(value)) {
        return xalloc_printf("expected 1 to %d printable characters",
                             PORT_SECRET_MAX_LEN);
    }
    free(po->secret);
    po->secret = xalloc_strdup(value);
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
    free(po->secret);
    po->secret = xalloc_strdup(value);
    return NULL;
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
parse_buffer_size(struct port_options *po, const char *value)
{
    return parse_uint(value, PORT_BUFFER_SIZE_MIN, PORT_BUFFER_SIZE_MAX,
                      &po->buffer_size)
           ? NULL
           : xalloc_printf("expected a size in bytes from %d to %d",
                           PORT_BUFFER_SIZE_MIN, PORT_BUFFER_SIZE_MAX);
}

static char *
parse_n_rxq(struct port_options *po, const char *value)
{
    return parse_uint(value, 1, PORT_N_RXQ_MAX, &po->n_rxq)
           ? NULL
           : xalloc_printf("expected a number of queues from 1 to %d",
                           PORT_N_RXQ_MAX);
}

static char *
parse_uplink(struct port_options *po, const char *value)
{
    if (!is_valid_port_name(value)) {
        return xalloc_printf("expected the name of an ecp-rdma port with "
                             "role=uplink");
    }
    free(po->uplink);
    po->uplink = xalloc_strdup(value);
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
        } else if (n == 4 && !strncmp(value, "unix", n)) {
            type = PORT_LINK_UNIX;
        } else if (n == 5 && !strncmp(value, "punix", n)) {
            type = PORT_LINK_PUNIX;
        }
    }
    if (type == PORT_LINK_NONE) {
        return xalloc_printf("expected afpacket:IFNAME, unix:PATH or "
                             "punix:PATH");
    }

    target = colon + 1;
    if (type == PORT_LINK_AFPACKET) {
        if (!target[0] || strlen(target) > IFNAME_MAX_LEN
            || strchr(target, '/') || !is_printable(target)
            || strchr(target, ' ')) {
            return xalloc_printf("expected an interface name of 1 to %d "
                                 "characters after afpacket:", IFNAME_MAX_LEN);
        }
    } else if (!is_valid_socket_path(target)) {
        return xalloc_printf("expected a unix socket path of 1 to %d "
                             "characters after %s:", SOCKET_PATH_MAX_LEN,
                             type == PORT_LINK_UNIX ? "unix" : "punix");
    }
    po->link_type = type;
    free(po->link_target);
    po->link_target = xalloc_strdup(target);
    return NULL;
}

static char *
parse_mtu(struct port_options *po, const char *value)
{
    return parse_uint(value, PORT_MTU_MIN, PORT_MTU_MAX, &po->mtu)
           ? NULL
           : xalloc_printf("expected an MTU from %d to %d",
                           PORT_MTU_MIN, PORT_MTU_MAX);
}

static char *
parse_window(struct port_options *po, const char *value)
{
    return parse_uint(value, 1, PORT_WINDOW_MAX, &po->window)
           ? NULL
           : xalloc_printf("expected a number of PSNs from 1 to %d",
                           PORT_WINDOW_MAX);
}

static char *
parse_rte(struct port_options *po, const char *value)
{
    return parse_uint(value, 0, PORT_RTE_MAX, &po->rte)
           ? NULL
           : xalloc_printf("expected an exponent from 0 to %d "
                           "(timeout 10 us * 2^rte)", PORT_RTE_MAX);
}

static char *
parse_max_tries(struct port_options *po, const char *value)
{
    return parse_uint(value, 1, PORT_MAX_TRIES_MAX, &po->max_tries)
           ? NULL
           : xalloc_printf("expected a number of retries from 1 to %d",
                           PORT_MAX_TRIES_MAX);
}

static char *
parse_max_vsis(struct port_options *po, const char *value)
{
    return parse_uint(value, 1, PORT_MAX_VSIS_MAX, &po->max_vsis)
           ? NULL
           : xalloc_printf("expected a number of VSIs from 1 to %d",
                           PORT_MAX_VSIS_MAX);
}

static char *
parse_max_vsi_mb(struct port_options *po, const char *value)
{
    return parse_uint(value, 1, PORT_MAX_MB_MAX, &po->max_vsi_mb)
           ? NULL
           : xalloc_printf("expected a number of MiB from 1 to %d",
                           PORT_MAX_MB_MAX);
}

static char *
parse_max_session_mb(struct port_options *po, const char *value)
{
    return parse_uint(value, 1, PORT_MAX_MB_MAX, &po->max_session_mb)
           ? NULL
           : xalloc_printf("expected a number of MiB from 1 to %d",
                           PORT_MAX_MB_MAX);
}

static char *
parse_max_regions(struct port_options *po, const char *value)
{
    return parse_uint(value, 1, PORT_MAX_REGIONS_MAX, &po->max_regions)
           ? NULL
           : xalloc_printf("expected a number of regions from 1 to %d",
                           PORT_MAX_REGIONS_MAX);
}

static char *
parse_max_assoc_rate(struct port_options *po, const char *value)
{
    return parse_uint(value, 1, PORT_MAX_ASSOC_RATE_MAX, &po->max_assoc_rate)
           ? NULL
           : xalloc_printf("expected associations per second from 1 to %d",
                           PORT_MAX_ASSOC_RATE_MAX);
}

static char *
parse_session(struct port_options *po, const char *value)
{
    if (!is_valid_port_name(value)) {
        return xalloc_printf("expected the name of an ecp-rdma port with "
                             "role=switch");
    }
    free(po->session);
    po->session = xalloc_strdup(value);
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

struct option_def {
    const char *name;
    unsigned int roles;         /* Bitmap of ROLE_BIT(PORT_ROLE_*). */
    option_parser *parse;       /* NULL for "role", handled first. */
};

static const struct option_def option_defs[] = {
    { "role", ROLES_ALL, NULL },
    { "socket", ROLES_VM, parse_socket },
    { "id", ROLES_VM, parse_id },
    { "secret", ROLES_VM, parse_secret },
    { "ring-size", ROLES_VM, parse_ring_size },
    { "buffer-size", ROLES_VM, parse_buffer_size },
    { "n-rxq", ROLES_VM, parse_n_rxq },
    { "uplink", ROLES_VM, parse_uplink },
    { "switching", ROLES_VM, parse_switching },
    { "link", ROLES_LINK, parse_link },
    { "mtu", ROLES_LINK, parse_mtu },
    { "window", ROLES_LINK, parse_window },
    { "rte", ROLES_LINK, parse_rte },
    { "max-tries", ROLES_LINK, parse_max_tries },
    { "secret", ROLES_LINK, parse_session_secret },
    { "max-vsis", ROLES_LINK, parse_max_vsis },
    { "max-vsi-mb", ROLES_LINK, parse_max_vsi_mb },
    { "max-session-mb", ROLES_LINK, parse_max_session_mb },
    { "max-regions", ROLES_UPLINK, parse_max_regions },
    { "max-assoc-rate", ROLES_SWITCH, parse_max_assoc_rate },
    { "session", ROLES_VSI, parse_session },
    { "vsi", ROLES_VSI, parse_vsi },
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
                                 "(afpacket:IFNAME, unix:PATH or punix:PATH)",
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
        } else if (def->parse) {
            char *why = def->parse(po, values[i]);

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
           && string_equal(a->uplink, b->uplink)
           && a->switching == b->switching
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
