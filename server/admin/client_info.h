/* client_info: one client described as a CLIENT LIST / CLIENT INFO line.
 *
 * The line has Redis 7.0.15's fields in Redis's order, followed by the
 * lib-name and lib-ver fields that Redis 7.2 added with CLIENT SETINFO:
 *
 *   id addr laddr fd name age idle flags db sub psub ssub multi qbuf
 *   qbuf-free argv-mem multi-mem rbs rbp obl oll omem tot-mem events cmd
 *   user redir resp lib-name lib-ver
 *
 * Buffer fields map onto zkv's buffers: qbuf/qbuf-free are the parser's
 * pending bytes and free capacity; the first output chunk plays the part of
 * Redis's fixed reply buffer (rbs its size, obl and rbp the bytes pending in
 * it, as zkv keeps no peak), the further chunks that of the reply list
 * (oll, omem).
 */
#ifndef ZKV_CLIENT_INFO_H
#define ZKV_CLIENT_INFO_H

#include "client.h"
#include "strbuf.h"

/* Appends the line for c, terminated by '\n'. */
void client_info_append(strbuf *out, const client *c);
/* Redis's flag letters ("N" when none), NUL-terminated into `flags`. */
void client_info_flags(const client *c, char *flags, size_t size);
/* "normal", "pubsub" (zkv has no replicas nor masters). */
const char *client_info_type(const client *c);

#endif
