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

#ifndef UNIX_SOCKET_H
#define UNIX_SOCKET_H 1

/* Unix domain sockets of type SOCK_SEQPACKET, named by a path: a file
 * system path or, with a leading '@', a name in the abstract namespace. */

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>

bool unix_socket_is_abstract(const char *path);
socklen_t unix_socket_address(const char *path, struct sockaddr_un *);
int unix_socket_create(void);
int unix_socket_listen(int fd, const char *path,
                       const struct sockaddr_un *, socklen_t,
                       int backlog, bool *boundp);

#endif /* unix-socket.h */
