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

#include "unix-socket.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

/* Returns true if 'path' names a socket in the abstract namespace. */
bool
unix_socket_is_abstract(const char *path)
{
    return path[0] == '@';
}

/* Fills in 'sun' for 'path' and returns the address length: for an
 * abstract name, exactly the name, without trailing NULs.  Returns 0 if
 * 'path' is empty or too long. */
socklen_t
unix_socket_address(const char *path, struct sockaddr_un *sun)
{
    size_t len = strlen(path);

    memset(sun, 0, sizeof *sun);
    sun->sun_family = AF_UNIX;
    if (!len || len >= sizeof sun->sun_path) {
        return 0;
    }
    memcpy(sun->sun_path, path, len);
    if (unix_socket_is_abstract(path)) {
        sun->sun_path[0] = '\0';
        return offsetof(struct sockaddr_un, sun_path) + len;
    }
    return offsetof(struct sockaddr_un, sun_path) + len + 1;
}

/* Returns a new nonblocking, close-on-exec SOCK_SEQPACKET unix socket, or
 * -1 with errno set. */
int
unix_socket_create(void)
{
    return socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

/* Binds 'fd' to 'sun' (of length 'len', made from 'path'), lets only its
 * owner use the socket file, if there is one, and listens with 'backlog'.
 * Returns 0 or a positive errno value.  Once bind() has made a socket file,
 * sets '*boundp' (if 'boundp' is nonnull) to true, also if a later step
 * fails: the caller then removes the file. */
int
unix_socket_listen(int fd, const char *path, const struct sockaddr_un *sun,
                   socklen_t len, int backlog, bool *boundp)
{
    bool abstract = unix_socket_is_abstract(path);

    if (bind(fd, (const struct sockaddr *) sun, len)) {
        return errno;
    }
    if (boundp) {
        *boundp = !abstract;
    }
    if ((!abstract && chmod(path, 0600)) || listen(fd, backlog)) {
        return errno;
    }
    return 0;
}
