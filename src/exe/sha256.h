/* A small SHA-256 (FIPS 180-4) so the launcher needs nothing beyond libc and a static zlib. */
#ifndef INFOMETIS_SHA256_H
#define INFOMETIS_SHA256_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];
    uint64_t bytes;
    unsigned char buf[64];
    size_t used;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
/* Writes 64 lowercase hex digits and a NUL into hex. */
void sha256_final_hex(sha256_ctx *c, char hex[65]);
#endif
