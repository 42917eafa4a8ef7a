/*
 * RFC 2047 encoded words ("=?charset?B?...?=", "=?charset?Q?...?="), with
 * the RFC 2231 section 5 language suffix ("=?utf-8*en?Q?...?="), decoded
 * into UTF-8.  The base64 and Q bytes go through lib/base64 and lib/qp.
 *
 * Decoding is lenient, as a reader of real mail must be:
 *   - an encoded word is recognised anywhere, not only between white
 *     space; white space between two encoded words is dropped;
 *   - the charset name is matched through iconv(3) (UTF-8 and US-ASCII
 *     without it); the bytes of adjacent words in the same charset are
 *     joined before conversion, so a character split across words comes
 *     out whole; bytes that are not valid in their charset become U+FFFD;
 *   - a word with an unknown charset, an unknown encoding or bad syntax
 *     is copied as it is (section 6.2), and so is all other text; 8-bit
 *     text is copied byte for byte (the caller decides what it means).
 *   - line ends (LF, CRLF) are removed, so a folded field value can be
 *     passed as it is.
 *
 * Limits: a charset name of at most RFC2047_CHARSET_MAX bytes (a longer
 * one is not an encoded word); the output is at most three times as long
 * as the input.
 */
#ifndef FACTEUR_RFC2047_H
#define FACTEUR_RFC2047_H

#include <stddef.h>

#include "str.h"

#define RFC2047_CHARSET_MAX 64

/*
 * Appends the decoded form of in[0..len) to out.  Returns 0 when every
 * encoded word decoded cleanly (or there was none), 1 when something was
 * damaged (a word kept as it is, bad base64/Q or bad bytes in the
 * charset), -1 with errno ENOMEM or EOVERFLOW (out is then restored).
 */
int rfc2047_decode(const char *in, size_t len, struct str *out);

/*
 * Converts len bytes in charset cs (NUL-terminated) to UTF-8, appending
 * to out; invalid bytes become U+FFFD.  Returns 0 (clean), 1 (something
 * was replaced), 2 (charset unknown: nothing appended), -1 (ENOMEM,
 * EOVERFLOW; out restored).  Shared with the MIME code for RFC 2231
 * parameter values and SEARCH on bodies.
 */
int charset_to_utf8(const char *cs, const char *in, size_t len,
    struct str *out);

#endif
