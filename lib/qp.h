/*
 * Quoted-printable (RFC 2045 section 6.7).
 *
 * The encoder appends to a struct str.  The decoder is streaming: a
 * struct qpdec carries everything that is still undecided between calls
 * (an '=' and its first hex digit, a CR that may start a CRLF, white space
 * that is dropped if the line ends after it), so input may be split
 * anywhere, one byte at a time included, and the output is the same.
 *
 * Decoding:
 *   "=XX" (hex digits, upper or lower case) gives the byte XX.
 *   "=" then optional spaces and tabs then CRLF or LF is a soft line break
 *       and gives nothing.
 *   Spaces and tabs at the end of a line (before CRLF, LF or the end of
 *       the input) are dropped (rule 3: transports may add them).
 *   Hard line breaks are kept as they came: CRLF stays CRLF, LF stays LF.
 *       A CR not followed by LF is an ordinary byte.
 *   Every other byte, including ones that should have been encoded (8-bit
 *       bytes, controls, NUL), is copied as it is.
 *
 * Faults, which fail with EINVAL in strict mode (QP_STRICT) and are kept
 * and reported as damage in lenient mode (the default):
 *   A malformed '=' sequence: '=' followed by something that is neither
 *       two hex digits nor a soft line break, or truncated by the end of
 *       the input.  Lenient mode copies the '=' and the bytes after it that
 *       did not fit literally (the robust behaviour RFC 2045 recommends) and
 *       decodes on from there: "=4G" gives "=4G", "==41" gives "=A".
 *   A run of more than QP_WS_MAX spaces and tabs.  The decoder holds white
 *       space back until it knows whether the line ends; to keep its memory
 *       bounded, lenient mode copies the run literally once it is that long
 *       (no legal line is: lines are at most 76 characters).
 *
 * Strict decoding fails exactly when lenient decoding reports damage, and
 * otherwise both give the same bytes.
 *
 * Limits: QP_WS_MAX bytes of held-back white space (in the state struct);
 * otherwise none but memory.  Sizes are checked for overflow (EOVERFLOW);
 * allocation failure is ENOMEM.
 */
#ifndef FACTEUR_QP_H
#define FACTEUR_QP_H

#include <stddef.h>

#include "str.h"

/* Encoder flag: line ends (hard and soft) are written CRLF, not LF. */
#define QP_CRLF 0x01u
/* Encoder flag: the input is binary, CR and LF are encoded as =0D =0A. */
#define QP_BINARY 0x02u
/* Decoder flag: malformed input fails instead of being kept. */
#define QP_STRICT 0x04u

/* Longest encoded line, line end not counted (RFC 2045 rule 5). */
#define QP_LINE_MAX 76
/* Longest run of white space the decoder holds back. */
#define QP_WS_MAX 998

/*
 * Decoder state.  Treat the fields as private except damaged, which says
 * (in lenient mode) that malformed input was seen so far.
 */
struct qpdec {
	unsigned char state;   /* what the held-back bytes are */
	unsigned char strict;  /* QP_STRICT was given */
	unsigned char damaged; /* lenient mode saw malformed input */
	unsigned char hex;     /* the first digit of "=X", as it came */
	size_t nws;	       /* held-back spaces and tabs in ws */
	char ws[QP_WS_MAX];
};

/*
 * Appends the quoted-printable encoding of the len bytes at in to out.
 * Printable ASCII other than '=' is copied; '=', other bytes, and a space
 * or tab that ends a line or the input are written "=XX" (upper case hex).
 * Soft line breaks ("=" and a line end) keep every line at most
 * QP_LINE_MAX characters.  Without QP_BINARY, LF and CRLF in the input are
 * hard line breaks, written as LF, or as CRLF with QP_CRLF, and a lone CR
 * is encoded; with QP_BINARY, CR and LF are encoded like any byte and the
 * only line ends written are soft ones.  Output ends with a line end only
 * if the input did.  Returns 0, or -1 with errno EINVAL (unknown flag),
 * EOVERFLOW or ENOMEM; out is unchanged on error.
 */
int qp_encode(struct str *out, const void *in, size_t len, unsigned flags);

/*
 * Prepares st for a new input; flags is 0 (lenient) or QP_STRICT.
 */
void qpdec_init(struct qpdec *st, unsigned flags);

/*
 * Decodes the next len bytes of input, appending what they settle to out.
 * Returns 0, or -1 with errno:
 *   EINVAL     strict mode found malformed input (or the state had already
 *              failed); out may hold bytes appended before the fault was
 *              seen, and every later call fails too.
 *   ENOMEM, EOVERFLOW  out could not grow; nothing was consumed and st and
 *              out are unchanged, so the call may be repeated.
 */
int qpdec_update(struct qpdec *st, const void *in, size_t len,
    struct str *out);

/*
 * Ends the input: trailing white space is dropped and a pending CR is
 * copied; an unfinished '=' sequence is a fault.  Returns 0 when the
 * whole input was well-formed, 1 when (lenient mode) it was damaged, -1
 * with errno EINVAL (strict mode fault, or an earlier failure) or ENOMEM.
 * Call qpdec_init before using st for another input.
 */
int qpdec_final(struct qpdec *st, struct str *out);

/*
 * Decodes len bytes at once, appending to out: qpdec_init, _update and
 * _final in one call.  Returns 0 (clean), 1 (lenient mode, damaged input)
 * or -1 with errno as above; on -1, out is restored to its former length.
 */
int qp_decode(const void *in, size_t len, struct str *out, unsigned flags);

#endif
