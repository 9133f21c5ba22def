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

#ifndef ROE_QP_CHECK_H
#define ROE_QP_CHECK_H 1

/* The responder's checks of a request that a RoE queue pair received, for
 * roe-qp.c only.  In the order of Documentation/roe.rst: QP state, PSN,
 * opcode sequence, resources, length, and rkey, access and bounds of the
 * memory the request reads or writes. */

#include <stdbool.h>
#include <stdint.h>

#include "mr-table.h"
#include "roe-qp.h"

/* Checks request 'p', received at 'now', for 'qp'.  Returns true if 'qp'
 * is to execute it; for a WRITE packet, '*addrp' is then where its payload
 * goes.  Otherwise the request has been dealt with: dropped, NAKed,
 * refused (the QP is then in error), or, a duplicate, acknowledged or
 * answered again; every outcome is counted. */
bool roe_qp_check_request(struct roe_qp *qp, const struct roe_packet *p,
                          long long now, uint8_t **addrp);

/* The reason, for the QP's counters, that mr_check() result 'r' refuses a
 * request. */
enum roe_reject roe_qp_mr_reject(enum mr_check_result r);

#endif /* roe-qp-check.h */
