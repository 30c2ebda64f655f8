/* script_sha1: SHA-1 through libcrypto's EVP interface (see script_sha1.h). */
#include "script_sha1.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "zkv_assert.h"
#include "zmalloc.h"

/* libcrypto's allocations go to zmalloc when it allows it: only before its
 * first allocation, which is why this runs before the first digest.  If
 * another part of the process used libcrypto first, it keeps libc's. */
static void *crypto_alloc(size_t size, const char *file, int line) {
    (void)file;
    (void)line;
    return zmalloc_try_alloc(size);
}

static void *crypto_realloc(void *block, size_t size, const char *file, int line) {
    (void)file;
    (void)line;
    return zmalloc_try_realloc(block, size);
}

static void crypto_free(void *block, const char *file, int line) {
    (void)file;
    (void)line;
    zmalloc_free(block);
}

static EVP_MD *sha1;
static EVP_MD_CTX *context;

void script_sha1_hex(char out[41], const void *data, size_t length) {
    static const char hex[] = "0123456789abcdef";
    if (!sha1) {
        static int customized;
        if (!customized) CRYPTO_set_mem_functions(crypto_alloc, crypto_realloc, crypto_free);
        customized = 1;
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
