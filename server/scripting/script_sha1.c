/* script_sha1: SHA-1 through libcrypto's EVP interface (see script_sha1.h). */
#include "script_sha1.h"

#include <openssl/evp.h>

#include "zkv_assert.h"

static EVP_MD *sha1;
static EVP_MD_CTX *context;

void script_sha1_hex(char out[41], const void *data, size_t length) {
    static const char hex[] = "0123456789abcdef";
    if (!sha1) {
        sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
        context = EVP_MD_CTX_new();
        zkv_assert(sha1 != NULL && context != NULL);
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_length = 0;
    int ok = EVP_DigestInit_ex(context, sha1, NULL) && EVP_DigestUpdate(context, data, length) &&
             EVP_DigestFinal_ex(context, digest, &digest_length);
    zkv_assert(ok && digest_length == 20);
    for (int i = 0; i < 20; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[40] = '\0';
}

void script_sha1_release(void) {
    EVP_MD_CTX_free(context);
    EVP_MD_free(sha1);
    context = NULL;
    sha1 = NULL;
}
