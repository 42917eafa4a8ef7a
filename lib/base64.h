/*
 * Base64 (RFC 4648 section 4; MIME use as in RFC 2045 section 6.8).
 *
 * The encoder appends to a struct str, optionally wrapping lines.  The
 * decoder is streaming: a struct b64dec carries at most three pending
 * sextets and a few flags between calls, so a MIME part of any size can
 * be decoded chunk by chunk with constant extra memory, and the output
 * does not depend on where the input was split.
 *
 * Decoding modes:
 *
 *   strict (B64_STRICT)  CR, LF, space and tab are ignored anywhere.  Any
 *       other byte outside the alphabet, '=' where no padding may be,
 *       padding that is incomplete ("Zg="), data after the padding, a
 *       truncated final quantum ("Zg" without "=="), and non-zero unused
 *       bits in the last quantum ("Zh==") fail with errno EINVAL.
 *
 *   lenient (default)  RFC 2045 section 6.8 for MIME: bytes outside the
 *       alphabet are ignored; the first '=' ends the data (what follows is
 *       ignored); a truncated final quantum decodes what it can (two or
 *       three leftover sextets give one or two bytes, a single sextet is
 *       dropped); non-zero unused bits are accepted.  Nothing but memory
 *       exhaustion fails.  Whenever strict mode would have failed on the
 *       same input, the input is reported as damaged.
 *
 * So lenient decoding of well-formed input (not damaged) gives the same
 * bytes as strict decoding, and strict decoding fails exactly when lenient
 * decoding reports damage.
 *
 * Limits: none but memory.  Sizes are checked for overflow (EOVERFLOW);
 * allocation failure is ENOMEM.
 */
#ifndef FACTEUR_BASE64_H
#define FACTEUR_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "str.h"

/* Encoder flag: wrapped lines end in CRLF instead of LF. */
#define B64_CRLF 0x01u
/* Decoder flag: reject anything but canonical base64 (see above). */
#define B64_STRICT 0x02u

/* Line length for MIME bodies (RFC 2045 section 6.8). */
#define B64_MIME_LINE 76

/*
 * Decoder state.  Treat the fields as private except damaged, which says
 * (in lenient mode) that irregular input was seen so far.
 */
struct b64dec {
	uint32_t acc;	       /* pending sextets, most recent lowest */
	unsigned char nsext;   /* number of sextets in acc, 0..3 */
	unsigned char state;   /* data, padding, end or failed */
	unsigned char strict;  /* B64_STRICT was given */
	unsigned char damaged; /* lenient mode saw irregular input */
};

/*
 * Appends the base64 encoding of the len bytes at in to out, padded with
 * '='.  If wrap is not 0, a line end (LF, or CRLF with B64_CRLF) is put
 * after every wrap characters; none follows the last line, so the caller
 * ends it as its format requires.  Empty input appends nothing.
 * Returns 0, or -1 with errno EINVAL (unknown flag), EOVERFLOW or ENOMEM;
 * out is unchanged on error.
 */
int b64_encode(struct str *out, const void *in, size_t len, size_t wrap,
    unsigned flags);

/*
 * Prepares st for a new input; flags is 0 (lenient) or B64_STRICT.
 */
void b64dec_init(struct b64dec *st, unsigned flags);

/*
 * Decodes the next len bytes of input, appending the bytes they complete
 * to out.  Returns 0, or -1 with errno:
 *   EINVAL     strict mode found invalid input (or the state had already
 *              failed); out may hold bytes appended before the fault was
 *              seen, and every later call fails too.
 *   ENOMEM, EOVERFLOW  out could not grow; nothing was consumed and st and
 *              out are unchanged, so the call may be repeated.
 */
int b64dec_update(struct b64dec *st, const void *in, size_t len,
    struct str *out);

/*
 * Ends the input, appending what a truncated final quantum still yields
 * (lenient mode).  Returns 0 when the whole input was well-formed, 1 when
 * (lenient mode) it was damaged but decoded as well as it could be, -1
 * with errno EINVAL (strict mode: truncated input, or an earlier failure)
 * or ENOMEM.  Call b64dec_init before using st for another input.
 */
int b64dec_final(struct b64dec *st, struct str *out);

/*
 * Decodes len bytes at once, appending to out: b64dec_init, _update and
 * _final in one call.  Returns 0 (clean), 1 (lenient mode, damaged input)
 * or -1 with errno as above; on -1, out is restored to its former length.
 */
int b64_decode(const void *in, size_t len, struct str *out, unsigned flags);

#endif
