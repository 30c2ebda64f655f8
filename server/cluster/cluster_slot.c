/* cluster_slot: which hash slot a key belongs to.
 *
 * The slot is CRC16-XMODEM of the key mod 16384, where a non-empty "{tag}"
 * (first '{', then the first '}' after it) replaces the key, so that keys
 * sharing a tag share a slot.  The CRC uses a 256-entry table built on first
 * use from the polynomial (512 bytes, built once per process) instead of a
 * literal table: one byte per step is what keeps the per-command cost small
 * in cluster mode, and building it keeps the source short and checkable.
 */
#include <string.h>

#include "cluster.h"

#define CRC16_POLYNOMIAL 0x1021

static uint16_t crc_table[256];
static int crc_table_ready;

static void build_crc_table(void) {
    for (int byte = 0; byte < 256; byte++) {
        uint16_t crc = (uint16_t)(byte << 8);
        for (int bit = 0; bit < 8; bit++)
            crc = (uint16_t)((crc & 0x8000) ? (crc << 1) ^ CRC16_POLYNOMIAL : crc << 1);
        crc_table[byte] = crc;
    }
    crc_table_ready = 1;
}

uint16_t cluster_crc16(const char *data, size_t length) {
    if (!crc_table_ready) build_crc_table();
    uint16_t crc = 0;
    for (size_t i = 0; i < length; i++)
        crc = (uint16_t)((crc << 8) ^ crc_table[((crc >> 8) ^ (unsigned char)data[i]) & 0xff]);
    return crc;
}

int cluster_key_slot(const char *key, size_t length) {
    const char *open = memchr(key, '{', length);
    if (open) {
        size_t after = (size_t)(open - key) + 1;
        const char *close = memchr(open + 1, '}', length - after);
        if (close && close > open + 1) {
            key = open + 1;
            length = (size_t)(close - key);
        }
    }
    return cluster_crc16(key, length) & (CLUSTER_SLOTS - 1);
}
