/* script_sha1: the SHA-1 hex digests that name EVAL scripts, from OpenSSL's
 * libcrypto (a maintained implementation; the digest object is fetched once
 * and the context reused, so a digest costs no allocation). */
#ifndef ZKV_SCRIPT_SHA1_H
#define ZKV_SCRIPT_SHA1_H

#include <stddef.h>

/* Writes the 40 lower-case hex digits of SHA-1(data) and a NUL into out. */
void script_sha1_hex(char out[41], const void *data, size_t length);
/* Frees the cached digest objects (shutdown). */
void script_sha1_release(void);

#endif
