/* number: strict parsing and formatting (see number.h). */
#include "number.h"

#include <ctype.h>
#include <stdio.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

bool number_parse_integer(const char *text, size_t length, long long *value) {
    if (length == 0 || length > 20) return false;
    if (length == 1 && text[0] == '0') {
        *value = 0;
        return true;
    }
    size_t i = text[0] == '-' ? 1 : 0;
    bool negative = i == 1;
    if (i >= length || text[i] < '1' || text[i] > '9') return false;
    unsigned long long magnitude = 0;
    for (; i < length; i++) {
        if (text[i] < '0' || text[i] > '9') return false;
        unsigned digit = (unsigned)(text[i] - '0');
        if (magnitude > (ULLONG_MAX - digit) / 10) return false;
        magnitude = magnitude * 10 + digit;
    }
    if (negative) {
        if (magnitude > (unsigned long long)LLONG_MAX + 1) return false;
        *value = magnitude == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)magnitude;
    } else {
        if (magnitude > (unsigned long long)LLONG_MAX) return false;
        *value = (long long)magnitude;
    }
    return true;
}

size_t number_format_integer(long long value, char buffer[NUMBER_INTEGER_BUFFER]) {
    char reversed[NUMBER_INTEGER_BUFFER];
    unsigned long long magnitude = value < 0 ? 0 - (unsigned long long)value : (unsigned long long)value;
    size_t count = 0, length = 0;
    do {
        reversed[count++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude > 0);
    if (value < 0) buffer[length++] = '-';
    while (count > 0) buffer[length++] = reversed[--count];
    return length;
}

bool number_parse_double(const char *text, size_t length, double *value) {
    char buffer[128]; /* longer texts are not numbers Redis accepts either */
    if (length == 0 || length >= sizeof(buffer) || isspace((unsigned char)text[0])) return false;
    memcpy(buffer, text, length);
    buffer[length] = '\0';
    errno = 0;
    char *end;
    double parsed = strtod(buffer, &end);
    if ((size_t)(end - buffer) != length || isnan(parsed)) return false;
    if (errno == ERANGE && (parsed == HUGE_VAL || parsed == -HUGE_VAL || parsed == 0)) return false;
    *value = parsed;
    return true;
}

bool number_parse_long_double(const char *text, size_t length, long double *value) {
    char buffer[NUMBER_LONG_DOUBLE_BUFFER];
    if (length == 0 || length >= sizeof(buffer) || isspace((unsigned char)text[0])) return false;
    memcpy(buffer, text, length);
    buffer[length] = '\0';
    errno = 0;
    char *end;
    long double parsed = strtold(buffer, &end);
    if ((size_t)(end - buffer) != length || isnan(parsed)) return false;
    if (errno == ERANGE && (parsed == HUGE_VALL || parsed == -HUGE_VALL || parsed == 0)) return false;
    *value = parsed;
    return true;
}

size_t number_format_long_double(long double value, char *buffer, size_t size) {
    int written = snprintf(buffer, size, "%.17Lf", value);
    if (written < 0 || (size_t)written >= size) return 0;
    size_t length = (size_t)written;
    if (memchr(buffer, '.', length) != NULL) {
        while (buffer[length - 1] == '0') length--;
        if (buffer[length - 1] == '.') length--;
    }
    if (length == 2 && buffer[0] == '-' && buffer[1] == '0') {
        buffer[0] = '0';
        length = 1;
    }
    return length;
}
