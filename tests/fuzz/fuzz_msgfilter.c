/*
 * The Maildir delivery filter: output and loop verdict must not depend on
 * how the input is split, the output is the input minus the CR of each
 * CRLF, and it never writes more than the contract allows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msgfilter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t
run(const uint8_t *data, size_t size, size_t step, uint8_t *out, int *loop)
{
	struct msgfilter mf;
	size_t pos = 0, n = 0;

	msgfilter_init(&mf, "u@x");
	while (pos < size) {
		size_t take = step == 0 || step > size - pos ? size - pos : step;
		size_t o = msgfilter_feed(&mf, data + pos, take, out + n);

		if (o > take + 1)
			abort();
		n += o;
		pos += take;
	}
	n += msgfilter_end(&mf, out + n);
	*loop = mf.loop;
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *a, *b;
	size_t na, nb, crlf = 0, step;
	int la, lb;

	if (size == 0)
		return 0;
	step = data[0] % 13 + 1;
	a = malloc(size + 2);
	b = malloc(size + 2);
	if (a == NULL || b == NULL)
		abort();
	na = run(data, size, 0, a, &la);
	nb = run(data, size, step, b, &lb);
	if (na != nb || la != lb || memcmp(a, b, na) != 0)
		abort();
	for (size_t i = 0; i + 1 < size; i++)
		if (data[i] == '\r' && data[i + 1] == '\n')
			crlf++;
	if (na != size - crlf)
		abort();
	free(a);
	free(b);
	return 0;
}
